//! Rate patterns: a multiplier of a producer's mean rate as a function of
//! simulated time (diurnal sine, a step, a spike, a replayed trace).

use std::f64::consts::TAU;
use std::sync::Arc;

use crate::rng::{Purpose, StreamId, rng_for};
use crate::scenario::model::RatePattern;
use crate::time::SimTime;
use crate::workload::trace::{self, Steps};

/// The rate multiplier `m(t)` of a producer; `None` pattern means `m = 1`.
#[derive(Clone, Debug)]
pub struct Multiplier {
    pattern: Option<RatePattern>,
    /// A replayed trace's steps (then `pattern` is `None`).
    steps: Option<Arc<Steps>>,
}

impl Multiplier {
    /// Wraps the scenario's optional pattern. A trace's bursts are drawn
    /// from a fixed stream here; a run uses [`Multiplier::replay`] with its
    /// own seed.
    pub fn new(pattern: Option<RatePattern>) -> Self {
        match pattern {
            Some(RatePattern::Trace(spec)) => {
                let mut bursts =
                    rng_for(0, StreamId { replication: 0, producer: 0, instance: 0, purpose: Purpose::Bursts });
                Multiplier::replay(trace::rate_steps(&spec, trace::mean_records_per_s(&spec), &mut bursts))
            }
            pattern => Multiplier { pattern, steps: None },
        }
    }

    /// A replayed trace's multiplier.
    pub fn replay(steps: Arc<Steps>) -> Self {
        Multiplier { pattern: None, steps: Some(steps) }
    }

    /// The replayed trace's steps, if this is one.
    pub fn steps(&self) -> Option<&Arc<Steps>> {
        self.steps.as_ref()
    }

    /// Whether the multiplier is 1 at all times.
    pub fn is_flat(&self) -> bool {
        self.pattern.is_none() && self.steps.is_none()
    }

    /// `m(t)`, always `>= 0`.
    pub fn at(&self, t: SimTime) -> f64 {
        if let Some(steps) = &self.steps {
            return steps.segment(t).value;
        }
        match &self.pattern {
            None => 1.0,
            Some(RatePattern::Diurnal { amplitude, period, phase }) => {
                let x = (t.as_secs_f64() + phase.as_secs_f64()) / period.as_secs_f64();
                1.0 + amplitude * (TAU * x).sin()
            }
            Some(RatePattern::Step { at, factor }) if t >= *at => *factor,
            Some(RatePattern::Spike { at, duration, factor }) if t >= *at && t < *at + *duration => *factor,
            Some(RatePattern::Step { .. } | RatePattern::Spike { .. }) => 1.0,
            // Built as steps by `new`.
            Some(RatePattern::Trace(_)) => 1.0,
        }
    }

    /// An upper bound of `m(t)` over `[0, end)` (used for thinning).
    pub fn max_before(&self, end: SimTime) -> f64 {
        if let Some(steps) = &self.steps {
            return steps.max();
        }
        match &self.pattern {
            None | Some(RatePattern::Trace(_)) => 1.0,
            Some(RatePattern::Diurnal { amplitude, .. }) => 1.0 + amplitude,
            Some(RatePattern::Step { at, factor }) => {
                if *at == SimTime::ZERO {
                    *factor
                } else if *at < end {
                    factor.max(1.0)
                } else {
                    1.0
                }
            }
            Some(RatePattern::Spike { at, duration, factor }) => {
                let covers_all = *at == SimTime::ZERO && *duration >= end;
                if covers_all {
                    *factor
                } else if *at < end {
                    factor.max(1.0)
                } else {
                    1.0
                }
            }
        }
    }

    /// The first instant after `t` at which `m` jumps (step and spike
    /// edges), so a generator stalled by `m = 0` knows when to look again.
    pub fn next_edge_after(&self, t: SimTime) -> Option<SimTime> {
        if let Some(steps) = &self.steps {
            let end = steps.segment(t).end;
            return (end != SimTime::NEVER).then_some(end);
        }
        let edges: &[SimTime] = match &self.pattern {
            Some(RatePattern::Step { at, .. }) => &[*at],
            Some(RatePattern::Spike { at, duration, .. }) => &[*at, *at + *duration],
            _ => &[],
        };
        edges.iter().copied().filter(|e| *e > t).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spike_and_step_multiply_only_inside_their_window() {
        let spike = Multiplier::new(Some(RatePattern::Spike {
            at: SimTime::from_secs(10),
            duration: SimTime::from_secs(5),
            factor: 3.0,
        }));
        assert_eq!(spike.at(SimTime::from_secs(9)), 1.0);
        assert_eq!(spike.at(SimTime::from_secs(10)), 3.0);
        assert_eq!(spike.at(SimTime::from_secs(15)), 1.0);
        assert_eq!(spike.max_before(SimTime::from_secs(60)), 3.0);
        assert_eq!(spike.max_before(SimTime::from_secs(5)), 1.0);
        assert_eq!(spike.next_edge_after(SimTime::from_secs(12)), Some(SimTime::from_secs(15)));

        let step = Multiplier::new(Some(RatePattern::Step { at: SimTime::ZERO, factor: 0.5 }));
        assert_eq!(step.at(SimTime::from_secs(3)), 0.5);
        assert_eq!(step.max_before(SimTime::from_secs(60)), 0.5);
    }

    #[test]
    fn diurnal_peaks_a_quarter_period_in() {
        let d = Multiplier::new(Some(RatePattern::Diurnal {
            amplitude: 0.5,
            period: SimTime::from_secs(100),
            phase: SimTime::ZERO,
        }));
        assert!((d.at(SimTime::from_secs(25)) - 1.5).abs() < 1e-12);
        assert!((d.at(SimTime::from_secs(75)) - 0.5).abs() < 1e-12);
        assert_eq!(d.max_before(SimTime::from_secs(1)), 1.5);
    }
}
