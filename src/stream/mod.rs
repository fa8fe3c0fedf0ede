//! The simulated stream: its shards' hash-key ranges, the partition-key
//! router, per-shard write admission with its meters, and — when the
//! scenario has consumers — each shard's stored records and read admission.

pub mod hash;
pub mod limiter;
pub mod limits;
pub mod log;
pub mod read;

use crate::metrics::ShardMeter;
use crate::scenario::model::StreamSpec;
use crate::time::SimTime;
use hash::{HashRange, ShardMap, initial_ranges};
use limiter::{WriteLimiter, WriteLimits};
use log::{LogRec, ShardLog, SizeTag};
use read::ReadLimiter;

/// When a put call reaches the stream, computed once per call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PutAt {
    /// The instant.
    pub now: SimTime,
    /// Its whole second.
    pub second: u64,
    /// Whether it is past the warm-up.
    pub counted: bool,
}

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
    /// Each shard's stored records (kept only when someone reads them).
    pub logs: Vec<ShardLog>,
    /// Each shard's GetRecords admission, shared by polling consumers.
    pub readers: Vec<ReadLimiter>,
    keep_records: bool,
}

impl Stream {
    /// A new stream as AWS creates it for `spec`; accepted records are
    /// stored only when `keep_records` (the scenario has consumers). Each
    /// shard keeps `cells` time-series cells of `cell_s` seconds.
    pub fn new(spec: &StreamSpec, keep_records: bool, (cell_s, cells): (u64, usize)) -> Self {
        let ranges = initial_ranges(spec.shard_count);
        let limits =
            WriteLimits { records_per_s: spec.shard_write_records_per_s, bytes_per_s: spec.shard_write_bytes_per_s };
        let n = ranges.len();
        Stream {
            map: ShardMap::new(&ranges),
            ranges,
            limits,
            limiters: vec![WriteLimiter::new(spec.write_limit_model, limits); n],
            meters: vec![ShardMeter::with_cells(cell_s, cells); n],
            logs: vec![ShardLog::default(); n],
            readers: vec![ReadLimiter::default(); n],
            keep_records,
        }
    }

    /// The per-shard write limits.
    pub fn limits(&self) -> WriteLimits {
        self.limits
    }

    /// One record of `bytes` (data + key, as charged) created at `created`,
    /// offered to `shard` at `now`, in whole second `second`; returns whether
    /// the shard accepted it. `stored` is its size as readers see it.
    #[inline]
    pub fn put(&mut self, shard: u32, bytes: u64, stored: SizeTag, created: SimTime, at: PutAt) -> bool {
        let ok = self.admit(shard, (bytes, stored.bytes() as u64), at);
        if ok && self.keep_records {
            self.logs[shard as usize].push(LogRec::new(at.now, created, stored));
        }
        ok
    }

    /// One Kinesis record of `bytes` (data + key) holding the user records
    /// created at `created`, in order — one sent plain, or a KPL aggregate —
    /// with key tag `tag`, offered to `shard`; returns whether it was
    /// accepted. Readers see one record per user record, the first carrying
    /// the Kinesis record's size (see [`SizeTag::continuation`]).
    pub fn put_kinesis(
        &mut self,
        shard: u32,
        bytes: u64,
        tag: u8,
        created: impl Iterator<Item = SimTime>,
        at: PutAt,
    ) -> bool {
        let ok = self.admit(shard, (bytes, bytes), at);
        if ok && self.keep_records {
            let log = &mut self.logs[shard as usize];
            let mut size = SizeTag::new(bytes as u32, tag);
            for c in created {
                log.push(LogRec::new(at.now, c, size));
                size = SizeTag::continuation(tag);
            }
        }
        ok
    }

    /// Admits (or rejects) one record of `bytes` as the limit counts them
    /// (its real size second) and meters the attempt.
    #[inline]
    fn admit(&mut self, shard: u32, bytes: (u64, u64), at: PutAt) -> bool {
        let i = shard as usize;
        let ok = self.limiters[i].try_admit(self.limits, at.now, bytes.0);
        let pair = self.limit_pair();
        self.meters[i].attempt(at.second, at.counted, bytes, ok, pair);
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
