//! Per-shard read admission for shared-throughput (GetRecords) consumers:
//! at most 5 successful calls in any one-second window, and 2 MiB/s of
//! returned data (reference §3). The bytes limit is a token bucket one
//! second deep that a call may overdraw — one call returns up to 10 MiB —
//! after which calls throw until the debt is repaid: a 10 MiB response
//! blocks the shard for about 4–5 s, as AWS documents for the 10 MiB case.

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
    /// Times of the last successful calls, oldest at `next`.
    recent: [Option<SimTime>; CALLS],
    next: usize,
    bytes: ByteBucket,
}

impl Default for ReadLimiter {
    fn default() -> Self {
        ReadLimiter { recent: [None; CALLS], next: 0, bytes: ByteBucket::new(SHARD_READ_BYTES_PER_S) }
    }
}

impl ReadLimiter {
    /// Whether a GetRecords call at `now` succeeds (it then must be
    /// followed by [`Self::record`]); a throttled call returns nothing.
    pub fn admit(&mut self, now: SimTime) -> bool {
        let window_full = self.recent[self.next].is_some_and(|t| now - t < SimTime(NANOS_PER_S));
        self.bytes.available(now);
        !window_full && self.bytes.units > 0
    }

    /// Accounts for a successful call at `now` returning `bytes`.
    pub fn record(&mut self, now: SimTime, bytes: u64) {
        self.recent[self.next] = Some(now);
        self.next = (self.next + 1) % CALLS;
        self.bytes.take(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::limits::MIB;

    #[test]
    fn five_calls_per_second_window() {
        let mut r = ReadLimiter::default();
        for i in 0..5 {
            let t = SimTime(i * 100_000_000);
            assert!(r.admit(t));
            r.record(t, 0);
        }
        assert!(!r.admit(SimTime(999_999_999)), "sixth call within one second of the first");
        assert!(r.admit(SimTime(1_000_000_000)));
    }

    #[test]
    fn a_ten_mib_response_blocks_reads_for_seconds() {
        let mut r = ReadLimiter::default();
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
