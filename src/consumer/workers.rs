//! A KCL application's workers, and what giving out leases and metering the
//! lease table ask of them, kept up to date as leases move rather than
//! counted over every worker each time: the live workers that may take one
//! more lease, ordered by (leases held, index), and the totals. With one
//! worker per lease, a 10,000-shard stream has 10,000 workers; scanning
//! them for each lease given out and each checkpoint was quadratic.

use std::collections::{BTreeSet, VecDeque};

use crate::time::SimTime;

/// One sequential processor.
#[derive(Clone, Debug)]
pub struct Worker {
    pub busy_until: SimTime,
    /// When it fails (`NEVER` if it does not).
    pub fails_at: SimTime,
    /// False once it has failed, until a replacement takes its place.
    alive: bool,
    leases: u32,
    /// Shards (with their lease epoch) whose turn came while it was busy,
    /// in order; each read hands the worker to the next.
    pub waiting: VecDeque<(u32, u32)>,
}

impl Worker {
    /// A live worker, idle from `now`, that will not fail.
    fn fresh(now: SimTime) -> Self {
        Worker { busy_until: now, fails_at: SimTime::NEVER, alive: true, leases: 0, waiting: VecDeque::new() }
    }
}

/// The workers of one application.
#[derive(Clone, Debug)]
pub struct Workers {
    all: Vec<Worker>,
    /// Live workers holding fewer than `max_leases`: (leases, index).
    open: BTreeSet<(u32, u32)>,
    max_leases: u32,
    /// Leases held, over all workers.
    held: u32,
    /// Live workers.
    live: u32,
}

impl Workers {
    /// `n` live, idle workers that may each hold up to `max_leases`.
    pub fn new(n: usize, max_leases: u32) -> Self {
        let mut w = Workers { all: Vec::new(), open: BTreeSet::new(), max_leases, held: 0, live: 0 };
        (0..n).for_each(|_| w.push_fresh(SimTime::ZERO));
        w
    }

    /// Adds a live, idle worker from `now`.
    pub fn push_fresh(&mut self, now: SimTime) {
        self.all.push(Worker::fresh(now));
        self.live += 1;
        if self.max_leases > 0 {
            self.open.insert((0, (self.all.len() - 1) as u32));
        }
    }

    /// Whether some live worker holds no lease.
    pub fn any_idle(&self) -> bool {
        self.open.first().is_some_and(|&(leases, _)| leases == 0)
    }

    /// Whether any worker is alive.
    pub fn any_alive(&self) -> bool {
        self.live > 0
    }

    /// Gives one more lease to the live worker with the fewest leases
    /// (lowest index on ties) that may take one; returns it.
    pub fn take_lease(&mut self) -> Option<usize> {
        let (leases, w) = self.open.pop_first()?;
        self.set_leases(w as usize, leases + 1);
        Some(w as usize)
    }

    /// Worker `w` gives up one lease.
    pub fn release_lease(&mut self, w: usize) {
        let leases = self.all[w].leases;
        if self.all[w].alive && leases < self.max_leases {
            self.open.remove(&(leases, w as u32));
        }
        self.set_leases(w, leases - 1);
    }

    /// Worker `w` fails: it holds nothing and waits for nothing.
    pub fn fail(&mut self, w: usize) {
        let worker = &mut self.all[w];
        if !worker.alive {
            return;
        }
        self.open.remove(&(worker.leases, w as u32));
        self.held -= worker.leases;
        self.live -= 1;
        worker.leases = 0;
        worker.alive = false;
        worker.waiting.clear();
    }

    /// A fresh worker, idle from `now`, takes failed worker `w`'s place.
    pub fn replace(&mut self, w: usize, now: SimTime) {
        debug_assert!(!self.all[w].alive, "only a failed worker is replaced");
        self.all[w] = Worker::fresh(now);
        self.live += 1;
        if self.max_leases > 0 {
            self.open.insert((0, w as u32));
        }
    }

    /// Leases held over all workers, and live workers: what the lease table
    /// serves.
    pub fn table_state(&self) -> (u32, u32) {
        debug_assert_eq!(self.held, self.all.iter().map(|w| w.leases).sum::<u32>());
        debug_assert_eq!(self.live, self.all.iter().filter(|w| w.alive).count() as u32);
        (self.held, self.live)
    }

    /// Sets live worker `w`'s lease count (out of `open`) to `leases`, and
    /// puts it back in `open` if it may take another.
    fn set_leases(&mut self, w: usize, leases: u32) {
        let worker = &mut self.all[w];
        self.held = self.held - worker.leases + leases;
        worker.leases = leases;
        if worker.alive && leases < self.max_leases {
            self.open.insert((leases, w as u32));
        }
    }
}

impl std::ops::Index<usize> for Workers {
    type Output = Worker;
    fn index(&self, w: usize) -> &Worker {
        &self.all[w]
    }
}

impl std::ops::IndexMut<usize> for Workers {
    fn index_mut(&mut self, w: usize) -> &mut Worker {
        &mut self.all[w]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule as a scan over every worker, for comparison.
    fn scanned(w: &Workers) -> Option<usize> {
        (0..w.all.len()).filter(|&i| w.all[i].alive && w.all[i].leases < w.max_leases).min_by_key(|&i| w.all[i].leases)
    }

    #[test]
    fn leases_go_to_the_least_loaded_live_worker_as_a_scan_would_choose() {
        let mut w = Workers::new(4, 2);
        let mut given = Vec::new();
        for _ in 0..6 {
            let expected = scanned(&w);
            given.push(w.take_lease().unwrap());
            assert_eq!(Some(*given.last().unwrap()), expected);
        }
        assert_eq!(given, [0, 1, 2, 3, 0, 1]);
        assert_eq!(w.table_state(), (6, 4));
        w.release_lease(0);
        assert_eq!((scanned(&w), w.take_lease()), (Some(0), Some(0)), "0, 2 and 3 tie at one lease: lowest index");
        w.fail(1);
        assert_eq!(w.table_state(), (4, 3));
        assert_eq!((scanned(&w), w.take_lease()), (Some(2), Some(2)));
        assert_eq!((scanned(&w), w.take_lease()), (Some(3), Some(3)));
        assert_eq!((scanned(&w), w.take_lease()), (None, None), "every live worker holds its maximum");
        assert!(!w.any_idle());
        w.replace(1, SimTime::from_secs(5));
        assert!(w.any_idle() && w.any_alive());
        assert_eq!((scanned(&w), w.take_lease()), (Some(1), Some(1)));
        assert_eq!(w.table_state(), (7, 4));
    }
}
