//! Counters the simulation keeps while it runs: per shard, per producer
//! group, and per-second stream totals. Memory is bounded by the number of
//! shards and producers and by a fixed number of time-series points, never
//! by the simulated duration.

pub mod latency;
pub mod series;
pub mod shard;

pub use series::{SeriesPoint, StreamSeries};
pub use shard::ShardMeter;

/// Counters of one producer group (all its instances).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProducerCounters {
    /// Records the application handed to the client.
    pub user_records: u64,
    /// Records a shard accepted.
    pub records_put: u64,
    /// Bytes (data + partition key) a shard accepted.
    pub bytes_put: u64,
    /// Record attempts a shard rejected (WriteProvisionedThroughputExceeded).
    pub write_throttled: u64,
    /// Records sent again after a rejection.
    pub retries: u64,
    /// Records given up after the last attempt.
    pub records_dropped: u64,
    /// API calls made (PutRecord or PutRecords).
    pub put_calls: u64,
}

impl std::ops::AddAssign<&ProducerCounters> for ProducerCounters {
    fn add_assign(&mut self, o: &ProducerCounters) {
        self.user_records += o.user_records;
        self.records_put += o.records_put;
        self.bytes_put += o.bytes_put;
        self.write_throttled += o.write_throttled;
        self.retries += o.retries;
        self.records_dropped += o.records_dropped;
        self.put_calls += o.put_calls;
    }
}

impl ProducerCounters {
    /// Rejected attempts over all attempts, as CloudWatch would show it.
    pub fn throttle_rate(&self) -> f64 {
        ratio(self.write_throttled, self.records_put + self.write_throttled)
    }
}

/// `num / den`, or 0 when there is nothing to divide.
pub fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 { 0.0 } else { num as f64 / den as f64 }
}
