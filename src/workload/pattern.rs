//! Rate patterns: a multiplier of a producer's mean rate as a function of
//! simulated time (diurnal sine, a step, a spike, a replayed trace).

use std::f64::consts::TAU;
use std::sync::Arc;

use crate::rng::SimRng;
use crate::scenario::model::RatePattern;
use crate::time::SimTime;
use crate::workload::trace::{self, Steps};

/// The rate multiplier `m(t)` of a producer.
#[derive(Clone, Debug)]
pub enum Multiplier {
    /// No pattern: `m = 1`.
    Flat,
    /// A diurnal, step or spike pattern, evaluated at each instant.
    Pattern(RatePattern),
    /// A replayed trace, as steps.
    Steps(Arc<Steps>),
}

impl Multiplier {
    /// The multiplier of a group with mean rate `mean_records_per_s` and
    /// rate pattern `pattern`; a trace's bursts fall where `bursts` draws
    /// them.
    pub fn new(pattern: Option<RatePattern>, mean_records_per_s: f64, bursts: &mut SimRng) -> Self {
        match pattern {
            None => Multiplier::Flat,
            Some(RatePattern::Trace(spec)) => Multiplier::Steps(trace::rate_steps(&spec, mean_records_per_s, bursts)),
            Some(pattern) => Multiplier::Pattern(pattern),
        }
    }

    /// The replayed trace's steps, if this is one.
    pub fn steps(&self) -> Option<&Arc<Steps>> {
        match self {
            Multiplier::Steps(steps) => Some(steps),
            _ => None,
        }
    }

    /// Whether the multiplier is 1 at all times.
    pub fn is_flat(&self) -> bool {
        matches!(self, Multiplier::Flat)
    }

    /// `m(t)`, always `>= 0`.
    pub fn at(&self, t: SimTime) -> f64 {
        let pattern = match self {
            Multiplier::Flat => return 1.0,
            Multiplier::Steps(steps) => return steps.segment(t).value,
            Multiplier::Pattern(pattern) => pattern,
        };
        match pattern {
            RatePattern::Diurnal { amplitude, period, phase } => {
                let x = (t.as_secs_f64() + phase.as_secs_f64()) / period.as_secs_f64();
                1.0 + amplitude * (TAU * x).sin()
            }
            RatePattern::Step { at, factor } if t >= *at => *factor,
            RatePattern::Spike { at, duration, factor } if t >= *at && t < *at + *duration => *factor,
            // A trace is held as `Steps`.
            RatePattern::Step { .. } | RatePattern::Spike { .. } | RatePattern::Trace(_) => 1.0,
        }
    }

    /// An upper bound of `m(t)` over `[0, end)` (used for thinning).
    pub fn max_before(&self, end: SimTime) -> f64 {
        let pattern = match self {
            Multiplier::Flat => return 1.0,
            Multiplier::Steps(steps) => return steps.max(),
            Multiplier::Pattern(pattern) => pattern,
        };
        match pattern {
            RatePattern::Diurnal { amplitude, .. } => 1.0 + amplitude,
            RatePattern::Step { at, factor } => {
                if *at == SimTime::ZERO {
                    *factor
                } else if *at < end {
                    factor.max(1.0)
                } else {
                    1.0
                }
            }
            RatePattern::Spike { at, duration, factor } => {
                let covers_all = *at == SimTime::ZERO && *duration >= end;
                if covers_all {
                    *factor
                } else if *at < end {
                    factor.max(1.0)
                } else {
                    1.0
                }
            }
            // A trace is held as `Steps`.
            RatePattern::Trace(_) => 1.0,
        }
    }

    /// The first instant after `t` at which `m` jumps (step and spike
    /// edges, a trace's steps), so a generator stalled by `m = 0` knows
    /// when to look again.
    pub fn next_edge_after(&self, t: SimTime) -> Option<SimTime> {
        let edges: &[SimTime] = match self {
            Multiplier::Steps(steps) => {
                let end = steps.segment(t).end;
                return (end != SimTime::NEVER).then_some(end);
            }
            Multiplier::Pattern(RatePattern::Step { at, .. }) => &[*at],
            Multiplier::Pattern(RatePattern::Spike { at, duration, .. }) => &[*at, *at + *duration],
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
        let spike = Multiplier::Pattern(RatePattern::Spike {
            at: SimTime::from_secs(10),
            duration: SimTime::from_secs(5),
            factor: 3.0,
        });
        assert_eq!(spike.at(SimTime::from_secs(9)), 1.0);
        assert_eq!(spike.at(SimTime::from_secs(10)), 3.0);
        assert_eq!(spike.at(SimTime::from_secs(15)), 1.0);
        assert_eq!(spike.max_before(SimTime::from_secs(60)), 3.0);
        assert_eq!(spike.max_before(SimTime::from_secs(5)), 1.0);
        assert_eq!(spike.next_edge_after(SimTime::from_secs(12)), Some(SimTime::from_secs(15)));

        let step = Multiplier::Pattern(RatePattern::Step { at: SimTime::ZERO, factor: 0.5 });
        assert_eq!(step.at(SimTime::from_secs(3)), 0.5);
        assert_eq!(step.max_before(SimTime::from_secs(60)), 0.5);
    }

    #[test]
    fn diurnal_peaks_a_quarter_period_in() {
        let d = Multiplier::Pattern(RatePattern::Diurnal {
            amplitude: 0.5,
            period: SimTime::from_secs(100),
            phase: SimTime::ZERO,
        });
        assert!((d.at(SimTime::from_secs(25)) - 1.5).abs() < 1e-12);
        assert!((d.at(SimTime::from_secs(75)) - 0.5).abs() < 1e-12);
        assert_eq!(d.max_before(SimTime::from_secs(1)), 1.5);
    }
}
