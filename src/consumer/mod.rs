//! Consumers: applications reading every shard of the stream. `polling` is
//! a shared-throughput GetRecords loop; what every consumer measures lives
//! here.

pub mod polling;

use hdrhistogram::Histogram;

use crate::time::SimTime;

/// Largest latency or age the histograms resolve, in microseconds (one
/// year, the longest retention); larger values are clamped to it.
const LATENCY_MAX_US: u64 = 366 * 24 * 3_600 * 1_000_000;
/// Significant decimal digits the latency histogram keeps.
const LATENCY_SIGNIFICANT_DIGITS: u8 = 3;

/// What one consumer observed over the run.
#[derive(Clone, Debug)]
pub struct ConsumerMeter {
    /// Records handed to the application.
    pub records_delivered: u64,
    /// GetRecords calls rejected (ReadProvisionedThroughputExceeded counts
    /// calls, not records).
    pub read_throttled: u64,
    /// GetRecords calls that succeeded.
    pub get_records_calls: u64,
    /// Records that expired before this consumer read them.
    pub records_expired: u64,
    /// Largest age of the last record of a call when it was read.
    pub iterator_age_max: SimTime,
    /// End-to-end latency (application's send → consumer's receipt), µs.
    pub latency_us: Histogram<u64>,
}

impl Default for ConsumerMeter {
    fn default() -> Self {
        ConsumerMeter {
            records_delivered: 0,
            read_throttled: 0,
            get_records_calls: 0,
            records_expired: 0,
            iterator_age_max: SimTime::ZERO,
            // The bounds are constants that satisfy the crate's rules
            // (low >= 1, high >= 2·low, digits <= 5).
            latency_us: Histogram::new_with_bounds(1, LATENCY_MAX_US, LATENCY_SIGNIFICANT_DIGITS)
                .expect("valid histogram bounds"),
        }
    }
}

impl ConsumerMeter {
    /// Records one delivered record's end-to-end latency.
    #[inline]
    pub fn latency(&mut self, latency: SimTime) {
        self.latency_us.saturating_record((latency.as_nanos() / 1_000).max(1));
    }
}
