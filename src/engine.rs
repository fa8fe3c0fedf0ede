//! The event queue: a min-heap of (time, insertion counter) so that events at
//! the same instant run in the order they were scheduled. The queue knows
//! nothing about what events mean; the simulation owns the payloads.
//!
//! The heap is 4-ary: a large stream keeps tens of thousands of retries and
//! consumer wake-ups pending (`scenarios/bench/big-zipf.toml`: up to 47,823),
//! and sifting through a binary heap's 16 levels took 11 % of that run;
//! four children of 32 bytes share two cache lines, and the tree is half as
//! deep. Keys are unique, so the pop
//! order is the same total order whatever the heap's shape.

use crate::time::SimTime;

/// Children per node.
const ARITY: usize = 4;

/// A scheduled event: when, a tie-breaking sequence number, and a payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry<E> {
    at: SimTime,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    /// Whether `self` runs before `other`.
    #[inline]
    fn before(&self, other: &Self) -> bool {
        (self.at, self.seq) < (other.at, other.seq)
    }
}

/// A deterministic future-event list.
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: Vec<Entry<E>>,
    next_seq: u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue { heap: Vec::new(), next_seq: 0 }
    }

    /// Schedules `event` at `at`, after everything already scheduled at `at`.
    pub fn schedule(&mut self, at: SimTime, event: E) {
        let new = Entry { at, seq: self.next_seq, event };
        self.next_seq += 1;
        // Sift up: parents after the new entry move down into the hole.
        let mut i = self.heap.len();
        self.heap.push(new);
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if !new.before(&self.heap[parent]) {
                break;
            }
            self.heap[i] = self.heap[parent];
            i = parent;
        }
        self.heap[i] = new;
    }

    /// The time of the earliest event, or `SimTime::NEVER` when empty.
    pub fn next_time(&self) -> SimTime {
        self.heap.first().map_or(SimTime::NEVER, |e| e.at)
    }

    /// Removes and returns the earliest event if it is strictly before `end`.
    pub fn pop_before(&mut self, end: SimTime) -> Option<(SimTime, E)> {
        let first = *self.heap.first().filter(|e| e.at < end)?;
        let last = self.heap.pop()?;
        let n = self.heap.len();
        if n > 0 {
            // Sift the last entry down from the root: the earliest child
            // moves up into the hole while it runs before the entry.
            let mut i = 0;
            loop {
                let first_child = ARITY * i + 1;
                if first_child >= n {
                    break;
                }
                let children = first_child..(first_child + ARITY).min(n);
                let earliest = children.reduce(|a, b| if self.heap[b].before(&self.heap[a]) { b } else { a });
                let Some(c) = earliest.filter(|&c| self.heap[c].before(&last)) else { break };
                self.heap[i] = self.heap[c];
                i = c;
            }
            self.heap[i] = last;
        }
        Some((first.at, first.event))
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order_then_scheduling_order() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(5), 9u32);
        q.schedule(SimTime(1), 3);
        q.schedule(SimTime(5), 1);
        q.schedule(SimTime(3), 7);
        let mut order = Vec::new();
        while let Some((t, e)) = q.pop_before(SimTime::NEVER) {
            order.push((t.0, e));
        }
        // Same-time events keep their scheduling order (9 before 1), not
        // payload order.
        assert_eq!(order, vec![(1, 3), (3, 7), (5, 9), (5, 1)]);
    }

    #[test]
    fn interleaved_schedules_and_pops_come_out_in_time_then_scheduling_order() {
        // Against a sorted list, with a fixed LCG: many ties, a deep heap.
        let mut q = EventQueue::new();
        let mut reference: Vec<(u64, u32)> = Vec::new();
        let mut x: u64 = 12_345;
        let mut next = || {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            x >> 33
        };
        let mut now = 0;
        for id in 0..20_000u32 {
            let at = now + next() % 50;
            q.schedule(SimTime(at), id);
            reference.push((at, id));
            if next() % 3 == 0 {
                reference.sort_by_key(|&(t, id)| (t, id));
                let (t, want) = reference.remove(0);
                assert_eq!(q.pop_before(SimTime::NEVER), Some((SimTime(t), want)));
                now = t;
            }
        }
        reference.sort_by_key(|&(t, id)| (t, id));
        for (t, want) in reference {
            assert_eq!(q.pop_before(SimTime::NEVER), Some((SimTime(t), want)));
        }
        assert!(q.is_empty());
    }

    #[test]
    fn pop_before_respects_the_horizon() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(10), ());
        assert!(q.pop_before(SimTime(10)).is_none());
        assert_eq!(q.pop_before(SimTime(11)), Some((SimTime(10), ())));
    }
}
