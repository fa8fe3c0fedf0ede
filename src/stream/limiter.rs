//! Per-shard write admission. AWS does not document the server's algorithm
//! (reference §1.2), so two models are selectable: two token buckets per
//! shard (records and bytes, each one second deep, starting full — AWS's
//! "tank that refills at a steady rate"), or fixed one-second windows
//! aligned to whole simulated seconds (the stricter reading of "per second").
//!
//! Token levels are integers in units of 10⁻⁹ token, so refilling at R
//! tokens/s adds exactly R units per nanosecond: no rounding, no drift.

use crate::scenario::model::WriteLimitModel;
use crate::time::{NANOS_PER_S, SimTime};

/// Units per whole token (one record, or one byte).
const UNIT: u128 = NANOS_PER_S as u128;

/// A shard's write limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteLimits {
    /// Records per second.
    pub records_per_s: u64,
    /// Bytes (data + partition key) per second.
    pub bytes_per_s: u64,
}

/// Admission state of one shard under the selected model, one cache line
/// each (a stream of thousands of shards finds it out of cache on every
/// record; sharing a line with a neighbour would cost two).
#[derive(Clone, Debug)]
#[repr(align(64))]
pub enum WriteLimiter {
    /// Token buckets: levels in 10⁻⁹ tokens, refilled lazily.
    Buckets { records: u128, bytes: u128, refilled_at: SimTime },
    /// One-second windows: what was accepted in second `second`.
    Window { second: u64, records: u64, bytes: u64 },
}

impl WriteLimiter {
    /// A fresh shard: full buckets, or an empty first window.
    pub fn new(model: WriteLimitModel, limits: WriteLimits) -> Self {
        match model {
            WriteLimitModel::TokenBucket => WriteLimiter::Buckets {
                records: limits.records_per_s as u128 * UNIT,
                bytes: limits.bytes_per_s as u128 * UNIT,
                refilled_at: SimTime::ZERO,
            },
            WriteLimitModel::PerSecondWindow => WriteLimiter::Window { second: 0, records: 0, bytes: 0 },
        }
    }

    /// Admits one record of `bytes` at `now` (non-decreasing across calls)
    /// and consumes its capacity, or rejects it and consumes nothing.
    #[inline]
    pub fn try_admit(&mut self, limits: WriteLimits, now: SimTime, bytes: u64) -> bool {
        match self {
            WriteLimiter::Buckets { records, bytes: byte_level, refilled_at } => {
                if now > *refilled_at {
                    let elapsed = (now - *refilled_at).as_nanos() as u128;
                    *records =
                        (*records + elapsed * limits.records_per_s as u128).min(limits.records_per_s as u128 * UNIT);
                    *byte_level =
                        (*byte_level + elapsed * limits.bytes_per_s as u128).min(limits.bytes_per_s as u128 * UNIT);
                    *refilled_at = now;
                }
                let need = bytes as u128 * UNIT;
                let ok = *records >= UNIT && *byte_level >= need;
                if ok {
                    *records -= UNIT;
                    *byte_level -= need;
                }
                ok
            }
            WriteLimiter::Window { second, records, bytes: used } => {
                let s = now.whole_secs();
                if s != *second {
                    *second = s;
                    *records = 0;
                    *used = 0;
                }
                let ok = *records < limits.records_per_s && *used + bytes <= limits.bytes_per_s;
                if ok {
                    *records += 1;
                    *used += bytes;
                }
                ok
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: WriteLimits = WriteLimits { records_per_s: 1_000, bytes_per_s: 1_048_576 };

    fn admitted(model: WriteLimitModel, times: impl Iterator<Item = SimTime>, bytes: u64) -> usize {
        let mut l = WriteLimiter::new(model, LIMITS);
        times.filter(|t| l.try_admit(LIMITS, *t, bytes)).count()
    }

    #[test]
    fn bucket_admits_its_depth_at_once_then_the_refill_rate() {
        // 3,000 records at t = 0: exactly the 1,000-record depth.
        let at_once = admitted(WriteLimitModel::TokenBucket, std::iter::repeat_n(SimTime::ZERO, 3_000), 10);
        assert_eq!(at_once, 1_000);
        // 2,000/s evenly for 10 s: 1,000 initial tokens + 1,000/s refill
        // (the 20,000th record arrives at 9.9995 s, hence the last token
        // is just short).
        let even = (0..20_000u64).map(|i| SimTime(i * 500_000));
        assert_eq!(admitted(WriteLimitModel::TokenBucket, even, 10), 10_999);
    }

    #[test]
    fn bucket_limits_bytes_too() {
        // 100 KiB records: 10 fit the 1 MiB depth, then one per ~0.1 s.
        let n = admitted(WriteLimitModel::TokenBucket, std::iter::repeat_n(SimTime::ZERO, 50), 102_400);
        assert_eq!(n, 10);
    }

    #[test]
    fn window_resets_each_whole_second() {
        let times = (0..20_000u64).map(|i| SimTime(i * 500_000));
        assert_eq!(admitted(WriteLimitModel::PerSecondWindow, times, 10), 10_000);
        let mut l = WriteLimiter::new(WriteLimitModel::PerSecondWindow, LIMITS);
        assert!(l.try_admit(LIMITS, SimTime(0), 1_048_576));
        assert!(!l.try_admit(LIMITS, SimTime(999_999_999), 1));
        assert!(l.try_admit(LIMITS, SimTime(1_000_000_000), 1));
    }
}
