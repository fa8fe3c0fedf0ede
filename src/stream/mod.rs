//! The simulated stream: its shards over time (the topology), the
//! partition-key router over the open ones, per-shard write admission with
//! its meters, and — when the scenario has consumers — each shard's stored
//! records and read admission. Per-shard state is indexed by shard index
//! and grows as reshardings create shards; closed shards keep theirs, so
//! their records stay readable until retention expires them.

pub mod faults;
pub mod hash;
pub mod limiter;
pub mod limits;
pub mod log;
pub mod names;
pub mod on_demand;
pub mod read;
pub mod topology;

use crate::metrics::ShardMeter;
use crate::scenario::model::{ReadLimitModel, StreamSpec, WriteLimitModel};
use crate::time::SimTime;
use hash::{HashRange, ShardMap};
use limiter::{WriteLimiter, WriteLimits};
use log::{LogRec, ShardLog, SizeTag};
use read::ReadLimiter;
use topology::{Change, Topology};

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

/// A provisioned stream whose shards may split and merge.
#[derive(Debug)]
pub struct Stream {
    /// Every shard that existed, and the resharding calls.
    pub topology: Topology,
    /// Router from hash key to the open shard's index.
    pub map: ShardMap,
    limits: WriteLimits,
    model: WriteLimitModel,
    read_model: ReadLimitModel,
    /// Shape of each shard's time-series cells.
    cells: (u64, usize),
    /// Whether logs keep each record's key fingerprint (see [`ShardLog::keyed`]).
    keyed: bool,
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
    /// A new stream `name` as AWS creates it for `spec`; accepted records
    /// are stored only when `keep_records` (the scenario has consumers), with
    /// their keys' fingerprints when `keyed`. Each shard keeps `cells`
    /// time-series cells of `cell_s` seconds.
    pub fn new(spec: &StreamSpec, name: &str, keep_records: bool, keyed: bool, cells: (u64, usize)) -> Self {
        let topology = Topology::of_spec(spec, name);
        let limits =
            WriteLimits { records_per_s: spec.shard_write_records_per_s, bytes_per_s: spec.shard_write_bytes_per_s };
        let mut stream = Stream {
            map: topology.map(),
            topology,
            limits,
            model: spec.write_limit_model,
            read_model: spec.read_limit_model,
            cells,
            keyed,
            limiters: Vec::new(),
            meters: Vec::new(),
            logs: Vec::new(),
            readers: Vec::new(),
            keep_records,
        };
        stream.add_shards(spec.shard_count as usize);
        stream
    }

    /// Per-shard state for the shards the topology has beyond those known.
    fn add_shards(&mut self, total: usize) {
        let (cell_s, cells) = self.cells;
        let new = total - self.meters.len();
        self.limiters.extend(std::iter::repeat_n(WriteLimiter::new(self.model, self.limits), new));
        self.meters.extend(std::iter::repeat_n(ShardMeter::with_cells(cell_s, cells), new));
        self.logs.extend(std::iter::repeat_n(ShardLog::keyed(self.keyed), new));
        self.readers.extend(std::iter::repeat_n(ReadLimiter::new(self.read_model), new));
    }

    /// Shards that existed so far (open or not).
    pub fn shard_count(&self) -> usize {
        self.meters.len()
    }

    /// The hash-key range of shard `i`.
    pub fn range(&self, i: usize) -> HashRange {
        self.topology.shards[i].range
    }

    /// Whether shard `i` is open.
    #[inline]
    pub fn is_open(&self, i: u32) -> bool {
        self.topology.is_open(i)
    }

    /// Completes the running resharding's next step at `now`: its children
    /// open (with fresh limits, meters and logs), its parents close, and
    /// writes route by the new map.
    pub fn complete_step(&mut self, now: SimTime) -> Change {
        let change = self.topology.complete_step(now);
        self.follow(&change);
        change
    }

    /// An on-demand stream's service splits open shard `shard` evenly at
    /// `now`, as `decided` (when, by whom; see [`Topology::service_split`]).
    pub fn service_split(&mut self, decided: (SimTime, &'static str), now: SimTime, shard: u32) -> Option<Change> {
        let change = self.topology.service_split(decided, now, shard)?;
        self.follow(&change);
        Some(change)
    }

    /// The service merges the narrowest neighbours (see
    /// [`Topology::service_merge_narrowest`]), or `pair` when given.
    pub fn service_merge(
        &mut self,
        decided: (SimTime, &'static str),
        now: SimTime,
        pair: Option<(u32, u32)>,
    ) -> Option<Change> {
        let change = match pair {
            Some((a, b)) => self.topology.service_merge(decided, now, a, b)?,
            None => self.topology.service_merge_narrowest(decided, now)?,
        };
        self.follow(&change);
        Some(change)
    }

    /// New shards get their state, and writes route by the new map.
    fn follow(&mut self, change: &Change) {
        if !change.created.is_empty() || !change.closed.is_empty() {
            self.add_shards(self.topology.shards.len());
            self.map = self.topology.map();
        }
    }

    /// The per-shard write limits.
    pub fn limits(&self) -> WriteLimits {
        self.limits
    }

    /// One record of `bytes` (data + key, as charged) created at `created`,
    /// offered to `shard` at `now`, in whole second `second`; returns whether
    /// the shard accepted it. `stored` is its size as readers see it.
    /// `TAIL_ASKED`: the caller asked for the shard's state and log slot
    /// ahead ([`Self::prefetch_state`], [`Self::prefetch_tail`]).
    #[inline(always)]
    pub fn put<const TAIL_ASKED: bool>(
        &mut self,
        shard: u32,
        bytes: u64,
        stored: SizeTag,
        created: SimTime,
        at: PutAt,
    ) -> bool {
        debug_assert!(self.is_open(shard), "writes route to open shards");
        let ok = self.admit(shard, (bytes, stored.bytes() as u64), at);
        if ok && self.keep_records {
            self.logs[shard as usize].push_after::<TAIL_ASKED>(LogRec::new(at.now, created, stored));
        }
        ok
    }

    /// One Kinesis record of `bytes` (data + key) holding `users` — each
    /// user record's creation time and key fingerprint, in order: one sent
    /// plain, or a KPL aggregate — with key tag `tag`, offered to `shard`;
    /// returns whether it was accepted. Readers see one record per user
    /// record, the first carrying the Kinesis record's size (see
    /// [`SizeTag::continuation`]); keyed logs keep the fingerprints.
    pub fn put_kinesis(
        &mut self,
        shard: u32,
        bytes: u64,
        tag: u8,
        users: impl Iterator<Item = (SimTime, u32)>,
        at: PutAt,
    ) -> bool {
        let ok = self.admit(shard, (bytes, bytes), at);
        if ok && self.keep_records {
            let log = &mut self.logs[shard as usize];
            let mut size = SizeTag::new(bytes as u32, tag);
            for (created, fingerprint) in users {
                log.push(LogRec::new(at.now, created, size));
                if self.keyed {
                    log.push_key(fingerprint);
                }
                size = SizeTag::continuation(tag);
            }
        }
        ok
    }

    /// Notes that the KPL aggregate `shard` just accepted was predicted for
    /// another shard (for readers, who may drop or re-deliver its records).
    pub fn note_misrouted(&mut self, shard: u32, m: log::Misrouted) {
        if self.keep_records {
            self.logs[shard as usize].note_misrouted(m);
        }
    }

    /// Notes that record `seq` of `shard` is a copy of one stored before
    /// (see [`log::StoredCopy::Timeout`]).
    pub fn note_timeout_copy(&mut self, shard: u32, seq: u64) {
        if self.keep_records {
            self.logs[shard as usize].note_timeout_copy(seq);
        }
    }

    /// [`Self::note_timeout_copy`] for the record `shard` just accepted.
    pub fn note_last_timeout_copy(&mut self, shard: u32) {
        if self.keep_records {
            let log = &mut self.logs[shard as usize];
            log.note_timeout_copy(log.end_seq() - 1);
        }
    }

    /// Notes the key fingerprint of the record `shard` just accepted, for
    /// readers that check key order across a resharding.
    #[inline]
    pub fn note_key(&mut self, shard: u32, fingerprint: u32) {
        if self.keep_records && self.keyed {
            self.logs[shard as usize].push_key(fingerprint);
        }
    }

    /// Asks for shard `shard`'s write state (limiter, meter, log header).
    #[inline]
    pub fn prefetch_state(&self, shard: u32) {
        let i = shard as usize;
        crate::cpu::prefetch(&self.limiters[i]);
        // The meter's first two lines (see `ShardMeter`), the log's first.
        let m: *const ShardMeter = &self.meters[i];
        crate::cpu::prefetch(m);
        crate::cpu::prefetch(m.wrapping_byte_add(64));
        if self.keep_records {
            crate::cpu::prefetch(&self.logs[i]);
        }
    }

    /// Asks for the slots shard `shard`'s log appends to next (its header
    /// should be in cache: see [`Self::prefetch_state`]).
    #[inline]
    pub fn prefetch_tail(&self, shard: u32) {
        if self.keep_records {
            self.logs[shard as usize].prefetch_tail();
        }
    }

    /// Admits (or rejects) one record of `bytes` as the limit counts them
    /// (its real size second) and meters the attempt. Always inlined: once
    /// the log's append grew, the compiler made it a call per attempt, and
    /// inlining it saves 5 % of the reference scenario's instructions.
    #[inline(always)]
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
