//! A replayed trace as step functions of time: the rate multiplier (the
//! trace's rate over the group's mean rate) and, when the trace gives
//! bytes, the record-size factor (the period's mean record size over the
//! producer's own mean).
//!
//! Each point covers `[t, t + period)` (cut short by the next point); the
//! time between that and the next point is a gap, zero or held as the
//! scenario says. A minute's sum hides how its records spread within the
//! minute: by default they arrive as a Poisson process at the minute's
//! mean rate; with `peak_to_mean = p > 1` each period holds one burst of
//! `burst_s = d` at `p` times the mean, at a random offset (the same for
//! every instance of the group: a burst is the workload's, not one
//! client's), and the rest of the period runs at `(L − p·d)/(L − d)` times
//! the mean, so the period's total is kept. After the last period the rate
//! is zero, or the trace (bursts included) starts again.

use std::sync::Arc;

use rand::RngExt;

use crate::import::trace::Trace;
use crate::rng::SimRng;
use crate::scenario::model::{TraceEnd, TraceGaps, TraceSpec};
use crate::time::{NANOS_PER_S, SimTime};

/// A step function over `[0, length)`, repeated or zero after.
#[derive(Clone, Debug, PartialEq)]
pub struct Steps {
    /// Segment starts in nanoseconds, increasing, the first 0.
    starts: Vec<u64>,
    /// The value on each segment.
    values: Vec<f64>,
    /// The end of the last segment.
    length: u64,
    looping: bool,
}

/// One segment: its value and where it ends (absolute time).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    /// The value on it.
    pub value: f64,
    /// Its end, `SimTime::NEVER` past a trace that stops.
    pub end: SimTime,
}

impl Steps {
    fn new(pieces: Vec<(u64, f64)>, length: u64, looping: bool) -> Self {
        let (starts, values) = pieces.into_iter().unzip();
        Steps { starts, values, length, looping: looping && length > 0 }
    }

    /// The segment holding `t`.
    pub fn segment(&self, t: SimTime) -> Segment {
        let t = t.as_nanos();
        let (lap, within) = match (self.looping, t >= self.length) {
            (false, true) => return Segment { value: 0.0, end: SimTime::NEVER },
            (true, _) => (t / self.length, t % self.length),
            (false, false) => (0, t),
        };
        let i = self.starts.partition_point(|&s| s <= within) - 1;
        let end_within = self.starts.get(i + 1).copied().unwrap_or(self.length);
        Segment { value: self.values[i], end: SimTime(lap * self.length + end_within) }
    }

    /// The largest value.
    pub fn max(&self) -> f64 {
        self.values.iter().copied().fold(0.0, f64::max)
    }
}

fn nanos(s: f64) -> u64 {
    (s * NANOS_PER_S as f64).round() as u64
}

/// A stretch of a trace: a point's period, or a gap after one.
struct Piece {
    start: u64,
    end: u64,
    /// Records per second, as the trace says (unscaled).
    rate: f64,
    /// Mean data bytes per record, when the point gives bytes.
    size: Option<f64>,
    /// Whether it is a point's period (else a gap).
    is_point: bool,
}

/// The trace's points as pieces, gaps filled as `gaps` says; and the
/// trace's length.
fn pieces(t: &Trace, gaps: TraceGaps) -> (Vec<Piece>, u64) {
    let period = nanos(t.period_s);
    let mut out = Vec::with_capacity(t.points.len() * 2);
    for (i, p) in t.points.iter().enumerate() {
        let start = nanos(p.t_s);
        let next = t.points.get(i + 1).map_or(start + period, |n| nanos(n.t_s));
        let end = next.min(start + period);
        let size = p.bytes_per_s.filter(|_| p.records_per_s > 0.0).map(|b| b / p.records_per_s);
        out.push(Piece { start, end, rate: p.records_per_s, size, is_point: true });
        if next > end {
            let held = match gaps {
                TraceGaps::Zero => 0.0,
                TraceGaps::Hold => p.records_per_s,
            };
            out.push(Piece { start: end, end: next, rate: held, size, is_point: false });
        }
    }
    let length = out.last().map_or(0, |p| p.end);
    (out, length)
}

/// How long `trace` lasts (to the end of its last point's period), and its
/// mean records per second over that time, gaps filled as `gaps` says.
pub fn span_and_mean(trace: &Trace, gaps: TraceGaps) -> (SimTime, f64) {
    let (pieces, length) = pieces(trace, gaps);
    let records: f64 = pieces.iter().map(|p| p.rate * (p.end - p.start) as f64).sum();
    (SimTime(length), records / length.max(1) as f64)
}

/// The mean data bytes of a record over the points that give bytes;
/// `None` when none does.
pub fn mean_record_bytes(trace: &Trace) -> Option<f64> {
    let (records, bytes) = trace.points.iter().fold((0.0, 0.0), |(r, b), p| match p.bytes_per_s {
        Some(bytes) => (r + p.records_per_s, b + bytes),
        None => (r, b),
    });
    (records > 0.0).then(|| bytes / records)
}

/// How long the trace lasts.
pub fn length(spec: &TraceSpec) -> SimTime {
    span_and_mean(&spec.trace, spec.gaps).0
}

/// The mean records per second over the trace's own length (scaled): the
/// group's `records_per_s` under a trace.
pub fn mean_records_per_s(spec: &TraceSpec) -> f64 {
    span_and_mean(&spec.trace, spec.gaps).1 * spec.scale
}

/// The rate multiplier of a group replaying `spec` at mean rate
/// `mean_records_per_s`; burst offsets are drawn from `bursts`.
pub fn rate_steps(spec: &TraceSpec, mean_records_per_s: f64, bursts: &mut SimRng) -> Arc<Steps> {
    let (pieces, length) = pieces(&spec.trace, spec.gaps);
    let mean = mean_records_per_s.max(f64::MIN_POSITIVE);
    let burst = spec.burst.as_nanos();
    let p = spec.peak_to_mean;
    let mut out = Vec::with_capacity(pieces.len() * 3);
    for &Piece { start, end, rate, is_point, .. } in &pieces {
        let m = rate * spec.scale / mean;
        let len = end - start;
        // A burst needs room: a short last-before-gap piece keeps its mean.
        let fits = is_point && p > 1.0 && m > 0.0 && burst < len && (p * burst as f64) <= len as f64;
        if !fits {
            out.push((start, m));
            continue;
        }
        let offset = (bursts.random::<f64>() * (len - burst) as f64) as u64;
        let rest = m * (len as f64 - p * burst as f64) / (len - burst) as f64;
        if offset > 0 {
            out.push((start, rest));
        }
        out.push((start + offset, m * p));
        if start + offset + burst < end {
            out.push((start + offset + burst, rest));
        }
    }
    Arc::new(Steps::new(out, length, spec.at_end == TraceEnd::Loop))
}

/// The record-size factor of a group replaying `spec`, whose own mean
/// record size is `base_mean_bytes`: `None` when the trace gives no bytes.
/// A period without bytes takes the trace's overall mean size.
pub fn size_steps(spec: &TraceSpec, base_mean_bytes: f64) -> Option<Arc<Steps>> {
    let overall = mean_record_bytes(&spec.trace).filter(|_| base_mean_bytes > 0.0)?;
    let (pieces, length) = pieces(&spec.trace, spec.gaps);
    let steps = pieces.iter().map(|p| (p.start, p.size.unwrap_or(overall) / base_mean_bytes)).collect();
    Some(Arc::new(Steps::new(steps, length, spec.at_end == TraceEnd::Loop)))
}

/// A reader of a step function at increasing times, looking a segment up
/// only when the last one ends.
#[derive(Clone, Debug)]
pub struct StepCursor {
    steps: Arc<Steps>,
    current: Segment,
    /// The start of `current`, so an earlier time is looked up again.
    from: SimTime,
}

impl StepCursor {
    /// A cursor at time 0.
    pub fn new(steps: Arc<Steps>) -> Self {
        let current = steps.segment(SimTime::ZERO);
        StepCursor { steps, current, from: SimTime::ZERO }
    }

    /// The segment holding `t`.
    #[inline]
    pub fn at(&mut self, t: SimTime) -> Segment {
        if t >= self.current.end || t < self.from {
            self.current = self.steps.segment(t);
            self.from = t;
        }
        self.current
    }

    /// The function read.
    pub fn steps(&self) -> &Steps {
        &self.steps
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::trace::{Trace, TraceFormat, TracePoint};
    use crate::rng::{Purpose, StreamId, rng_for};
    use crate::scenario::model::FileRef;

    fn spec(points: &[(f64, f64, Option<f64>)], gaps: TraceGaps, at_end: TraceEnd) -> TraceSpec {
        let points = points
            .iter()
            .map(|&(t_s, records_per_s, bytes_per_s)| TracePoint { t_s, records_per_s, bytes_per_s })
            .collect();
        TraceSpec {
            file: FileRef { path: "t.csv".into(), from_command_line: false },
            bytes_file: None,
            trace: Arc::new(Trace { format: TraceFormat::Csv, period_s: 60.0, points, warnings: Vec::new() }),
            scale: 1.0,
            gaps,
            at_end,
            peak_to_mean: 1.0,
            burst: SimTime::from_secs(1),
        }
    }

    fn rng() -> SimRng {
        rng_for(1, StreamId { replication: 0, producer: 0, instance: 0, purpose: Purpose::Bursts })
    }

    #[test]
    fn gaps_are_zero_or_held_and_the_mean_counts_them() {
        // Points at 0 and 120 s: the minute 60..120 is missing.
        let zero = spec(&[(0.0, 100.0, None), (120.0, 300.0, None)], TraceGaps::Zero, TraceEnd::Stop);
        // (100 + 0 + 300) / 3 minutes.
        assert!((mean_records_per_s(&zero) - 400.0 / 3.0).abs() < 1e-9);
        let held = TraceSpec { gaps: TraceGaps::Hold, ..zero.clone() };
        assert!((mean_records_per_s(&held) - 500.0 / 3.0).abs() < 1e-9);
        let steps = rate_steps(&zero, 100.0, &mut rng());
        assert_eq!(steps.segment(SimTime::from_secs(30)), Segment { value: 1.0, end: SimTime::from_secs(60) });
        assert_eq!(steps.segment(SimTime::from_secs(60)).value, 0.0);
        assert_eq!(steps.segment(SimTime::from_secs(179)).value, 3.0);
        assert_eq!(steps.segment(SimTime::from_secs(180)), Segment { value: 0.0, end: SimTime::NEVER });
    }

    #[test]
    fn a_looping_trace_starts_again() {
        let s = spec(&[(0.0, 10.0, None), (60.0, 20.0, None)], TraceGaps::Zero, TraceEnd::Loop);
        let steps = rate_steps(&s, 10.0, &mut rng());
        assert_eq!(steps.segment(SimTime::from_secs(125)), Segment { value: 1.0, end: SimTime::from_secs(180) });
        assert_eq!(steps.segment(SimTime::from_secs(185)).value, 2.0);
    }

    #[test]
    fn bursts_keep_each_period_total() {
        let s = TraceSpec {
            peak_to_mean: 5.0,
            burst: SimTime::from_secs(2),
            ..spec(&[(0.0, 60.0, None), (60.0, 120.0, None)], TraceGaps::Zero, TraceEnd::Stop)
        };
        let steps = rate_steps(&s, 90.0, &mut rng());
        for minute in 0..2u64 {
            let (mut t, mut total, mut peak) = (SimTime::from_secs(60 * minute), 0.0, 0f64);
            while t < SimTime::from_secs(60 * (minute + 1)) {
                let seg = steps.segment(t);
                total += seg.value * (seg.end - t).as_secs_f64();
                peak = peak.max(seg.value);
                t = seg.end;
            }
            let mean = [60.0, 120.0][minute as usize] / 90.0;
            assert!((total / 60.0 - mean).abs() < 1e-9, "minute {minute}");
            assert!((peak - 5.0 * mean).abs() < 1e-9);
        }
        // The peak: 5 × the busier minute's 120/s, over the mean of 90.
        assert!((steps.max() * 90.0 - 600.0).abs() < 1e-9);
    }

    #[test]
    fn size_factor_follows_each_period_and_fills_gaps_with_the_overall_mean() {
        let s = spec(
            &[(0.0, 10.0, Some(5_000.0)), (60.0, 10.0, None), (120.0, 30.0, Some(45_000.0))],
            TraceGaps::Zero,
            TraceEnd::Stop,
        );
        let steps = size_steps(&s, 1_000.0).expect("the trace has bytes");
        assert_eq!(steps.segment(SimTime::from_secs(1)).value, 0.5);
        // 50,000 B over 40 records: 1,250 B.
        assert_eq!(steps.segment(SimTime::from_secs(61)).value, 1.25);
        assert_eq!(steps.segment(SimTime::from_secs(121)).value, 1.5);
        assert!(size_steps(&spec(&[(0.0, 1.0, None)], TraceGaps::Zero, TraceEnd::Stop), 10.0).is_none());
    }
}
