//! Shared-throughput reads: one GetRecords call on a shard. Calls share
//! each shard's 5 calls/s and 2 MiB/s with every other polling reader
//! (KCL polling applications and Lambda mappings with a standard iterator);
//! a throttled call returns nothing.
//!
//! Records become visible to GetRecords `PROPAGATION_DELAY_MS` after the
//! shard accepted them, and a call's response arrives
//! `GET_RECORDS_LATENCY_MS` after it was made. AWS documents only the
//! average put-to-get delay of the whole: "around 200 ms" for one consumer
//! and "around 1000 ms" for five (reference §3.2). The call latency is
//! shardsim's choice; the propagation delay is fitted so that one consumer
//! polling as fast as the limit allows — the KCL's idle time of 200 ms, the
//! least AWS advises (§3.2) — averages exactly 200 ms: visible after the
//! delay, then a uniform wait for the next call of a loop of idle + call
//! latency, then the call's latency. Five such consumers meet throttling,
//! and how long their put-to-get delay becomes follows from how a
//! throttled call is retried ([`sdk_throttle_delay`]), not from a fit.

use crate::consumer::{Scan, ShardView, scan};
use crate::rng::SimRng;
use crate::stream::limits::GET_RECORDS_MAX_BYTES;
use crate::stream::log::Chunk;
use crate::time::SimTime;
use rand::RngExt;

/// Time from a Kinesis API call to its response (shardsim's choice: AWS
/// documents no figure).
pub const GET_RECORDS_LATENCY_MS: f64 = 25.0;
/// The KCL's least advised idle time between reads (§3.2): one consumer
/// polling this fast stays within 5 calls/s.
const FASTEST_IDLE_MS: f64 = 200.0;
/// Time from acceptance until GetRecords can return a record: what makes
/// one consumer polling every `FASTEST_IDLE_MS` average AWS's ~200 ms,
/// 200 − 25 − (200 + 25) / 2 = 62.5 ms.
pub const PROPAGATION_DELAY_MS: f64 = 200.0 - GET_RECORDS_LATENCY_MS - (FASTEST_IDLE_MS + GET_RECORDS_LATENCY_MS) / 2.0;
/// Attempts the AWS SDK for Java 2.x makes of a call in its default
/// (legacy) retry mode, the first included (`SdkDefaultRetrySetting`:
/// `maxAttempts(LEGACY) = 4`); the KCL leaves the Kinesis client's retry
/// policy at the default (`KinesisClientUtil`).
pub const SDK_MAX_ATTEMPTS: u32 = 4;
/// The SDK's base and cap of the back-off after a throttling error
/// (`THROTTLED_BASE_DELAY` = 500 ms, `MAX_BACKOFF` = 20 s).
const SDK_THROTTLED_BASE_DELAY_MS: u64 = 500;
const SDK_MAX_BACKOFF_MS: u64 = 20_000;
/// The SDK's base of the back-off after any other retryable error, such
/// as a 500 (`BASE_DELAY` = 100 ms in the legacy mode).
const SDK_BASE_DELAY_MS: u64 = 100;

/// The propagation delay as a simulated time.
pub fn propagation() -> SimTime {
    SimTime::from_millis_f64(PROPAGATION_DELAY_MS)
}

/// The call latency as a simulated time.
pub fn call_latency() -> SimTime {
    SimTime::from_millis_f64(GET_RECORDS_LATENCY_MS)
}

/// The SDK's wait before retrying a call throttled `retries` times before
/// (0 for the first retry): "equal jitter" in whole milliseconds, as
/// `EqualJitterBackoffStrategy` computes it — half of min(500 ms · 2^retries,
/// 20 s), plus a uniform draw of 0 to the other half.
pub fn sdk_throttle_delay(retries: u32, rng: &mut SimRng) -> SimTime {
    let ceil_ms = (SDK_THROTTLED_BASE_DELAY_MS << retries.min(16)).min(SDK_MAX_BACKOFF_MS);
    SimTime((ceil_ms / 2 + rng.random_range(0..=ceil_ms / 2)) * 1_000_000)
}

/// The SDK's wait before retrying a call that failed `retries` times
/// before with an error other than throttling: "full jitter", a uniform
/// draw of whole milliseconds below min(100 ms · 2^retries, 20 s), as
/// `FullJitterBackoffStrategy` computes it.
pub fn sdk_error_delay(retries: u32, rng: &mut SimRng) -> SimTime {
    let ceil_ms = (SDK_BASE_DELAY_MS << retries.min(16)).min(SDK_MAX_BACKOFF_MS);
    SimTime(rng.random_range(0..ceil_ms) * 1_000_000)
}

/// What one GetRecords call got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Read {
    /// Records (perhaps none).
    Got(Scan),
    /// `ProvisionedThroughputExceededException`: the shard's 5 calls/s or
    /// 2 MiB/s were spent.
    Throttled,
    /// `InternalFailure`: a `[[faults]]` read failure. The call never
    /// reached the shard's limits (shardsim's choice), so it spends none
    /// of its allowance.
    Failed,
}

impl Read {
    /// What the call returned, if it succeeded.
    pub fn scan(&self) -> Option<&Scan> {
        match self {
            Read::Got(s) => Some(s),
            _ => None,
        }
    }
}

/// One GetRecords call at `now` from sequence number `from` with `Limit`
/// `limit`: what it got, its records passed to `each` a run at a time.
/// The response arrives [`call_latency`] later.
pub fn get_records(view: &mut ShardView<'_>, from: u64, now: SimTime, limit: u64, each: impl FnMut(Chunk<'_>)) -> Read {
    if view.fails {
        return Read::Failed;
    }
    if !view.read.admit(now) {
        return Read::Throttled;
    }
    let s = scan(view.log, from, now, propagation(), limit, GET_RECORDS_MAX_BYTES, each);
    view.read.record(now, s.bytes);
    Read::Got(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_sdk_backs_off_with_equal_jitter_from_500_ms_up_to_20_s() {
        let mut rng = SimRng::seed_from_u64(7);
        for (retries, (low_ms, high_ms)) in
            [(0, (250, 500)), (1, (500, 1_000)), (2, (1_000, 2_000)), (9, (10_000, 20_000))]
        {
            let nanos: Vec<u64> = (0..10_000).map(|_| sdk_throttle_delay(retries, &mut rng).as_nanos()).collect();
            // Whole milliseconds, as the SDK draws them.
            assert!(nanos.iter().all(|ns| ns % 1_000_000 == 0), "retry {retries}");
            let draws: Vec<u64> = nanos.iter().map(|ns| ns / 1_000_000).collect();
            assert!(draws.iter().all(|ms| (low_ms..=high_ms).contains(ms)), "retry {retries}");
            // Uniform over the upper half: mean 3/4 of the ceiling (±1 %).
            let mean = draws.iter().sum::<u64>() as f64 / draws.len() as f64;
            assert!((mean / (0.75 * high_ms as f64) - 1.0).abs() < 0.01, "retry {retries}: mean {mean} ms");
        }
    }

    #[test]
    fn other_errors_back_off_with_full_jitter_from_100_ms_up_to_20_s() {
        let mut rng = SimRng::seed_from_u64(8);
        for (retries, ceil_ms) in [(0, 100), (1, 200), (3, 800), (9, 20_000)] {
            let draws: Vec<u64> =
                (0..10_000).map(|_| sdk_error_delay(retries, &mut rng).as_nanos() / 1_000_000).collect();
            assert!(draws.iter().all(|ms| *ms < ceil_ms), "retry {retries}");
            // Uniform below the ceiling: mean (ceil − 1) / 2 (±2 %).
            let mean = draws.iter().sum::<u64>() as f64 / draws.len() as f64;
            assert!((mean / ((ceil_ms - 1) as f64 / 2.0) - 1.0).abs() < 0.02, "retry {retries}: mean {mean} ms");
        }
    }
}
