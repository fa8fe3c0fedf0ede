//! Simulated time: an integer count of nanoseconds since the start of the run.
//!
//! The simulator never uses `f64` seconds or the wall clock for ordering
//! events; floating-point values appear only at the edges (scenario input,
//! report output) and are converted here, rounding to the nearest nanosecond.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Nanoseconds in one second.
pub const NANOS_PER_S: u64 = 1_000_000_000;
/// Nanoseconds in one millisecond.
pub const NANOS_PER_MS: u64 = 1_000_000;

/// An instant or a span of simulated time, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// A time after every event of any run (used as "never").
    pub const NEVER: SimTime = SimTime(u64::MAX);

    /// Whole seconds.
    pub const fn from_secs(s: u64) -> SimTime {
        SimTime(s * NANOS_PER_S)
    }

    /// Seconds as a float, rounded to the nearest nanosecond; saturates at
    /// `NEVER`. Callers validate that `s` is finite and non-negative.
    pub fn from_secs_f64(s: f64) -> SimTime {
        SimTime::from_nanos_f64(s * NANOS_PER_S as f64)
    }

    /// Milliseconds as a float, rounded to the nearest nanosecond.
    pub fn from_millis_f64(ms: f64) -> SimTime {
        SimTime::from_nanos_f64(ms * NANOS_PER_MS as f64)
    }

    fn from_nanos_f64(ns: f64) -> SimTime {
        if ns.is_nan() || ns <= 0.0 {
            SimTime::ZERO
        } else if ns >= u64::MAX as f64 {
            SimTime::NEVER
        } else {
            SimTime(ns.round() as u64)
        }
    }

    /// The raw nanosecond count.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// Seconds as a float (for reports only).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_S as f64
    }

    /// Milliseconds as a float (for reports only).
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_MS as f64
    }

    /// The whole second this instant falls in (second 0 is `[0 s, 1 s)`).
    pub const fn whole_secs(self) -> u64 {
        self.0 / NANOS_PER_S
    }

    /// `self - earlier`, or zero if `earlier` is later.
    pub const fn saturating_sub(self, earlier: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(earlier.0))
    }
}

impl Add for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for SimTime {
    fn add_assign(&mut self, rhs: SimTime) {
        *self = *self + rhs;
    }
}

impl Sub for SimTime {
    type Output = SimTime;
    fn sub(self, rhs: SimTime) -> SimTime {
        self.saturating_sub(rhs)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.6} s", self.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_to_nearest_nanosecond() {
        assert_eq!(SimTime::from_secs_f64(1.5), SimTime(1_500_000_000));
        assert_eq!(SimTime::from_millis_f64(0.0000006), SimTime(1));
        assert_eq!(SimTime::from_millis_f64(-3.0), SimTime::ZERO);
        assert_eq!(SimTime::from_secs_f64(f64::INFINITY), SimTime::NEVER);
        assert_eq!(SimTime(2_999_999_999).whole_secs(), 2);
        assert_eq!(SimTime(5) - SimTime(7), SimTime::ZERO);
        assert_eq!(SimTime::NEVER + SimTime(1), SimTime::NEVER);
    }
}
