//! The KPL's own shard map (reference scaling-facts §5), as its
//! `shard_map.cc` and `retrier.cc` keep it: built from ListShards
//! (`AT_LATEST`: the open shards) when the instance starts, and listed again
//! only when a put lands on a shard other than the one predicted — never
//! on a timer. Ranges of shards seen in a listing stay cached after they
//! close, until the cleanup (every `kClosedShardTtl / 2`) finds the map
//! older than `kClosedShardTtl`; the retrier asks that cache whether a
//! record that landed elsewhere still belongs where it landed.
//!
//! ListShards is answered once the PutRecords response that asked for it
//! has been handled (so every record of that response is judged against
//! the old map, as the KPL's asynchronous call makes it), and never fails:
//! shardsim has no service errors yet, so the KPL's refresh back-off
//! (1 s ×1.5 up to 30 s after a failed listing) is never reached.

use crate::stream::hash::{HashRange, ShardMap};
use crate::time::SimTime;

/// How long the ranges of closed shards stay cached after the last listing
/// (KPL `kClosedShardTtl`).
pub const CLOSED_SHARD_TTL: SimTime = SimTime::from_secs(60);

/// One KPL instance's view of the stream's shards.
#[derive(Clone, Debug)]
pub struct KplShardMap {
    /// Router over the shards open at the last listing.
    map: ShardMap,
    /// Whether shard `i` was open at the last listing.
    open: Vec<bool>,
    /// Cached ranges by shard index: every shard seen in a listing since
    /// the last purge.
    ranges: Vec<Option<HashRange>>,
    /// When the last listing completed.
    updated_at: SimTime,
    /// When the cleanup next drops closed shards' ranges, if any are kept.
    purge_at: Option<SimTime>,
    /// Whether an invalidation asked for a listing not yet made.
    pending: bool,
    /// Listings made after the first.
    pub refreshes: u64,
}

impl KplShardMap {
    /// The map the instance builds when it starts at time 0.
    pub fn new(map: &ShardMap) -> Self {
        let mut m = KplShardMap {
            map: map.clone(),
            open: Vec::new(),
            ranges: Vec::new(),
            updated_at: SimTime::ZERO,
            purge_at: None,
            pending: false,
            refreshes: 0,
        };
        m.list(SimTime::ZERO, map);
        m.refreshes = 0;
        m
    }

    /// The shard the KPL predicts for `hash`.
    #[inline]
    pub fn predict(&self, hash: u128) -> u32 {
        self.map.shard_of(hash)
    }

    /// The cached range of `shard` at `now`, if the map knows it.
    pub fn range(&mut self, shard: u32, now: SimTime) -> Option<HashRange> {
        self.purge(now);
        self.ranges.get(shard as usize).copied().flatten()
    }

    /// The retrier saw, in the response to a request sent at `seen_at`, a
    /// record predicted for `predicted` land elsewhere: the map is listed
    /// again if it is older than that request and `predicted` was open in
    /// it (KPL PR #576: a record predicted from an already refreshed map,
    /// or for a shard it already knows closed, does not list again).
    pub fn invalidate(&mut self, seen_at: SimTime, predicted: u32) {
        if seen_at > self.updated_at && self.open.get(predicted as usize).copied().unwrap_or(false) {
            self.pending = true;
        }
    }

    /// Makes the listing an invalidation asked for, at `now`, from the
    /// stream's open shards `map`.
    pub fn refresh_if_asked(&mut self, now: SimTime, map: &ShardMap) {
        if self.pending {
            self.pending = false;
            self.list(now, map);
        }
    }

    fn list(&mut self, now: SimTime, map: &ShardMap) {
        self.purge(now);
        self.map = map.clone();
        self.open.iter_mut().for_each(|o| *o = false);
        for (shard, range) in map.ranges() {
            let i = shard as usize;
            if i >= self.open.len() {
                self.open.resize(i + 1, false);
                self.ranges.resize(i + 1, None);
            }
            self.open[i] = true;
            self.ranges[i] = Some(range);
        }
        self.updated_at = now;
        self.refreshes += 1;
        let closed_cached = self.ranges.iter().zip(&self.open).any(|(r, &o)| r.is_some() && !o);
        self.purge_at = closed_cached.then(|| self.next_cleanup_after(now + CLOSED_SHARD_TTL));
    }

    /// The KPL's cleanup thread wakes every `kClosedShardTtl / 2` from the
    /// instance's start and purges when the map is older than the TTL.
    fn next_cleanup_after(&self, t: SimTime) -> SimTime {
        let period = CLOSED_SHARD_TTL.as_nanos() / 2;
        SimTime((t.as_nanos() / period + 1) * period)
    }

    fn purge(&mut self, now: SimTime) {
        if self.purge_at.is_some_and(|at| at <= now) {
            self.purge_at = None;
            for (range, &open) in self.ranges.iter_mut().zip(&self.open) {
                if !open {
                    *range = None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::hash::initial_ranges;

    /// Shard 0 of a 2-shard stream split in the middle into 2 and 3.
    fn split_map() -> ShardMap {
        let r = initial_ranges(2);
        let mid = r[0].end / 2;
        let lower = HashRange { start: 0, end: mid };
        let upper = HashRange { start: mid + 1, end: r[0].end };
        ShardMap::of([(2, lower), (3, upper), (1, r[1])].into_iter())
    }

    #[test]
    fn a_listing_happens_only_when_asked_and_newer_than_the_map() {
        let before = ShardMap::new(&initial_ranges(2));
        let mut m = KplShardMap::new(&before);
        assert_eq!(m.predict(0), 0);
        assert_eq!(m.range(2, SimTime::from_secs(1)), None, "a child is unknown before a listing");
        // A request sent at t = 0 is not newer than the map built at 0.
        m.invalidate(SimTime::ZERO, 0);
        m.refresh_if_asked(SimTime::ZERO, &split_map());
        assert_eq!((m.refreshes, m.predict(0)), (0, 0));
        let t = SimTime::from_secs(5);
        m.invalidate(t, 0);
        m.refresh_if_asked(t, &split_map());
        assert_eq!((m.refreshes, m.predict(0)), (1, 2));
        assert!(m.range(3, t).is_some());
        // Shard 0 is closed in the new map: a stale prediction for it does
        // not list again, nor does a request older than the listing.
        m.invalidate(SimTime::from_secs(6), 0);
        m.invalidate(SimTime::from_secs(4), 2);
        m.refresh_if_asked(SimTime::from_secs(6), &split_map());
        assert_eq!(m.refreshes, 1);
    }

    #[test]
    fn closed_shards_ranges_are_purged_by_the_first_cleanup_past_the_ttl() {
        let mut m = KplShardMap::new(&ShardMap::new(&initial_ranges(2)));
        let t = SimTime::from_secs(5);
        m.invalidate(t, 0);
        m.refresh_if_asked(t, &split_map());
        // Map listed at 5 s; older than 60 s after 65 s; cleanups run at
        // 30, 60, 90 s, … so the purge is at 90 s.
        assert!(m.range(0, SimTime::from_secs(89)).is_some());
        assert_eq!(m.range(0, SimTime::from_secs(90)), None);
        assert!(m.range(1, SimTime::from_secs(90)).is_some(), "open shards stay");
    }
}
