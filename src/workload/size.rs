//! Record data sizes: fixed, uniform (inclusive) or lognormal given by its
//! median and 99th percentile. Sizes are whole bytes in 1..=1 MiB (the
//! default maximum record size, reference §1.3); lognormal draws outside
//! that range are clamped.

use rand::RngExt;
use rand_distr::StandardNormal;

use crate::rng::SimRng;
use crate::scenario::model::SizeDist;
use crate::stream::limits::MAX_RECORD_DATA_BYTES;

/// z-score of the 99th percentile of the standard normal distribution.
const Z_P99: f64 = 2.326_347_874_040_841;

/// The `(mu, sigma)` of the lognormal distribution with this median and
/// 99th percentile (`0 < median < p99`).
pub fn lognormal_from_median_p99(median: f64, p99: f64) -> (f64, f64) {
    let mu = median.ln();
    (mu, (p99.ln() - mu) / Z_P99)
}

/// Draws data sizes for one client instance.
#[derive(Clone, Debug)]
pub enum SizeGen {
    /// Every record has this size.
    Fixed(u32),
    /// Uniform over `min..=max`.
    Uniform { min: u32, max: u32 },
    /// `exp(mu + sigma·z)`, rounded and clamped.
    LogNormal { mu: f64, sigma: f64 },
}

impl SizeGen {
    /// The generator for a validated distribution.
    pub fn new(dist: &SizeDist) -> Self {
        match *dist {
            SizeDist::Fixed { bytes } => SizeGen::Fixed(bytes),
            SizeDist::Uniform { min, max } => SizeGen::Uniform { min, max },
            SizeDist::LogNormal { median, p99 } => {
                let (mu, sigma) = lognormal_from_median_p99(median, p99);
                SizeGen::LogNormal { mu, sigma }
            }
        }
    }

    /// The mean data size in bytes (a lognormal's before rounding and
    /// clamping).
    pub fn mean(&self) -> f64 {
        match *self {
            SizeGen::Fixed(b) => b as f64,
            SizeGen::Uniform { min, max } => (min as f64 + max as f64) / 2.0,
            SizeGen::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
        }
    }

    /// One record's data size in bytes.
    #[inline]
    pub fn draw(&self, rng: &mut SimRng) -> u32 {
        match *self {
            SizeGen::Fixed(b) => b,
            SizeGen::Uniform { min, max } => rng.random_range(min..=max),
            SizeGen::LogNormal { mu, sigma } => {
                let z: f64 = rng.sample(StandardNormal);
                // The size is positive: adding one half and truncating is
                // `round()` exactly (a sum that rounds up in floating point
                // does so only onto the integer `round()` gives), without a
                // libm call per record.
                let bytes = ((mu + sigma * z).exp() + 0.5) as u64;
                bytes.clamp(1, MAX_RECORD_DATA_BYTES) as u32
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, StreamId, rng_for};

    #[test]
    fn lognormal_hits_its_median_and_p99() {
        let mut rng = rng_for(3, StreamId { replication: 0, producer: 0, instance: 0, purpose: Purpose::Sizes });
        let g = SizeGen::new(&SizeDist::LogNormal { median: 1_000.0, p99: 10_000.0 });
        let mut v: Vec<u32> = (0..200_000).map(|_| g.draw(&mut rng)).collect();
        v.sort_unstable();
        let median = v[v.len() / 2] as f64;
        let p99 = v[v.len() * 99 / 100] as f64;
        // Sampling error of these quantiles at n = 200,000 is well under 2 %.
        assert!((median / 1_000.0 - 1.0).abs() < 0.02, "median {median}");
        assert!((p99 / 10_000.0 - 1.0).abs() < 0.04, "p99 {p99}");
    }

    #[test]
    fn lognormal_sizes_round_half_away_from_zero_and_clamp() {
        // σ = 0: every draw is exp(μ), whatever z is.
        let at = |x: f64| {
            let mut rng = rng_for(3, StreamId { replication: 0, producer: 0, instance: 0, purpose: Purpose::Sizes });
            SizeGen::LogNormal { mu: x.ln(), sigma: 0.0 }.draw(&mut rng)
        };
        for x in [0.2f64, 0.5, 1.4999999999999998, 1.5, 2.5, 1_000.49, 1_000.5, 3e6, 1e300] {
            let drawn = x.ln().exp();
            let want = drawn.round().clamp(1.0, MAX_RECORD_DATA_BYTES as f64) as u32;
            assert_eq!(at(x), want, "{x}: exp(ln x) = {drawn}");
        }
    }

    #[test]
    fn uniform_is_inclusive_and_fixed_is_fixed() {
        let mut rng = rng_for(3, StreamId { replication: 0, producer: 0, instance: 0, purpose: Purpose::Sizes });
        let g = SizeGen::new(&SizeDist::Uniform { min: 10, max: 12 });
        let v: Vec<u32> = (0..1_000).map(|_| g.draw(&mut rng)).collect();
        assert_eq!(*v.iter().min().unwrap(), 10);
        assert_eq!(*v.iter().max().unwrap(), 12);
        assert_eq!(SizeGen::new(&SizeDist::Fixed { bytes: 77 }).draw(&mut rng), 77);
    }
}
