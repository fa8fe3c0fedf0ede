//! Application Auto Scaling target tracking on the stream's write
//! utilisation (scaling-facts §2, [AAS-TT]).
//!
//! Utilisation of a minute is its Sum over the open shards' capacity for
//! that minute, in %: `records / (60 × 1000 × open) × 100` for
//! `metric = "incoming_records"`, `bytes / (60 × 1 MiB × open) × 100` for
//! `"incoming_bytes"` — one metric, as a target-tracking policy tracks one
//! metric (a `max()` of both would need a metric-math expression). `open`
//! is the open shard count when the policy looks: CloudWatch has no
//! per-minute shard count for a stream.
//!
//! The managed alarms, evaluated at each minute boundary: scale out after
//! `scale_out_datapoints` consecutive minutes above the target, scale in
//! after `scale_in_datapoints` consecutive minutes below
//! `scale_in_ratio × target` ("far enough below the target value (usually
//! more than 10% lower)"). AWS documents no datapoint counts for custom
//! resources; the defaults 3 and 15 and the ratio 0.9 are the alarms it
//! creates for ECS services (observed, not documented). Fewer minutes than
//! needed is INSUFFICIENT_DATA: no action.
//!
//! Both directions are "proportional to the metric value": the new count is
//! `ceil(open × utilisation / target)` from the latest minute, clamped to
//! [min, max] (scale-in never below min). Cooldowns run from when the
//! activity completes (the stream is ACTIVE again): during the scale-out
//! cooldown a scale-out happens only if it asks for more than the last one
//! ("won't increase the desired capacity again unless either a larger scale
//! out is triggered"); the scale-in cooldown blocks scale-ins only, and a
//! scale-out during it happens at once and ends it. `disable_scale_in`
//! removes the scale-in alarm. Nothing is requested while the stream is
//! UPDATING.

use super::State;
use super::step::{minute_value, per_shard_per_s};
use super::{Bounds, Decision, Direction, MINUTE_S, Outcome, Request, TargetTrackingSpec, View, next_boundary};
use crate::time::SimTime;

/// Utilisation in % of a minute's `sum` over `shards` shards of
/// `per_shard_per_s` capacity.
pub fn utilization_pct(sum: u64, shards: u32, per_shard_per_s: u64) -> f64 {
    sum as f64 / (MINUTE_S as f64 * per_shard_per_s as f64 * f64::from(shards.max(1))) * 100.0
}

/// `ceil(current × utilisation / target)`, the proportional new count.
pub fn proportional_count(current: u32, utilization_pct: f64, target_pct: f64) -> i64 {
    // Saturating cast; a count beyond i64 is clamped to max later anyway.
    (f64::from(current) * utilization_pct / target_pct).ceil() as i64
}

/// One target-tracking policy.
pub(super) struct Tracker {
    spec: TargetTrackingSpec,
    bounds: Bounds,
    next_eval: SimTime,
    out_cooldown_end: SimTime,
    in_cooldown_end: SimTime,
    /// The target of the scale-out that started the current scale-out cooldown.
    last_out_target: u32,
    state: State,
}

impl Tracker {
    pub(super) fn new(spec: TargetTrackingSpec, bounds: Bounds) -> Self {
        Tracker {
            spec,
            bounds,
            next_eval: SimTime::from_secs(MINUTE_S),
            out_cooldown_end: SimTime::ZERO,
            in_cooldown_end: SimTime::ZERO,
            last_out_target: 0,
            state: State::Idle,
        }
    }

    pub(super) fn next_wake(&self) -> SimTime {
        match self.state {
            State::Requested { .. } => SimTime::NEVER,
            _ => self.next_eval,
        }
    }

    pub(super) fn wake(&mut self, view: &View<'_>) -> Option<Decision> {
        let now = view.now;
        match self.state {
            State::Requested { .. } => return None,
            State::InFlight { direction } if !view.updating => self.complete(direction, now),
            _ => {}
        }
        if now < self.next_eval {
            return None;
        }
        self.next_eval = next_boundary(now, SimTime::from_secs(MINUTE_S));
        if self.state != State::Idle || view.updating {
            return None;
        }
        let open = view.open_count();
        let capacity = per_shard_per_s(self.spec.metric);
        let utilization: Vec<f64> = view
            .complete_minutes()
            .iter()
            .map(|m| utilization_pct(minute_value(self.spec.metric, m), open, capacity))
            .collect();
        let &latest = utilization.last()?;
        let target = self.spec.target_utilization_pct;
        let last = |n: u32| utilization.len().checked_sub(usize::try_from(n).ok()?).map(|from| &utilization[from..]);
        let high = last(self.spec.scale_out_datapoints).is_some_and(|w| w.iter().all(|&u| u > target));
        if high {
            return self.scale_out(view, latest);
        }
        let low_line = self.spec.scale_in_ratio * target;
        let low = !self.spec.disable_scale_in
            && last(self.spec.scale_in_datapoints).is_some_and(|w| w.iter().all(|&u| u < low_line));
        if low && now >= self.in_cooldown_end {
            let new = self.bounds.clamp(proportional_count(open, latest, target));
            if new < open {
                return Some(self.request(view, Direction::Down, new, latest));
            }
        }
        None
    }

    pub(super) fn outcome(&mut self, view: &View<'_>, outcome: Outcome) {
        let State::Requested { direction, target } = self.state else { return };
        self.state = match outcome {
            Outcome::Accepted => {
                if direction == Direction::Up {
                    self.last_out_target = target;
                    // "the scale-in cooldown period stops and doesn't complete".
                    self.in_cooldown_end = self.in_cooldown_end.min(view.now);
                }
                State::InFlight { direction }
            }
            Outcome::Rejected { .. } => State::Idle,
        };
    }

    fn scale_out(&mut self, view: &View<'_>, latest: f64) -> Option<Decision> {
        let open = view.open_count();
        let new = self.bounds.clamp(proportional_count(open, latest, self.spec.target_utilization_pct));
        let cooling = view.now < self.out_cooldown_end && new <= self.last_out_target;
        (new > open && !cooling).then(|| self.request(view, Direction::Up, new, latest))
    }

    /// The activity completed at `now`: its direction's cooldown starts.
    fn complete(&mut self, direction: Direction, now: SimTime) {
        match direction {
            Direction::Up => self.out_cooldown_end = now + self.spec.scale_out_cooldown,
            Direction::Down => self.in_cooldown_end = now + self.spec.scale_in_cooldown,
        }
        self.state = State::Idle;
    }

    fn request(&mut self, view: &View<'_>, direction: Direction, target: u32, latest: f64) -> Decision {
        self.state = State::Requested { direction, target };
        Decision {
            at: view.now,
            metric: self.spec.metric.name().to_string(),
            value: latest,
            decision: direction.label(),
            target,
            request: Request::UpdateShardCount { target },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaling::test_support::{even_shards, put, secs};
    use crate::scaling::{Autoscaler, AutoscalingSpec, Metric, MinuteSums, OpenShard, Policy, seconds};

    fn spec(disable_scale_in: bool) -> AutoscalingSpec {
        AutoscalingSpec {
            min_shards: 1,
            max_shards: 20,
            policy: Policy::TargetTracking(TargetTrackingSpec {
                metric: Metric::IncomingRecords,
                target_utilization_pct: 50.0,
                scale_out_datapoints: 3,
                scale_in_datapoints: 15,
                scale_in_ratio: 0.9,
                scale_out_cooldown: seconds(300),
                scale_in_cooldown: seconds(300),
                disable_scale_in,
            }),
        }
    }

    fn view<'a>(now: u64, minutes: &'a [MinuteSums], open: &'a [OpenShard], updating: bool) -> View<'a> {
        View { now: secs(now), minutes, open, updating }
    }

    #[test]
    fn utilisation_and_proportional_counts() {
        assert_eq!(utilization_pct(90_000, 2, 1_000), 75.0);
        assert_eq!(utilization_pct(31_457_280, 1, 1_048_576), 50.0);
        assert_eq!(proportional_count(2, 75.0, 50.0), 3);
        assert_eq!(proportional_count(4, 20.0, 50.0), 2);
        assert_eq!(proportional_count(10, 51.0, 50.0), 11);
    }

    #[test]
    fn scales_out_only_after_three_minutes_above_target() {
        let two = even_shards(2);
        let minutes = vec![put(90_000, 1); 3];
        let mut a = Autoscaler::new(&spec(false));
        assert_eq!(a.wake(&view(60, &minutes[..1], &two, false)), None);
        assert_eq!(a.wake(&view(120, &minutes[..2], &two, false)), None);
        let d = a.wake(&view(180, &minutes, &two, false)).unwrap();
        assert_eq!((d.decision, d.target, d.value), ("scale_up", 3, 75.0));
    }

    #[test]
    fn scales_in_after_fifteen_minutes_below_ninety_percent_of_target() {
        let four = even_shards(4);
        // 48,000 a minute on 4 shards is 20 % utilisation.
        let minutes = vec![put(48_000, 1); 15];
        for disabled in [false, true] {
            let mut a = Autoscaler::new(&spec(disabled));
            for t in 1..=14 {
                assert_eq!(a.wake(&view(t * 60, &minutes[..t as usize], &four, false)), None);
            }
            let d = a.wake(&view(900, &minutes, &four, false));
            assert_eq!(d.map(|d| (d.decision, d.target)), (!disabled).then_some(("scale_down", 2)));
        }
        // 44 % is below 50 % but not below 45 %: no scale-in.
        let near = vec![put(105_600, 1); 15];
        let mut a = Autoscaler::new(&spec(false));
        for t in 1..=15 {
            assert_eq!(a.wake(&view(t * 60, &near[..t as usize], &four, false)), None);
        }
    }

    #[test]
    fn the_scale_out_cooldown_lets_only_a_larger_scale_out_through() {
        let (two, three) = (even_shards(2), even_shards(3));
        let mut minutes = vec![put(90_000, 1); 3];
        let mut a = Autoscaler::new(&spec(false));
        a.wake(&view(60, &minutes[..1], &two, false));
        a.wake(&view(120, &minutes[..2], &two, false));
        assert_eq!(a.wake(&view(180, &minutes, &two, false)).unwrap().target, 3);
        a.outcome(&view(180, &minutes, &two, true), Outcome::Accepted);
        assert_eq!(a.wake(&view(200, &minutes, &three, false)), None);
        // 3 shards at 100,000/min: 55.6 % for 3 minutes → ceil(3 × 55.6/50)
        // = 4 > 3, a larger scale-out: allowed within the cooldown (to 500 s).
        for t in 4..=5 {
            minutes.push(put(100_000, 1));
            assert_eq!(a.wake(&view(t * 60, &minutes, &three, false)), None);
        }
        minutes.push(put(100_000, 1));
        assert_eq!(a.wake(&view(360, &minutes, &three, false)).map(|d| d.target), Some(4));
        // Against a 3-shard target the same cooldown blocks: rebuild.
        let mut a = Autoscaler::new(&spec(false));
        let mut minutes = vec![put(90_000, 1); 3];
        a.wake(&view(60, &minutes[..1], &two, false));
        a.wake(&view(120, &minutes[..2], &two, false));
        a.wake(&view(180, &minutes, &two, false));
        a.outcome(&view(180, &minutes, &two, true), Outcome::Accepted);
        a.wake(&view(200, &minutes, &even_shards(2), false));
        // Still 2 open (activity done), 75 % → 3 again: not larger, blocked.
        minutes.push(put(90_000, 1));
        assert_eq!(a.wake(&view(240, &minutes, &two, false)), None);
    }
}
