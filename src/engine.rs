//! The event queue: a min-heap of (time, insertion counter) so that events at
//! the same instant run in the order they were scheduled. The queue knows
//! nothing about what events mean; the simulation owns the payloads.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::time::SimTime;

/// A scheduled event: when, a tie-breaking sequence number, and a payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Entry<E: Ord> {
    at: SimTime,
    seq: u64,
    event: E,
}

/// A deterministic future-event list.
#[derive(Debug)]
pub struct EventQueue<E: Ord> {
    heap: BinaryHeap<Reverse<Entry<E>>>,
    next_seq: u64,
}

impl<E: Ord + Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Ord + Copy> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue { heap: BinaryHeap::new(), next_seq: 0 }
    }

    /// Schedules `event` at `at`, after everything already scheduled at `at`.
    pub fn schedule(&mut self, at: SimTime, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Reverse(Entry { at, seq, event }));
    }

    /// The time of the earliest event, or `SimTime::NEVER` when empty.
    pub fn next_time(&self) -> SimTime {
        self.heap.peek().map_or(SimTime::NEVER, |Reverse(e)| e.at)
    }

    /// Removes and returns the earliest event if it is strictly before `end`.
    pub fn pop_before(&mut self, end: SimTime) -> Option<(SimTime, E)> {
        if self.next_time() < end { self.heap.pop().map(|Reverse(e)| (e.at, e.event)) } else { None }
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
    fn pop_before_respects_the_horizon() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(10), ());
        assert!(q.pop_before(SimTime(10)).is_none());
        assert_eq!(q.pop_before(SimTime(11)), Some((SimTime(10), ())));
    }
}
