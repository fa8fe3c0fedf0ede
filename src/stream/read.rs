//! Per-shard read admission for shared-throughput (GetRecords) consumers:
//! at most 5 successful calls in any one-second window, and 2 MiB/s of
//! returned data (reference §3). The bytes limit is a token bucket one
//! second deep that a call may overdraw — one call returns up to 10 MiB —
//! after which calls throw until the debt is repaid: a 10 MiB response
//! blocks the shard for about 4–5 s, as AWS documents for the 10 MiB case.

use crate::stream::limits::{SHARD_READ_BYTES_PER_S, SHARD_READ_CALLS_PER_S};
use crate::time::{NANOS_PER_S, SimTime};

const CALLS: usize = SHARD_READ_CALLS_PER_S as usize;
/// Units per byte in the bucket (refill is then exact per nanosecond).
const UNIT: i128 = NANOS_PER_S as i128;
const BYTES_DEPTH: i128 = SHARD_READ_BYTES_PER_S as i128 * UNIT;

/// Read admission state of one shard.
#[derive(Clone, Debug)]
pub struct ReadLimiter {
    /// Times of the last successful calls, oldest at `next`.
    recent: [Option<SimTime>; CALLS],
    next: usize,
    /// Byte tokens in 10⁻⁹ byte units; negative after an overdraw.
    bytes: i128,
    refilled_at: SimTime,
}

impl Default for ReadLimiter {
    fn default() -> Self {
        ReadLimiter { recent: [None; CALLS], next: 0, bytes: BYTES_DEPTH, refilled_at: SimTime::ZERO }
    }
}

impl ReadLimiter {
    /// Whether a GetRecords call at `now` succeeds (it then must be
    /// followed by [`Self::record`]); a throttled call returns nothing.
    pub fn admit(&mut self, now: SimTime) -> bool {
        let elapsed = (now - self.refilled_at).as_nanos() as i128;
        self.bytes = (self.bytes + elapsed * SHARD_READ_BYTES_PER_S as i128).min(BYTES_DEPTH);
        self.refilled_at = now;
        let window_full = self.recent[self.next].is_some_and(|t| now - t < SimTime(NANOS_PER_S));
        !window_full && self.bytes > 0
    }

    /// Accounts for a successful call at `now` returning `bytes`.
    pub fn record(&mut self, now: SimTime, bytes: u64) {
        self.recent[self.next] = Some(now);
        self.next = (self.next + 1) % CALLS;
        self.bytes -= bytes as i128 * UNIT;
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
}
