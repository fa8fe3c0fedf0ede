//! `[stream.autoscaling]`: which policy scales a provisioned stream and its
//! settings, with the defaults of the tool or AWS sample it reproduces
//! (named in `crate::scaling::spec`). Only the chosen policy's keys are
//! read, so a key of another policy is reported as unknown.
//!
//! scaling_utils' `[scale_up]` and `[scale_down]` are both required (the
//! tool's `validate()` dereferences both), as are their `threshold_pct` and
//! `after_min`. The tool's `validate()` also demands `scalePct` even when
//! `scaleCount` is set; shardsim asks only for at least one of `scale_pct`
//! and `scale_count` (with both, `scale_count` prevails, as coded), since a
//! `scalePct` next to a `scaleCount` is never used.

use super::{Interval, TableReader, Val};
use crate::scaling::{
    AlarmStep, AutoscalingSpec, Metric, Operations, Policy, SCALING_UTILS_CHECK_INTERVAL_DEFAULT_S,
    SCALING_UTILS_COOL_OFF_DEFAULT_MIN, SCALING_UTILS_REFRESH_SHARDS_DEFAULT_MIN, STEP_ADJUSTMENT_DEFAULT_SHARDS,
    STEP_COOLDOWN_DEFAULT_S, STEP_SCALE_IN_EVALUATION_PERIODS_DEFAULT, STEP_SCALE_IN_PERIOD_DEFAULT_S,
    STEP_SCALE_OUT_EVALUATION_PERIODS_DEFAULT, STEP_SCALE_OUT_PERIOD_DEFAULT_S, STEP_THRESHOLD_DEFAULT_PCT, ScaleRule,
    ScalingUtilsSpec, StepSpec, TARGET_TRACKING_COOLDOWN_DEFAULT_S, TARGET_TRACKING_SCALE_IN_DATAPOINTS_DEFAULT,
    TARGET_TRACKING_SCALE_IN_RATIO_DEFAULT, TARGET_TRACKING_SCALE_OUT_DATAPOINTS_DEFAULT, TargetTrackingSpec, minutes,
    seconds,
};
use crate::scenario::tree::Value;
use crate::stream::limits;
use crate::time::SimTime;

/// CloudWatch alarms: "the number of evaluation periods multiplied by the
/// period can't exceed one day" (86,400 s; PutMetricAlarm), and
/// GetMetricStatistics returns at most 1,440 datapoints — so no window here
/// is longer than 1,440 one-minute datapoints.
const ALARM_WINDOW_MAX_S: u32 = 86_400;
/// See [`ALARM_WINDOW_MAX_S`].
const WINDOW_MAX_MINUTES: u32 = ALARM_WINDOW_MAX_S / 60;
/// Kinesis metrics are per minute, so alarm periods are whole minutes.
const PERIOD_STEP_S: u32 = 60;
/// Largest `scale_pct`: ×100 up or ÷100 down; more is beyond any bound.
const SCALE_PCT_MAX: u32 = 10_000;
/// `target_utilization_pct`: 1 to 100 %.
const UTILIZATION: Interval = Interval { min: 1.0, min_open: false, max: 100.0, max_open: false };
/// Threshold percentages: `0 < pct <= 100`.
const PERCENT: Interval = Interval { min: 0.0, min_open: true, max: 100.0, max_open: false };
/// `scale_in_ratio`: `0 < r <= 1`.
const RATIO: Interval = Interval { min: 0.0, min_open: true, max: 1.0, max_open: false };

/// Reads `[stream.autoscaling]`, or returns `None` having reported at least
/// one problem.
pub(super) fn autoscaling(t: &mut TableReader<'_>) -> Option<AutoscalingSpec> {
    let policy = t.req("policy", |v| v.choice(&[("scaling_utils", 0), ("step", 1), ("target_tracking", 2)], &[]));
    let Some(policy) = policy else {
        // Which keys are valid depends on the policy.
        t.skip_rest();
        return None;
    };
    // A scalable target needs MinCapacity and MaxCapacity; scaling-utils'
    // minShards/maxShards default to no bound.
    let required = policy != 0;
    let min = shard_bound(t, "min_shards", required, 1);
    let max = shard_bound(t, "max_shards", required, limits::MAX_SHARDS_PER_STREAM);
    let policy = match policy {
        0 => scaling_utils(t).map(Policy::ScalingUtils),
        1 => step(t).map(Policy::Step),
        _ => target_tracking(t).map(Policy::TargetTracking),
    };
    let (min_shards, max_shards) = (min?, max?);
    if min_shards > max_shards {
        t.fail_at(
            &["min_shards", "max_shards"],
            format!("min_shards ({min_shards}) must be <= max_shards ({max_shards})"),
        );
        return None;
    }
    Some(AutoscalingSpec { min_shards, max_shards, policy: policy? })
}

/// `min_shards` / `max_shards`: 1 to 10,000 shards.
fn shard_bound(t: &mut TableReader<'_>, key: &'static str, required: bool, default: u32) -> Option<u32> {
    let read = |v: Val<'_>| v.int(1, limits::MAX_SHARDS_PER_STREAM);
    if required { t.req(key, read) } else { t.opt(key, default, read) }
}

/// The `metric` key of step and target tracking.
fn metric(t: &mut TableReader<'_>) -> Option<Metric> {
    t.opt("metric", Metric::IncomingRecords, |v| {
        v.choice(&[("incoming_records", Metric::IncomingRecords), ("incoming_bytes", Metric::IncomingBytes)], &[])
    })
}

/// A whole number of minutes of at most one day of datapoints.
fn window_minutes(v: Val<'_>) -> Option<u32> {
    v.int(1, WINDOW_MAX_MINUTES)
}

fn scaling_utils(t: &mut TableReader<'_>) -> Option<ScalingUtilsSpec> {
    let check = t.opt("check_interval_s", SCALING_UTILS_CHECK_INTERVAL_DEFAULT_S, |v| v.int(1, u32::MAX));
    let scale_on = t.opt("scale_on", Operations { put: true, get: true }, operations);
    let refresh = t.opt("refresh_shards_after_min", SCALING_UTILS_REFRESH_SHARDS_DEFAULT_MIN, |v| v.int(0, u32::MAX));
    let scale_up = t.section("scale_up", scale_rule);
    let scale_down = t.section("scale_down", scale_rule);
    Some(ScalingUtilsSpec {
        check_interval: seconds(check?),
        scale_on: scale_on?,
        refresh_shards_after: minutes(refresh?),
        scale_up: scale_up?,
        scale_down: scale_down?,
    })
}

/// `scale_on = ["put", "get"]`: an empty list means both, as the tool's
/// `validate()` sets all operations when `scaleOnOperation` is empty.
fn operations(v: Val<'_>) -> Option<Operations> {
    let Value::Array(items) = &v.node.value else {
        v.expected("an array of \"put\" and \"get\"");
        return None;
    };
    if items.is_empty() {
        return Some(Operations { put: true, get: true });
    }
    let mut ops = Operations { put: false, get: false };
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match v.item(i, item).choice(&[("put", true), ("get", false)], &[]) {
            Some(true) => ops.put = true,
            Some(false) => ops.get = true,
            None => ok = false,
        }
    }
    ok.then_some(ops)
}

/// `[scale_up]` / `[scale_down]` of scaling_utils.
fn scale_rule(t: &mut TableReader<'_>) -> Option<ScaleRule> {
    let threshold = t.req("threshold_pct", |v| v.int(0, 100));
    let after = t.req("after_min", window_minutes);
    let pct = t.opt("scale_pct", None, |v| v.int(1, SCALE_PCT_MAX).map(Some));
    let count = t.opt("scale_count", None, |v| v.int(1, limits::MAX_SHARDS_PER_STREAM).map(Some));
    let cool_off = t.opt("cool_off_min", SCALING_UTILS_COOL_OFF_DEFAULT_MIN, |v| v.int(0, u32::MAX));
    let (scale_pct, scale_count) = (pct?, count?);
    if scale_pct.is_none() && scale_count.is_none() {
        t.fail_at(&["scale_pct", "scale_count"], "needs scale_pct or scale_count (scale_count prevails)".into());
        return None;
    }
    Some(ScaleRule {
        threshold_pct: threshold?,
        after_min: after?,
        scale_pct,
        scale_count,
        cool_off: minutes(cool_off?),
    })
}

fn step(t: &mut TableReader<'_>) -> Option<StepSpec> {
    let metric = metric(t);
    let threshold_pct = t.opt("threshold_pct", STEP_THRESHOLD_DEFAULT_PCT, |v| v.float(PERCENT));
    let out_defaults = (STEP_SCALE_OUT_PERIOD_DEFAULT_S, STEP_SCALE_OUT_EVALUATION_PERIODS_DEFAULT);
    let scale_out = t.section("scale_out", |s| alarm_step(s, out_defaults));
    let in_defaults = (STEP_SCALE_IN_PERIOD_DEFAULT_S, STEP_SCALE_IN_EVALUATION_PERIODS_DEFAULT);
    let scale_in = t.section("scale_in", |s| alarm_step(s, in_defaults));
    let cooldown =
        t.opt("cooldown_s", SimTime::from_secs_f64(STEP_COOLDOWN_DEFAULT_S), |v| v.secs(Interval::NON_NEGATIVE));
    Some(StepSpec {
        metric: metric?,
        threshold_pct: threshold_pct?,
        scale_out: scale_out?,
        scale_in: scale_in?,
        cooldown: cooldown?,
    })
}

/// `[scale_out]` / `[scale_in]` of step: the alarm and its adjustment.
fn alarm_step(t: &mut TableReader<'_>, (period_default, periods_default): (u32, u32)) -> Option<AlarmStep> {
    let period = t.opt("period_s", period_default, |v| v.int(PERIOD_STEP_S, ALARM_WINDOW_MAX_S));
    let periods = t.opt("evaluation_periods", periods_default, window_minutes);
    let adjustment = t.opt("adjustment", STEP_ADJUSTMENT_DEFAULT_SHARDS, |v| v.int(1, limits::MAX_SHARDS_PER_STREAM));
    let (period, periods) = (period?, periods?);
    if period % PERIOD_STEP_S != 0 {
        t.fail_at(
            &["period_s"],
            format!("period_s must be a multiple of 60 (Kinesis metrics are per minute), got {period}"),
        );
        return None;
    }
    if u64::from(period) * u64::from(periods) > u64::from(ALARM_WINDOW_MAX_S) {
        t.fail_at(
            &["evaluation_periods", "period_s"],
            format!(
                "period_s × evaluation_periods must be <= {ALARM_WINDOW_MAX_S} s (a CloudWatch alarm's limit), \
                 got {period} × {periods}"
            ),
        );
        return None;
    }
    Some(AlarmStep { period: seconds(period), evaluation_periods: periods, adjustment: adjustment? })
}

fn target_tracking(t: &mut TableReader<'_>) -> Option<TargetTrackingSpec> {
    let metric = metric(t);
    let target = t.req("target_utilization_pct", |v| v.float(UTILIZATION));
    let out_points = t.opt("scale_out_datapoints", TARGET_TRACKING_SCALE_OUT_DATAPOINTS_DEFAULT, window_minutes);
    let in_points = t.opt("scale_in_datapoints", TARGET_TRACKING_SCALE_IN_DATAPOINTS_DEFAULT, window_minutes);
    let ratio = t.opt("scale_in_ratio", TARGET_TRACKING_SCALE_IN_RATIO_DEFAULT, |v| v.float(RATIO));
    let cooldown = SimTime::from_secs_f64(TARGET_TRACKING_COOLDOWN_DEFAULT_S);
    let out_cooldown = t.opt("scale_out_cooldown_s", cooldown, |v| v.secs(Interval::NON_NEGATIVE));
    let in_cooldown = t.opt("scale_in_cooldown_s", cooldown, |v| v.secs(Interval::NON_NEGATIVE));
    let disable = t.opt("disable_scale_in", false, |v| v.boolean());
    Some(TargetTrackingSpec {
        metric: metric?,
        target_utilization_pct: target?,
        scale_out_datapoints: out_points?,
        scale_in_datapoints: in_points?,
        scale_in_ratio: ratio?,
        scale_out_cooldown: out_cooldown?,
        scale_in_cooldown: in_cooldown?,
        disable_scale_in: disable?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaling::ScaleRule;
    use crate::scenario::errors::Sink;
    use crate::scenario::tree::parse_document;

    /// Reads `[stream.autoscaling]` of `text`; the spec, or the problems as
    /// `path: message` lines.
    fn read(text: &str) -> Result<AutoscalingSpec, Vec<String>> {
        let root = parse_document(text).expect("valid TOML");
        let node = root.get("stream").and_then(|s| s.get("autoscaling")).expect("[stream.autoscaling]");
        let sink = Sink::default();
        let v = Val { node, path: "stream.autoscaling".into(), sink: &sink };
        let spec = v.read_table(autoscaling);
        let problems: Vec<String> =
            sink.into_problems().into_iter().map(|p| format!("{}: {}", p.path, p.message)).collect();
        match spec {
            Some(s) if problems.is_empty() => Ok(s),
            _ => Err(problems),
        }
    }

    const UTILS: &str = "[stream.autoscaling]\npolicy = \"scaling_utils\"\n\
        [stream.autoscaling.scale_up]\nthreshold_pct = 75\nafter_min = 5\nscale_pct = 100\n\
        [stream.autoscaling.scale_down]\nthreshold_pct = 25\nafter_min = 30\nscale_count = 1\ncool_off_min = 60\n";

    #[test]
    fn scaling_utils_defaults_follow_the_tool() {
        let s = read(UTILS).unwrap();
        assert_eq!((s.min_shards, s.max_shards, s.policy_label()), (1, 10_000, "scaling_utils"));
        let Policy::ScalingUtils(u) = s.policy else { panic!("not scaling_utils") };
        assert_eq!(u.check_interval, SimTime::from_secs(45));
        assert_eq!(u.scale_on, Operations { put: true, get: true });
        assert_eq!(u.refresh_shards_after, SimTime::from_secs(600));
        let up = ScaleRule {
            threshold_pct: 75,
            after_min: 5,
            scale_pct: Some(100),
            scale_count: None,
            cool_off: SimTime::ZERO,
        };
        assert_eq!(u.scale_up, up);
        let down = ScaleRule {
            threshold_pct: 25,
            after_min: 30,
            scale_pct: None,
            scale_count: Some(1),
            cool_off: SimTime::from_secs(3_600),
        };
        assert_eq!(u.scale_down, down);
        let put_only = read(&UTILS.replace(
            "policy = \"scaling_utils\"\n",
            "policy = \"scaling_utils\"\nscale_on = [\"put\"]\nmin_shards = 2\n",
        ))
        .unwrap();
        let Policy::ScalingUtils(u) = put_only.policy else { panic!("not scaling_utils") };
        assert_eq!((u.scale_on, put_only.min_shards), (Operations { put: true, get: false }, 2));
    }

    #[test]
    fn scaling_utils_rules_are_checked() {
        let neither = UTILS.replace("scale_count = 1\n", "");
        assert_eq!(
            read(&neither).unwrap_err(),
            ["stream.autoscaling.scale_down.scale_pct: needs scale_pct or scale_count (scale_count prevails)"]
        );
        let no_down = UTILS.split("[stream.autoscaling.scale_down]").next().unwrap().to_string();
        let e = read(&no_down).unwrap_err();
        assert!(e.contains(&"stream.autoscaling.scale_down.threshold_pct: missing required key".to_string()), "{e:?}");
        let bounds = UTILS
            .replace("policy = \"scaling_utils\"\n", "policy = \"scaling_utils\"\nmin_shards = 8\nmax_shards = 4\n");
        assert_eq!(
            read(&bounds).unwrap_err(),
            ["stream.autoscaling.min_shards: min_shards (8) must be <= max_shards (4)"]
        );
        let bad_op = UTILS
            .replace("policy = \"scaling_utils\"\n", "policy = \"scaling_utils\"\nscale_on = [\"put\", \"list\"]\n");
        let e = read(&bad_op).unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e[0].starts_with("stream.autoscaling.scale_on[1]: unknown value \"list\""), "{e:?}");
    }

    #[test]
    fn keys_of_another_policy_are_unknown() {
        let text = "[stream.autoscaling]\npolicy = \"target_tracking\"\nmin_shards = 1\nmax_shards = 8\n\
                    target_utilization_pct = 70\ncooldown_s = 60\n";
        let e = read(text).unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e[0].starts_with("stream.autoscaling.cooldown_s: unknown key"), "{e:?}");
        let text = "[stream.autoscaling]\npolicy = \"step\"\nmin_shards = 1\nmax_shards = 8\ncheck_interval_s = 45\n";
        assert!(read(text).unwrap_err()[0].starts_with("stream.autoscaling.check_interval_s: unknown key"));
    }

    #[test]
    fn step_defaults_follow_the_sample() {
        let s = read("[stream.autoscaling]\npolicy = \"step\"\nmin_shards = 1\nmax_shards = 8\n").unwrap();
        let Policy::Step(p) = s.policy else { panic!("not step") };
        assert_eq!(p.metric, Metric::IncomingRecords);
        assert_eq!(p.threshold_pct, 80.0);
        assert_eq!(p.scale_out, AlarmStep { period: SimTime::from_secs(60), evaluation_periods: 1, adjustment: 1 });
        assert_eq!(p.scale_in, AlarmStep { period: SimTime::from_secs(300), evaluation_periods: 3, adjustment: 1 });
        assert_eq!(p.cooldown, SimTime::from_secs(600));
    }

    #[test]
    fn step_needs_bounds_and_whole_minute_periods() {
        let e = read("[stream.autoscaling]\npolicy = \"step\"\n").unwrap_err();
        assert_eq!(
            e,
            [
                "stream.autoscaling.min_shards: missing required key",
                "stream.autoscaling.max_shards: missing required key"
            ]
        );
        let text = "[stream.autoscaling]\npolicy = \"step\"\nmin_shards = 1\nmax_shards = 8\n\
                    [stream.autoscaling.scale_in]\nperiod_s = 90\n";
        assert_eq!(
            read(text).unwrap_err(),
            [
                "stream.autoscaling.scale_in.period_s: period_s must be a multiple of 60 (Kinesis metrics are per minute), got 90"
            ]
        );
        let text = "[stream.autoscaling]\npolicy = \"step\"\nmin_shards = 1\nmax_shards = 8\n\
                    [stream.autoscaling.scale_in]\nperiod_s = 3600\nevaluation_periods = 25\n";
        assert!(read(text).unwrap_err()[0].starts_with("stream.autoscaling.scale_in.evaluation_periods: period_s × "));
    }

    #[test]
    fn target_tracking_defaults_and_required_target() {
        let text = "[stream.autoscaling]\npolicy = \"target_tracking\"\nmin_shards = 2\nmax_shards = 20\n\
                    target_utilization_pct = 70\nmetric = \"incoming_bytes\"\n";
        let s = read(text).unwrap();
        let Policy::TargetTracking(p) = s.policy else { panic!("not target_tracking") };
        let expected = TargetTrackingSpec {
            metric: Metric::IncomingBytes,
            target_utilization_pct: 70.0,
            scale_out_datapoints: 3,
            scale_in_datapoints: 15,
            scale_in_ratio: 0.9,
            scale_out_cooldown: SimTime::from_secs(300),
            scale_in_cooldown: SimTime::from_secs(300),
            disable_scale_in: false,
        };
        assert_eq!(p, expected);
        let e =
            read("[stream.autoscaling]\npolicy = \"target_tracking\"\nmin_shards = 1\nmax_shards = 2\n").unwrap_err();
        assert_eq!(e, ["stream.autoscaling.target_utilization_pct: missing required key"]);
        let e = read("[stream.autoscaling]\npolicy = \"target_tracking\"\nmin_shards = 1\nmax_shards = 2\ntarget_utilization_pct = 0.5\n")
            .unwrap_err();
        assert_eq!(e, ["stream.autoscaling.target_utilization_pct: must be >= 1 and <= 100, got 0.5"]);
    }

    #[test]
    fn an_unknown_policy_is_reported_once() {
        let e = read("[stream.autoscaling]\npolicy = \"magic\"\nmin_shards = 1\n").unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e[0].starts_with("stream.autoscaling.policy: unknown value \"magic\""), "{e:?}");
    }
}
