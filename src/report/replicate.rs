//! Replications: a configuration run R times with replication indices
//! 0..R (so each run draws its own workload, and every sweep point draws the
//! same R workloads: common random numbers), summarised per key metric by
//! the mean and a 95 % confidence interval from Student's t.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::Point;

/// Two-sided confidence level of the intervals.
pub const CONFIDENCE: f64 = 0.95;

/// One metric across replications.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Estimate {
    /// Replications.
    pub n: u32,
    /// Sample mean.
    pub mean: f64,
    /// Lower end of the 95 % confidence interval of the mean.
    pub ci95_low: f64,
    /// Upper end: the pessimistic value for an upper-limit objective.
    pub ci95_high: f64,
    /// Sample standard deviation (n − 1).
    pub std_dev: f64,
    /// Smallest replication.
    pub min: f64,
    /// Largest replication.
    pub max: f64,
}

impl Estimate {
    /// The estimate from `samples` (at least two).
    pub fn of(samples: &[f64]) -> Estimate {
        let n = samples.len();
        let mean = samples.iter().sum::<f64>() / n as f64;
        let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
        let std_dev = var.sqrt();
        let half = if std_dev > 0.0 { t_quantile(n as f64 - 1.0) * std_dev / (n as f64).sqrt() } else { 0.0 };
        Estimate {
            n: n as u32,
            mean,
            ci95_low: mean - half,
            ci95_high: mean + half,
            std_dev,
            min: samples.iter().copied().fold(f64::INFINITY, f64::min),
            max: samples.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }

    /// Half the interval's width.
    pub fn half_width(&self) -> f64 {
        (self.ci95_high - self.ci95_low) / 2.0
    }
}

/// Student's t quantile for the two-sided interval with `freedom` degrees.
fn t_quantile(freedom: f64) -> f64 {
    // freedom >= 1 always holds here (n >= 2), so the distribution exists.
    StudentsT::new(0.0, 1.0, freedom).map_or(f64::NAN, |t| t.inverse_cdf(1.0 - (1.0 - CONFIDENCE) / 2.0))
}

/// The metrics summarised, by report path, in a fixed order.
pub fn metrics(p: &Point) -> Vec<(String, f64)> {
    let t = &p.producers.total;
    let mut out = vec![
        ("producers.user_records".to_string(), t.user_records as f64),
        ("producers.records_put".to_string(), t.records_put as f64),
        ("producers.throttle_rate".to_string(), t.throttle_rate),
        ("producers.records_dropped".to_string(), t.records_dropped as f64),
        ("stream.incoming_records_per_s_max".to_string(), p.stream.incoming_records_per_s_max as f64),
        ("stream.hot_shards".to_string(), p.stream.hot_shards as f64),
    ];
    for c in &p.consumers {
        let at = |field: &str| format!("consumers.{}.{field}", c.name);
        out.push((at("end_to_end_latency_ms.p50"), c.end_to_end_latency_ms.p50));
        out.push((at("end_to_end_latency_ms.p99"), c.end_to_end_latency_ms.p99));
        out.push((at("iterator_age_ms_max"), c.iterator_age_ms_max));
        out.push((at("records_expired"), c.records_expired as f64));
        out.push((at("read_throttled"), c.read_throttled as f64));
    }
    for (mode, cost) in p.cost.modes.modes() {
        out.push((format!("cost.{mode}.usd_per_hour"), cost.usd_per_hour));
    }
    out
}

/// Each metric's estimate across runs (the [`metrics`] of each
/// replication of one point, in replication order; empty for a single run).
pub fn estimates(per_run: &[Vec<(String, f64)>]) -> BTreeMap<String, Estimate> {
    if per_run.len() < 2 {
        return BTreeMap::new();
    }
    per_run[0]
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            let samples: Vec<f64> = per_run.iter().map(|m| m[i].1).collect();
            (name.clone(), Estimate::of(&samples))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_use_students_t() {
        // n = 5: t(0.975, 4) = 2.776445; s = sqrt(2.5); half = 2.776445 × s / √5.
        let e = Estimate::of(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!((e.n, e.mean, e.min, e.max), (5, 3.0, 1.0, 5.0));
        let half = 2.776_445 * 2.5f64.sqrt() / 5f64.sqrt();
        assert!((e.half_width() - half).abs() < 1e-5, "{e:?}");
        // Identical samples: a zero-width interval, not NaN.
        let flat = Estimate::of(&[7.0, 7.0, 7.0]);
        assert_eq!((flat.ci95_low, flat.ci95_high), (7.0, 7.0));
        // Many samples: t approaches the normal 1.96.
        assert!((t_quantile(10_000.0) - 1.960).abs() < 1e-3);
    }
}
