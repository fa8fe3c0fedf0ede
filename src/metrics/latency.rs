//! Latency counts taken once per delivered record, so they must cost a
//! shift and an increment: values land in the same buckets as an HDR
//! histogram with lowest discernible value 1 and 3 significant digits
//! (2,048 sub-buckets, the lower half of each power of two above the first
//! unused), and become exactly that histogram when the report asks.

use hdrhistogram::Histogram;

/// Significant decimal digits kept.
pub const SIGNIFICANT_DIGITS: u8 = 3;
/// log2 of half the sub-buckets per power of two: 3 significant digits
/// need 2,000 distinct values per bucket, rounded up to 2,048.
const HALF_MAGNITUDE: u32 = 10;
const HALF: usize = 1 << HALF_MAGNITUDE;
/// Values below this are counted exactly.
const EXACT_BELOW: u64 = 2 << HALF_MAGNITUDE;

/// Index of the bucket holding `value`.
#[inline]
fn index_of(value: u64) -> usize {
    // Power-of-two bucket 0 covers 0..2048 one by one; bucket b > 0
    // covers 2^(b+10)..2^(b+11) in steps of 2^b.
    let bucket = (EXACT_BELOW - 1).leading_zeros() - (value | (EXACT_BELOW - 1)).leading_zeros();
    ((bucket as usize) << HALF_MAGNITUDE) + (value >> bucket) as usize
}

/// The lowest value bucket `index` holds.
fn value_of(index: usize) -> u64 {
    if index < EXACT_BELOW as usize {
        return index as u64;
    }
    let bucket = (index >> HALF_MAGNITUDE) - 1;
    (((index & (HALF - 1)) + HALF) as u64) << bucket
}

/// Counts of values up to `max`, bucketed as an HDR histogram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LatencyCounts {
    counts: Vec<u64>,
    max: u64,
}

impl LatencyCounts {
    /// Counts for values in 1..=`max` (larger ones are counted as `max`).
    pub fn new(max: u64) -> Self {
        LatencyCounts { counts: Vec::new(), max }
    }

    /// Counts one value (0 counts as 1, the lowest value resolved).
    #[inline(always)]
    pub fn record(&mut self, value: u64) {
        let i = index_of(value.clamp(1, self.max));
        match self.counts.get_mut(i) {
            Some(n) => *n += 1,
            None => self.grow_to_count(i),
        }
    }

    /// Counts bucket `i`, beyond the buckets counted so far.
    #[cold]
    fn grow_to_count(&mut self, i: usize) {
        self.counts.resize(i + 1, 0);
        self.counts[i] = 1;
    }

    /// The values counted so far, as an HDR histogram.
    pub fn histogram(&self) -> Histogram<u64> {
        // The bounds satisfy the crate's rules (low >= 1, high >= 2·low,
        // digits <= 5) whenever `max` >= 2, which the callers' limits are.
        let mut h = Histogram::new_with_bounds(1, self.max.max(2), SIGNIFICANT_DIGITS).expect("valid bounds");
        for (i, &n) in self.counts.iter().enumerate().filter(|(_, n)| **n > 0) {
            h.record_n(value_of(i), n).expect("bucket values are within the bounds");
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn bucket_boundaries_match_three_significant_digits() {
        assert_eq!((index_of(2047), index_of(2048), index_of(2049), index_of(2050)), (2047, 2048, 2048, 2049));
        for i in [0, 1, 2047, 2048, 2049, 3071, 3072, 10_000, 30_000] {
            assert_eq!(index_of(value_of(i)), i, "bucket {i} starts at {}", value_of(i));
        }
        // A bucket spans at most 1/1024 of its values: 3 significant digits.
        let v = 1_000_000;
        assert!(value_of(index_of(v) + 1) - value_of(index_of(v)) <= v / 1_024);
    }

    #[test]
    fn counting_then_converting_equals_recording_directly() {
        let max = 366 * 24 * 3_600 * 1_000_000;
        let mut direct = Histogram::<u64>::new_with_bounds(1, max, SIGNIFICANT_DIGITS).unwrap();
        let mut counts = LatencyCounts::new(max);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for _ in 0..100_000 {
            // Log-uniform from 1 µs to past the maximum.
            let v = (2f64.powf(rng.random_range(0.0..46.0))) as u64;
            direct.saturating_record(v.clamp(1, max));
            counts.record(v);
        }
        counts.record(0);
        direct.saturating_record(1);
        let h = counts.histogram();
        assert_eq!(h, direct);
        for q in [0.0, 0.5, 0.9, 0.99, 0.999, 1.0] {
            assert_eq!(h.value_at_quantile(q), direct.value_at_quantile(q));
        }
        assert_eq!((h.len(), h.max(), h.min(), h.mean()), (direct.len(), direct.max(), direct.min(), direct.mean()));
    }
}
