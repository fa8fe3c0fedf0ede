//! A Lambda event-source mapping (reference §10): a poller per shard feeds
//! up to `parallelization_factor` concurrent invocations of the function.
//!
//! With `retrieval = "polling"` the poller calls GetRecords (sharing the
//! shard's read limits) once per second, and again at once while calls come
//! back full, so it keeps reading until it has caught up; with `"efo"` the
//! records are pushed as for an enhanced fan-out consumer. It stops reading
//! while `batch_size × parallelization_factor` records wait for an
//! invocation. (AWS does not document the `Limit` Lambda passes to
//! GetRecords; shardsim uses the maximum, 10,000.)
//!
//! Fetched records go to one of the shard's concurrent lanes by their key
//! tag, so records of one partition key stay in order — and a hot key gets
//! no help from a higher factor, as with the real service. A lane invokes
//! the function with up to `batch_size` records and 6 MiB of payload (data
//! base64-encoded; the JSON envelope is not counted) as soon as it has a
//! full batch, or once the oldest waiting record has waited
//! `maximum_batching_window_s` (at once when that is 0).
//!
//! A KPL aggregate is one Kinesis record here, as for the real mapping: it
//! counts once against `batch_size`, its payload is the whole aggregate, and
//! all of it goes to the lane of its partition key `a`. The function
//! de-aggregates it, so `n` below counts user records.
//!
//! An invocation lasts `process_ms_per_batch + n × process_ms_per_record`.
//! It fails with probability `function_error_rate`; a failed batch is
//! retried whole, blocking its lane, until it succeeds, exhausts
//! `maximum_retry_attempts`, or its oldest record would have expired from
//! the stream — then its records count as `records_failed`. Records handed
//! to a retry count as `duplicates`.
//!
//! Across a resharding, the mapping reads a closed shard to its end and
//! starts a child shard's poller only once every parent's records were all
//! invoked (their last invocation done). AWS does not document this
//! ordering for Lambda; it is shardsim's reading of "Lambda processes
//! records in each shard in order" and of AWS's statement that lineage is
//! handled for Lambda consumers (scaling-facts §4).

use std::collections::VecDeque;

use rand::RngExt;

use crate::consumer::efo::{Push, Subscription, push_interval};
use crate::consumer::polling::{call_latency, get_records};
use crate::consumer::{ConsumerMeter, Fetched, Processing, ShardView, Wake, with_copy_flags};
use crate::rng::SimRng;
use crate::scenario::model::{LambdaSpec, Retrieval};
use crate::stream::limits::{GET_RECORDS_MAX_RECORDS, LAMBDA_PAYLOAD_MAX_BYTES, LAMBDA_POLL_INTERVAL_MS};
use crate::stream::log::{Chunk, LogRec, ShardLog, StoredCopy};
use crate::time::SimTime;

/// Event tag of a shard's poll (or push); lane `l` uses `LANE_TAG + l`.
const POLL_TAG: u32 = 0;
const LANE_TAG: u32 = 1;

/// Bytes a record takes in the invocation payload: its data base64-encoded
/// (its partition key is counted with the data).
fn payload_bytes(rec: &LogRec) -> u64 {
    (rec.bytes() as u64).div_ceil(3) * 4
}

/// One concurrent batch slot of a shard.
#[derive(Clone, Debug, Default)]
struct Lane {
    /// Fetched records waiting for an invocation, with when they arrived
    /// and whether each is a stored copy (and why).
    queue: VecDeque<(LogRec, SimTime, Option<StoredCopy>)>,
    busy_until: SimTime,
    /// The one lane event that counts; others are stale.
    wake_at: Option<SimTime>,
}

/// The mapping's state for one shard.
#[derive(Clone, Debug, Default)]
struct ShardPoller {
    /// Records fetched (`pending`: not yet invoked).
    fetched: Fetched,
    /// The Kinesis records among them (an aggregate counts once).
    pending_kinesis: u64,
    /// Whether a poll (or push) event is queued.
    poll_queued: bool,
    lanes: Vec<Lane>,
    sub: Subscription,
    /// The shard's parents and children, by index.
    parents: Vec<u32>,
    children: Vec<u32>,
    /// Whether its poller runs (a child's starts when its parents are done).
    started: bool,
    /// When its last record was invoked, once it is closed and read to its end.
    done_at: Option<SimTime>,
}

/// A Lambda event-source mapping (`kind = "lambda"`).
#[derive(Debug)]
pub struct LambdaConsumer {
    spec: LambdaSpec,
    processing: Processing,
    retention: SimTime,
    shards: Vec<ShardPoller>,
    rng: SimRng,
    /// What it observed.
    pub meter: ConsumerMeter,
}

impl LambdaConsumer {
    /// The mapping `spec` on `shards` shards of a stream with `retention`.
    pub fn new(spec: &LambdaSpec, processing: Processing, shards: usize, retention: SimTime, rng: SimRng) -> Self {
        let lanes = vec![Lane::default(); spec.parallelization_factor as usize];
        LambdaConsumer {
            spec: spec.clone(),
            processing,
            retention,
            shards: vec![ShardPoller { lanes, started: true, ..ShardPoller::default() }; shards],
            rng,
            meter: ConsumerMeter::default(),
        }
    }

    fn poll_interval() -> SimTime {
        SimTime::from_millis_f64(LAMBDA_POLL_INTERVAL_MS)
    }

    /// Kinesis records waiting beyond which the poller stops reading.
    fn enough_pending(&self) -> u64 {
        self.spec.batch_size as u64 * self.spec.parallelization_factor as u64
    }

    /// First polls at a seeded random point of the first poll interval.
    pub fn start(&mut self, out: &mut Vec<Wake>) {
        let period = match self.spec.retrieval {
            Retrieval::Polling => Self::poll_interval(),
            Retrieval::Efo => push_interval(),
        };
        for (shard, poller) in self.shards.iter_mut().enumerate() {
            let at = SimTime(self.rng.random_range(0..period.as_nanos()));
            poller.poll_queued = true;
            out.push(Wake { at, shard: shard as u32, tag: POLL_TAG });
        }
    }

    /// Shard `shard`, child of `parents`, opened; it is polled once its
    /// parents are done.
    pub fn shard_opened(&mut self, shard: usize, parents: &[u32]) {
        debug_assert_eq!(shard, self.shards.len(), "shards open in index order");
        let lanes = vec![Lane::default(); self.spec.parallelization_factor as usize];
        self.shards.push(ShardPoller { lanes, parents: parents.to_vec(), ..ShardPoller::default() });
        for &p in parents {
            self.shards[p as usize].children.push(shard as u32);
        }
    }

    /// Marks `shard` done if it is closed, read to its end and all invoked,
    /// and starts each child whose parents are all done.
    fn check_done(&mut self, shard: usize, now: SimTime, view: &ShardView<'_>, out: &mut Vec<Wake>) {
        let poller = &self.shards[shard];
        if poller.done_at.is_some() || !view.shard_end(poller.fetched.cursor) || poller.fetched.pending > 0 {
            return;
        }
        let done = poller.lanes.iter().map(|l| l.busy_until).fold(now, SimTime::max);
        self.shards[shard].done_at = Some(done);
        for child in self.shards[shard].children.clone() {
            let parents = &self.shards[child as usize].parents;
            let Some(at) =
                parents.iter().map(|&p| self.shards[p as usize].done_at).try_fold(done, |t, d| Some(t.max(d?)))
            else {
                continue;
            };
            let c = &mut self.shards[child as usize];
            if !c.started {
                c.started = true;
                c.poll_queued = true;
                out.push(Wake { at, shard: child, tag: POLL_TAG });
            }
        }
    }

    /// A poll (or push) or a lane event of `shard` at `now`.
    pub fn wake(&mut self, shard: usize, tag: u32, now: SimTime, view: ShardView<'_>, out: &mut Vec<Wake>) {
        if tag == POLL_TAG {
            self.fetch(shard, now, &mut { view }, out);
        } else {
            self.invoke(shard, (tag - LANE_TAG) as usize, now, &view, out);
        }
    }

    /// Reads `shard` unless enough records already wait.
    fn fetch(&mut self, shard: usize, now: SimTime, view: &mut ShardView<'_>, out: &mut Vec<Wake>) {
        self.shards[shard].poll_queued = false;
        self.skip_expired(shard, view.log, view.counted);
        if view.shard_end(self.shards[shard].fetched.cursor) {
            // Read to its end: no more polls.
            return self.check_done(shard, now, view, out);
        }
        let enough = self.enough_pending();
        if self.shards[shard].pending_kinesis >= enough {
            // A lane restarts the poller once it has taken a batch.
            return;
        }
        let pf = self.spec.parallelization_factor as usize;
        let lane_of = |rec: &LogRec| (rec.size.tag() as usize * pf) >> 8;
        // Each fetched record joins its key's lane, stamped with its arrival.
        let log = view.log;
        let enqueue = |lanes: &mut Vec<Lane>, chunk: Chunk<'_>, arrive: SimTime| {
            for (rec, copy) in with_copy_flags(log, chunk) {
                lanes[lane_of(&rec)].queue.push_back((rec, arrive, copy));
            }
        };
        let poller = &mut self.shards[shard];
        let lanes = &mut poller.lanes;
        let (got, arrive, next) = match self.spec.retrieval {
            Retrieval::Polling => {
                let arrive = now + call_latency();
                let got = get_records(view, poller.fetched.cursor, now, GET_RECORDS_MAX_RECORDS as u64, |chunk| {
                    enqueue(lanes, chunk, arrive)
                });
                self.meter.read(view.counted, now, &got);
                // Full calls mean more is waiting: read again at once (a
                // failed call waits for the next poll).
                let got = got.scan().copied();
                let full =
                    got.is_some_and(|s| s.kinesis_records == GET_RECORDS_MAX_RECORDS as u64 || s.blocked_by.is_some());
                (got, arrive, if full { arrive } else { now + Self::poll_interval() })
            }
            Retrieval::Efo => {
                let cursor = poller.fetched.cursor;
                match poller.sub.push(view.log, cursor, now, view.fails, |chunk| enqueue(lanes, chunk, now)) {
                    Push::Subscribed(resume) => {
                        self.meter.subscribed(view.counted);
                        (None, now, resume)
                    }
                    Push::Failed(resume) => {
                        self.meter.subscription_failed(view.counted);
                        (None, now, resume)
                    }
                    Push::Delivered(s) => {
                        self.meter.pushed(view.counted, now, &s);
                        (Some(s), now, poller.sub.next_push(now, &s))
                    }
                }
            }
        };
        let n = got.map_or(0, |s| s.n);
        poller.fetched.take(n);
        poller.pending_kinesis += got.map_or(0, |s| s.kinesis_records);
        if n > 0 {
            for (l, lane) in poller.lanes.iter_mut().enumerate() {
                let at = arrive.max(lane.busy_until);
                if !lane.queue.is_empty() && lane.wake_at.is_none_or(|w| w > at) {
                    lane.wake_at = Some(at);
                    out.push(Wake { at, shard: shard as u32, tag: LANE_TAG + l as u32 });
                }
            }
        }
        if poller.pending_kinesis < enough {
            poller.poll_queued = true;
            out.push(Wake { at: next, shard: shard as u32, tag: POLL_TAG });
        }
    }

    /// Lane `l` of `shard` invokes the function if it has a batch ready.
    fn invoke(&mut self, shard: usize, l: usize, now: SimTime, view: &ShardView<'_>, out: &mut Vec<Wake>) {
        let counted = view.counted;
        let enough = self.enough_pending();
        let (batch_size, window) = (self.spec.batch_size as usize, self.spec.maximum_batching_window);
        let lane = &mut self.shards[shard].lanes[l];
        if lane.wake_at != Some(now) {
            return;
        }
        lane.wake_at = None;
        let Some(&(_, first_arrived, _)) = lane.queue.front() else { return };
        // The batch: up to `batch_size` Kinesis records within the payload
        // limit; `n` counts the stored records, an aggregate's all together.
        let (mut n, mut kinesis, mut payload) = (0, 0, 0);
        for (rec, _, _) in &lane.queue {
            if !rec.size.is_continuation() {
                let p = payload_bytes(rec);
                if kinesis == batch_size || (kinesis > 0 && payload + p > LAMBDA_PAYLOAD_MAX_BYTES) {
                    break;
                }
                kinesis += 1;
                payload += p;
            }
            n += 1;
        }
        let full = kinesis == batch_size || n < lane.queue.len();
        let deadline = first_arrived + window;
        if !full && now < deadline {
            lane.wake_at = Some(deadline);
            out.push(Wake { at: deadline, shard: shard as u32, tag: LANE_TAG + l as u32 });
            return;
        }
        let oldest_put = lane.queue[0].0.put;
        let duration = self.processing.time(n as u64);
        let after = |k: u64| now + SimTime(duration.as_nanos().saturating_mul(k));
        // Retrying past the oldest record's expiry is pointless.
        let attempts = attempts(&self.spec, &mut self.rng, |k| after(k) - oldest_put >= self.retention);
        let meter = &mut self.meter;
        let mut copies = 0;
        for (rec, _, copy) in lane.queue.drain(..n) {
            // The function deaggregates without a range check: a copy
            // stored again is delivered again.
            match copy {
                Some(cause) if counted => meter.stored_copies(cause, 1),
                Some(_) => {}
                None if counted => meter.latency(&rec, now),
                None => {}
            }
            copies += copy.is_some() as u64;
        }
        if counted {
            meter.invocations += attempts.made;
            meter.records_delivered += n as u64 - copies;
            meter.duplicates += n as u64 * (attempts.made - 1);
            meter.duplicates_by_cause.lambda_retry += n as u64 * (attempts.made - 1);
            if !attempts.succeeded {
                meter.records_failed += n as u64;
            }
        }
        lane.busy_until = after(attempts.made);
        // An empty lane is woken by the next fetch that fills it.
        if !lane.queue.is_empty() {
            lane.wake_at = Some(lane.busy_until);
            out.push(Wake { at: lane.busy_until, shard: shard as u32, tag: LANE_TAG + l as u32 });
        }
        let poller = &mut self.shards[shard];
        poller.fetched.pending -= n as u64;
        poller.pending_kinesis -= kinesis as u64;
        if !poller.poll_queued && poller.pending_kinesis < enough {
            poller.poll_queued = true;
            out.push(Wake { at: now, shard: shard as u32, tag: POLL_TAG });
        }
        self.check_done(shard, now, view, out);
    }

    /// What the mapping fetched from `shard` (`pending`: waiting for an
    /// invocation).
    pub fn fetched(&self, shard: usize) -> Fetched {
        self.shards[shard].fetched
    }

    /// Moves past expired records, counting them.
    pub fn skip_expired(&mut self, shard: usize, log: &ShardLog, counted: bool) {
        self.shards[shard].fetched.skip_expired(log, counted, &mut self.meter);
    }
}

/// How a batch's invocations went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Attempts {
    /// Invocations made, the first included.
    made: u64,
    /// Whether the last one succeeded.
    succeeded: bool,
}

/// Invokes until success, the retry limit, or `expired(k)` says retrying
/// after `k` invocations would outlive the records.
fn attempts(spec: &LambdaSpec, rng: &mut SimRng, expired: impl Fn(u64) -> bool) -> Attempts {
    let mut made = 1;
    loop {
        if spec.function_error_rate == 0.0 || rng.random::<f64>() >= spec.function_error_rate {
            return Attempts { made, succeeded: true };
        }
        let retries_left = spec.maximum_retry_attempts.is_none_or(|max| made <= max as u64);
        if !retries_left || expired(made) {
            return Attempts { made, succeeded: false };
        }
        made += 1;
    }
}
