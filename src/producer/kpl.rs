//! The Kinesis Producer Library (reference §8), one instance per client:
//! user record → **aggregator** (one aggregate per predicted shard) →
//! **limiter** (per-shard token buckets at `rate_limit` % of the shard's
//! limits) → **collector** (PutRecords of up to `collection_max_count`
//! Kinesis records and `collection_max_size` bytes) → the stream →
//! **retrier**, as the KPL's `pipeline.h` wires them.
//!
//! Timing follows the KPL's code. Each user record gets a deadline
//! `record_max_buffered_time_ms` after it arrives and an expiry `record_ttl_ms`
//! after. An aggregate is flushed when its earliest deadline passes, or at
//! once when adding a record brings its estimated size (§8.3) to
//! `aggregation_max_size` or its count to `aggregation_max_count`; records
//! that make the serialized aggregate too large start the next one. A
//! single-record aggregate is sent as a plain record with its own key. The
//! limiter forwards a Kinesis record when both buckets hold its tokens —
//! checked when the record arrives and every 25 ms — and fails records that
//! expired while queued. On entering the collector, an aggregated record's
//! deadline is pushed to at least `min(50 ms, record_max_buffered_time / 5)`
//! from then, so records flushed together share a PutRecords (the current
//! KPL's `putrecords_buffer_duration`). The collector sends when its
//! earliest deadline passes, when full, or when one shard's records in it
//! reach 256 KiB. Records a shard rejects are retried through the
//! aggregator with a deadline half `record_max_buffered_time` away and no
//! back-off, unless expired or `fail_if_throttled`.
//!
//! When the stream can reshard, the instance predicts shards with its own
//! map ([`KplShardMap`]), which goes stale when shards split or merge. An
//! aggregate built for a stale prediction is sent with its first record's
//! hash key as explicit hash key, so it lands where that key now belongs;
//! the retrier then keeps the records whose key fits the shard it landed
//! on and sends the others again with error "Wrong Shard" — though the
//! aggregate, all of it, is already stored (`retrier.cc`
//! `succeed_if_correct_shard`). If the map does not know the shard it
//! landed on, every record of it goes again.
//!
//! PutRecords travel through [`Requests`]: at most `max_connections` in
//! flight, each taking its round trip; a ready request waits for a free
//! connection, and its records may expire meanwhile. The retrier acts when
//! the response arrives. A request that times out (`request_timeout_ms`)
//! fails whole: every record goes back to the retrier, and those the shards
//! had stored are stored again when put anew — "a timed-out request may
//! actually succeed at the backend. Retrying then leads to duplicates"
//! (the KPL's `default_config.properties`). Not modelled: CPU time.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::producer::InstanceSources;
use crate::producer::kpl_map::KplShardMap;
use crate::producer::request::{Requests, Trip};
use crate::rng::SimRng;
use crate::scenario::model::KplSpec;
use crate::stream::hash::{HashRange, ShardMap, hash_key};
use crate::stream::limits::{
    KPL_AGGREGATE_FIXED_OVERHEAD_BYTES, KPL_AGGREGATE_PARTITION_KEY, KPL_COLLECTOR_SHARD_FLUSH_BYTES,
    KPL_LIMITER_BYTES_DEPTH, KPL_LIMITER_BYTES_PER_S, KPL_LIMITER_DRAIN_INTERVAL_MS, KPL_LIMITER_RECORDS_DEPTH,
    KPL_LIMITER_RECORDS_PER_S,
};
use crate::time::{NANOS_PER_MS, SimTime};
use crate::workload::keys::{KEY_ALWAYS_NEW, KeySpace};

/// Longest extra wait a Kinesis record gets on entering the collector, and
/// its share of `record_max_buffered_time` (KPL `pipeline.h`:
/// `max_putrecords_buffer_time`, `putrecords_buffer_ratio`).
const COLLECTOR_BUFFER_MAX_MS: u64 = 50;
const COLLECTOR_BUFFER_RATIO: f64 = 0.2;

/// A user record inside the KPL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserRec {
    /// When the application handed it to the KPL.
    pub created: SimTime,
    /// When it must leave the aggregator (and the collector).
    deadline: SimTime,
    /// The shard its key routes to under the KPL's shard map.
    pub shard: u32,
    /// Data bytes.
    pub data_bytes: u32,
    /// Identity of its partition key (see [`crate::workload::keys::KeyDraw::id`]).
    key_id: u32,
    /// Partition key bytes.
    pub key_bytes: u16,
    /// Explicit hash key bytes as a decimal string (0 when none).
    explicit_hash_key_bytes: u8,
    /// Its key's tag.
    pub tag: u8,
    /// Whether a PutRecords carried it already.
    pub sent: bool,
    /// Whether the stream stored it already: it goes again because the
    /// request that stored it timed out. Stored again, it is a copy.
    pub stored: bool,
    /// Its hash key, high and low halves, when the instance keeps its own
    /// shard map (else 0): 8-byte aligned, to keep the record at 56 bytes.
    hash: [u64; 2],
}

impl UserRec {
    /// Its hash key (0 unless the instance keeps its own shard map).
    #[inline]
    pub fn hash_key(&self) -> u128 {
        (self.hash[0] as u128) << 64 | self.hash[1] as u128
    }
}

/// A Kinesis record as the KPL sends it: one user record sent plain, or an
/// aggregate of several.
#[derive(Debug)]
pub struct KinesisRec {
    /// The shard its first user record routes to (an aggregate's explicit
    /// hash key is that record's hash key).
    pub shard: u32,
    /// Its user records, in the order they were added.
    pub users: Vec<UserRec>,
    /// Bytes of its data blob: the record's data, or the serialized
    /// aggregate with its framing (the KPL's `accurate_size`).
    pub data_bytes: u64,
    /// Its partition key's tag: the user record's, or that of `a`.
    pub tag: u8,
    deadline: SimTime,
    expiration: SimTime,
}

impl KinesisRec {
    /// Whether it aggregates several user records.
    pub fn is_aggregate(&self) -> bool {
        self.users.len() > 1
    }

    /// Bytes of its partition key: the user record's own, or `a`.
    pub fn key_bytes(&self) -> u64 {
        if self.is_aggregate() { KPL_AGGREGATE_PARTITION_KEY.len() as u64 } else { self.users[0].key_bytes as u64 }
    }

    /// What the shard's bytes limit and a PutRecords' size count: data
    /// plus partition key.
    pub fn charged_bytes(&self) -> u64 {
        self.data_bytes + self.key_bytes()
    }
}

/// Length of `n` as a protobuf varint.
fn varint_bytes(n: u64) -> u64 {
    (64 - (n | 1).leading_zeros() as u64).div_ceil(7)
}

/// Bytes of a length-delimited protobuf field (tag, length, payload) of
/// `len` bytes.
fn field_bytes(len: u64) -> u64 {
    1 + varint_bytes(len) + len
}

/// Partition key identities → their index in one aggregate's key table.
/// Entries of older aggregates are told apart by a stamp, so starting a new
/// aggregate costs nothing.
#[derive(Debug)]
struct KeyTable {
    /// (stamp, key id, index); a slot is free unless its stamp is current.
    slots: Vec<(u32, u32, u32)>,
    /// Never 0, the stamp of slots never used.
    stamp: u32,
    len: u32,
}

impl Default for KeyTable {
    fn default() -> Self {
        KeyTable { slots: Vec::new(), stamp: 1, len: 0 }
    }
}

impl KeyTable {
    fn clear(&mut self) {
        self.len = 0;
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            // After 2³² aggregates, old stamps could look current.
            self.slots.fill((0, 0, 0));
            self.stamp = 1;
        }
    }

    /// The index of key `id` in the table, and whether it was added now.
    fn index_of(&mut self, id: u32) -> (u32, bool) {
        if id == KEY_ALWAYS_NEW {
            self.len += 1;
            return (self.len - 1, true);
        }
        if (self.len as usize + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = Self::home(id, mask);
        loop {
            let (stamp, key, index) = self.slots[i];
            if stamp != self.stamp {
                self.slots[i] = (self.stamp, id, self.len);
                self.len += 1;
                return (self.len - 1, true);
            }
            if key == id {
                return (index, false);
            }
            i = (i + 1) & mask;
        }
    }

    fn home(id: u32, mask: usize) -> usize {
        ((id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & mask
    }

    #[cold]
    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(64);
        let old = std::mem::replace(&mut self.slots, vec![(0, 0, 0); size]);
        let mask = size - 1;
        for entry in old.into_iter().filter(|e| e.0 == self.stamp) {
            let mut i = Self::home(entry.1, mask);
            while self.slots[i].0 == self.stamp {
                i = (i + 1) & mask;
            }
            self.slots[i] = entry;
        }
    }
}

/// The aggregate being built for one shard, with its size both as the KPL
/// estimates it (to decide when to flush) and as it serializes (§8.3).
#[derive(Debug, Default)]
struct Aggregate {
    users: Vec<UserRec>,
    /// Serialized size with framing after each record was added (for the
    /// records after the first).
    wire_after: Vec<u32>,
    /// Protobuf bytes so far.
    body: u64,
    /// The KPL's running estimate (§8.3), framing excluded.
    estimate: u64,
    keys: KeyTable,
    explicit_hash_keys: u32,
    deadline: SimTime,
    /// Whether a retried record joined, so records are out of deadline order.
    retried: bool,
    /// Bumped at each flush, to recognise stale deadline entries.
    epoch: u32,
}

impl Aggregate {
    fn clear(&mut self) {
        self.users.clear();
        self.wire_after.clear();
        self.body = 0;
        self.estimate = 0;
        self.keys.clear();
        self.explicit_hash_keys = 0;
        self.retried = false;
        self.epoch = self.epoch.wrapping_add(1);
    }

    /// Adds a user record as the KPL's `KinesisRecord::after_add` does.
    fn add(&mut self, u: UserRec) {
        let (key_index, key_new) = self.keys.index_of(u.key_id);
        let data = u.data_bytes as u64;
        self.estimate += data + 3 + 2;
        let mut record = 1 + varint_bytes(key_index as u64) + field_bytes(data);
        let mut tables = 0;
        if key_new {
            self.estimate += u.key_bytes as u64 + 3;
            tables += field_bytes(u.key_bytes as u64);
        }
        if u.explicit_hash_key_bytes > 0 {
            // Drawn explicit hash keys are all distinct.
            let index = self.explicit_hash_keys as u64;
            self.explicit_hash_keys += 1;
            self.estimate += u.explicit_hash_key_bytes as u64 + 3 + 2;
            record += 1 + varint_bytes(index);
            tables += field_bytes(u.explicit_hash_key_bytes as u64);
        }
        self.body += tables + field_bytes(record);
        self.deadline = if self.users.is_empty() { u.deadline } else { self.deadline.min(u.deadline) };
        self.users.push(u);
        self.wire_after.push((KPL_AGGREGATE_FIXED_OVERHEAD_BYTES + self.body) as u32);
    }

    /// The serialized size of its first `n >= 1` records.
    fn wire_bytes(&self, n: usize) -> u64 {
        if n == 1 { self.users[0].data_bytes as u64 } else { self.wire_after[n - 1] as u64 }
    }

    /// The size the KPL compares with `aggregation_max_size`.
    fn estimated_bytes(&self) -> u64 {
        if self.users.len() < 2 { self.users.first().map_or(0, |u| u.data_bytes as u64) } else { self.estimate }
    }
}

/// Token-bucket levels are kept in units of 10⁻¹¹ token, in which both
/// refill rates (`rate_limit` % of 1,000 records/s and of 1 MiB/s) are whole
/// units per nanosecond for any integer `rate_limit`.
const TOKEN_UNIT: u128 = 100_000_000_000;

/// One shard's client-side limiter (§8.4): a queue in front of two token
/// buckets that start empty.
#[derive(Debug)]
struct Limiter {
    queue: VecDeque<KinesisRec>,
    records: u128,
    bytes: u128,
    refilled_at: SimTime,
}

/// Everything the KPL keeps for one shard it has sent to.
#[derive(Debug)]
struct ShardPipe {
    aggregate: Aggregate,
    limiter: Limiter,
    /// Data bytes of this shard's Kinesis records waiting in the collector.
    collected_bytes: u64,
    /// Whether it is listed in `backlogged`.
    backlogged: bool,
}

/// Memory an instance keeps for each shard it writes to, before the
/// records themselves: for refusing absurd runs up front.
pub const STATE_BYTES_PER_SHARD: usize = std::mem::size_of::<ShardPipe>() + std::mem::size_of::<u32>();

/// The PutRecords being filled.
#[derive(Debug, Default)]
struct Collector {
    records: Vec<KinesisRec>,
    bytes: u64,
    deadline: SimTime,
}

/// What happened to user records the instance gave up on, and retries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KplOutcomes {
    /// User records sent again after their Kinesis record was rejected.
    pub retries: u64,
    /// User records failed: expired, or throttled with `fail_if_throttled`.
    pub dropped: u64,
    /// Of those, the ones older than `record_ttl_ms` (`UserRecordExpired`).
    pub expired: u64,
    /// User records whose Kinesis record a shard other than the predicted
    /// one accepted.
    pub unpredicted_shard_records: u64,
    /// Of those, the ones sent again with error "Wrong Shard": each was
    /// already stored once, inside the aggregate.
    pub wrong_shard_retries: u64,
}

/// One KPL instance.
#[derive(Debug)]
pub struct KplInstance {
    /// Producer group index.
    pub group: u32,
    src: InstanceSources,
    spec: KplSpec,
    warmup: SimTime,
    /// The next user record to arrive, already drawn.
    next: Option<UserRec>,
    /// Shard index → index in `pipes` (`u32::MAX`: not used yet).
    pipe_of: Vec<u32>,
    pipes: Vec<ShardPipe>,
    /// Aggregate deadlines: (when, pipe, epoch); stale entries are skipped.
    deadlines: BinaryHeap<Reverse<(SimTime, u32, u32)>>,
    /// Pipes whose limiter holds records, in the order they filled.
    backlogged: Vec<u32>,
    /// The next limiter drain, while any limiter holds records.
    tick_at: Option<SimTime>,
    collector: Collector,
    /// PutRecords ready to send at `now`.
    ready: VecDeque<Vec<KinesisRec>>,
    now: SimTime,
    /// Spare user-record vectors.
    pool: Vec<Vec<UserRec>>,
    /// Counted after the warm-up.
    pub outcomes: KplOutcomes,
    /// Aggregates closed so far.
    flushes: u64,
    rates: Rates,
    /// The key tag of an aggregate's partition key `a`.
    aggregate_tag: u8,
    /// Its own shard map, when the stream can reshard (else predictions
    /// come from the key table, which is always right).
    pub shard_map: Option<Box<KplShardMap>>,
    /// Its connections and request latencies.
    requests: Requests,
    /// PutRecords in flight, by id (`None`: a free id).
    flights: Vec<Option<Flight>>,
    free_flights: Vec<u32>,
    /// When each flight's answer comes: (when, flight id).
    answers: BinaryHeap<Reverse<(SimTime, u32)>>,
}

/// A PutRecords in flight.
#[derive(Debug)]
struct Flight {
    records: Vec<KinesisRec>,
    trip: Trip,
    /// What the shards did with each record, once it reached them.
    landed: Option<Vec<Landing>>,
}

/// What the shards did with one Kinesis record of a PutRecords.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Landing {
    /// The shard it was predicted for accepted it.
    Predicted,
    /// Shard `shard` accepted it, for a stale prediction; `known` is that
    /// shard's range as the instance's map gave it then (see
    /// [`KplInstance::landing`]).
    Elsewhere { shard: u32, known: Option<HashRange> },
    /// Its shard rejected it (throttled).
    Rejected,
    /// It failed with `InternalFailure` or `ServiceUnavailable`, unstored;
    /// the KPL retries such errors whatever `fail_if_throttled` says.
    Failed,
}

/// Derived constants of an instance.
#[derive(Clone, Copy, Debug)]
struct Rates {
    records_per_ns: u128,
    bytes_per_ns: u128,
    drain_interval: SimTime,
    collector_buffer: SimTime,
    retry_delay: SimTime,
}

impl KplInstance {
    /// An instance of `group`, with metrics counted from `warmup`, that
    /// keeps its own shard map when `reshards`; draws its first arrival.
    pub fn new(
        group: u32,
        spec: &KplSpec,
        (src, latency): (InstanceSources, SimRng),
        warmup: SimTime,
        (space, map): (&KeySpace, &ShardMap),
        reshards: bool,
    ) -> Self {
        let buffered = spec.record_max_buffered_time;
        let collector_buffer_ns =
            ((buffered.as_nanos() as f64 * COLLECTOR_BUFFER_RATIO) as u64).min(COLLECTOR_BUFFER_MAX_MS * NANOS_PER_MS);
        let rate = spec.rate_limit as u128;
        let rates = Rates {
            // X/s × rate/100 in 10⁻¹¹ units per ns = X × rate.
            records_per_ns: KPL_LIMITER_RECORDS_PER_S as u128 * rate,
            bytes_per_ns: KPL_LIMITER_BYTES_PER_S as u128 * rate,
            drain_interval: SimTime::from_millis_f64(KPL_LIMITER_DRAIN_INTERVAL_MS),
            collector_buffer: SimTime(collector_buffer_ns),
            retry_delay: SimTime(buffered.as_nanos() / 2),
        };
        let mut inst = KplInstance {
            group,
            src,
            spec: spec.clone(),
            warmup,
            next: None,
            pipe_of: Vec::new(),
            pipes: Vec::new(),
            deadlines: BinaryHeap::new(),
            backlogged: Vec::new(),
            tick_at: None,
            collector: Collector::default(),
            ready: VecDeque::new(),
            now: SimTime::ZERO,
            pool: Vec::new(),
            outcomes: KplOutcomes::default(),
            flushes: 0,
            rates,
            aggregate_tag: hash_key(KPL_AGGREGATE_PARTITION_KEY.as_bytes()) as u8,
            shard_map: reshards.then(|| Box::new(KplShardMap::new(map))),
            requests: Requests::new(&spec.requests, latency),
            flights: Vec::new(),
            free_flights: Vec::new(),
            answers: BinaryHeap::new(),
        };
        inst.next = inst.draw(space, map);
        inst
    }

    fn draw(&mut self, space: &KeySpace, map: &ShardMap) -> Option<UserRec> {
        let (created, key, data) = self.src.draw(space, map)?;
        let (shard, hash) = match &self.shard_map {
            None => (key.shard, 0),
            Some(own) => {
                let hash = space.hash_of(&key, &self.src.keys);
                (own.predict(hash), hash)
            }
        };
        Some(UserRec {
            created,
            deadline: created + self.spec.record_max_buffered_time,
            shard,
            data_bytes: data,
            key_id: key.id,
            key_bytes: key.key_bytes,
            explicit_hash_key_bytes: key.explicit_hash_key_bytes,
            tag: key.tag,
            sent: false,
            stored: false,
            hash: [(hash >> 64) as u64, hash as u64],
        })
    }

    /// Runs the pipeline until the instance needs the run: a PutRecords
    /// leaves, or a response is due (handled in the call at its time, when
    /// the run has put the request, so the retrier never acts ahead of the
    /// stream). Returns when, or `None` if nothing more happens before
    /// `horizon`. Each user record's arrival is passed to `arrived`; a
    /// response's shard-map listing reads `map`.
    pub fn next_send(
        &mut self,
        space: &KeySpace,
        map: &ShardMap,
        horizon: SimTime,
        mut arrived: impl FnMut(SimTime),
    ) -> Option<SimTime> {
        let called = self.now;
        loop {
            if self.departure_ready() {
                if self.expire_ready_front() {
                    continue;
                }
                return Some(self.now);
            }
            let (answer, flight) = self.answers.peek().map_or((SimTime::NEVER, 0), |Reverse(a)| *a);
            let arrival = self.next.map_or(SimTime::NEVER, |u| u.created);
            let deadline = self.next_deadline();
            let tick = self.tick_at.unwrap_or(SimTime::NEVER);
            let collect = if self.collector.records.is_empty() { SimTime::NEVER } else { self.collector.deadline };
            let t = arrival.min(deadline).min(tick).min(collect).min(answer);
            if t >= horizon {
                return None;
            }
            if t == answer {
                let landed = self.flights[flight as usize].as_ref().is_some_and(|f| f.landed.is_some());
                // Nothing else happens to the instance before then.
                self.now = self.now.max(t);
                if t > called || !landed {
                    return Some(t);
                }
                self.answers.pop();
                self.answer(flight, map);
                continue;
            }
            self.now = self.now.max(t);
            if t == arrival {
                // Arrivals before anything else is due run in a tight loop:
                // only a new aggregate's deadline or a flush can change
                // what is due next (a stale heap entry only ends it early).
                let flushes = self.flushes;
                let mut due = deadline.min(tick).min(collect).min(answer).min(horizon);
                // This arrival is due (it wins ties); later ones only
                // while they come first.
                let mut first = true;
                while let Some(u) = self.next.filter(|u| first || u.created < due) {
                    first = false;
                    self.now = u.created;
                    self.next = self.draw(space, map);
                    arrived(u.created);
                    self.aggregate(u);
                    if self.flushes != flushes {
                        break;
                    }
                    due = due.min(self.deadlines.peek().map_or(SimTime::NEVER, |e| e.0.0));
                }
            } else if t == deadline {
                let Some(Reverse((_, pipe, _))) = self.deadlines.pop() else { unreachable!("a deadline is due") };
                self.flush_aggregate(pipe as usize);
            } else if t == tick {
                self.drain_backlog();
            } else {
                self.flush_collector();
            }
        }
    }

    /// Fails the Kinesis records of the next PutRecords that expired while
    /// it waited for a connection (the KPL's retrier fails expired records
    /// when the request comes back); returns whether none is left, the
    /// request then dropped.
    fn expire_ready_front(&mut self) -> bool {
        let now = self.now;
        let Some(front) = self.ready.front_mut() else { return false };
        if front.iter().all(|r| r.expiration >= now) {
            return false;
        }
        let (kept, expired): (Vec<KinesisRec>, Vec<KinesisRec>) =
            std::mem::take(front).into_iter().partition(|r| r.expiration >= now);
        *front = kept;
        expired.into_iter().for_each(|r| self.expire(r));
        let empty = self.ready.front().is_some_and(|f| f.is_empty());
        if empty {
            self.ready.pop_front();
        }
        empty
    }

    /// Whether a PutRecords leaves now: one is ready, a connection is free,
    /// and no response due now waits to be handled first.
    pub fn departure_ready(&self) -> bool {
        !self.ready.is_empty()
            && self.requests.free_at(self.now) == self.now
            && self.answers.peek().is_none_or(|Reverse((t, _))| *t > self.now)
    }

    /// Sends the PutRecords that [`Self::next_send`] announced, passing
    /// the arrival time of each user record it carries for the first time
    /// to `first_send`; returns its flight id and trip.
    pub fn depart(&mut self, mut first_send: impl FnMut(SimTime)) -> (u32, Trip) {
        let mut records = self.ready.pop_front().unwrap_or_default();
        for u in records.iter_mut().flat_map(|r| r.users.iter_mut()).filter(|u| !u.sent) {
            u.sent = true;
            first_send(u.created);
        }
        let trip = self.requests.send(self.now);
        let flight = Flight { records, trip, landed: None };
        let id = match self.free_flights.pop() {
            Some(id) => {
                self.flights[id as usize] = Some(flight);
                id
            }
            None => {
                self.flights.push(Some(flight));
                (self.flights.len() - 1) as u32
            }
        };
        self.answers.push(Reverse((trip.answered, id)));
        (id, trip)
    }

    /// Takes flight `id`'s Kinesis records as it reaches the shards, with
    /// its trip; [`Self::landed`] gives them back.
    pub fn take_flight(&mut self, id: u32) -> (Vec<KinesisRec>, Trip) {
        match &mut self.flights[id as usize] {
            Some(f) => (std::mem::take(&mut f.records), f.trip),
            None => unreachable!("a flight in the air"),
        }
    }

    /// Requests leaving within one of `slowdowns` take its factor times
    /// their round trip.
    pub fn slow_down(&mut self, slowdowns: crate::stream::faults::Slowdowns) {
        self.requests.slow_down(slowdowns);
    }

    /// Flight `id`'s records back, with what the shards did with each, in
    /// order; the retrier reads it when the response arrives.
    pub fn landed(&mut self, id: u32, records: Vec<KinesisRec>, landings: Vec<Landing>) {
        if let Some(f) = &mut self.flights[id as usize] {
            f.records = records;
            f.landed = Some(landings);
        }
    }

    /// The retrier, on flight `id`'s response (or timeout) at `now`.
    fn answer(&mut self, id: u32, map: &ShardMap) {
        let Some(flight) = self.flights[id as usize].take() else { unreachable!("a flight in the air") };
        self.free_flights.push(id);
        let landings = flight.landed.unwrap_or_default();
        for (mut rec, landing) in flight.records.into_iter().zip(landings) {
            if flight.trip.timed_out {
                // No response: every record goes again, and those the
                // shards stored are stored again.
                let stored = matches!(landing, Landing::Predicted | Landing::Elsewhere { .. });
                for mut u in rec.users.drain(..) {
                    u.stored |= stored;
                    self.retry(u, true);
                }
                self.pool.push(rec.users);
                continue;
            }
            match landing {
                Landing::Predicted => self.recycle(rec),
                Landing::Elsewhere { shard, known } => self.landed_elsewhere(rec, shard, known, flight.trip.departs),
                Landing::Rejected => self.rejected(rec),
                Landing::Failed => self.failed(rec),
            }
        }
        if let Some(own) = self.shard_map.as_mut() {
            own.refresh_if_asked(self.now, map);
        }
    }

    /// Returns the user-record vector of a Kinesis record that was put.
    fn recycle(&mut self, mut rec: KinesisRec) {
        rec.users.clear();
        self.pool.push(rec.users);
    }

    /// The retrier: the user records of `rec`, which a shard rejected, are
    /// retried through the aggregator at `now` (the response's time) or
    /// fail.
    fn rejected(&mut self, mut rec: KinesisRec) {
        let throttled = !self.spec.fail_if_throttled;
        rec.users.drain(..).for_each(|u| self.retry(u, throttled));
        self.pool.push(rec.users);
    }

    /// The retrier: the user records of `rec`, which failed with a
    /// retryable error other than throttling, are retried.
    fn failed(&mut self, mut rec: KinesisRec) {
        rec.users.drain(..).for_each(|u| self.retry(u, true));
        self.pool.push(rec.users);
    }

    /// The retrier's `retry_not_expired`: `u` goes back to the aggregator,
    /// predicted again, unless expired or `may_retry` is false.
    fn retry(&mut self, mut u: UserRec, may_retry: bool) {
        let now = self.now;
        let counted = now >= self.warmup;
        let expiration = u.created + self.spec.record_ttl;
        let expired = now > expiration;
        if expired || !may_retry {
            // A stored copy given up was stored all the same.
            if counted && !u.stored {
                self.outcomes.dropped += 1;
                self.outcomes.expired += expired as u64;
            }
            return;
        }
        if counted {
            self.outcomes.retries += 1;
        }
        if let Some(own) = &self.shard_map {
            u.shard = own.predict(u.hash_key());
        }
        u.deadline = (now + self.rates.retry_delay).min(expiration);
        self.aggregate(u);
    }

    /// Where Kinesis record `rec`, predicted for `rec.shard`, landed when
    /// shard `actual` accepted it at `now` (`timed_out`: the client will
    /// not see the response), with how many of its user records (stored
    /// copies aside) count as put, and how many will go again with error
    /// "Wrong Shard". All count as put on the predicted shard or after a
    /// timeout (all go again then, as copies); else those whose key the
    /// instance's map places on `actual`, the others going again (see the
    /// module notes).
    pub fn landing(&mut self, rec: &KinesisRec, actual: u32, timed_out: bool, now: SimTime) -> (Landing, u64, u64) {
        let fresh = rec.users.iter().filter(|u| !u.stored).count() as u64;
        if actual == rec.shard {
            return (Landing::Predicted, fresh, 0);
        }
        let Some(own) = self.shard_map.as_mut() else { unreachable!("predictions go stale only with a map") };
        let known = own.range(actual, now);
        let landing = Landing::Elsewhere { shard: actual, known };
        if timed_out {
            return (landing, fresh, 0);
        }
        let fits = |u: &UserRec| known.is_some_and(|r| r.contains(u.hash_key()));
        let put = rec.users.iter().filter(|u| fits(u) && !u.stored).count() as u64;
        (landing, put, fresh - put)
    }

    /// The retrier on a Kinesis record that shard `actual` accepted, sent
    /// at `sent_at` for `rec.shard`, now closed (see the module notes):
    /// the user records whose key does not fit `known` (the shard's range
    /// when it landed) go again with error "Wrong Shard". Asks for a
    /// listing when the KPL would.
    fn landed_elsewhere(&mut self, mut rec: KinesisRec, actual: u32, known: Option<HashRange>, sent_at: SimTime) {
        let fits = |u: &UserRec| known.is_some_and(|r| r.contains(u.hash_key()));
        let wrong = rec.users.iter().filter(|u| !fits(u)).count() as u64;
        if let Some(own) = self.shard_map.as_mut()
            && (wrong > 0 || rec.shard < actual)
        {
            own.invalidate(sent_at, rec.shard);
        }
        if self.now >= self.warmup {
            self.outcomes.unpredicted_shard_records += rec.users.len() as u64;
            self.outcomes.wrong_shard_retries += wrong;
        }
        for u in rec.users.drain(..) {
            if !fits(&u) {
                self.retry(u, true);
            }
        }
        self.pool.push(rec.users);
    }

    /// User records inside the pipeline (buffered, queued, collected or
    /// travelling) and not put yet: stored copies going again are not.
    pub fn in_flight(&self) -> u64 {
        let fresh = |u: &&UserRec| !u.stored;
        fn users<'a>(recs: impl IntoIterator<Item = &'a KinesisRec>) -> u64 {
            recs.into_iter().map(|r| r.users.iter().filter(|u| !u.stored).count() as u64).sum()
        }
        let pipes: u64 = self
            .pipes
            .iter()
            .map(|p| p.aggregate.users.iter().filter(fresh).count() as u64 + users(&p.limiter.queue))
            .sum();
        let flying: u64 = self
            .flights
            .iter()
            .flatten()
            .map(|f| match &f.landed {
                None => users(&f.records),
                Some(landed) => f
                    .records
                    .iter()
                    .zip(landed)
                    .map(|(r, l)| match l {
                        Landing::Predicted => 0,
                        Landing::Rejected | Landing::Failed => users([r]),
                        // Records that did not fit go again (and were not counted
                        // as put), unless the request timed out.
                        Landing::Elsewhere { known, .. } if !f.trip.timed_out => {
                            r.users
                                .iter()
                                .filter(|u| !u.stored && !known.is_some_and(|k| k.contains(u.hash_key())))
                                .count() as u64
                        }
                        Landing::Elsewhere { .. } => 0,
                    })
                    .sum(),
            })
            .sum();
        pipes + users(&self.collector.records) + users(self.ready.iter().flatten()) + flying
    }

    /// The earliest aggregate deadline, dropping stale entries.
    fn next_deadline(&mut self) -> SimTime {
        while let Some(&Reverse((at, pipe, epoch))) = self.deadlines.peek() {
            let a = &self.pipes[pipe as usize].aggregate;
            if a.epoch == epoch && !a.users.is_empty() && a.deadline == at {
                return at;
            }
            self.deadlines.pop();
        }
        SimTime::NEVER
    }

    fn pipe(&mut self, shard: u32) -> usize {
        let s = shard as usize;
        if s >= self.pipe_of.len() {
            self.pipe_of.resize(s + 1, u32::MAX);
        }
        if self.pipe_of[s] == u32::MAX {
            self.pipe_of[s] = self.pipes.len() as u32;
            let limiter = Limiter { queue: VecDeque::new(), records: 0, bytes: 0, refilled_at: self.now };
            self.pipes.push(ShardPipe {
                aggregate: Aggregate::default(),
                limiter,
                collected_bytes: 0,
                backlogged: false,
            });
        }
        self.pipe_of[s] as usize
    }

    /// A user record enters the aggregator of its predicted shard.
    fn aggregate(&mut self, u: UserRec) {
        if !self.spec.aggregation_enabled {
            let mut users = self.pool.pop().unwrap_or_default();
            users.push(u);
            let rec = KinesisRec {
                shard: u.shard,
                users,
                data_bytes: u.data_bytes as u64,
                tag: u.tag,
                deadline: u.deadline,
                expiration: u.created + self.spec.record_ttl,
            };
            self.flushes += 1;
            return self.limit(rec);
        }
        let p = self.pipe(u.shard);
        let retried = u.sent;
        let a = &mut self.pipes[p].aggregate;
        let before = if a.users.is_empty() { SimTime::NEVER } else { a.deadline };
        a.add(u);
        a.retried |= retried;
        if a.users.len() as u64 >= self.spec.aggregation_max_count
            || a.estimated_bytes() >= self.spec.aggregation_max_size
        {
            return self.flush_aggregate(p);
        }
        if a.deadline < before {
            self.deadlines.push(Reverse((a.deadline, p as u32, a.epoch)));
        }
    }

    /// Closes pipe `p`'s aggregate as the KPL's `Reducer::flush` does and
    /// hands the Kinesis record to the limiter.
    fn flush_aggregate(&mut self, p: usize) {
        self.flushes += 1;
        let spare = self.pool.pop().unwrap_or_default();
        let a = &mut self.pipes[p].aggregate;
        if a.retried {
            // The KPL orders an aggregate's records by deadline on flush;
            // the sizes are recomputed in that order.
            let mut users = std::mem::take(&mut a.users);
            users.sort_by_key(|u| u.deadline);
            a.clear();
            users.into_iter().for_each(|u| a.add(u));
        }
        let mut n = a.users.len();
        while n > 1 && (n as u64 > self.spec.aggregation_max_count || a.wire_bytes(n) > self.spec.aggregation_max_size)
        {
            n -= 1;
        }
        let data_bytes = a.wire_bytes(n);
        let mut users = std::mem::replace(&mut a.users, spare);
        a.clear();
        for u in users.drain(n..) {
            a.add(u);
        }
        if !a.users.is_empty() {
            self.deadlines.push(Reverse((a.deadline, p as u32, a.epoch)));
        }
        let deadline = users.iter().map(|u| u.deadline).min().unwrap_or(self.now);
        let oldest = users.iter().map(|u| u.created).min().unwrap_or(self.now);
        let tag = if n > 1 { self.aggregate_tag } else { users[0].tag };
        let expiration = oldest + self.spec.record_ttl;
        let rec = KinesisRec { shard: users[0].shard, users, data_bytes, tag, deadline, expiration };
        self.limit(rec);
    }

    /// A Kinesis record joins its shard's limiter queue, which drains at
    /// once as far as the tokens allow.
    fn limit(&mut self, rec: KinesisRec) {
        let p = self.pipe(rec.shard);
        self.pipes[p].limiter.queue.push_back(rec);
        self.drain(p);
        let pipe = &mut self.pipes[p];
        if !pipe.limiter.queue.is_empty() && !pipe.backlogged {
            pipe.backlogged = true;
            self.backlogged.push(p as u32);
            if self.tick_at.is_none() {
                // The KPL drains all limiters every 25 ms from its start.
                let interval = self.rates.drain_interval.as_nanos();
                self.tick_at = Some(SimTime((self.now.as_nanos() / interval + 1) * interval));
            }
        }
    }

    /// Forwards pipe `p`'s queued records to the collector while its
    /// buckets hold their tokens; fails those that expired while queued.
    fn drain(&mut self, p: usize) {
        let now = self.now;
        let rates = self.rates;
        loop {
            let l = &mut self.pipes[p].limiter;
            let Some(front) = l.queue.front() else { return };
            if front.expiration < now {
                let rec = l.queue.pop_front().unwrap_or_else(|| unreachable!("front exists"));
                self.expire(rec);
                continue;
            }
            if now > l.refilled_at {
                let elapsed = (now - l.refilled_at).as_nanos() as u128;
                l.records =
                    (l.records + elapsed * rates.records_per_ns).min(KPL_LIMITER_RECORDS_DEPTH as u128 * TOKEN_UNIT);
                l.bytes = (l.bytes + elapsed * rates.bytes_per_ns).min(KPL_LIMITER_BYTES_DEPTH as u128 * TOKEN_UNIT);
                l.refilled_at = now;
            }
            let need = front.data_bytes as u128 * TOKEN_UNIT;
            if l.records < TOKEN_UNIT || l.bytes < need {
                return;
            }
            l.records -= TOKEN_UNIT;
            l.bytes -= need;
            let rec = l.queue.pop_front().unwrap_or_else(|| unreachable!("front exists"));
            self.collect(rec);
        }
    }

    /// The 25 ms drain of every limiter holding records.
    fn drain_backlog(&mut self) {
        let backlogged = std::mem::take(&mut self.backlogged);
        for &p in &backlogged {
            self.drain(p as usize);
        }
        let pipes = &mut self.pipes;
        self.backlogged = backlogged;
        self.backlogged.retain(|&p| {
            let pipe = &mut pipes[p as usize];
            pipe.backlogged = !pipe.limiter.queue.is_empty();
            pipe.backlogged
        });
        self.tick_at = if self.backlogged.is_empty() { None } else { Some(self.now + self.rates.drain_interval) };
    }

    /// User records of a Kinesis record that expired in the limiter fail
    /// (stored copies among them were put all the same).
    fn expire(&mut self, mut rec: KinesisRec) {
        if self.now >= self.warmup {
            let n = rec.users.iter().filter(|u| !u.stored).count() as u64;
            self.outcomes.dropped += n;
            self.outcomes.expired += n;
        }
        rec.users.clear();
        self.pool.push(rec.users);
    }

    /// A Kinesis record joins the PutRecords being filled.
    fn collect(&mut self, mut rec: KinesisRec) {
        if self.spec.aggregation_enabled {
            rec.deadline = rec.deadline.max(self.now + self.rates.collector_buffer);
        }
        let p = self.pipe(rec.shard);
        self.pipes[p].collected_bytes += rec.data_bytes;
        let shard_full = self.pipes[p].collected_bytes >= KPL_COLLECTOR_SHARD_FLUSH_BYTES;
        let c = &mut self.collector;
        c.deadline = if c.records.is_empty() { rec.deadline } else { c.deadline.min(rec.deadline) };
        c.bytes += rec.charged_bytes();
        c.records.push(rec);
        if c.records.len() as u64 >= self.spec.collection_max_count
            || c.bytes >= self.spec.collection_max_size
            || shard_full
        {
            self.flush_collector();
        }
    }

    /// Closes the PutRecords as the KPL's `Reducer::flush` does: records in
    /// deadline order, those beyond the count or size limit kept for the
    /// next one.
    fn flush_collector(&mut self) {
        let mut records = std::mem::take(&mut self.collector.records);
        records.sort_by_key(|r| r.deadline);
        let mut bytes = self.collector.bytes;
        let mut keep = Vec::new();
        while records.len() > 1
            && (records.len() as u64 > self.spec.collection_max_count || bytes > self.spec.collection_max_size)
        {
            let Some(last) = records.pop() else { break };
            bytes -= last.charged_bytes();
            keep.push(last);
        }
        for r in &records {
            let p = self.pipe_of[r.shard as usize] as usize;
            self.pipes[p].collected_bytes -= r.data_bytes;
        }
        let c = &mut self.collector;
        c.bytes -= bytes;
        c.deadline = keep.iter().map(|r| r.deadline).min().unwrap_or(SimTime::NEVER);
        keep.reverse();
        c.records = keep;
        self.ready.push_back(records);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, StreamId, rng_for};
    use crate::scenario::model::{Arrival, KeyDist, LatencyDist, RequestSpec, SizeDist};
    use crate::stream::hash::initial_ranges;
    use crate::workload::arrival::ArrivalGen;
    use crate::workload::keys::KeyState;
    use crate::workload::pattern::Multiplier;
    use crate::workload::size::SizeGen;

    fn user(key_id: u32, key_bytes: u16, data_bytes: u32) -> UserRec {
        UserRec {
            created: SimTime::ZERO,
            deadline: SimTime::ZERO,
            shard: 0,
            data_bytes,
            key_id,
            key_bytes,
            explicit_hash_key_bytes: 0,
            tag: 0,
            sent: false,
            stored: false,
            hash: [0; 2],
        }
    }

    /// A protobuf varint, written out.
    fn varint(mut n: u64, out: &mut Vec<u8>) {
        while n >= 0x80 {
            out.push(n as u8 | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }

    fn delimited(field: u8, bytes: &[u8], out: &mut Vec<u8>) {
        out.push(field << 3 | 2);
        varint(bytes.len() as u64, out);
        out.extend_from_slice(bytes);
    }

    #[test]
    fn aggregate_sizes_match_the_protobuf_encoding_and_the_kpl_estimate() {
        // Keys 7, 9, 7 (7 repeats), then 200 new keys: indices past 127
        // need two-byte varints; data of 10, 300 (two-byte length) bytes.
        let mut keys: Vec<(u32, u16, u32)> = vec![(7, 5, 10), (9, 6, 300), (7, 5, 10)];
        keys.extend((100..300).map(|k| (k, 7, 20)));
        let mut a = Aggregate::default();
        keys.iter().for_each(|&(id, kb, db)| a.add(user(id, kb, db)));
        // Encode AggregatedRecord { partition_key_table = 1, records = 3 }.
        let mut table: Vec<u32> = Vec::new();
        let mut body = Vec::new();
        let mut estimate = 0;
        for &(id, kb, db) in &keys {
            let index = match table.iter().position(|&k| k == id) {
                Some(i) => i,
                None => {
                    table.push(id);
                    delimited(1, &vec![b'k'; kb as usize], &mut body);
                    estimate += kb as u64 + 3;
                    table.len() - 1
                }
            };
            let mut record = vec![1 << 3];
            varint(index as u64, &mut record);
            delimited(3, &vec![0; db as usize], &mut record);
            delimited(3, &record, &mut body);
            estimate += db as u64 + 3 + 2;
        }
        assert_eq!(a.wire_bytes(keys.len()), 4 + body.len() as u64 + 16, "magic + protobuf + MD5");
        assert_eq!(a.estimated_bytes(), estimate);
        assert_eq!(a.wire_bytes(1), 10, "a single record is sent plain");
        assert_eq!(varint_bytes(127), 1);
        assert_eq!(varint_bytes(128), 2);
        assert_eq!(varint_bytes(16_384), 3);
    }

    fn instance(shards: u32, records_per_s: f64, spec: KplSpec) -> (KplInstance, KeySpace, ShardMap) {
        let map = ShardMap::new(&initial_ranges(shards));
        let space = KeySpace::new(&KeyDist::Uniform { keys: 10_000 }, "p", &map, false);
        let id = |purpose| StreamId { replication: 0, producer: 0, instance: 0, purpose };
        let src = InstanceSources {
            arrivals: ArrivalGen::new(
                Arrival::Poisson,
                records_per_s,
                1,
                0,
                Multiplier::Flat,
                SimTime::from_secs(10),
                rng_for(3, id(Purpose::Arrivals)),
            ),
            keys: KeyState::new(rng_for(3, id(Purpose::Keys)), 0, 1),
            sizes: (SizeGen::new(&SizeDist::Fixed { bytes: 200 }), rng_for(3, id(Purpose::Sizes))),
            size_scale: None,
        };
        let src = (src, rng_for(3, id(Purpose::Requests)));
        let inst = KplInstance::new(0, &spec, src, SimTime::ZERO, (&space, &map), false);
        (inst, space, map)
    }

    fn default_spec() -> KplSpec {
        KplSpec {
            aggregation_enabled: true,
            aggregation_max_count: 4_294_967_295,
            aggregation_max_size: 51_200,
            collection_max_count: 500,
            collection_max_size: 5 * 1_048_576,
            fail_if_throttled: false,
            rate_limit: 150,
            record_max_buffered_time: SimTime::from_millis_f64(100.0),
            record_ttl: SimTime::from_secs(30),
            requests: RequestSpec { latency: LatencyDist::DEFAULT, max_concurrent: 24, timeout: SimTime::from_secs(6) },
        }
    }

    #[test]
    fn an_aggregate_holds_only_records_of_its_predicted_shard() {
        let (mut inst, space, map) = instance(8, 5_000.0, default_spec());
        let (mut arrived, mut sent, mut aggregates) = (0u64, 0u64, 0);
        while inst.next_send(&space, &map, SimTime::from_secs(10), |_| arrived += 1).is_some() {
            for rec in inst.ready.pop_front().unwrap_or_default() {
                assert!(rec.users.iter().all(|u| u.shard == rec.shard), "an aggregate spans shards");
                assert!(rec.data_bytes <= 51_200);
                aggregates += rec.is_aggregate() as u32;
                sent += rec.users.len() as u64;
                inst.recycle(rec);
            }
        }
        assert!(aggregates > 700, "{aggregates}");
        assert_eq!(arrived, sent + inst.in_flight());
    }

    #[test]
    fn rejected_records_come_back_within_half_the_buffered_time() {
        let (mut inst, space, map) = instance(1, 2_000.0, default_spec());
        let first = inst.next_send(&space, &map, SimTime::from_secs(10), |_| ()).expect("a request");
        let request = inst.ready.pop_front().unwrap_or_default();
        let n: usize = request.iter().map(|r| r.users.len()).sum();
        request.into_iter().for_each(|mut r| {
            r.users.iter_mut().for_each(|u| u.sent = true);
            inst.rejected(r)
        });
        assert_eq!(inst.outcomes.retries, n as u64);
        // Retried records' deadline is 50 ms away; fresh records since
        // joined the same aggregate, whose deadline is now the retries'.
        let p = inst.pipe_of[0] as usize;
        assert_eq!(inst.pipes[p].aggregate.deadline, first + SimTime::from_millis_f64(50.0));
        let again = inst.next_send(&space, &map, SimTime::from_secs(10), |_| ()).expect("a request");
        let request = inst.ready.pop_front().unwrap_or_default();
        assert!(request.iter().flat_map(|r| &r.users).filter(|u| u.sent).count() == n, "all retried together");
        assert!(again >= first + SimTime::from_millis_f64(50.0) && again <= first + SimTime::from_millis_f64(70.0));
    }
}
