//! The simulated stream: its shards' hash-key ranges, the partition-key
//! router, and per-shard write admission with its meters.

pub mod hash;
pub mod limiter;
pub mod limits;

use crate::metrics::ShardMeter;
use crate::scenario::model::StreamSpec;
use crate::time::SimTime;
use hash::{HashRange, ShardMap, initial_ranges};
use limiter::{WriteLimiter, WriteLimits};

/// A provisioned stream with a fixed set of open shards.
#[derive(Debug)]
pub struct Stream {
    /// Each shard's hash-key range, by shard index.
    pub ranges: Vec<HashRange>,
    /// Router from hash key to shard index.
    pub map: ShardMap,
    limits: WriteLimits,
    limiters: Vec<WriteLimiter>,
    /// Each shard's write meter, by shard index.
    pub meters: Vec<ShardMeter>,
}

impl Stream {
    /// A new stream as AWS creates it for `spec`.
    pub fn new(spec: &StreamSpec) -> Self {
        let ranges = initial_ranges(spec.shard_count);
        let limits =
            WriteLimits { records_per_s: spec.shard_write_records_per_s, bytes_per_s: spec.shard_write_bytes_per_s };
        let n = ranges.len();
        Stream {
            map: ShardMap::new(&ranges),
            ranges,
            limits,
            limiters: vec![WriteLimiter::new(spec.write_limit_model, limits); n],
            meters: vec![ShardMeter::default(); n],
        }
    }

    /// The per-shard write limits.
    pub fn limits(&self) -> WriteLimits {
        self.limits
    }

    /// One record of `bytes` (data + key) offered to `shard` at `now`, in
    /// whole second `second`; returns whether the shard accepted it.
    #[inline]
    pub fn put(&mut self, shard: u32, bytes: u64, now: SimTime, second: u64, counted: bool) -> bool {
        let i = shard as usize;
        let ok = self.limiters[i].try_admit(self.limits, now, bytes);
        let pair = self.limit_pair();
        self.meters[i].attempt(second, counted, bytes, ok, pair);
        ok
    }

    fn limit_pair(&self) -> (u64, u64) {
        (self.limits.records_per_s, self.limits.bytes_per_s)
    }

    /// Closes every shard's last second; call once at the end of the run.
    pub fn finish(&mut self) {
        let pair = self.limit_pair();
        self.meters.iter_mut().for_each(|m| m.finish(pair));
    }
}
