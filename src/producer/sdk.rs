//! The SDK client: records are buffered into PutRecords calls of up to
//! `batch_max_records` records and 5 MiB (reference §1.4), sent when full or
//! `linger_ms` after the first record of the batch arrived; PutRecord is the
//! same with batches of one and no lingering. Records a shard rejects are
//! retried together after an exponential back-off with full jitter, up to
//! `max_attempts` tries, then dropped. (The AWS SDK retries whole failed
//! requests itself but returns per-record PutRecords failures to the
//! application, so this loop is the application's.) Calls go through
//! [`Requests`]: at most `max_concurrent_requests` in flight, each taking
//! its round trip; a closed batch waits for a free slot, and a call that
//! timed out is retried whole by the same loop (folding the SDK's own
//! retries of failed requests into the application's).
//!
//! The Kinesis Agent is this client with the agent's settings (see
//! [`crate::scenario::model::AgentSpec`]) and its publisher's [`Throttle`]
//! in place of the per-call back-off: it sends its buffers as they are
//! (waiting calls are not merged), retries first, and never gives up.

use std::collections::VecDeque;

use rand::RngExt;

use crate::producer::agent::Throttle;
use crate::producer::request::Requests;
use crate::producer::{Batch, InstanceSources, Rec};
use crate::rng::SimRng;
use crate::scenario::model::{SdkApi, SdkSpec};
use crate::stream::hash::ShardMap;
use crate::stream::log::SizeTag;
use crate::time::SimTime;
use crate::workload::keys::KeySpace;

/// PutRecord counts each record rounded up to a whole KiB against the
/// shard's bytes limit; PutRecords rounds only the call's total (reference
/// §1.1), which is at most 1 KiB per call and is not modelled.
const PUT_RECORD_ROUNDING_BYTES: u32 = 1_024;

/// One SDK client instance: the batcher that turns its arrivals into
/// calls, and the client that sends them and retries what is rejected.
#[derive(Debug)]
pub struct SdkInstance {
    /// Sends and retries.
    pub client: SdkClient,
    /// Builds the calls.
    pub batcher: SdkBatcher,
}

impl SdkInstance {
    /// An instance of `group`, keeping hash keys when `rerouted`; draws its
    /// first arrival. `rngs` draw back-off jitter and request latencies.
    pub fn new(
        group: u32,
        spec: &SdkSpec,
        src: InstanceSources,
        (backoff, latency): (SimRng, SimRng),
        (space, map): (&KeySpace, &ShardMap),
        rerouted: bool,
    ) -> Self {
        SdkInstance {
            client: SdkClient {
                group,
                backoff,
                requests: Requests::new(&spec.requests, latency),
                waiting: VecDeque::new(),
                spec: spec.clone(),
                throttle: None,
            },
            batcher: SdkBatcher::new(spec, src, (space, map), rerouted),
        }
    }
}

/// What an SDK instance does once a call is built: the bytes the shard
/// limit charges, and the retry loop's decisions. Depends on nothing the
/// batcher does, so the two can run apart (see [`super::feed`]).
#[derive(Debug)]
pub struct SdkClient {
    /// Producer group index.
    pub group: u32,
    /// Back-off jitter RNG.
    backoff: SimRng,
    /// Its request slots and latencies.
    pub requests: Requests,
    /// Calls ready while every slot was busy, with when each became ready,
    /// in that order.
    pub waiting: VecDeque<(Batch, SimTime)>,
    spec: SdkSpec,
    /// The Kinesis Agent's publisher back-off, for an agent.
    throttle: Option<Throttle>,
}

impl SdkClient {
    /// Bytes a record counts for against the shard limit under this API.
    #[inline]
    pub fn charged_bytes(&self, rec: &Rec) -> u64 {
        match self.spec.api {
            SdkApi::PutRecord => rec.bytes().div_ceil(PUT_RECORD_ROUNDING_BYTES) as u64 * 1_024,
            SdkApi::PutRecords => rec.bytes() as u64,
        }
    }

    /// The first waiting call, with the first tries that closed behind it
    /// as far as one call holds them (the records an application's loop
    /// finds queued when it is free again); `spent` takes the emptied
    /// record vectors. Retries and calls holding stored copies go alone.
    pub fn next_waiting(&mut self, mut spent: impl FnMut(Vec<Rec>)) -> Option<(Batch, SimTime)> {
        let (mut head, ready) = self.waiting.pop_front()?;
        let alone = |b: &Batch| b.attempt > 1 || !b.copies.is_empty();
        // The agent sends each buffer as it closed.
        if alone(&head) || self.throttle.is_some() {
            return Some((head, ready));
        }
        let max_records = match self.spec.api {
            SdkApi::PutRecord => 1,
            SdkApi::PutRecords => self.spec.batch_max_records as usize,
        };
        let bytes = |b: &Batch| b.records.iter().map(|r| r.bytes() as u64).sum::<u64>();
        let mut head_bytes = bytes(&head);
        while let Some((next, _)) = self.waiting.front() {
            let next_bytes = bytes(next);
            if alone(next)
                || head.records.len() + next.records.len() > max_records
                || head_bytes + next_bytes > self.spec.batch_max_bytes
            {
                break;
            }
            let Some((mut next, _)) = self.waiting.pop_front() else { break };
            head.records.append(&mut next.records);
            head.hashes.append(&mut next.hashes);
            head_bytes += next_bytes;
            spent(next.records);
        }
        Some((head, ready))
    }

    /// Makes this client a Kinesis Agent: its publisher backs off as a
    /// whole after failures (see [`Throttle`]).
    pub fn pace_as_agent(&mut self) {
        self.throttle = Some(Throttle::new(self.spec.backoff_base, self.spec.backoff_max));
    }

    /// Whether this client is a Kinesis Agent.
    pub fn is_agent(&self) -> bool {
        self.throttle.is_some()
    }

    /// When a call ready at `now` could leave: a slot must be free, and an
    /// agent's publisher awake.
    pub fn free_at(&self, now: SimTime) -> SimTime {
        self.requests.free_at(now).max(self.paused_until())
    }

    /// When an agent's publisher may send again (the start of time for an
    /// SDK loop).
    pub fn paused_until(&self) -> SimTime {
        self.throttle.as_ref().map_or(SimTime::ZERO, Throttle::paused_until)
    }

    /// Whether a call ready at `now` may leave at once, as far as the
    /// client goes (an agent's publisher awake and not due to sleep).
    pub fn sends_at_once(&self, now: SimTime) -> bool {
        self.throttle.as_ref().is_none_or(|t| !t.sleeps() && t.paused_until() <= now)
    }

    /// When a call ready at `ready` is handed to a slot: then for an SDK
    /// loop; after the publisher's sleep for an agent.
    pub fn dispatch(&mut self, ready: SimTime) -> SimTime {
        match &mut self.throttle {
            Some(t) => t.dispatch(ready, &mut self.backoff),
            None => ready,
        }
    }

    /// The answer to attempt `attempt` of a call of `sent` records arrived,
    /// `failed` of them failed (`whole`: the call failed as a
    /// whole): the back-off before they are sent again, or `None` when
    /// nothing is retried (none failed, or the attempts are spent).
    pub fn answered(&mut self, attempt: u32, (sent, failed): (usize, usize), whole: bool) -> Option<SimTime> {
        if let Some(t) = &mut self.throttle {
            // Failed records go to the retry queue at once; the publisher
            // sleeps before it dispatches them (see `dispatch`).
            t.answered(sent, failed, whole);
            return (failed > 0).then_some(SimTime::ZERO);
        }
        (failed > 0 && self.may_retry(attempt)).then(|| self.backoff(attempt))
    }

    /// Whether records that failed attempt `attempt` get another try.
    pub fn may_retry(&self, attempt: u32) -> bool {
        attempt < self.spec.max_attempts
    }

    /// Back-off before retry number `attempt` (1 = first retry): uniform in
    /// `[0, min(max, base·2^(attempt−1))]` ("full jitter").
    pub fn backoff(&mut self, attempt: u32) -> SimTime {
        let doubling = 1u64.checked_shl(attempt.saturating_sub(1)).unwrap_or(u64::MAX);
        let cap = self.spec.backoff_base.as_nanos().saturating_mul(doubling).min(self.spec.backoff_max.as_nanos());
        SimTime(self.backoff.random_range(0..=cap))
    }
}

/// An SDK instance's batch under construction: its arrivals, drawn ahead
/// by one record, closed into calls by count, bytes and linger. It never
/// learns how its calls fare (retries are the client's), so its calls are
/// a function of its random sources alone.
#[derive(Debug)]
pub struct SdkBatcher {
    src: InstanceSources,
    /// Records per call: 1 for PutRecord.
    max_records: usize,
    /// Bytes per call (5 MiB but for an agent's smaller buffers).
    max_bytes: u64,
    linger: SimTime,
    /// The open batch's record limit and linger: `max_records` and
    /// `linger` but for a staggered agent's first buffer.
    open_max: usize,
    open_linger: SimTime,
    /// The next record to arrive, already drawn (`None`: past the horizon).
    next: Option<Rec>,
    /// Its hash key, when kept.
    next_hash: u128,
    batch: Vec<Rec>,
    batch_bytes: u64,
    /// Whether records keep their hash keys (the stream can reshard, so the
    /// service may route a record to a shard that did not exist when it was
    /// drawn).
    rerouted: bool,
    /// The batch's hash keys, aligned with `batch`, when `rerouted`.
    hashes: Vec<u128>,
}

impl SdkBatcher {
    /// The batcher of an instance with `spec`; draws its first arrival.
    fn new(spec: &SdkSpec, mut src: InstanceSources, (space, map): (&KeySpace, &ShardMap), rerouted: bool) -> Self {
        let mut next_hash = 0;
        let next = draw_record(&mut src, space, map, rerouted.then_some(&mut next_hash));
        let max_records = match spec.api {
            SdkApi::PutRecord => 1,
            SdkApi::PutRecords => spec.batch_max_records as usize,
        };
        SdkBatcher {
            src,
            max_records,
            max_bytes: spec.batch_max_bytes,
            linger: spec.linger,
            open_max: max_records,
            open_linger: spec.linger,
            next,
            next_hash,
            batch: Vec::new(),
            batch_bytes: 0,
            rerouted,
            hashes: Vec::new(),
        }
    }

    /// Makes the first batch close at `share` (0–1) of the way through a
    /// full one, by records and by linger: an agent of a fleet that was
    /// already running has its buffer partly filled when the run starts.
    pub fn stagger(&mut self, share: f64) {
        self.open_max = ((self.max_records as f64 * share).ceil() as usize).clamp(1, self.max_records);
        self.open_linger = SimTime((self.linger.as_nanos() as f64 * share) as u64);
    }

    /// Fills the batch until it closes and returns when it is sent, or
    /// `None` once no record is left to send. Records join the batch in
    /// arrival order; the caller takes them with [`Self::take_batch`].
    pub fn next_send(&mut self, space: &KeySpace, map: &ShardMap) -> Option<SimTime> {
        // Two copies of the loop, so a run that cannot reshard never looks
        // at hash keys.
        if self.rerouted { self.fill::<true>(space, map) } else { self.fill::<false>(space, map) }
    }

    /// [`Self::next_send`], keeping hash keys when `REROUTED`.
    #[inline]
    fn fill<const REROUTED: bool>(&mut self, space: &KeySpace, map: &ShardMap) -> Option<SimTime> {
        let max = self.open_max;
        loop {
            let Some(rec) = self.next else {
                return self.batch.first().map(|f| f.created + self.open_linger);
            };
            if let Some(first) = self.batch.first() {
                let deadline = first.created + self.open_linger;
                if rec.created > deadline {
                    return Some(deadline);
                }
                if self.batch_bytes + rec.bytes() as u64 > self.max_bytes {
                    // The record that does not fit flushes the batch.
                    return Some(rec.created);
                }
            }
            self.batch.push(rec);
            self.batch_bytes += rec.bytes() as u64;
            self.next = if REROUTED {
                self.hashes.push(self.next_hash);
                draw_record(&mut self.src, space, map, Some(&mut self.next_hash))
            } else {
                draw_record(&mut self.src, space, map, None)
            };
            if self.batch.len() >= max {
                return Some(rec.created);
            }
        }
    }

    /// Hands over the closed batch, leaving `spare` (empty) in its place,
    /// with its hash keys (empty unless kept).
    pub fn take_batch(&mut self, spare: Vec<Rec>) -> (Vec<Rec>, Vec<u128>) {
        self.batch_bytes = 0;
        (self.open_max, self.open_linger) = (self.max_records, self.linger);
        (std::mem::replace(&mut self.batch, spare), std::mem::take(&mut self.hashes))
    }
}

/// Draws the next arriving record of an instance, or `None` past the
/// horizon; writes its hash key to `hash` when given.
#[inline]
fn draw_record(src: &mut InstanceSources, space: &KeySpace, map: &ShardMap, hash: Option<&mut u128>) -> Option<Rec> {
    let (created, key, data) = src.draw(space, map)?;
    if let Some(h) = hash {
        *h = space.hash_of(&key, &src.keys);
    }
    Some(Rec { created, shard: key.shard, size: SizeTag::new(data + key.key_bytes as u32, key.tag) })
}
