//! The validated `[stream.autoscaling]` table: which policy scales the
//! stream, its shard bounds, and each policy's settings. Built by
//! `scenario::validate::autoscaling`; read by the engines in this module.
//! Defaults are named here, each citing the tool, sample or AWS page it
//! comes from (`reference/scaling-facts.md` §1–§2).

use crate::time::{NANOS_PER_S, SimTime};

/// scaling-utils `checkInterval`: seconds slept after each check
/// (AutoscalingConfiguration.java, `checkInterval = 45`).
pub const SCALING_UTILS_CHECK_INTERVAL_DEFAULT_S: u32 = 45;
/// scaling-utils `refreshShardsNumberAfterMin`: minutes between reloads of
/// the cached stream capacity (AutoscalingConfiguration.java, `= 10`).
pub const SCALING_UTILS_REFRESH_SHARDS_DEFAULT_MIN: u32 = 10;
/// scaling-utils `coolOffMins` when unset (AutoscalingConfiguration.validate,
/// `setCoolOffMins(0)`).
pub const SCALING_UTILS_COOL_OFF_DEFAULT_MIN: u32 = 0;
/// The step sample's alarm thresholds are `capacity × shards × 80/100`
/// (aws-application-auto-scaling-kinesis index.py, `update_alarm_out/in`).
pub const STEP_THRESHOLD_DEFAULT_PCT: f64 = 80.0;
/// Scale-out alarm of the step sample: `Period: 60`, `EvaluationPeriods: 1`
/// (cloudformation/custom-application-autoscaling-kinesis.yaml).
pub const STEP_SCALE_OUT_PERIOD_DEFAULT_S: u32 = 60;
/// See [`STEP_SCALE_OUT_PERIOD_DEFAULT_S`].
pub const STEP_SCALE_OUT_EVALUATION_PERIODS_DEFAULT: u32 = 1;
/// Scale-in alarm of the step sample: `Period: 300`, `EvaluationPeriods: 3`.
pub const STEP_SCALE_IN_PERIOD_DEFAULT_S: u32 = 300;
/// See [`STEP_SCALE_IN_PERIOD_DEFAULT_S`].
pub const STEP_SCALE_IN_EVALUATION_PERIODS_DEFAULT: u32 = 3;
/// The sample's step adjustments: `ScalingAdjustment: 1` and `-1`.
pub const STEP_ADJUSTMENT_DEFAULT_SHARDS: u32 = 1;
/// The sample's `StepScalingPolicyConfiguration.Cooldown: 600` (both policies).
pub const STEP_COOLDOWN_DEFAULT_S: f64 = 600.0;
/// Target tracking scale-out alarm: 3 of 3 one-minute datapoints above the
/// target. AWS documents no count for custom resources; this is the alarm
/// Application Auto Scaling creates for ECS services (observed listings,
/// scaling-facts §2 "Datapoint counts").
pub const TARGET_TRACKING_SCALE_OUT_DATAPOINTS_DEFAULT: u32 = 3;
/// Target tracking scale-in alarm: 15 of 15 one-minute datapoints below
/// `0.9 × target` (observed ECS alarms; DynamoDB's docs also say 15).
pub const TARGET_TRACKING_SCALE_IN_DATAPOINTS_DEFAULT: u32 = 15;
/// "far enough below the target value (usually more than 10% lower)"
/// (Application Auto Scaling target-tracking overview); observed ECS
/// alarms use `0.9 × target`.
pub const TARGET_TRACKING_SCALE_IN_RATIO_DEFAULT: f64 = 0.9;
/// Default `ScaleOutCooldown` / `ScaleInCooldown` for custom resources
/// (TargetTrackingScalingPolicyConfiguration API reference: 300 s).
pub const TARGET_TRACKING_COOLDOWN_DEFAULT_S: f64 = 300.0;

/// `[stream.autoscaling]`: a policy and the shard bounds it keeps to.
#[derive(Clone, Debug, PartialEq)]
pub struct AutoscalingSpec {
    /// Fewest shards the policy requests (scalable target `MinCapacity`,
    /// scaling-utils `minShards`).
    pub min_shards: u32,
    /// Most shards the policy requests (`MaxCapacity`, `maxShards`).
    pub max_shards: u32,
    /// The policy and its settings.
    pub policy: Policy,
}

impl AutoscalingSpec {
    /// The `policy` key's value: "scaling_utils", "step" or "target_tracking".
    pub fn policy_label(&self) -> &'static str {
        match self.policy {
            Policy::ScalingUtils(_) => "scaling_utils",
            Policy::Step(_) => "step",
            Policy::TargetTracking(_) => "target_tracking",
        }
    }
}

/// The three policies shardsim reproduces.
#[derive(Clone, Debug, PartialEq)]
pub enum Policy {
    /// awslabs/amazon-kinesis-scaling-utils' `StreamMonitor`, as coded.
    ScalingUtils(ScalingUtilsSpec),
    /// aws-samples/aws-application-auto-scaling-kinesis: two CloudWatch
    /// alarms driving Application Auto Scaling step policies.
    Step(StepSpec),
    /// Application Auto Scaling target tracking on a custom resource.
    TargetTracking(TargetTrackingSpec),
}

/// The Kinesis operations scaling-utils watches (`scaleOnOperation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operations {
    /// PUT: `PutRecord(s).Bytes` and `PutRecord.Success`/`PutRecords.Records`.
    pub put: bool,
    /// GET: `GetRecords.Bytes` and `GetRecords.Records`.
    pub get: bool,
}

/// scaling-utils settings.
#[derive(Clone, Debug, PartialEq)]
pub struct ScalingUtilsSpec {
    /// Sleep after each check (`checkInterval`).
    pub check_interval: SimTime,
    /// Operations whose utilisation votes.
    pub scale_on: Operations,
    /// Age after which the cached capacity is reloaded
    /// (`refreshShardsNumberAfterMin`).
    pub refresh_shards_after: SimTime,
    /// `scaleUp`.
    pub scale_up: ScaleRule,
    /// `scaleDown`.
    pub scale_down: ScaleRule,
}

/// scaling-utils `ScalingConfig` (one direction).
#[derive(Clone, Debug, PartialEq)]
pub struct ScaleRule {
    /// `scaleThresholdPct`: a minute is high above it (scale up) or low
    /// below it (scale down).
    pub threshold_pct: u32,
    /// `scaleAfterMins`: high (or low) minutes needed in the window.
    pub after_min: u32,
    /// `scalePct` (see `scaling_utils::new_shard_count` for its meaning).
    pub scale_pct: Option<u32>,
    /// `scaleCount`; prevails over `scale_pct` when both are set, as coded.
    pub scale_count: Option<u32>,
    /// `coolOffMins`: wait after a scaling in this direction.
    pub cool_off: SimTime,
}

/// The CloudWatch metric a step or target-tracking policy watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// `IncomingRecords` (the step sample's alarms).
    IncomingRecords,
    /// `IncomingBytes`.
    IncomingBytes,
}

impl Metric {
    /// The CloudWatch metric name.
    pub fn name(self) -> &'static str {
        match self {
            Metric::IncomingRecords => "IncomingRecords",
            Metric::IncomingBytes => "IncomingBytes",
        }
    }
}

/// One CloudWatch alarm of the step sample and the step it triggers.
#[derive(Clone, Debug, PartialEq)]
pub struct AlarmStep {
    /// Alarm `Period` (a multiple of 60 s).
    pub period: SimTime,
    /// Alarm `EvaluationPeriods` (all must breach: DatapointsToAlarm unset).
    pub evaluation_periods: u32,
    /// `ScalingAdjustment` magnitude, in shards.
    pub adjustment: u32,
}

/// Step scaling as the AWS sample deploys it.
#[derive(Clone, Debug, PartialEq)]
pub struct StepSpec {
    /// The alarms' metric.
    pub metric: Metric,
    /// Both thresholds are `per-shard capacity per minute × shards × pct/100`.
    pub threshold_pct: f64,
    /// The `GreaterThanThreshold` alarm and its `+adjustment` step.
    pub scale_out: AlarmStep,
    /// The `LessThanThreshold` alarm and its `-adjustment` step.
    pub scale_in: AlarmStep,
    /// Each policy's `Cooldown`.
    pub cooldown: SimTime,
}

/// Target tracking on the stream's utilisation.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetTrackingSpec {
    /// The metric whose utilisation is tracked.
    pub metric: Metric,
    /// `TargetValue`, a utilisation in percent.
    pub target_utilization_pct: f64,
    /// Consecutive minutes above target before a scale-out.
    pub scale_out_datapoints: u32,
    /// Consecutive minutes below `scale_in_ratio × target` before a scale-in.
    pub scale_in_datapoints: u32,
    /// The scale-in alarm's threshold as a share of the target.
    pub scale_in_ratio: f64,
    /// `ScaleOutCooldown`.
    pub scale_out_cooldown: SimTime,
    /// `ScaleInCooldown`.
    pub scale_in_cooldown: SimTime,
    /// `DisableScaleIn`.
    pub disable_scale_in: bool,
}

/// `minutes` as a simulated span; saturates at [`SimTime::NEVER`].
pub fn minutes(minutes: u32) -> SimTime {
    SimTime(u64::from(minutes).saturating_mul(60 * NANOS_PER_S))
}

/// Whole `seconds` as a simulated span; saturates at [`SimTime::NEVER`].
pub fn seconds(seconds: u32) -> SimTime {
    SimTime(u64::from(seconds).saturating_mul(NANOS_PER_S))
}
