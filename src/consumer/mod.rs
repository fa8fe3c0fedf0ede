//! Consumers: applications reading every shard of the stream. How records
//! reach them is `polling` (GetRecords, shared throughput) or `efo`
//! (SubscribeToShard push, dedicated throughput); what processes them is a
//! KCL application (`kcl`: workers holding shard leases), a Lambda
//! event-source mapping (`lambda`: batches, concurrent per shard) or a
//! Firehose stream (`firehose`: one buffer delivered by size or age). What
//! every consumer measures, and the scan of a shard's log both read paths
//! share, live here.

pub mod efo;
pub mod firehose;
pub mod kcl;
pub mod lambda;
pub mod lease_table;
pub mod polling;
mod workers;

use hdrhistogram::Histogram;

use crate::consumer::polling::Read;
use crate::metrics::latency::LatencyCounts;
use crate::rng::SimRng;
use crate::scenario::model::{ConsumerKind, ConsumerSpec};
use crate::stream::log::{Chunk, LogRec, ShardLog, StoredCopy};
use crate::stream::read::ReadLimiter;
use crate::time::SimTime;

/// Largest latency or age the histograms resolve, in microseconds (one
/// year, the longest retention); larger values are clamped to it.
const LATENCY_MAX_US: u64 = 366 * 24 * 3_600 * 1_000_000;

/// What one consumer observed over the run.
#[derive(Clone, Debug)]
pub struct ConsumerMeter {
    /// Distinct records handed to the application (a record delivered
    /// again counts once here and once in `duplicates`).
    pub records_delivered: u64,
    /// Deliveries of records already delivered: re-reads from the last
    /// checkpoint after a failover, retried Lambda invocations, and the
    /// second stored copies of records the KPL sent again ("Wrong Shard")
    /// or a client sent again after its put timed out.
    pub duplicates: u64,
    /// `duplicates` by cause.
    pub duplicates_by_cause: DuplicateCauses,
    /// Of `duplicates`, the stored copies: with `records_delivered`,
    /// `records_discarded`, `records_expired` and the unread records, they
    /// add up to the records the stream stored.
    pub duplicates_stored: u64,
    /// Records the KCL's deaggregator dropped: every user record of a KPL
    /// aggregate that holds a key outside the shard's range.
    pub records_discarded: u64,
    /// Of those, the records the KPL counted as put (their key fit the
    /// shard), so it never sends them again: the application never sees
    /// them.
    pub records_lost: u64,
    /// Records delivered while an earlier record of the same partition key,
    /// in a parent (or older ancestor) shard, was still undelivered.
    pub out_of_order_records: u64,
    /// GetRecords calls rejected (ReadProvisionedThroughputExceeded counts
    /// calls, not records).
    pub read_throttled: u64,
    /// Failed reads by error code: GetRecords calls, and SubscribeToShard
    /// subscriptions ended by an error.
    pub read_errors_by_code: ReadErrorCodes,
    /// GetRecords calls that succeeded.
    pub get_records_calls: u64,
    /// Kinesis records and bytes GetRecords returned since the start of
    /// the run, warm-up included: what CloudWatch's `GetRecords.Records`
    /// and `GetRecords.Bytes` count, for autoscaling policies.
    pub get_records_since_start: (u64, u64),
    /// SubscribeToShard calls (one per shard every 5 minutes).
    pub subscribe_calls: u64,
    /// Bytes GetRecords returned or SubscribeToShard pushed (what AWS
    /// bills as data read), re-reads included.
    pub bytes_read: u64,
    /// Lambda invocations, retries included.
    pub invocations: u64,
    /// Records of Lambda batches given up after their retries.
    pub records_failed: u64,
    /// A Firehose stream's deliveries (`kind = "firehose"` only).
    pub firehose: Option<Box<firehose::FirehoseMeter>>,
    /// A KCL application's lease table (`polling` and `efo` only).
    pub lease_table: Option<Box<lease_table::LeaseTableMeter>>,
    /// Records that expired before this consumer read them.
    pub records_expired: u64,
    /// Largest age of the last record of a read when it was read
    /// (MillisBehindLatest / IteratorAge).
    pub iterator_age_max: SimTime,
    /// End-to-end latency (application's send → consumer's receipt) of
    /// each record's first delivery, µs; see [`ConsumerMeter::latency_histogram`].
    latency_us: LatencyCounts,
    /// Largest iterator age per time bucket, µs (0: no read in it); empty
    /// unless [`ConsumerMeter::keep_ages`] was called.
    pub ages_us: Vec<u64>,
    age_bucket_ns: u64,
}

/// A consumer's failed reads by the error code the service returned.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ReadErrorCodes {
    /// GetRecords calls over the shard's 5 calls/s or 2 MiB/s
    /// (`read_throttled`).
    #[serde(rename = "ProvisionedThroughputExceededException")]
    pub throttled: u64,
    /// GetRecords calls and SubscribeToShard subscriptions a `[[faults]]`
    /// read failure failed.
    #[serde(rename = "InternalFailure")]
    pub internal_failure: u64,
}

/// A consumer's duplicate deliveries by cause.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct DuplicateCauses {
    /// Re-reads from the last checkpoint after a KCL worker failed.
    pub worker_failover: u64,
    /// Records of Lambda batches invoked again after a function error.
    pub lambda_retry: u64,
    /// Stored copies the KPL sent again with error "Wrong Shard" after a
    /// resharding.
    pub resharding: u64,
    /// Stored copies a client sent again after its put timed out.
    pub request_timeout: u64,
}

impl Default for ConsumerMeter {
    fn default() -> Self {
        ConsumerMeter {
            records_delivered: 0,
            duplicates: 0,
            duplicates_by_cause: DuplicateCauses::default(),
            duplicates_stored: 0,
            records_discarded: 0,
            records_lost: 0,
            out_of_order_records: 0,
            read_throttled: 0,
            read_errors_by_code: ReadErrorCodes::default(),
            get_records_calls: 0,
            get_records_since_start: (0, 0),
            subscribe_calls: 0,
            bytes_read: 0,
            invocations: 0,
            records_failed: 0,
            firehose: None,
            lease_table: None,
            records_expired: 0,
            iterator_age_max: SimTime::ZERO,
            latency_us: LatencyCounts::new(LATENCY_MAX_US),
            ages_us: Vec::new(),
            age_bucket_ns: 1,
        }
    }
}

impl ConsumerMeter {
    /// Counts `n` deliveries of stored copies made for `cause`.
    pub fn stored_copies(&mut self, cause: StoredCopy, n: u64) {
        self.duplicates += n;
        self.duplicates_stored += n;
        match cause {
            StoredCopy::WrongShard => self.duplicates_by_cause.resharding += n,
            StoredCopy::Timeout => self.duplicates_by_cause.request_timeout += n,
        }
    }

    /// Records the end-to-end latency of `rec`, delivered at `at`.
    #[inline]
    pub fn latency(&mut self, rec: &LogRec, at: SimTime) {
        self.latency_us.record(rec.latency_us(at));
    }

    /// Records the end-to-end latency of each record of `chunk`, delivered
    /// at `at`.
    #[inline]
    pub fn latencies(&mut self, chunk: Chunk<'_>, at: SimTime) {
        chunk.latencies_us(at).for_each(|us| self.latency_us.record(us));
    }

    /// End-to-end latency of each record's first delivery, µs (3
    /// significant digits).
    pub fn latency_histogram(&self) -> Histogram<u64> {
        self.latency_us.histogram()
    }

    /// Keeps the largest iterator age per bucket of `bucket_s` seconds,
    /// `buckets` of them (the stream series' resolution).
    pub fn keep_ages(&mut self, bucket_s: u64, buckets: usize) {
        self.ages_us = vec![0; buckets];
        self.age_bucket_ns = bucket_s.max(1) * crate::time::NANOS_PER_S;
    }

    /// Notes the age of the last record of a read made at `now`.
    pub fn age(&mut self, now: SimTime, last_put: Option<SimTime>) {
        if let Some(put) = last_put {
            let age = now - put;
            self.iterator_age_max = self.iterator_age_max.max(age);
            if let Some(slot) = self.ages_us.get_mut((now.as_nanos() / self.age_bucket_ns) as usize) {
                *slot = (*slot).max(age.as_nanos() / 1_000);
            }
        }
    }

    /// Counts a GetRecords call at `now` and what it got.
    pub fn read(&mut self, counted: bool, now: SimTime, got: &Read) {
        if let Read::Got(s) = got {
            self.get_records_since_start.0 += s.kinesis_records;
            self.get_records_since_start.1 += s.bytes;
        }
        if !counted {
            return;
        }
        match got {
            Read::Throttled => {
                self.read_throttled += 1;
                self.read_errors_by_code.throttled += 1;
            }
            Read::Failed => self.read_errors_by_code.internal_failure += 1,
            Read::Got(s) => {
                self.get_records_calls += 1;
                self.bytes_read += s.bytes;
                self.age(now, s.last_put);
            }
        }
    }

    /// Counts a subscription ended by a read failure.
    pub fn subscription_failed(&mut self, counted: bool) {
        if counted {
            self.read_errors_by_code.internal_failure += 1;
        }
    }

    /// Counts a SubscribeToShard call.
    pub fn subscribed(&mut self, counted: bool) {
        if counted {
            self.subscribe_calls += 1;
        }
    }

    /// Counts a push event at `now`.
    pub fn pushed(&mut self, counted: bool, now: SimTime, s: &Scan) {
        if counted {
            self.bytes_read += s.bytes;
            self.age(now, s.last_put);
        }
    }
}

/// Processing time of a batch: fixed per batch plus per record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Processing {
    /// Time per non-empty batch.
    pub per_batch: SimTime,
    /// Time per record.
    pub per_record: SimTime,
}

impl Processing {
    /// The processing model of `spec`.
    pub fn of(spec: &ConsumerSpec) -> Self {
        Processing { per_batch: spec.process_per_batch, per_record: spec.process_per_record }
    }

    /// How long a batch of `n` records takes (nothing for an empty one).
    pub fn time(self, n: u64) -> SimTime {
        if n == 0 { SimTime::ZERO } else { self.per_batch + SimTime(self.per_record.as_nanos().saturating_mul(n)) }
    }
}

/// What one read found in a shard's log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scan {
    /// Stored (user) records taken: what the reader's position advances by.
    pub n: u64,
    /// Kinesis records taken (an aggregate counts once).
    pub kinesis_records: u64,
    /// Their bytes.
    pub bytes: u64,
    /// When the last of them was accepted.
    pub last_put: Option<SimTime>,
    /// Size of the first visible record left behind for lack of bytes.
    pub blocked_by: Option<u32>,
}

/// Takes records of `log` from sequence number `from` that are visible at
/// `now` (accepted at least `delay` before), up to `max_records` Kinesis
/// records and `max_bytes`, handing them to `each` in at most two slices.
/// An aggregated Kinesis record is taken whole or not at all.
pub fn scan(
    log: &ShardLog,
    from: u64,
    now: SimTime,
    delay: SimTime,
    max_records: u64,
    max_bytes: u64,
    mut each: impl FnMut(Chunk<'_>),
) -> Scan {
    let mut s = Scan::default();
    let Some(until) = now.as_nanos().checked_sub(delay.as_nanos()).map(SimTime) else {
        return s; // nothing is visible yet
    };
    log.chunks_from(from, |whole| {
        let chunk = whole.accepted_by(until);
        if s.kinesis_records == max_records {
            // The rest of an aggregate the ring's wrap split, if any.
            let rest = chunk.prefix(chunk.leading_continuations());
            if !rest.is_empty() {
                each(rest);
                s.n += rest.len() as u64;
            }
            return false;
        }
        let (chunk, kinesis) = chunk.kinesis_prefix(max_records - s.kinesis_records);
        let (n, bytes) = chunk.fit(max_bytes - s.bytes);
        if n > 0 {
            let taken = chunk.prefix(n);
            each(taken);
            s.n += n as u64;
            s.kinesis_records += if n == chunk.len() { kinesis } else { taken.kinesis_len() };
            s.bytes += bytes;
            s.last_put = taken.last_put();
        }
        if n < chunk.len() {
            s.blocked_by = chunk.iter().nth(n).map(|r| r.bytes());
            return false;
        }
        // On to the other side of the wrap only if all of this side went.
        n == whole.len()
    });
    s
}

/// The records of `chunk` (read from `log`), each with whether it is a
/// stored copy, and why: a reader that de-aggregates without a range check
/// (a Lambda function, Firehose) delivers it again. Copies are rare:
/// records are looked up one by one only in a chunk that holds one.
pub fn with_copy_flags<'a>(
    log: &'a ShardLog,
    chunk: Chunk<'a>,
) -> impl Iterator<Item = (LogRec, Option<StoredCopy>)> + 'a {
    let first = chunk.first_seq;
    let any = log.holds_copy(first, first + chunk.len() as u64);
    (first..).zip(chunk.iter()).map(move |(seq, rec)| (rec, if any { log.copy_at(seq) } else { None }))
}

/// A reader's place in one shard when it fetches records before it
/// delivers them (a Lambda mapping, a Firehose stream): fetched records
/// are its own to hold, the stream keeps the rest for it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fetched {
    /// Next sequence number to fetch.
    pub cursor: u64,
    /// Stored (user) records fetched and not yet delivered.
    pub pending: u64,
}

impl Fetched {
    /// `n` more records fetched.
    pub fn take(&mut self, n: u64) {
        self.cursor += n;
        self.pending += n;
    }

    /// Moves past records retention removed from `log`, counting those
    /// never fetched in `meter` when `counted`.
    pub fn skip_expired(&mut self, log: &ShardLog, counted: bool, meter: &mut ConsumerMeter) {
        let lost = skip_expired(&mut self.cursor, 0, log);
        if counted {
            meter.records_expired += lost;
        }
    }

    /// Records not fetched yet, plus those fetched and not delivered.
    pub fn unread(&self, log: &ShardLog) -> u64 {
        log.end_seq().saturating_sub(self.cursor) + self.pending
    }
}

/// Moves `cursor` past records retention removed from `log`; returns how
/// many of them were never delivered (those from `delivered` on).
pub fn skip_expired(cursor: &mut u64, delivered: u64, log: &ShardLog) -> u64 {
    let first = log.first_seq();
    if *cursor >= first {
        return 0;
    }
    let lost = first.saturating_sub((*cursor).max(delivered));
    *cursor = first;
    lost
}

/// An event a consumer asks for: at `at`, on `shard`, with a tag only the
/// consumer interprets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wake {
    /// When.
    pub at: SimTime,
    /// Which shard.
    pub shard: u32,
    /// The consumer's own meaning (lease epoch, Lambda lane, …).
    pub tag: u32,
}

/// What a consumer may touch when it handles an event on one shard.
pub struct ShardView<'a> {
    /// The shard's stored records.
    pub log: &'a ShardLog,
    /// The shard's GetRecords admission, shared by polling readers.
    pub read: &'a mut ReadLimiter,
    /// Whether the event is past the warm-up (metrics count).
    pub counted: bool,
    /// When the shard closed, if it has: its log will not grow, and
    /// reading to its end is SHARD_END.
    pub closed_at: Option<SimTime>,
    /// Every shard's stored records, by index (for key order across a
    /// resharding).
    pub logs: &'a [ShardLog],
    /// Whether a read made at this event fails (a `[[faults]]` read
    /// failure drawn for it).
    pub fails: bool,
}

impl ShardView<'_> {
    /// Whether a reader at `cursor` has reached SHARD_END: the shard is
    /// closed and nothing is left after `cursor`.
    pub fn shard_end(&self, cursor: u64) -> bool {
        self.closed_at.is_some() && cursor == self.log.end_seq()
    }
}

/// One consumer of any kind.
#[derive(Debug)]
pub enum Consumer {
    /// A KCL application, polling or enhanced fan-out.
    Kcl(kcl::KclConsumer),
    /// A Lambda event-source mapping.
    Lambda(lambda::LambdaConsumer),
    /// A Firehose stream.
    Firehose(firehose::FirehoseConsumer),
}

impl Consumer {
    /// The consumer `spec` describes, on a stream of `shards` shards with
    /// `retention`, metering over `window` (warm-up end, run end); `rng`
    /// draws its start phases (and Lambda failures).
    pub fn new(
        spec: &ConsumerSpec,
        shards: usize,
        (retention, window): (SimTime, (SimTime, SimTime)),
        rng: SimRng,
    ) -> Self {
        let processing = Processing::of(spec);
        let kcl = |source, k, rng| kcl::KclConsumer::new(source, k, (processing, spec.ordering, window), shards, rng);
        match &spec.kind {
            ConsumerKind::Polling(p, k) => Consumer::Kcl(kcl(kcl::Source::polling(p), k, rng)),
            ConsumerKind::Efo(k) => Consumer::Kcl(kcl(kcl::Source::Efo, k, rng)),
            ConsumerKind::Lambda(l) => {
                Consumer::Lambda(lambda::LambdaConsumer::new(l, processing, shards, retention, rng))
            }
            ConsumerKind::Firehose(f) => Consumer::Firehose(firehose::FirehoseConsumer::new(f, shards, rng)),
        }
    }

    /// Its first events.
    pub fn start(&mut self, out: &mut Vec<Wake>) {
        match self {
            Consumer::Kcl(c) => c.start(out),
            Consumer::Lambda(c) => c.start(out),
            Consumer::Firehose(c) => c.start(out),
        }
    }

    /// Handles its event `tag` on `shard` at `now`, pushing follow-ups.
    pub fn wake(&mut self, shard: usize, tag: u32, now: SimTime, view: ShardView<'_>, out: &mut Vec<Wake>) {
        match self {
            Consumer::Kcl(c) => c.wake(shard, tag, now, view, out),
            Consumer::Lambda(c) => c.wake(shard, tag, now, view, out),
            Consumer::Firehose(c) => c.wake(shard, now, view, out),
        }
    }

    /// Learns that shard `shard`, child of `parents`, opened at `now`.
    pub fn shard_opened(&mut self, shard: usize, parents: &[u32], now: SimTime, out: &mut Vec<Wake>) {
        match self {
            Consumer::Kcl(c) => c.shard_opened(shard, parents, now, out),
            Consumer::Lambda(c) => c.shard_opened(shard, parents),
            Consumer::Firehose(c) => c.shard_opened(shard, parents),
        }
    }

    /// Handles an event about the application rather than a shard
    /// (`shard` = [`kcl::CONTROL`]).
    pub fn control(&mut self, tag: u32, now: SimTime, out: &mut Vec<Wake>) {
        match self {
            Consumer::Kcl(c) => c.control(tag, now, out),
            Consumer::Firehose(c) => c.control(tag, now),
            Consumer::Lambda(_) => {}
        }
    }

    /// The oldest sequence number of `shard` it may still need.
    pub fn needs_from(&self, shard: usize) -> u64 {
        match self {
            Consumer::Kcl(c) => c.needs_from(shard),
            // Fetched records are theirs to hold; the stream keeps the rest.
            Consumer::Lambda(c) => c.fetched(shard).cursor,
            Consumer::Firehose(c) => c.fetched(shard).cursor,
        }
    }

    /// Moves past records retention removed from `shard`, counting those it
    /// never received.
    pub fn skip_expired(&mut self, shard: usize, log: &ShardLog, counted: bool) {
        match self {
            Consumer::Kcl(c) => c.skip_expired(shard, log, counted),
            Consumer::Lambda(c) => c.skip_expired(shard, log, counted),
            Consumer::Firehose(c) => c.skip_expired(shard, log, counted),
        }
    }

    /// Records of `shard` stored (or fetched) but never delivered.
    pub fn unread(&self, shard: usize, log: &ShardLog) -> u64 {
        match self {
            Consumer::Kcl(c) => c.unread(shard, log),
            Consumer::Lambda(c) => c.fetched(shard).unread(log),
            Consumer::Firehose(c) => c.fetched(shard).unread(log),
        }
    }

    /// What it is measuring.
    pub fn meter_mut(&mut self) -> &mut ConsumerMeter {
        match self {
            Consumer::Kcl(c) => &mut c.meter,
            Consumer::Lambda(c) => &mut c.meter,
            Consumer::Firehose(c) => &mut c.meter,
        }
    }

    /// What it measured, at the end of the run.
    pub fn into_meter(self) -> ConsumerMeter {
        match self {
            Consumer::Kcl(c) => c.into_meter(),
            Consumer::Lambda(c) => c.meter,
            Consumer::Firehose(c) => c.into_meter(),
        }
    }

    /// Brings its meters up to the end of the run, `horizon`.
    pub fn close(&mut self, horizon: SimTime) {
        if let Consumer::Kcl(c) = self {
            c.close(horizon);
        }
    }

    /// Shards no worker holds a lease on (KCL applications only).
    pub fn shards_unleased(&self) -> u32 {
        match self {
            Consumer::Kcl(c) => c.shards_unleased(),
            Consumer::Lambda(_) | Consumer::Firehose(_) => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::log::SizeTag;

    #[test]
    fn scan_stops_at_visibility_count_and_bytes() {
        let mut log = ShardLog::default();
        for i in 0..10 {
            log.push(LogRec::new(SimTime::from_secs(i), SimTime::ZERO, SizeTag::new(100, 0)));
        }
        let mut seen = Vec::new();
        let s = scan(&log, 2, SimTime::from_secs(7), SimTime::from_secs(1), 100, u64::MAX, |c| {
            seen.extend(c.first_seq..c.first_seq + c.len() as u64)
        });
        assert_eq!((s.n, s.bytes, s.last_put), (5, 500, Some(SimTime::from_secs(6))));
        assert_eq!(seen, vec![2, 3, 4, 5, 6]);
        assert_eq!(scan(&log, 0, SimTime::NEVER, SimTime::ZERO, 3, u64::MAX, |_| ()).n, 3);
        let by_bytes = scan(&log, 0, SimTime::NEVER, SimTime::ZERO, 100, 250, |_| ());
        assert_eq!((by_bytes.n, by_bytes.blocked_by), (2, Some(100)));
    }

    #[test]
    fn scan_cuts_runs_of_one_put_call_by_count_and_bytes() {
        let mut log = ShardLog::default();
        // Two put calls: 4 records at 1 s, then 4 at 2 s, of 10..=80 bytes.
        for (i, b) in (10..=80).step_by(10).enumerate() {
            log.push(LogRec::new(SimTime::from_secs(1 + i as u64 / 4), SimTime::ZERO, SizeTag::new(b, 0)));
        }
        let taken = |max_records, max_bytes| {
            let mut seqs = Vec::new();
            let s = scan(&log, 1, SimTime::NEVER, SimTime::ZERO, max_records, max_bytes, |c| {
                seqs.extend(c.first_seq..c.first_seq + c.len() as u64)
            });
            (s.n, s.bytes, s.last_put.map(|t| t.whole_secs()), s.blocked_by, seqs)
        };
        assert_eq!(taken(5, u64::MAX), (5, 200, Some(2), None, vec![1, 2, 3, 4, 5]));
        assert_eq!(taken(100, 140), (4, 140, Some(2), Some(60), vec![1, 2, 3, 4]));
        assert_eq!(taken(100, 89), (2, 50, Some(1), Some(40), vec![1, 2]));
        assert_eq!(taken(100, 19), (0, 0, None, Some(20), vec![]));
    }

    #[test]
    fn scans_count_kinesis_records_and_take_an_aggregate_whole() {
        let mut log = ShardLog::default();
        let at = |s| SimTime::from_secs(s);
        // 1 s: a plain record, an aggregate of 4 (1,000 bytes), a plain one.
        log.push(LogRec::new(at(1), SimTime::ZERO, SizeTag::new(100, 0)));
        log.push(LogRec::new(at(1), SimTime::ZERO, SizeTag::new(1_000, 9)));
        (0..3).for_each(|_| log.push(LogRec::new(at(1), SimTime::ZERO, SizeTag::continuation(9))));
        log.push(LogRec::new(at(1), SimTime::ZERO, SizeTag::new(100, 0)));
        let taken = |max_records, max_bytes| {
            let s = scan(&log, 0, SimTime::NEVER, SimTime::ZERO, max_records, max_bytes, |_| ());
            (s.n, s.kinesis_records, s.bytes, s.blocked_by)
        };
        assert_eq!(taken(2, u64::MAX), (5, 2, 1_100, None), "the aggregate counts once");
        assert_eq!(taken(3, u64::MAX), (6, 3, 1_200, None));
        assert_eq!(taken(10, 1_099), (1, 1, 100, Some(1_000)), "an aggregate is never split");
        assert_eq!(taken(1, u64::MAX), (1, 1, 100, None));
    }

    /// A log whose first 62 records were read and trimmed, so that its
    /// next records wrap the 64-slot ring after two.
    fn log_wrapping_after_two() -> ShardLog {
        let mut log = ShardLog::default();
        (0..62).for_each(|_| log.push(LogRec::new(SimTime::ZERO, SimTime::ZERO, SizeTag::new(1, 0))));
        log.trim(SimTime::ZERO, 62);
        log
    }

    #[test]
    fn an_aggregate_split_by_the_ring_wrap_is_still_taken_whole() {
        let mut log = log_wrapping_after_two();
        log.push(LogRec::new(SimTime::from_secs(1), SimTime::ZERO, SizeTag::new(500, 9)));
        (0..4).for_each(|_| log.push(LogRec::new(SimTime::from_secs(1), SimTime::ZERO, SizeTag::continuation(9))));
        log.push(LogRec::new(SimTime::from_secs(1), SimTime::ZERO, SizeTag::new(7, 0)));
        let mut chunks = Vec::new();
        let s = scan(&log, 62, SimTime::NEVER, SimTime::ZERO, 1, u64::MAX, |c| chunks.push((c.first_seq, c.len())));
        assert_eq!((s.n, s.kinesis_records, s.bytes), (5, 1, 500));
        assert_eq!(chunks, vec![(62, 2), (64, 3)], "two pieces either side of the wrap");
    }

    #[test]
    fn a_read_cut_before_an_aggregate_split_by_the_wrap_takes_none_of_it() {
        let mut log = log_wrapping_after_two();
        // A plain record and an aggregate's first record before the wrap at
        // 64, its 4 continuations after it.
        log.push(LogRec::new(SimTime::from_secs(1), SimTime::ZERO, SizeTag::new(7, 0)));
        log.push(LogRec::new(SimTime::from_secs(1), SimTime::ZERO, SizeTag::new(500, 9)));
        (0..4).for_each(|_| log.push(LogRec::new(SimTime::from_secs(1), SimTime::ZERO, SizeTag::continuation(9))));
        let s = scan(&log, 62, SimTime::NEVER, SimTime::ZERO, 1, u64::MAX, |_| ());
        assert_eq!((s.n, s.kinesis_records, s.bytes), (1, 1, 7), "the plain record only");
        let s = scan(&log, 62, SimTime::NEVER, SimTime::ZERO, 2, u64::MAX, |_| ());
        assert_eq!((s.n, s.kinesis_records, s.bytes), (6, 2, 507), "and then the aggregate whole");
    }

    #[test]
    fn skipping_expired_records_counts_only_undelivered_ones() {
        let mut log = ShardLog::default();
        (0..10).for_each(|i| log.push(LogRec::new(SimTime::from_secs(i), SimTime::ZERO, SizeTag::new(1, 0))));
        log.trim(SimTime::from_secs(6), 0);
        let mut cursor = 2;
        assert_eq!(skip_expired(&mut cursor, 0, &log), 4, "records 2..6 expired unread");
        assert_eq!(cursor, 6);
        // Re-reading from a checkpoint: records below `delivered` were seen.
        let mut cursor = 1;
        assert_eq!(skip_expired(&mut cursor, 5, &log), 1);
        assert_eq!(skip_expired(&mut cursor, 5, &log), 0, "nothing more to skip");
    }

    #[test]
    fn processing_time_is_per_batch_plus_per_record() {
        let p = Processing { per_batch: SimTime::from_millis_f64(5.0), per_record: SimTime::from_millis_f64(2.0) };
        assert_eq!(p.time(0), SimTime::ZERO);
        assert_eq!(p.time(10), SimTime::from_millis_f64(25.0));
    }
}
