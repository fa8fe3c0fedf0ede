//! Arrival processes of one client instance: evenly spaced (`constant`) or
//! Poisson, both modulated by a rate pattern. Poisson arrivals under a
//! pattern use thinning (exact for any bounded multiplier), except under a
//! replayed trace, whose multiplier is a step function: there each gap is
//! drawn at the current step's rate, and one that would cross the step's
//! end restarts from it (exact, by the exponential's lack of memory, and
//! with no rejected draws however peaky the trace). Constant arrivals take
//! their next gap from the multiplier at the current arrival, which is
//! exact for a flat rate and follows a pattern within one gap.

use rand::RngExt;
use rand_distr::Exp1;

use crate::rng::SimRng;
use crate::scenario::model::Arrival;
use crate::time::{NANOS_PER_S, SimTime};
use crate::workload::pattern::Multiplier;
use crate::workload::trace::StepCursor;

/// Generates one instance's arrival instants in increasing order, up to a
/// horizon.
#[derive(Debug)]
pub struct ArrivalGen {
    kind: Arrival,
    /// Mean arrivals per nanosecond of this instance, before the multiplier.
    rate_per_ns: f64,
    multiplier: Multiplier,
    /// Upper bound of the multiplier over the run (thinning envelope).
    multiplier_max: f64,
    /// Last arrival, in fractional nanoseconds (no rounding drift).
    last_ns: f64,
    /// Offset of the first constant arrival, so instances interleave.
    first_offset_ns: f64,
    started: bool,
    horizon: SimTime,
    rng: SimRng,
    /// A replayed trace's steps, read at increasing times.
    steps: Option<StepCursor>,
    /// Whether the multiplier is 1 throughout.
    flat: bool,
}

impl ArrivalGen {
    /// Instance `index` of `instances` sharing `records_per_s`.
    pub fn new(
        kind: Arrival,
        records_per_s: f64,
        instances: u32,
        index: u32,
        multiplier: Multiplier,
        horizon: SimTime,
        rng: SimRng,
    ) -> Self {
        let per_instance = records_per_s / instances as f64;
        let multiplier_max = multiplier.max_before(horizon);
        let steps = multiplier.steps().cloned().map(StepCursor::new);
        let flat = multiplier.is_flat();
        ArrivalGen {
            kind,
            rate_per_ns: per_instance / NANOS_PER_S as f64,
            multiplier,
            multiplier_max,
            last_ns: 0.0,
            // Instance i of n starts i/n of a gap in: the group's arrivals are
            // evenly spaced too.
            first_offset_ns: index as f64 / (records_per_s / NANOS_PER_S as f64),
            started: false,
            horizon,
            rng,
            steps,
            flat,
        }
    }

    /// The next arrival strictly before the horizon, or `None`.
    pub fn next_arrival(&mut self) -> Option<SimTime> {
        if self.multiplier_max <= 0.0 {
            return None;
        }
        let ns = match self.kind {
            Arrival::Constant => self.next_constant()?,
            Arrival::Poisson => self.next_poisson()?,
        };
        self.last_ns = ns;
        // ns >= 0: adding one half and truncating rounds to nearest, without
        // a libm call per arrival.
        let t = SimTime((ns + 0.5) as u64);
        (t < self.horizon).then_some(t)
    }

    fn past_horizon(&self, ns: f64) -> bool {
        ns >= self.horizon.as_nanos() as f64
    }

    fn next_constant(&mut self) -> Option<f64> {
        if !self.started {
            self.started = true;
            let first = self.first_offset_ns;
            return self.settle_constant(first);
        }
        let m = self.m_at(SimTime(self.last_ns as u64));
        let next = self.last_ns + 1.0 / (self.rate_per_ns * m);
        self.settle_constant(next)
    }

    /// Moves an arrival that falls where the multiplier is zero to the next
    /// edge of the pattern at which it is positive again.
    fn settle_constant(&mut self, mut ns: f64) -> Option<f64> {
        loop {
            if !ns.is_finite() || self.past_horizon(ns) {
                return None;
            }
            let t = SimTime(ns as u64);
            if self.m_at(t) > 0.0 {
                return Some(ns);
            }
            ns = self.multiplier.next_edge_after(t)?.as_nanos() as f64;
        }
    }

    /// `m(t)`, through the cursor under a trace.
    #[inline]
    fn m_at(&mut self, t: SimTime) -> f64 {
        match &mut self.steps {
            Some(c) => c.at(t).value,
            None => self.multiplier.at(t),
        }
    }

    /// The next Poisson arrival under a step multiplier: a gap at the
    /// step's rate, restarted at the step's end when it would cross it.
    /// Kept out of line, so the flat case's loop stays small.
    #[inline(never)]
    fn next_poisson_in_steps(&mut self) -> Option<f64> {
        let mut ns = self.last_ns;
        loop {
            if self.past_horizon(ns) {
                return None;
            }
            let cursor = self.steps.as_mut()?;
            let segment = cursor.at(SimTime(ns as u64));
            if segment.end == SimTime::NEVER && segment.value <= 0.0 {
                return None;
            }
            let end = segment.end.as_nanos() as f64;
            if segment.value > 0.0 {
                // Exp(1) by inversion: the flat path's `sample(Exp1)` then
                // keeps its one call site, and stays inlined there.
                let u: f64 = self.rng.random();
                let gap = -(1.0 - u).ln();
                let next = ns + gap / (self.rate_per_ns * segment.value);
                if next < end {
                    return (!self.past_horizon(next)).then_some(next);
                }
            }
            ns = end;
        }
    }

    fn next_poisson(&mut self) -> Option<f64> {
        if self.steps.is_some() {
            return self.next_poisson_in_steps();
        }
        let envelope = self.rate_per_ns * self.multiplier_max;
        let mut ns = self.last_ns;
        loop {
            let gap: f64 = self.rng.sample(Exp1);
            ns += gap / envelope;
            if self.past_horizon(ns) {
                return None;
            }
            if self.flat {
                return Some(ns);
            }
            let accept = self.multiplier.at(SimTime(ns as u64)) / self.multiplier_max;
            if self.rng.random::<f64>() < accept {
                return Some(ns);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, StreamId, rng_for};
    use crate::scenario::model::RatePattern;

    fn rng() -> SimRng {
        rng_for(7, StreamId { replication: 0, producer: 0, instance: 0, purpose: Purpose::Arrivals })
    }

    fn count(mut g: ArrivalGen) -> (u64, Vec<SimTime>) {
        let mut first = Vec::new();
        let mut n = 0;
        while let Some(t) = g.next_arrival() {
            if first.len() < 3 {
                first.push(t);
            }
            n += 1;
        }
        (n, first)
    }

    #[test]
    fn constant_instances_interleave_evenly() {
        let horizon = SimTime::from_secs(1);
        let g0 = ArrivalGen::new(Arrival::Constant, 100.0, 2, 0, Multiplier::Flat, horizon, rng());
        let g1 = ArrivalGen::new(Arrival::Constant, 100.0, 2, 1, Multiplier::Flat, horizon, rng());
        let (n0, f0) = count(g0);
        let (n1, f1) = count(g1);
        assert_eq!((n0, n1), (50, 50));
        assert_eq!(f0, vec![SimTime(0), SimTime(20_000_000), SimTime(40_000_000)]);
        assert_eq!(f1[0], SimTime(10_000_000));
    }

    #[test]
    fn poisson_count_matches_rate_and_spike_adds_its_extra() {
        // 10,000/s for 10 s: mean 100,000, sd ≈ 316; allow 5 sd.
        let horizon = SimTime::from_secs(10);
        let flat = ArrivalGen::new(Arrival::Poisson, 10_000.0, 1, 0, Multiplier::Flat, horizon, rng());
        let (n, _) = count(flat);
        assert!((n as f64 - 100_000.0).abs() < 1_600.0, "{n}");
        // A 3x spike for 2 of the 10 s adds 2 × 2 s × 10,000 = 40,000.
        let spike = Multiplier::Pattern(RatePattern::Spike {
            at: SimTime::from_secs(4),
            duration: SimTime::from_secs(2),
            factor: 3.0,
        });
        let spiky = ArrivalGen::new(Arrival::Poisson, 10_000.0, 1, 0, spike, horizon, rng());
        let (n, _) = count(spiky);
        assert!((n as f64 - 140_000.0).abs() < 1_900.0, "{n}");
    }

    /// A two-minute trace: 2,000 records/s, then 6,000.
    fn step_trace(peak_to_mean: f64) -> crate::scenario::model::TraceSpec {
        use crate::import::trace::{Trace, TraceFormat, TracePoint};
        use crate::scenario::model::{FileRef, TraceEnd, TraceGaps, TraceSpec};
        let points = vec![
            TracePoint { t_s: 0.0, records_per_s: 2_000.0, bytes_per_s: None },
            TracePoint { t_s: 60.0, records_per_s: 6_000.0, bytes_per_s: None },
        ];
        TraceSpec {
            file: FileRef { path: "t.csv".into(), from_command_line: false },
            bytes_file: None,
            trace: std::sync::Arc::new(Trace { format: TraceFormat::Csv, period_s: 60.0, points, warnings: vec![] }),
            scale: 1.0,
            gaps: TraceGaps::Zero,
            at_end: TraceEnd::Stop,
            peak_to_mean,
            burst: SimTime::from_secs(2),
        }
    }

    #[test]
    fn a_replayed_step_gives_each_minute_its_count_and_stops_at_the_end() {
        use crate::workload::trace::{mean_records_per_s, rate_steps};
        let spec = step_trace(1.0);
        let mean = mean_records_per_s(&spec);
        assert_eq!(mean, 4_000.0);
        let mut per_minute = [0u64; 3];
        for i in 0..4 {
            let steps = rate_steps(&spec, mean, &mut rng());
            let g = ArrivalGen::new(
                Arrival::Poisson,
                mean,
                4,
                i,
                Multiplier::Steps(steps),
                SimTime::from_secs(180),
                rng_for(9, StreamId { replication: 0, producer: 0, instance: i, purpose: Purpose::Arrivals }),
            );
            let mut g = g;
            while let Some(t) = g.next_arrival() {
                per_minute[(t.as_secs_f64() / 60.0) as usize] += 1;
            }
        }
        // Poisson counts: 120,000 ± 5 × 346 and 360,000 ± 5 × 600; none after.
        assert!((per_minute[0] as f64 - 120_000.0).abs() < 1_750.0, "{per_minute:?}");
        assert!((per_minute[1] as f64 - 360_000.0).abs() < 3_000.0, "{per_minute:?}");
        assert_eq!(per_minute[2], 0);
    }

    #[test]
    fn a_burst_packs_its_share_into_its_seconds() {
        use crate::workload::trace::{mean_records_per_s, rate_steps};
        let spec = step_trace(10.0);
        let mean = mean_records_per_s(&spec);
        let steps = rate_steps(&spec, mean, &mut rng());
        let mut g = ArrivalGen::new(
            Arrival::Poisson,
            mean,
            1,
            0,
            Multiplier::Steps(steps.clone()),
            SimTime::from_secs(120),
            rng(),
        );
        let mut per_second = vec![0u64; 120];
        while let Some(t) = g.next_arrival() {
            per_second[t.as_secs_f64() as usize] += 1;
        }
        // The first minute totals 120,000 (± 5 sd) and its busiest second
        // holds about 10 × 2,000.
        let first: u64 = per_second[..60].iter().sum();
        assert!((first as f64 - 120_000.0).abs() < 1_750.0, "{first}");
        let busiest = *per_second[..60].iter().max().unwrap();
        assert!((busiest as f64 - 20_000.0).abs() < 1_000.0, "{busiest}");
    }

    #[test]
    fn constant_arrivals_pause_while_the_multiplier_is_zero() {
        let off = Multiplier::Pattern(RatePattern::Spike {
            at: SimTime::from_secs(1),
            duration: SimTime::from_secs(1),
            factor: 0.0,
        });
        let g = ArrivalGen::new(Arrival::Constant, 10.0, 1, 0, off, SimTime::from_secs(3), rng());
        // 10 in [0,1), none in [1,2), 10 in [2,3).
        assert_eq!(count(g).0, 20);
    }
}
