//! An Amazon Data Firehose stream with the Kinesis stream as its source
//! (`kind = "firehose"`, reference notes in docs/model.md, "Firehose").
//!
//! Firehose "calls the Kinesis Data Streams GetRecords operation once per
//! second for each shard", and each call "counts against the overall
//! throttling limit for the shard": its reads share the shard's 5 calls/s
//! and 2 MiB/s with every other polling reader. A throttled call is retried
//! ("indefinitely", AWS says, without saying when): shardsim's Firehose
//! simply makes its next once-a-second call. AWS does not document the
//! `Limit` Firehose passes; shardsim uses the maximum, 10,000.
//!
//! What it reads goes into one buffer for the whole Firehose stream (the
//! buffering hints are set per Firehose stream, not per shard), which is
//! delivered when the first of two conditions is met: it holds
//! `buffering_size_mib`, or its oldest record has waited
//! `buffering_interval_s` (with 0, every read is delivered as it arrives).
//! Delivery itself takes no time here: what a destination does with the
//! object is not modelled, nor is Firehose raising the buffer size when
//! delivery falls behind. Firehose de-aggregates KPL aggregates before it
//! delivers them, so latencies and counts are per user record.
//!
//! Across a resharding, a child shard is read once all its parents were
//! read to their end (AWS does not document Firehose's order; this is
//! shardsim's choice, the order the KCL and Lambda keep).

use rand::RngExt;

use crate::consumer::kcl::CONTROL;
use crate::consumer::polling::{call_latency, get_records};
use crate::consumer::{ConsumerMeter, Fetched, ShardView, Wake, with_copy_flags};
use crate::metrics::latency::LatencyCounts;
use crate::rng::SimRng;
use crate::scenario::model::FirehoseSpec;
use crate::stream::limits::GET_RECORDS_MAX_RECORDS;
use crate::stream::log::{Chunk, LogRec, ShardLog, StoredCopy};
use crate::time::SimTime;

/// Firehose's GetRecords calls on each shard: once a second.
const POLL_INTERVAL: SimTime = SimTime::from_secs(1);

/// Firehose bills data ingested from a stream "per GB ingested in 5 KB
/// increments (a 3 KB record is billed as 5 KB, a 12 KB record as 15 KB)".
pub const INGEST_INCREMENT_BYTES: u64 = 5 * 1_024;

/// Largest delivery latency or data freshness the histograms resolve, µs
/// (one year, as for end-to-end latency).
const LATENCY_MAX_US: u64 = 366 * 24 * 3_600 * 1_000_000;

/// What a Firehose stream measured besides what every consumer does.
#[derive(Clone, Debug)]
pub struct FirehoseMeter {
    /// Buffers delivered.
    pub deliveries: u64,
    /// Kinesis records read, each rounded up to 5 KB: what Firehose bills
    /// as ingested, in bytes.
    pub ingested_bytes_billed: u64,
    /// Each record's wait from its arrival in Firehose to its delivery, µs.
    pub delivery_latency_us: LatencyCounts,
    /// Each delivery's data freshness: the age of its oldest record since
    /// it arrived in Firehose (CloudWatch `DataFreshness`), µs.
    pub freshness_us: LatencyCounts,
}

impl Default for FirehoseMeter {
    fn default() -> Self {
        FirehoseMeter {
            deliveries: 0,
            ingested_bytes_billed: 0,
            delivery_latency_us: LatencyCounts::new(LATENCY_MAX_US),
            freshness_us: LatencyCounts::new(LATENCY_MAX_US),
        }
    }
}

/// Firehose's reading of one shard.
#[derive(Clone, Debug, Default)]
struct ShardReader {
    /// Records read (`pending`: waiting in the buffer).
    fetched: Fetched,
    /// Whether it is read (a child's reading starts once its parents ended).
    started: bool,
    /// Whether it was read to its end (closed shards only).
    ended: bool,
    parents: Vec<u32>,
    children: Vec<u32>,
}

/// A record read and not yet delivered.
#[derive(Clone, Copy, Debug)]
struct Buffered {
    rec: LogRec,
    /// When the read that took it returned.
    arrived: SimTime,
    shard: u32,
    /// Whether that read was past the warm-up.
    counted: bool,
    /// Whether it is a stored copy (and why).
    copy: Option<StoredCopy>,
}

/// A Firehose stream reading every shard (`kind = "firehose"`).
#[derive(Debug)]
pub struct FirehoseConsumer {
    interval: SimTime,
    size_bytes: u64,
    shards: Vec<ShardReader>,
    buffer: Vec<Buffered>,
    buffer_bytes: u64,
    /// The records of the read in progress (kept for its allocation).
    scratch: Vec<Buffered>,
    /// Bumped at each delivery: a deadline event carrying an older one is
    /// stale.
    epoch: u32,
    rng: SimRng,
    /// What it observed as every consumer does.
    pub meter: ConsumerMeter,
    /// What it observed of its deliveries (handed over in the meter by
    /// [`Self::into_meter`]).
    delivered: FirehoseMeter,
}

impl FirehoseConsumer {
    /// A Firehose stream with `spec`'s buffering hints reading `shards` shards.
    pub fn new(spec: &FirehoseSpec, shards: usize, rng: SimRng) -> Self {
        FirehoseConsumer {
            interval: spec.buffering_interval,
            size_bytes: spec.buffering_size_mib as u64 * 1_048_576,
            shards: vec![ShardReader { started: true, ..ShardReader::default() }; shards],
            buffer: Vec::new(),
            buffer_bytes: 0,
            scratch: Vec::new(),
            epoch: 0,
            rng,
            meter: ConsumerMeter::default(),
            delivered: FirehoseMeter::default(),
        }
    }

    /// First reads at a seeded random point of the first second.
    pub fn start(&mut self, out: &mut Vec<Wake>) {
        for shard in 0..self.shards.len() {
            let at = SimTime(self.rng.random_range(0..POLL_INTERVAL.as_nanos()));
            out.push(Wake { at, shard: shard as u32, tag: 0 });
        }
    }

    /// Shard `shard`, child of `parents`, opened; it is read once its
    /// parents ended.
    pub fn shard_opened(&mut self, shard: usize, parents: &[u32]) {
        debug_assert_eq!(shard, self.shards.len(), "shards open in index order");
        self.shards.push(ShardReader { parents: parents.to_vec(), ..ShardReader::default() });
        for &p in parents {
            self.shards[p as usize].children.push(shard as u32);
        }
    }

    /// The once-a-second read of `shard` at `now`.
    pub fn wake(&mut self, shard: usize, now: SimTime, mut view: ShardView<'_>, out: &mut Vec<Wake>) {
        self.skip_expired(shard, view.log, view.counted);
        if self.shards[shard].ended {
            return;
        }
        if view.shard_end(self.shards[shard].fetched.cursor) {
            return self.end_shard(shard, now, out);
        }
        let arrived = now + call_latency();
        let (counted, log) = (view.counted, view.log);
        let mut read = std::mem::take(&mut self.scratch);
        let got =
            get_records(&mut view, self.shards[shard].fetched.cursor, now, GET_RECORDS_MAX_RECORDS as u64, |chunk| {
                take(&mut read, log, chunk, (arrived, shard as u32, counted))
            });
        self.meter.read(counted, now, &got);
        out.push(Wake { at: now + POLL_INTERVAL, shard: shard as u32, tag: 0 });
        let reader = &mut self.shards[shard];
        reader.fetched.take(read.len() as u64);
        for b in read.drain(..) {
            self.add(b, out);
        }
        self.scratch = read;
        if self.interval == SimTime::ZERO && !self.buffer.is_empty() {
            self.deliver(arrived);
        }
        if view.shard_end(self.shards[shard].fetched.cursor) {
            self.end_shard(shard, now, out);
        }
    }

    /// Adds one record to the buffer; the buffer goes as soon as it holds
    /// the buffering size, so each delivery holds about that much.
    fn add(&mut self, b: Buffered, out: &mut Vec<Wake>) {
        if self.buffer.is_empty() && self.interval > SimTime::ZERO {
            out.push(Wake { at: b.arrived + self.interval, shard: CONTROL, tag: self.epoch });
        }
        // An aggregate's continuations carry no size of their own: its
        // first record carries the Kinesis record's.
        let bytes = if b.rec.size.is_continuation() { 0 } else { b.rec.bytes() as u64 };
        if b.counted {
            self.delivered.ingested_bytes_billed += bytes.div_ceil(INGEST_INCREMENT_BYTES) * INGEST_INCREMENT_BYTES;
        }
        self.buffer.push(b);
        self.buffer_bytes += bytes;
        if self.buffer_bytes >= self.size_bytes {
            self.deliver(b.arrived);
        }
    }

    /// The buffering interval of the buffer of `epoch` ran out at `now`.
    pub fn control(&mut self, epoch: u32, now: SimTime) {
        if epoch == self.epoch && !self.buffer.is_empty() {
            self.deliver(now);
        }
    }

    /// Delivers the whole buffer at `at`.
    fn deliver(&mut self, at: SimTime) {
        let f = &mut self.delivered;
        let oldest = self.buffer[0];
        if oldest.counted {
            f.deliveries += 1;
            f.freshness_us.record((at - oldest.arrived).as_nanos() / 1_000);
        }
        for b in self.buffer.drain(..) {
            self.shards[b.shard as usize].fetched.pending -= 1;
            if !b.counted {
                continue;
            }
            f.delivery_latency_us.record((at - b.arrived).as_nanos() / 1_000);
            let m = &mut self.meter;
            match b.copy {
                Some(cause) => m.stored_copies(cause, 1),
                None => {
                    m.latency(&b.rec, at);
                    m.records_delivered += 1;
                }
            }
        }
        self.buffer_bytes = 0;
        self.epoch = self.epoch.wrapping_add(1);
    }

    /// `shard` was read to its end: its children whose parents all ended
    /// start reading at once.
    fn end_shard(&mut self, shard: usize, now: SimTime, out: &mut Vec<Wake>) {
        self.shards[shard].ended = true;
        for child in self.shards[shard].children.clone() {
            let c = &self.shards[child as usize];
            if !c.started && c.parents.iter().all(|&p| self.shards[p as usize].ended) {
                self.shards[child as usize].started = true;
                out.push(Wake { at: now, shard: child, tag: 0 });
            }
        }
    }

    /// What it measured, its deliveries included, at the end of the run.
    pub fn into_meter(self) -> ConsumerMeter {
        ConsumerMeter { firehose: Some(Box::new(self.delivered)), ..self.meter }
    }

    /// What Firehose read from `shard` (`pending`: waiting in the buffer).
    pub fn fetched(&self, shard: usize) -> Fetched {
        self.shards[shard].fetched
    }

    /// Moves past expired records, counting them.
    pub fn skip_expired(&mut self, shard: usize, log: &ShardLog, counted: bool) {
        self.shards[shard].fetched.skip_expired(log, counted, &mut self.meter);
    }
}

/// Adds the records of `chunk` (from `log`) to the buffer, as read by a
/// call returning at `arrived` from `shard`, `counted` or not. A stored
/// copy of a record the KPL sent again is marked as one (Firehose
/// de-aggregates without a range check, so it delivers it again).
fn take(buffer: &mut Vec<Buffered>, log: &ShardLog, chunk: Chunk<'_>, (arrived, shard, counted): (SimTime, u32, bool)) {
    buffer.extend(with_copy_flags(log, chunk).map(|(rec, copy)| Buffered { rec, arrived, shard, counted, copy }));
}
