//! The SLO verdict of one point: each objective of `[slo]` against what
//! the point measured — with replications, against the pessimistic end of
//! the 95 % interval, so a configuration passes only when it would pass
//! with confidence.

use serde::{Deserialize, Serialize};

use super::label::Label;

use super::Point;
use crate::scenario::model::Slo;

/// Every objective of a point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SloReport {
    /// Whether every objective is met.
    pub met: bool,
    /// In `[slo]` key order.
    pub objectives: Vec<Objective>,
}

/// One objective.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Objective {
    /// The `[slo]` key, e.g. `max_throttle_rate`.
    #[serde(deserialize_with = "crate::report::label::one")]
    pub name: Label,
    /// Its limit.
    pub limit: f64,
    /// What was measured: the run's value, or with replications the upper
    /// end of its 95 % interval.
    pub measured: f64,
    /// `value` or `ci95_high`.
    #[serde(deserialize_with = "crate::report::label::one")]
    pub basis: Label,
    /// Where it was measured, for per-consumer objectives: the consumer
    /// with the worst value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer: Option<String>,
    /// `measured <= limit`.
    pub met: bool,
}

/// The verdict of `p` against `slo`.
pub fn evaluate(slo: &Slo, p: &Point) -> SloReport {
    let mut objectives = Vec::new();
    let mut check = |name, limit: Option<f64>, (measured, consumer): (f64, Option<String>)| {
        if let Some(limit) = limit {
            let basis = if p.estimates.is_empty() { "value" } else { "ci95_high" };
            objectives.push(Objective { name, limit, measured, basis, consumer, met: measured <= limit });
        }
    };
    let t = &p.producers.total;
    check(
        "max_throttle_rate",
        slo.max_throttle_rate,
        (pessimistic(p, "producers.throttle_rate", t.throttle_rate), None),
    );
    check(
        "max_end_to_end_latency_ms_p99",
        slo.max_end_to_end_latency_ms_p99,
        worst_consumer(p, "end_to_end_latency_ms.p99", |c| c.end_to_end_latency_ms.p99),
    );
    check(
        "max_records_dropped",
        slo.max_records_dropped.map(|x| x as f64),
        (pessimistic(p, "producers.records_dropped", t.records_dropped as f64), None),
    );
    check(
        "max_records_expired",
        slo.max_records_expired.map(|x| x as f64),
        worst_consumer(p, "records_expired", |c| c.records_expired as f64),
    );
    check(
        "max_iterator_age_ms",
        slo.max_iterator_age_ms,
        worst_consumer(p, "iterator_age_ms_max", |c| c.iterator_age_ms_max),
    );
    SloReport { met: objectives.iter().all(|o| o.met), objectives }
}

/// The metric at `path`: the run's `value`, or with replications the upper
/// end of its interval.
fn pessimistic(p: &Point, path: &str, value: f64) -> f64 {
    p.interval(path, value).2
}

/// The consumer with the highest (pessimistic) `field`, and that value.
fn worst_consumer(p: &Point, field: &str, value: fn(&super::ConsumerReport) -> f64) -> (f64, Option<String>) {
    p.consumers
        .iter()
        .map(|c| (pessimistic(p, &format!("consumers.{}.{field}", c.name), value(c)), Some(c.name.clone())))
        .fold((0.0, None), |worst, x| if x.0 > worst.0 || worst.1.is_none() { x } else { worst })
}
