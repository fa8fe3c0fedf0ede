//! Step scaling as aws-samples/aws-application-auto-scaling-kinesis deploys
//! it (@9fe4d11, scaling-facts §2): two CloudWatch alarms on the stream's
//! `IncomingRecords` Sum drive two Application Auto Scaling step policies
//! (`ChangeInCapacity` +1 / −1, `Cooldown: 600`), whose Lambda calls
//! `UpdateShardCount` and then rewrites *both* alarm thresholds to
//! `1000 × shards × 60 × 80/100` — a per-minute capacity.
//!
//! As coded, the scale-in alarm (Period 300, 3 periods, `LessThanThreshold`)
//! compares a 300-s Sum with that 60-s threshold: it fires only when the
//! stream averages below 16 % of capacity (80 % / 5) for 15 minutes, so
//! scale-in is very conservative. shardsim keeps that.
//!
//! How it is modelled:
//! - An alarm evaluates at each multiple of its period, on the last
//!   `evaluation_periods` complete periods (each Sum built from the minute
//!   sums); all must breach (`DatapointsToAlarm` is unset). Before that many
//!   periods exist the alarm has insufficient data and does nothing.
//! - CloudWatch keeps invoking an Auto Scaling action while its alarm stays
//!   in ALARM; here every breaching evaluation invokes the policy.
//! - The thresholds start at the run's initial shard count, as if the
//!   Lambda had just set them (the template's literal 1000 / 700 are for a
//!   demo stream); they follow each accepted request's target, as the
//!   Lambda rewrites them after `update_shard_count` returns. A refused
//!   request ("Failed") leaves them unchanged.
//! - The new capacity is the open shard count (the Lambda's
//!   `actualCapacity`) ± the adjustment, clamped to [min, max]; nothing is
//!   requested when that is no change, or while the stream is UPDATING (the
//!   Lambda reports "InProgress").
//! - Cooldowns follow `StepScalingPolicyConfiguration.Cooldown`: each
//!   policy's runs from the moment its scaling activity completes (the
//!   stream is ACTIVE again). A scale-out blocks further scale-outs (there is
//!   no larger step to override it); a scale-in blocks further scale-ins,
//!   but "if another alarm triggers a scale-out activity during the cooldown
//!   period after a scale-in activity, Application Auto Scaling scales out
//!   the target immediately", ending the scale-in cooldown. AWS does not say
//!   that a scale-out's cooldown blocks scale-in, so it does not.
//! - For `metric = "incoming_bytes"` the capacity per shard per minute is
//!   1 MiB × 60 instead of 1000 × 60 records.

use super::State;
use super::{
    Bounds, Decision, Direction, MINUTE_S, Metric, MinuteSums, Outcome, Request, StepSpec, View,
    WRITE_SHARD_BYTES_PER_S, WRITE_SHARD_RECORDS_PER_S, next_boundary,
};
use crate::time::SimTime;

/// The alarm threshold for `shards`: per-shard capacity over one 60-s
/// period × shards × pct/100 (index.py `update_alarm_out`/`update_alarm_in`).
pub fn threshold(metric: Metric, shards: u32, pct: f64) -> f64 {
    per_shard_per_s(metric) as f64 * MINUTE_S as f64 * f64::from(shards) * pct / 100.0
}

/// The per-shard write capacity per second of `metric`.
pub(super) fn per_shard_per_s(metric: Metric) -> u64 {
    match metric {
        Metric::IncomingRecords => WRITE_SHARD_RECORDS_PER_S,
        Metric::IncomingBytes => WRITE_SHARD_BYTES_PER_S,
    }
}

/// The minute's value of `metric`.
pub(super) fn minute_value(metric: Metric, m: &MinuteSums) -> u64 {
    match metric {
        Metric::IncomingRecords => m.incoming_records,
        Metric::IncomingBytes => m.incoming_bytes,
    }
}

/// The Sums of the last `count` complete `period`s of `minutes` (oldest
/// first), or `None` with insufficient data.
fn period_sums(metric: Metric, minutes: &[MinuteSums], period: SimTime, count: u32) -> Option<Vec<u64>> {
    let period_min = usize::try_from(period.as_nanos() / SimTime::from_secs(MINUTE_S).as_nanos()).ok()?.max(1);
    let complete_periods = minutes.len() / period_min;
    let count = usize::try_from(count).ok()?;
    let first = complete_periods.checked_sub(count)?;
    let sums = (first..complete_periods)
        .map(|p| minutes[p * period_min..(p + 1) * period_min].iter().map(|m| minute_value(metric, m)).sum())
        .collect();
    Some(sums)
}

/// The two alarms and policies of one stream.
pub(super) struct StepScaler {
    spec: StepSpec,
    bounds: Bounds,
    /// The shard count the thresholds were last computed for.
    threshold_shards: Option<u32>,
    next_out: SimTime,
    next_in: SimTime,
    /// Scale-outs are blocked before this instant.
    out_cooldown_end: SimTime,
    /// Scale-ins are blocked before this instant.
    in_cooldown_end: SimTime,
    state: State,
}

impl StepScaler {
    pub(super) fn new(spec: StepSpec, bounds: Bounds) -> Self {
        let (next_out, next_in) = (spec.scale_out.period, spec.scale_in.period);
        StepScaler {
            spec,
            bounds,
            threshold_shards: None,
            next_out,
            next_in,
            out_cooldown_end: SimTime::ZERO,
            in_cooldown_end: SimTime::ZERO,
            state: State::Idle,
        }
    }

    pub(super) fn next_wake(&self) -> SimTime {
        match self.state {
            State::Requested { .. } => SimTime::NEVER,
            _ => self.next_out.min(self.next_in),
        }
    }

    pub(super) fn wake(&mut self, view: &View<'_>) -> Option<Decision> {
        let now = view.now;
        match self.state {
            State::Requested { .. } => return None,
            State::InFlight { direction } if !view.updating => self.complete(direction, now),
            _ => {}
        }
        let shards = *self.threshold_shards.get_or_insert(view.open_count());
        let threshold = threshold(self.spec.metric, shards, self.spec.threshold_pct);
        let minutes = view.complete_minutes();
        let mut out_alarm = None;
        if now >= self.next_out {
            self.next_out = next_boundary(now, self.spec.scale_out.period);
            let (period, n) = (self.spec.scale_out.period, self.spec.scale_out.evaluation_periods);
            let sums = period_sums(self.spec.metric, minutes, period, n);
            out_alarm = sums.filter(|s| s.iter().all(|&x| x as f64 > threshold)).and_then(|s| s.last().copied());
        }
        let mut in_alarm = None;
        if now >= self.next_in {
            self.next_in = next_boundary(now, self.spec.scale_in.period);
            let (period, n) = (self.spec.scale_in.period, self.spec.scale_in.evaluation_periods);
            let sums = period_sums(self.spec.metric, minutes, period, n);
            // The 300-s Sum against the 60-s threshold, as the sample codes it.
            in_alarm = sums.filter(|s| s.iter().all(|&x| (x as f64) < threshold)).and_then(|s| s.last().copied());
        }
        if self.state != State::Idle || view.updating {
            return None;
        }
        if let Some(sum) = out_alarm
            && now >= self.out_cooldown_end
            && let Some(d) = self.request(view, Direction::Up, sum)
        {
            return Some(d);
        }
        match in_alarm {
            Some(sum) if now >= self.in_cooldown_end => self.request(view, Direction::Down, sum),
            _ => None,
        }
    }

    pub(super) fn outcome(&mut self, view: &View<'_>, outcome: Outcome) {
        let State::Requested { direction, target } = self.state else { return };
        self.state = match outcome {
            Outcome::Accepted => {
                // The Lambda rewrites both thresholds for the new count.
                self.threshold_shards = Some(target);
                if direction == Direction::Up {
                    // A scale-out ends a scale-in cooldown at once.
                    self.in_cooldown_end = self.in_cooldown_end.min(view.now);
                }
                State::InFlight { direction }
            }
            Outcome::Rejected { .. } => State::Idle,
        };
    }

    /// The activity completed at `now`: its policy's cooldown starts.
    fn complete(&mut self, direction: Direction, now: SimTime) {
        match direction {
            Direction::Up => self.out_cooldown_end = now + self.spec.cooldown,
            Direction::Down => self.in_cooldown_end = now + self.spec.cooldown,
        }
        self.state = State::Idle;
    }

    /// The step adjustment in `direction`, if it changes the capacity.
    fn request(&mut self, view: &View<'_>, direction: Direction, sum: u64) -> Option<Decision> {
        let current = view.open_count();
        let delta = match direction {
            Direction::Up => i64::from(self.spec.scale_out.adjustment),
            Direction::Down => -i64::from(self.spec.scale_in.adjustment),
        };
        let target = self.bounds.clamp(i64::from(current) + delta);
        if target == current {
            return None;
        }
        self.state = State::Requested { direction, target };
        Some(Decision {
            at: view.now,
            metric: self.spec.metric.name().to_string(),
            value: sum as f64,
            decision: direction.label(),
            target,
            request: Request::UpdateShardCount { target },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaling::test_support::{even_shards, put, secs};
    use crate::scaling::{AlarmStep, Autoscaler, AutoscalingSpec, OpenShard, Policy, seconds};

    fn spec() -> AutoscalingSpec {
        let alarm =
            |period, evaluation_periods| AlarmStep { period: seconds(period), evaluation_periods, adjustment: 1 };
        AutoscalingSpec {
            min_shards: 1,
            max_shards: 8,
            policy: Policy::Step(StepSpec {
                metric: Metric::IncomingRecords,
                threshold_pct: 80.0,
                scale_out: alarm(60, 1),
                scale_in: alarm(300, 3),
                cooldown: seconds(600),
            }),
        }
    }

    fn view<'a>(now: u64, minutes: &'a [MinuteSums], open: &'a [OpenShard], updating: bool) -> View<'a> {
        View { now: secs(now), minutes, open, updating }
    }

    #[test]
    fn thresholds_are_the_lambdas_formula() {
        // (1000 × shards × 60) × 80/100.
        assert_eq!(threshold(Metric::IncomingRecords, 2, 80.0), 96_000.0);
        assert_eq!(threshold(Metric::IncomingBytes, 1, 50.0), 31_457_280.0);
    }

    #[test]
    fn scale_out_follows_the_alarm_and_its_cooldown() {
        let (two, three) = (even_shards(2), even_shards(3));
        let mut a = Autoscaler::new(&spec());
        assert_eq!(a.next_wake(), secs(60));
        assert_eq!(a.wake(&view(60, &[put(96_000, 1)], &two, false)), None);
        let mut minutes = vec![put(96_000, 1), put(100_000, 1)];
        let d = a.wake(&view(120, &minutes, &two, false)).unwrap();
        assert_eq!((d.decision, d.target, d.value, d.metric.as_str()), ("scale_up", 3, 100_000.0, "IncomingRecords"));
        a.outcome(&view(120, &minutes, &two, true), Outcome::Accepted);
        assert_eq!(a.wake(&view(150, &minutes, &three, false)), None);
        // Threshold now 144,000; 200,000 breaches, but the cooldown (from
        // 150 s) blocks scale-out until 750 s.
        for t in 3..=12 {
            minutes.push(put(200_000, 1));
            assert_eq!(a.wake(&view(t * 60, &minutes, &three, false)), None, "t = {t} min");
        }
        minutes.push(put(200_000, 1));
        assert_eq!(a.wake(&view(780, &minutes, &three, false)).unwrap().target, 4);
    }

    #[test]
    fn scale_in_compares_a_300_s_sum_with_the_60_s_threshold() {
        let four = even_shards(4);
        // Threshold 192,000 for 4 shards: 40,000 a minute is 200,000 per
        // 300 s (16.7 % of capacity): no scale-in.
        let busy = vec![put(40_000, 1); 15];
        let mut a = Autoscaler::new(&spec());
        for t in 1..=15 {
            assert_eq!(a.wake(&view(t * 60, &busy[..t as usize], &four, false)), None);
        }
        // 35,000 a minute (14.6 %): three 175,000 Sums below 192,000, alarm at 900 s.
        let quiet = vec![put(35_000, 1); 15];
        let mut a = Autoscaler::new(&spec());
        for t in 1..=14 {
            assert_eq!(a.wake(&view(t * 60, &quiet[..t as usize], &four, false)), None);
        }
        let d = a.wake(&view(900, &quiet, &four, false)).unwrap();
        assert_eq!((d.decision, d.target, d.value), ("scale_down", 3, 175_000.0));
    }

    #[test]
    fn a_scale_out_ends_the_scale_in_cooldown() {
        let (four, three) = (even_shards(4), even_shards(3));
        let mut minutes = vec![put(35_000, 1); 15];
        let mut a = Autoscaler::new(&spec());
        for t in 1..=14 {
            a.wake(&view(t * 60, &minutes[..t as usize], &four, false));
        }
        assert_eq!(a.wake(&view(900, &minutes, &four, false)).unwrap().target, 3);
        a.outcome(&view(900, &minutes, &four, true), Outcome::Accepted);
        a.wake(&view(930, &minutes, &three, false));
        // Threshold for 3 shards: 144,000. A busy minute scales out at once.
        minutes.push(put(150_000, 1));
        let d = a.wake(&view(960, &minutes, &three, false)).unwrap();
        assert_eq!((d.decision, d.target), ("scale_up", 4));
        // No request while UPDATING.
        a.outcome(&view(960, &minutes, &three, true), Outcome::Accepted);
        minutes.push(put(500_000, 1));
        assert_eq!(a.wake(&view(1_020, &minutes, &three, true)), None);
    }
}
