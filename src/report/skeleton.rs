//! A report's skeleton: what folding runs into a [`Report`] needs from the
//! scenario — the `scenario` section, each configuration's swept values
//! and `[slo]` limits, and the replication count — and nothing else. `run`
//! builds it from the plan; a partial report (`run --partition`) carries
//! it, so that `merge` folds the same runs into the same report without
//! the scenario or its data files.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Point, Report, ScenarioInfo};
use crate::scenario::model::{Plan, Slo};

/// One run as a report takes it: its point (replication 0's, at least)
/// and its [`super::replicate::metrics`].
pub type Run = (Option<Point>, Vec<(String, f64)>);

/// Everything but the runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Skeleton {
    /// The report's `scenario` section: the first configuration's, run
    /// with its master seed.
    pub scenario: ScenarioInfo,
    /// Runs of each configuration.
    pub replications: u32,
    /// Each configuration, in plan order.
    pub points: Vec<Frame>,
}

/// One configuration's part of the skeleton.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    /// The swept paths and their values (empty without a sweep).
    pub parameters: BTreeMap<String, serde_json::Value>,
    /// Its `[slo]`, which a sweep may change.
    pub slo: Option<Slo>,
}

impl Skeleton {
    /// The skeleton of `plan`.
    pub fn of(plan: &Plan) -> Self {
        let first = &plan.points[0].scenario;
        Skeleton {
            scenario: ScenarioInfo::new(first, first.seed),
            replications: plan.replications,
            points: plan
                .points
                .iter()
                .map(|p| Frame { parameters: p.parameters.iter().cloned().collect(), slo: p.scenario.slo.clone() })
                .collect(),
        }
    }

    /// Runs of the whole plan.
    pub fn jobs(&self) -> usize {
        self.points.len() * self.replications as usize
    }

    /// The report of `runs`: for each configuration in order, its
    /// replications in order. `None` when a configuration lacks its runs
    /// or replication 0's point.
    pub fn report(&self, runs: impl IntoIterator<Item = Run>) -> Option<Report> {
        let mut runs = runs.into_iter();
        let mut points = Vec::with_capacity(self.points.len());
        for frame in &self.points {
            let (mut first, mut per_run) = (None, Vec::new());
            for (point, metrics) in runs.by_ref().take(self.replications as usize) {
                first = first.or(point);
                per_run.push(metrics);
            }
            if per_run.len() != self.replications as usize {
                return None;
            }
            points.push(Point::judged(first?, per_run, frame.parameters.clone(), frame.slo.as_ref()));
        }
        Some(Report::of(self.scenario.clone(), points))
    }
}
