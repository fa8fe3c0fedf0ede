//! Counters the simulation keeps while it runs: per shard, per producer
//! group, and per-second stream totals. Memory is bounded by the number of
//! shards and producers and by a fixed number of time-series points, never
//! by the simulated duration.

pub mod latency;
pub mod series;
pub mod shard;

pub use series::{SeriesPoint, StreamSeries};
pub use shard::{ShardMeter, WriteTotals};

use crate::stream::faults::ErrorCodes;
use crate::time::SimTime;
use latency::LatencyCounts;

/// Largest buffering time the KPL histogram resolves, µs (one year);
/// larger values are clamped to it.
const BUFFERING_MAX_US: u64 = 366 * 24 * 3_600 * 1_000_000;

/// What a KPL producer group's PutRecords carried, in the KPL's own metric
/// vocabulary.
#[derive(Clone, Debug)]
pub struct KplCounters {
    /// PutRecords requests sent.
    pub put_records_requests: u64,
    /// Kinesis records those requests carried (retries included).
    pub kinesis_records_sent: u64,
    /// `BufferingTime`: from a user record's arrival to the first
    /// PutRecords carrying it, µs.
    pub buffering_us: LatencyCounts,
    /// User records whose Kinesis record landed on a shard other than the
    /// one the KPL predicted (its shard map was stale).
    pub unpredicted_shard_records: u64,
    /// User records sent again with error "Wrong Shard"; each left a
    /// duplicate stored in the stream.
    pub wrong_shard_retries: u64,
    /// Times the instances listed the shards again after the first.
    pub shard_map_refreshes: u64,
}

impl Default for KplCounters {
    fn default() -> Self {
        KplCounters {
            put_records_requests: 0,
            kinesis_records_sent: 0,
            buffering_us: LatencyCounts::new(BUFFERING_MAX_US),
            unpredicted_shard_records: 0,
            wrong_shard_retries: 0,
            shard_map_refreshes: 0,
        }
    }
}

impl KplCounters {
    /// Counts a user record first sent at `now`.
    #[inline]
    pub fn first_send(&mut self, created: SimTime, now: SimTime) {
        self.buffering_us.record((now - created).as_nanos() / 1_000);
    }
}

/// Largest request latency or wait the histograms resolve, µs (one hour,
/// the longest round trip drawn).
const REQUEST_MAX_US: u64 = 3_600 * 1_000_000;

/// A producer group's requests, as its clients saw them.
#[derive(Clone, Debug)]
pub struct RequestCounters {
    /// Each request's latency (until its response or timeout), µs.
    pub latency_us: LatencyCounts,
    /// Each request's wait for a free slot (connection), µs.
    pub wait_us: LatencyCounts,
}

impl Default for RequestCounters {
    fn default() -> Self {
        RequestCounters { latency_us: LatencyCounts::new(REQUEST_MAX_US), wait_us: LatencyCounts::new(REQUEST_MAX_US) }
    }
}

impl RequestCounters {
    /// Counts a request ready at `ready` that left on `trip`, if it left
    /// after the warm-up.
    #[inline]
    pub fn count(&mut self, trip: &crate::producer::request::Trip, ready: SimTime, warmup: SimTime) {
        if trip.departs >= warmup {
            self.latency_us.record(trip.latency().as_nanos() / 1_000);
            self.wait_us.record(trip.wait(ready).as_nanos() / 1_000);
        }
    }
}

/// Counters of one producer group (all its instances).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProducerCounters {
    /// Records the application handed to the client.
    pub user_records: u64,
    /// User records a shard accepted (alone or inside an aggregate).
    pub records_put: u64,
    /// Kinesis records a shard accepted: `records_put` unless the KPL
    /// aggregates.
    pub kinesis_records_put: u64,
    /// Bytes (data + partition key) a shard accepted.
    pub bytes_put: u64,
    /// Kinesis record attempts a shard rejected
    /// (WriteProvisionedThroughputExceeded).
    pub write_throttled: u64,
    /// User records sent again after a rejection.
    pub retries: u64,
    /// User records given up: after the last attempt, or (KPL) expired.
    pub records_dropped: u64,
    /// Of those, the KPL's records older than `record_ttl_ms`.
    pub user_records_expired: u64,
    /// API calls made (PutRecord or PutRecords).
    pub put_calls: u64,
    /// Records stored a second time: sent again after a request that had
    /// stored them timed out on the client. Not in `records_put`.
    pub duplicates_put: u64,
    /// Requests the client gave up waiting for (`request_timeout_ms`).
    pub requests_timed_out: u64,
    /// Failed record attempts by the error code the client was told (a
    /// timed-out call's records all count as `RequestTimeout`).
    pub errors_by_code: ErrorCodes,
}

impl std::ops::AddAssign<&ProducerCounters> for ProducerCounters {
    fn add_assign(&mut self, o: &ProducerCounters) {
        self.user_records += o.user_records;
        self.records_put += o.records_put;
        self.kinesis_records_put += o.kinesis_records_put;
        self.bytes_put += o.bytes_put;
        self.write_throttled += o.write_throttled;
        self.retries += o.retries;
        self.records_dropped += o.records_dropped;
        self.user_records_expired += o.user_records_expired;
        self.put_calls += o.put_calls;
        self.duplicates_put += o.duplicates_put;
        self.requests_timed_out += o.requests_timed_out;
        self.errors_by_code += &o.errors_by_code;
    }
}

impl ProducerCounters {
    /// Rejected attempts over all attempts, in Kinesis records, as
    /// CloudWatch would show it.
    pub fn throttle_rate(&self) -> f64 {
        ratio(self.write_throttled, self.kinesis_records_put + self.write_throttled)
    }
}

/// `num / den`, or 0 when there is nothing to divide.
pub fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 { 0.0 } else { num as f64 / den as f64 }
}
