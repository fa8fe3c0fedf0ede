//! Per-shard read admission for shared-throughput (GetRecords) consumers:
//! at most 5 successful calls a second, and 2 MiB/s of returned data
//! (reference §3). AWS does not say how the calls are counted; two readings
//! are selectable (`[stream].read_limit_model`): per whole simulated second
//! (the default), or in any one-second window. With the KCL's and the AWS
//! SDK's retries of a throttled call, only the first reproduces AWS's
//! published put-to-get delay of about a second for five consumers (see
//! docs/model.md, "Read latency"). The bytes limit is a token bucket one
//! second deep that a call may overdraw — one call returns up to 10 MiB —
//! after which calls throw until the debt is repaid: a 10 MiB response
//! blocks the shard for about 4–5 s, as AWS documents for the 10 MiB case.

use crate::scenario::model::ReadLimitModel;
use crate::stream::limits::{SHARD_READ_BYTES_PER_S, SHARD_READ_CALLS_PER_S};
use crate::time::{NANOS_PER_S, SimTime};

const CALLS: usize = SHARD_READ_CALLS_PER_S as usize;
/// Units per byte in a bucket (refill is then exact per nanosecond).
const UNIT: i128 = NANOS_PER_S as i128;

/// A bytes-per-second token bucket one second deep, in 10⁻⁹ byte units;
/// it may be overdrawn, and is then in debt until refilled.
#[derive(Clone, Debug)]
pub struct ByteBucket {
    rate_per_s: u64,
    units: i128,
    refilled_at: SimTime,
}

impl ByteBucket {
    /// A full bucket refilling at `rate_per_s` bytes per second.
    pub fn new(rate_per_s: u64) -> Self {
        ByteBucket { rate_per_s, units: rate_per_s as i128 * UNIT, refilled_at: SimTime::ZERO }
    }

    /// Whole bytes available at `now` (negative while in debt).
    pub fn available(&mut self, now: SimTime) -> i64 {
        let elapsed = (now - self.refilled_at).as_nanos() as i128;
        let depth = self.rate_per_s as i128 * UNIT;
        self.units = (self.units + elapsed * self.rate_per_s as i128).min(depth);
        self.refilled_at = now;
        (self.units / UNIT) as i64
    }

    /// Takes `bytes` (possibly overdrawing).
    pub fn take(&mut self, bytes: u64) {
        self.units -= bytes as i128 * UNIT;
    }

    /// How long after the last refill until `bytes` are available.
    pub fn wait_for(&self, bytes: u64) -> SimTime {
        let missing = (bytes as i128 * UNIT - self.units).max(0);
        SimTime((missing as u128).div_ceil(self.rate_per_s as u128) as u64)
    }
}

/// Read admission state of one shard.
#[derive(Clone, Debug)]
pub struct ReadLimiter {
    calls: CallCount,
    bytes: ByteBucket,
}

/// Successful calls, as the model counts them.
#[derive(Clone, Debug)]
enum CallCount {
    /// Calls made in whole second `second`.
    PerSecond { second: u64, calls: usize },
    /// Times of the last successful calls, oldest at `next`.
    Sliding { recent: [Option<SimTime>; CALLS], next: usize },
}

impl ReadLimiter {
    /// A shard's admission under `model`, full of capacity.
    pub fn new(model: ReadLimitModel) -> Self {
        let calls = match model {
            ReadLimitModel::PerSecondWindow => CallCount::PerSecond { second: 0, calls: 0 },
            ReadLimitModel::SlidingWindow => CallCount::Sliding { recent: [None; CALLS], next: 0 },
        };
        ReadLimiter { calls, bytes: ByteBucket::new(SHARD_READ_BYTES_PER_S) }
    }

    /// Whether a GetRecords call at `now` succeeds (it then must be
    /// followed by [`Self::record`]); a throttled call returns nothing.
    pub fn admit(&mut self, now: SimTime) -> bool {
        let calls_left = match &mut self.calls {
            CallCount::PerSecond { second, calls } => {
                if now.whole_secs() != *second {
                    (*second, *calls) = (now.whole_secs(), 0);
                }
                *calls < CALLS
            }
            CallCount::Sliding { recent, next } => recent[*next].is_none_or(|t| now - t >= SimTime(NANOS_PER_S)),
        };
        self.bytes.available(now);
        calls_left && self.bytes.units > 0
    }

    /// Accounts for a successful call at `now` returning `bytes`.
    pub fn record(&mut self, now: SimTime, bytes: u64) {
        match &mut self.calls {
            CallCount::PerSecond { calls, .. } => *calls += 1,
            CallCount::Sliding { recent, next } => {
                recent[*next] = Some(now);
                *next = (*next + 1) % CALLS;
            }
        }
        self.bytes.take(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::limits::MIB;

    /// Which of `times` (one call each, returning nothing) `model` admits.
    fn admitted(model: ReadLimitModel, times_ms: &[u64]) -> Vec<bool> {
        let mut r = ReadLimiter::new(model);
        let mut admit = |t: SimTime| r.admit(t) && (r.record(t, 0), true).1;
        times_ms.iter().map(|&ms| admit(SimTime(ms * 1_000_000))).collect()
    }

    #[test]
    fn five_calls_per_second_window() {
        // Five calls in 0.4 s, then one at 0.999 s, one at 1.0 s: both
        // refuse the sixth and admit the seventh.
        let times = [0, 100, 200, 300, 400, 999, 1_000];
        for model in [ReadLimitModel::SlidingWindow, ReadLimitModel::PerSecondWindow] {
            assert_eq!(admitted(model, &times), [true, true, true, true, true, false, true], "{model:?}");
        }
        // Ten calls across a second's boundary: the sliding window admits
        // five, whole seconds admit all ten.
        let straddle = [500, 600, 700, 800, 900, 1_000, 1_100, 1_200, 1_300, 1_400];
        let count = |m| admitted(m, &straddle).iter().filter(|&&a| a).count();
        assert_eq!(count(ReadLimitModel::SlidingWindow), 5);
        assert_eq!(count(ReadLimitModel::PerSecondWindow), 10);
    }

    #[test]
    fn a_ten_mib_response_blocks_reads_for_seconds() {
        let mut r = ReadLimiter::new(ReadLimitModel::PerSecondWindow);
        assert!(r.admit(SimTime::ZERO));
        r.record(SimTime::ZERO, 10 * MIB);
        // 2 MiB of depth, 8 MiB of debt at 2 MiB/s: blocked for 4 s.
        assert!(!r.admit(SimTime::from_secs(2)));
        assert!(!r.admit(SimTime::from_secs(4)));
        assert!(r.admit(SimTime::from_secs_f64(4.001)));
    }

    #[test]
    fn a_bucket_refills_at_its_rate_up_to_one_second_deep() {
        let mut b = ByteBucket::new(2 * MIB);
        assert_eq!(b.available(SimTime::ZERO), 2 * MIB as i64);
        b.take(2 * MIB);
        assert_eq!(b.available(SimTime::from_millis_f64(500.0)), MIB as i64);
        // 1,024 bytes at 2 MiB/s: 488,281.25 ns, rounded up.
        assert_eq!(b.wait_for(MIB + 1_024), SimTime(488_282));
        assert_eq!(b.available(SimTime::from_secs(60)), 2 * MIB as i64, "capped at one second of refill");
    }
}
