//! Autoscaling policies for a provisioned stream: pure, deterministic
//! engines that read per-minute CloudWatch sums and the open shards, and
//! decide resharding requests. No I/O and no wall clock: the simulation
//! calls [`Autoscaler::wake`] at [`Autoscaler::next_wake`] (and when the
//! stream turns ACTIVE), carries out the returned [`Request`], and reports
//! the stream's answer through [`Autoscaler::outcome`].
//!
//! Three policies, each reproduced from its source (`reference/scaling-facts.md`):
//! - [`scaling_utils`]: awslabs/amazon-kinesis-scaling-utils' `StreamMonitor`
//!   as coded (§1), including its stale cached capacity (issue #87) and its
//!   split/merge fallback.
//! - [`step`]: the aws-samples/aws-application-auto-scaling-kinesis step
//!   policies and alarms as deployed (§2), including the scale-in alarm that
//!   compares a 300-s Sum with a threshold computed for 60 s.
//! - [`target_tracking`]: Application Auto Scaling target tracking (§2).
//!
//! Capacity is always judged against the per-shard limits below, not the
//! scenario's simulated limits: that is what the tools compute with.

pub mod scaling_utils;
mod spec;
pub mod step;
pub mod target_tracking;

pub use spec::*;

use crate::time::SimTime;

/// Bytes per second one shard accepts, as the tools compute capacity
/// (scaling-utils `KinesisOperationType.PUT`: 1_048_576).
pub const WRITE_SHARD_BYTES_PER_S: u64 = crate::stream::limits::SHARD_WRITE_BYTES_PER_S;
/// Records per second one shard accepts (`KinesisOperationType.PUT`: 1000;
/// the step sample's `1000 × shards × 60`).
pub const WRITE_SHARD_RECORDS_PER_S: u64 = crate::stream::limits::SHARD_WRITE_RECORDS_PER_S;
/// GetRecords bytes per second per shard (`KinesisOperationType.GET`: 2_097_152).
pub const READ_SHARD_BYTES_PER_S: u64 = crate::stream::limits::SHARD_READ_BYTES_PER_S;
/// GetRecords records per second per shard (`KinesisOperationType.GET`: 2000).
pub const READ_SHARD_RECORDS_PER_S: u64 = 2_000;
/// CloudWatch period of every datapoint the policies read (scaling-utils
/// `CLOUDWATCH_PERIOD = 60`; Kinesis basic metrics are per minute).
pub const MINUTE_S: u64 = 60;
/// Highest hash key (2^128 − 1): the MD5 key space a stream covers.
pub const MAX_HASH_KEY: u128 = crate::stream::hash::MAX_HASH_KEY;

/// One CloudWatch datapoint of the stream: sums over one minute (period 60 s, SUM),
/// minute m covers [60·m, 60·(m+1)) s of simulated time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MinuteSums {
    /// `IncomingBytes`.
    pub incoming_bytes: u64,
    /// `IncomingRecords`.
    pub incoming_records: u64,
    /// `GetRecords.Bytes`.
    pub get_records_bytes: u64,
    /// `GetRecords.Records`.
    pub get_records_records: u64,
}

/// An open shard as ListShards shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenShard {
    /// The shard's number (`shardId-%012d`).
    pub index: u32,
    /// `StartingHashKey`.
    pub start: u128,
    /// `EndingHashKey` (inclusive).
    pub end: u128,
}

/// What a policy sees when it wakes.
pub struct View<'a> {
    /// The current simulated time.
    pub now: SimTime,
    /// Completed minutes so far: minutes[m] for every m with 60·(m+1) s <= now.
    pub minutes: &'a [MinuteSums],
    /// Open shards sorted by hash-key start (their count is OpenShardCount).
    pub open: &'a [OpenShard],
    /// Whether the stream is UPDATING (a resharding in progress).
    pub updating: bool,
}

impl View<'_> {
    /// OpenShardCount.
    fn open_count(&self) -> u32 {
        u32::try_from(self.open.len()).unwrap_or(u32::MAX)
    }

    /// The completed minutes, never more than `now` allows (guards against a
    /// caller handing in a partial minute).
    fn complete_minutes(&self) -> &[MinuteSums] {
        let complete = self.now.as_nanos() / (MINUTE_S * crate::time::NANOS_PER_S);
        let n = usize::try_from(complete).unwrap_or(usize::MAX).min(self.minutes.len());
        &self.minutes[..n]
    }
}

/// A resharding call a policy makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// `UpdateShardCount(TargetShardCount, UNIFORM_SCALING)`.
    UpdateShardCount {
        /// `TargetShardCount`.
        target: u32,
    },
    /// `SplitShard(ShardToSplit, NewStartingHashKey)`.
    Split {
        /// The shard's index.
        shard: u32,
        /// The first hash key of the upper child.
        new_starting_hash_key: u128,
    },
    /// `MergeShards(ShardToMerge, AdjacentShardToMerge)`.
    Merge {
        /// The lower shard's index.
        shard: u32,
        /// The index of the shard just above it.
        adjacent: u32,
    },
}

/// One scaling decision, for the report.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// When it was made.
    pub at: SimTime,
    /// The metric the decision was based on: scaling_utils "PUT[Bytes]" …
    /// (operation and metric, as the tool logs them); step and
    /// target_tracking "IncomingRecords" / "IncomingBytes".
    pub metric: String,
    /// What the policy saw: scaling_utils the deciding operation's moving
    /// average utilisation in % (`latestAvg`, the value it logs);
    /// step the alarm's latest period Sum; target_tracking the latest
    /// minute's utilisation in %.
    pub value: f64,
    /// "scale_up" | "scale_down" (or "split"/"merge" for scaling_utils' fallback).
    pub decision: &'static str,
    /// The shard count requested (for a split/merge: the open count it leads to).
    pub target: u32,
    /// The call made.
    pub request: Request,
}

/// How the stream answered a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The stream is now UPDATING.
    Accepted,
    /// Refused, e.g. "LimitExceededException", "InvalidArgumentException",
    /// "ResourceInUseException".
    Rejected {
        /// The exception's name.
        exception: &'static str,
    },
}

/// The exception names the policies react to.
pub const INVALID_ARGUMENT_EXCEPTION: &str = "InvalidArgumentException";
/// See [`INVALID_ARGUMENT_EXCEPTION`].
pub const LIMIT_EXCEEDED_EXCEPTION: &str = "LimitExceededException";
/// See [`INVALID_ARGUMENT_EXCEPTION`].
pub const RESOURCE_IN_USE_EXCEPTION: &str = "ResourceInUseException";

/// Scale direction, shared by the engines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// More shards.
    Up,
    /// Fewer shards.
    Down,
}

impl Direction {
    /// The [`Decision::decision`] label.
    pub fn label(self) -> &'static str {
        match self {
            Direction::Up => "scale_up",
            Direction::Down => "scale_down",
        }
    }
}

/// The shard bounds of a spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Bounds {
    min: u32,
    max: u32,
}

impl Bounds {
    fn clamp(self, n: i64) -> u32 {
        let n = n.clamp(i64::from(self.min), i64::from(self.max));
        u32::try_from(n).unwrap_or(self.max)
    }
}

/// Whether a step or target-tracking policy's scaling activity is pending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Idle,
    /// A request was returned; its outcome is awaited.
    Requested {
        direction: Direction,
        target: u32,
    },
    /// Accepted; the activity completes when the stream is ACTIVE.
    InFlight {
        direction: Direction,
    },
}

/// A policy engine, ready to be driven by the simulation.
pub struct Autoscaler {
    engine: Engine,
}

enum Engine {
    // Boxed: the monitor carries its fallback plan.
    ScalingUtils(Box<scaling_utils::Monitor>),
    Step(step::StepScaler),
    TargetTracking(target_tracking::Tracker),
}

impl Autoscaler {
    /// An engine for `spec`, its clock at zero.
    pub fn new(spec: &AutoscalingSpec) -> Self {
        let bounds = Bounds { min: spec.min_shards, max: spec.max_shards };
        let engine = match &spec.policy {
            Policy::ScalingUtils(s) => Engine::ScalingUtils(Box::new(scaling_utils::Monitor::new(s.clone(), bounds))),
            Policy::Step(s) => Engine::Step(step::StepScaler::new(s.clone(), bounds)),
            Policy::TargetTracking(s) => Engine::TargetTracking(target_tracking::Tracker::new(s.clone(), bounds)),
        };
        Autoscaler { engine }
    }

    /// When the policy next wants to look (its check interval / alarm evaluation), SimTime::NEVER if never.
    pub fn next_wake(&self) -> SimTime {
        match &self.engine {
            Engine::ScalingUtils(e) => e.next_wake(),
            Engine::Step(e) => e.next_wake(),
            Engine::TargetTracking(e) => e.next_wake(),
        }
    }

    /// Called at next_wake(), and also whenever the stream turns ACTIVE again; may decide.
    pub fn wake(&mut self, view: &View<'_>) -> Option<Decision> {
        match &mut self.engine {
            Engine::ScalingUtils(e) => e.wake(view),
            Engine::Step(e) => e.wake(view),
            Engine::TargetTracking(e) => e.wake(view),
        }
    }

    /// The stream's answer to the last decision's request, at view.now (Accepted: the stream is now UPDATING).
    pub fn outcome(&mut self, view: &View<'_>, outcome: Outcome) {
        match &mut self.engine {
            Engine::ScalingUtils(e) => e.outcome(view, outcome),
            Engine::Step(e) => e.outcome(view, outcome),
            Engine::TargetTracking(e) => e.outcome(view, outcome),
        }
    }
}

/// The first instant strictly after `now` that is a multiple of `period`
/// (alarm evaluations fall on period boundaries from time zero).
fn next_boundary(now: SimTime, period: SimTime) -> SimTime {
    let p = period.as_nanos().max(1);
    SimTime((now.as_nanos() / p).saturating_add(1).saturating_mul(p))
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Builders shared by the engines' tests.
    use super::*;

    /// `n` open shards of equal width, indexes 0..n.
    pub fn even_shards(n: u32) -> Vec<OpenShard> {
        let width = MAX_HASH_KEY / u128::from(n);
        (0..n)
            .map(|i| {
                let start = width * u128::from(i);
                let end = if i + 1 == n { MAX_HASH_KEY } else { start + width - 1 };
                OpenShard { index: i, start, end }
            })
            .collect()
    }

    /// A minute with `records` incoming records and `bytes` incoming bytes.
    pub fn put(records: u64, bytes: u64) -> MinuteSums {
        MinuteSums { incoming_records: records, incoming_bytes: bytes, ..MinuteSums::default() }
    }

    pub fn secs(s: u64) -> SimTime {
        SimTime::from_secs(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_and_bounds() {
        assert_eq!(next_boundary(SimTime::from_secs(0), SimTime::from_secs(60)), SimTime::from_secs(60));
        assert_eq!(next_boundary(SimTime::from_secs(60), SimTime::from_secs(60)), SimTime::from_secs(120));
        assert_eq!(next_boundary(SimTime::from_secs(299), SimTime::from_secs(300)), SimTime::from_secs(300));
        let b = Bounds { min: 2, max: 8 };
        assert_eq!((b.clamp(-5), b.clamp(5), b.clamp(80)), (2, 5, 8));
    }

    #[test]
    fn policy_labels() {
        let rule = ScaleRule {
            threshold_pct: 80,
            after_min: 5,
            scale_pct: Some(100),
            scale_count: None,
            cool_off: SimTime::ZERO,
        };
        let spec = AutoscalingSpec {
            min_shards: 1,
            max_shards: 10,
            policy: Policy::ScalingUtils(ScalingUtilsSpec {
                check_interval: seconds(45),
                scale_on: Operations { put: true, get: true },
                refresh_shards_after: minutes(10),
                scale_up: rule.clone(),
                scale_down: rule,
            }),
        };
        assert_eq!(spec.policy_label(), "scaling_utils");
    }
}
