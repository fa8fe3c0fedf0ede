//! A polling (shared-throughput) consumer, KCL style: for each shard, a
//! loop of GetRecords call → process the batch → wait
//! `idle_time_between_reads_ms` → next call. Calls share each shard's 5
//! calls/s and 2 MiB/s with every other polling consumer; a throttled call
//! returns nothing and the loop waits its idle time, at least 1 s, before
//! trying again.
//!
//! Records become visible to GetRecords `PROPAGATION_DELAY_MS` after the
//! shard accepted them, and a call's response arrives
//! `GET_RECORDS_LATENCY_MS` after it was made; together about 200 ms, AWS's
//! documented average put-to-get delay for one consumer (reference §3.2), to
//! which the polling wait adds. The split between the two is a modelling
//! choice: AWS documents only the sum.

use crate::consumer::ConsumerMeter;
use crate::scenario::model::{ConsumerKind, ConsumerSpec};
use crate::stream::limits::GET_RECORDS_MAX_BYTES;
use crate::stream::log::ShardLog;
use crate::stream::read::ReadLimiter;
use crate::time::SimTime;

/// Time from acceptance until GetRecords can return a record (§3.2, with
/// `GET_RECORDS_LATENCY_MS` making up AWS's ~200 ms).
pub const PROPAGATION_DELAY_MS: f64 = 175.0;
/// Time from a GetRecords call to its response (modelling choice, §3.2).
pub const GET_RECORDS_LATENCY_MS: f64 = 25.0;
/// Least wait after a throttled call: AWS recommends waiting 1 s, since
/// calls within the next second throw too (§3).
pub const READ_THROTTLE_BACKOFF_MS: f64 = 1_000.0;

/// One polling consumer: its position in every shard and its meter.
#[derive(Clone, Debug)]
pub struct PollingConsumer {
    max_records: u32,
    idle: SimTime,
    per_record: SimTime,
    per_batch: SimTime,
    propagation: SimTime,
    call_latency: SimTime,
    throttle_backoff: SimTime,
    /// Next sequence number to read, by shard.
    pub cursors: Vec<u64>,
    /// What it observed.
    pub meter: ConsumerMeter,
}

impl PollingConsumer {
    /// A consumer of `spec` reading `shards` shards from their start.
    pub fn new(spec: &ConsumerSpec, shards: usize) -> Self {
        let ConsumerKind::Polling(p) = &spec.kind;
        PollingConsumer {
            max_records: p.max_records,
            idle: p.idle_time_between_reads,
            per_record: spec.process_per_record,
            per_batch: spec.process_per_batch,
            propagation: SimTime::from_millis_f64(PROPAGATION_DELAY_MS),
            call_latency: SimTime::from_millis_f64(GET_RECORDS_LATENCY_MS),
            throttle_backoff: SimTime::from_millis_f64(READ_THROTTLE_BACKOFF_MS),
            cursors: vec![0; shards],
            meter: ConsumerMeter::default(),
        }
    }

    /// One loop period without work: the first call of a shard happens at a
    /// uniformly drawn point of it, so consumers do not start in lockstep.
    pub fn idle_period(&self) -> SimTime {
        self.idle + self.call_latency
    }

    /// Moves a cursor that points at records retention already removed to
    /// the oldest stored record, counting the lost records.
    pub fn skip_expired(&mut self, shard: usize, log: &ShardLog, counted: bool) {
        let first = log.first_seq();
        let cursor = &mut self.cursors[shard];
        if *cursor < first {
            if counted {
                self.meter.records_expired += first - *cursor;
            }
            *cursor = first;
        }
    }

    /// One GetRecords call on `shard` at `now`; returns when the next call
    /// of this shard is due.
    pub fn poll(
        &mut self,
        shard: usize,
        now: SimTime,
        log: &ShardLog,
        read: &mut ReadLimiter,
        counted: bool,
    ) -> SimTime {
        self.skip_expired(shard, log, counted);
        if !read.admit(now) {
            if counted {
                self.meter.read_throttled += 1;
            }
            return now + self.idle.max(self.throttle_backoff);
        }
        let received = now + self.call_latency;
        let (mut n, mut bytes, mut last_put) = (0u64, 0u64, None);
        for rec in log.from_seq(self.cursors[shard]) {
            let too_big = n > 0 && bytes + rec.bytes as u64 > GET_RECORDS_MAX_BYTES;
            if n == self.max_records as u64 || too_big || rec.put + self.propagation > now {
                break;
            }
            n += 1;
            bytes += rec.bytes as u64;
            last_put = Some(rec.put);
            if counted {
                self.meter.latency(received - rec.created());
            }
        }
        read.record(now, bytes);
        self.cursors[shard] += n;
        if counted {
            self.meter.get_records_calls += 1;
            self.meter.records_delivered += n;
            if let Some(put) = last_put {
                self.meter.iterator_age_max = self.meter.iterator_age_max.max(now - put);
            }
        }
        let busy =
            if n > 0 { self.per_batch + SimTime(self.per_record.as_nanos().saturating_mul(n)) } else { SimTime::ZERO };
        received + busy + self.idle
    }
}
