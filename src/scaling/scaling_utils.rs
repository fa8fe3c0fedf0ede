//! awslabs/amazon-kinesis-scaling-utils' autoscaler (`StreamMonitor`,
//! `StreamScalingUtils`, `StreamScaler`, `ShardHashInfo` @23ba220), as coded
//! rather than as its README describes it (scaling-facts §1).
//!
//! Each check reads the last `max(scaleUp.scaleAfterMins,
//! scaleDown.scaleAfterMins)` complete minutes. Per monitored operation (PUT,
//! GET) and metric (Bytes, Records), a minute is high above the scale-up
//! threshold and low below the scale-down one; minutes without a datapoint
//! count as low, and the high/low minutes need not be consecutive. Each
//! operation votes on the metric with the higher running average
//! (`latestAvg`); either UP scales up, both DOWN scale down.
//! `getNewShardCount` gives the target; per-direction cool-offs defer it.
//!
//! Utilisation divides by a *cached* capacity (`loadMaxCapacity`), reloaded
//! only when a check ends with a report (no action, or a split/merge
//! fallback), or when `refreshShardsNumberAfterMin` has passed. A successful
//! `UpdateShardCount` returns no report (`waitForCompletion = false`), so
//! the next check still divides by the old shard count; with `coolOffMins`
//! 0 it can scale again on inflated utilisation (issue #87).
//!
//! The resize blocks in `waitForStreamStatus("ACTIVE")`: a poll right after
//! the call, then 20 s, then every 1 s; the next check is `checkInterval`
//! after it returns. On `InvalidArgumentException` or
//! `LimitExceededException` the tool falls back to `scaleStream`: one
//! SplitShard/MergeShards at a time, each waited for, walking the shards
//! from the lowest hash key and cutting each to `1/target` of the key space
//! (a split, a merge of two narrow neighbours, or a split of the upper
//! neighbour followed by a merge). As coded it runs until every shard has
//! been walked (or the count sits at min/max with the target beyond it) —
//! so it keeps rebalancing after the count reaches the target. Each
//! split/merge is retried as `doOperation` does (ResourceInUse: 1 s,
//! LimitExceeded: `2^attempt × 100` ms, 10 attempts); any other refusal, or
//! a shard that is no longer where the plan expects it, ends the fallback
//! as the tool's exception would (no report, no cool-off).
//!
//! Simulation choices, where the tool relies on things a run lacks:
//! - The monitor starts at 60 s, when the first datapoint exists; at 0 s the
//!   window is empty and the code (`metrics.size() == 0` → all low) would
//!   vote to scale down before any traffic is seen.
//! - A minute whose sum is 0 has no datapoint (CloudWatch publishes none
//!   without calls), so it counts as a missing (low) minute.
//! - One PUT datapoint per minute: the stream's IncomingBytes/Records
//!   stand for the tool's PutRecord.* plus PutRecords.* queries.
//! - If the clamped target equals the open count (a `scaleCount` step at a
//!   bound), no request is made: the tool would ask Kinesis for the
//!   current count.

use super::{
    Bounds, Decision, Direction, INVALID_ARGUMENT_EXCEPTION, LIMIT_EXCEEDED_EXCEPTION, MAX_HASH_KEY, MINUTE_S,
    MinuteSums, OpenShard, Outcome, READ_SHARD_BYTES_PER_S, READ_SHARD_RECORDS_PER_S, RESOURCE_IN_USE_EXCEPTION,
    Request, ScaleRule, ScalingUtilsSpec, View, WRITE_SHARD_BYTES_PER_S, WRITE_SHARD_RECORDS_PER_S,
};
use crate::time::SimTime;

/// The monitor's first check (see the module docs).
pub const MONITOR_START_S: u64 = MINUTE_S;
/// `waitForStreamStatus`: first sleep after seeing a non-ACTIVE status
/// ("stream mutation takes around 30 seconds, so we'll start with 20").
pub const WAIT_FIRST_POLL_MS: u64 = 20_000;
/// `waitForStreamStatus`: later sleeps.
pub const WAIT_POLL_MS: u64 = 1_000;
/// `doOperation` attempts for a split or merge (`MODIFY_RETRIES = 10`).
pub const MODIFY_RETRIES: u32 = 10;
/// `doOperation` sleep after `ResourceInUseException`.
pub const RESOURCE_IN_USE_SLEEP_MS: u64 = 1_000;
/// `getTimeoutDuration`: `2^attempt × RETRY_TIMEOUT_MS` after
/// `LimitExceededException`.
pub const RETRY_TIMEOUT_MS: u64 = 100;
/// `softCompare` rounds key-space shares to this many decimals
/// (`PCT_COMPARISON_SCALE = 10`) and calls shares within `10^-(scale-1)` equal.
pub const PCT_COMPARISON_SCALE: i32 = 10;

/// `StreamScalingUtils.getNewShardCount`, as coded: `scale_count` prevails;
/// UP by pct multiplies by `(100+pct)/100` below 100 and `pct/100` from 100
/// (ceil, capped at `max`); DOWN by pct divides by `pct/100` above 100 and
/// removes `floor(cur × pct/100)` otherwise, floored at `min`, else at 1.
/// Counts are not capped here (the monitor skips results <= 0 and
/// `updateShardCount` clamps).
pub fn new_shard_count(
    current: u32,
    scale_count: Option<u32>,
    scale_pct: Option<u32>,
    direction: Direction,
    min: Option<u32>,
    max: Option<u32>,
) -> i64 {
    let cur = i64::from(current);
    let curf = f64::from(current);
    match (direction, scale_count, scale_pct) {
        (Direction::Up, Some(count), _) => cur + i64::from(count),
        (Direction::Down, Some(count), _) => cur - i64::from(count),
        (_, None, None) => cur,
        (Direction::Up, None, Some(pct)) => {
            let factor = if pct < 100 { f64::from(100 + pct) / 100.0 } else { f64::from(pct) / 100.0 };
            // `as` saturates; shard counts are far below i64::MAX.
            let n = (curf * factor).ceil() as i64;
            max.map_or(n, |m| n.min(i64::from(m)))
        }
        (Direction::Down, None, Some(pct)) => {
            let factor = f64::from(pct) / 100.0;
            let n = if pct > 100 { (curf / factor).floor() as i64 } else { cur - (curf * factor).floor() as i64 };
            match min {
                Some(m) if n < i64::from(m) => i64::from(m),
                _ => n.max(1),
            }
        }
    }
}

/// A Kinesis operation type and metric, as the tool names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Series {
    PutBytes,
    PutRecords,
    GetBytes,
    GetRecords,
}

impl Series {
    fn label(self) -> &'static str {
        match self {
            Series::PutBytes => "PUT[Bytes]",
            Series::PutRecords => "PUT[Records]",
            Series::GetBytes => "GET[Bytes]",
            Series::GetRecords => "GET[Records]",
        }
    }

    /// Per-shard capacity per second (`KinesisOperationType.getMaxCapacity`).
    fn shard_capacity_per_s(self) -> u64 {
        match self {
            Series::PutBytes => WRITE_SHARD_BYTES_PER_S,
            Series::PutRecords => WRITE_SHARD_RECORDS_PER_S,
            Series::GetBytes => READ_SHARD_BYTES_PER_S,
            Series::GetRecords => READ_SHARD_RECORDS_PER_S,
        }
    }

    fn sum(self, m: &MinuteSums) -> u64 {
        match self {
            Series::PutBytes => m.incoming_bytes,
            Series::PutRecords => m.incoming_records,
            Series::GetBytes => m.get_records_bytes,
            Series::GetRecords => m.get_records_records,
        }
    }
}

/// A scale vote (`ScaleDirection`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Vote {
    Up,
    Down,
    None,
}

/// One operation's vote, with the metric it was judged on and that
/// metric's `latestAvg`.
#[derive(Clone, Copy, Debug)]
struct OperationVote {
    vote: Vote,
    series: Series,
    latest_avg: f64,
}

/// High and low minute counts and `latestAvg` of one series.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Samples {
    high: u32,
    low: u32,
    latest_avg: f64,
}

/// `processCloudwatchMetrics` for one series over `window` (the last
/// `window_min` complete minutes), against `shards` × per-shard capacity.
fn samples(
    series: Series,
    window: &[MinuteSums],
    window_min: u32,
    shards: u32,
    up: &ScaleRule,
    down: &ScaleRule,
) -> Samples {
    let stream_max = f64::from(shards) * series.shard_capacity_per_s() as f64;
    let (mut high, mut low, mut datapoints, mut latest_avg) = (0u32, 0u32, 0u32, 0.0f64);
    for minute in window {
        let sum = series.sum(minute);
        if sum == 0 {
            continue;
        }
        datapoints += 1;
        // `sum / CLOUDWATCH_PERIOD` is the rate; its share of the stream max.
        let pct = sum as f64 / MINUTE_S as f64 / stream_max;
        // In time order every datapoint is the latest so far.
        latest_avg = if latest_avg == 0.0 { pct } else { (latest_avg + pct) / 2.0 };
        if pct > f64::from(up.threshold_pct) / 100.0 {
            high += 1;
        } else if pct < f64::from(down.threshold_pct) / 100.0 {
            low += 1;
        }
    }
    if datapoints == 0 {
        low = down.after_min;
    }
    low += window_min.saturating_sub(datapoints);
    Samples { high, low, latest_avg }
}

/// The vote of one operation: judged on its metric with the higher
/// `latestAvg` (Bytes on ties).
fn operation_vote(
    bytes: Series,
    records: Series,
    window: &[MinuteSums],
    window_min: u32,
    shards: u32,
    spec: &ScalingUtilsSpec,
) -> OperationVote {
    let (up, down) = (&spec.scale_up, &spec.scale_down);
    let b = samples(bytes, window, window_min, shards, up, down);
    let r = samples(records, window, window_min, shards, up, down);
    let (series, s) = if b.latest_avg >= r.latest_avg { (bytes, b) } else { (records, r) };
    let vote = if s.high >= up.after_min {
        Vote::Up
    } else if s.low >= down.after_min {
        Vote::Down
    } else {
        Vote::None
    };
    OperationVote { vote, series, latest_avg: s.latest_avg }
}

/// The combined vote and the operation vote that carries it (for the report).
fn decide(votes: &[OperationVote]) -> Option<(Direction, OperationVote)> {
    let highest = |want: Vote| {
        votes.iter().filter(|v| v.vote == want).copied().reduce(|a, b| if b.latest_avg > a.latest_avg { b } else { a })
    };
    if let Some(v) = highest(Vote::Up) {
        return Some((Direction::Up, v));
    }
    if !votes.is_empty() && votes.iter().all(|v| v.vote == Vote::Down) {
        return highest(Vote::Down).map(|v| (Direction::Down, v));
    }
    None
}

/// A hash range as the fallback plan tracks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Range {
    start: u128,
    end: u128,
}

impl Range {
    /// `ShardHashInfo.getPctOfKeyspace`: `(end − start) / maxHash`, rounded
    /// to the comparison scale.
    fn pct(self) -> f64 {
        round_scale(self.end.saturating_sub(self.start) as f64 / MAX_HASH_KEY as f64)
    }

    /// `getHashAtPctOffset`: `start + floor(maxHash × pct)`.
    fn hash_at_pct_offset(self, pct: f64) -> Option<u128> {
        let offset = (MAX_HASH_KEY as f64 * pct).max(0.0) as u128;
        self.start.checked_add(offset)
    }
}

fn round_scale(x: f64) -> f64 {
    let scale = 10f64.powi(PCT_COMPARISON_SCALE);
    (x * scale).round() / scale
}

/// `StreamScalingUtils.softCompare`: shares closer than `10^-(scale-1)` are equal.
fn soft_compare(a: f64, b: f64) -> std::cmp::Ordering {
    let (a, b) = (round_scale(a), round_scale(b));
    if (a - b).abs() < 10f64.powi(-(PCT_COMPARISON_SCALE - 1)) { std::cmp::Ordering::Equal } else { a.total_cmp(&b) }
}

/// One split or merge of the fallback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Split { shard: Range, at: u128 },
    Merge { lower: Range, higher: Range },
}

/// `StreamScaler.scaleStream` as a resumable plan.
#[derive(Clone, Debug)]
struct Rebalance {
    target: u32,
    target_pct: f64,
    /// Shards still to walk; the last element is the top of the tool's
    /// stack (the lowest hash key).
    stack: Vec<Range>,
    /// `currentCount`.
    count: u32,
    /// The merge that completes a split of the upper neighbour.
    then_merge: Option<(Range, Range)>,
    /// The operation last issued and its attempt number (1-based).
    current: Option<(Op, u32)>,
    /// The operation to issue again after a retryable refusal.
    retry: Option<(Op, u32)>,
}

impl Rebalance {
    fn new(open: &[OpenShard], target: u32) -> Self {
        let stack = open.iter().rev().map(|s| Range { start: s.start, end: s.end }).collect();
        let count = u32::try_from(open.len()).unwrap_or(u32::MAX);
        Rebalance {
            target,
            target_pct: 1.0 / f64::from(target.max(1)),
            stack,
            count,
            then_merge: None,
            current: None,
            retry: None,
        }
    }

    /// The next operation, or `None` when the walk is over.
    fn next_op(&mut self, bounds: Bounds) -> Option<Op> {
        use std::cmp::Ordering::{Equal, Greater, Less};
        loop {
            if let Some((lower, higher)) = self.then_merge.take() {
                return Some(Op::Merge { lower, higher });
            }
            let at_min = self.count == bounds.min && self.target <= bounds.min;
            let at_max = self.count == bounds.max && self.target >= bounds.max;
            if at_min || at_max {
                return None;
            }
            let lower = self.stack.pop()?;
            match soft_compare(lower.pct(), self.target_pct) {
                Equal => continue,
                Greater => {
                    let at = lower.hash_at_pct_offset(self.target_pct)?;
                    self.stack.push(Range { start: at, end: lower.end });
                    self.count += 1;
                    return Some(Op::Split { shard: lower, at });
                }
                Less => {
                    let higher = self.stack.pop()?;
                    if soft_compare(lower.pct() + higher.pct(), self.target_pct) == Greater {
                        // Split the upper neighbour so that its lower child
                        // tops the lowest shard up to the target width.
                        let at = higher.hash_at_pct_offset(self.target_pct - lower.pct())?;
                        self.stack.push(Range { start: at, end: higher.end });
                        self.then_merge = Some((lower, Range { start: higher.start, end: at.checked_sub(1)? }));
                        return Some(Op::Split { shard: higher, at });
                    }
                    self.stack.push(Range { start: lower.start, end: higher.end });
                    self.count = self.count.saturating_sub(1);
                    return Some(Op::Merge { lower, higher });
                }
            }
        }
    }
}

/// Where the monitor is in its loop.
#[derive(Clone, Debug)]
enum State {
    /// Sleeping until the next check.
    Idle { next_check: SimTime },
    /// A request was returned; its outcome is awaited.
    Requested(Call),
    /// In `waitForStreamStatus("ACTIVE")`, polling at `next_poll`.
    Waiting { call: Call, next_poll: SimTime },
    /// A fallback split/merge is due at `at` (a retry sleep may delay it).
    Fallback { call: Call, at: SimTime },
}

/// The check whose resize is in progress.
#[derive(Clone, Debug)]
struct Call {
    /// The check's `now` (used by the capacity-refresh rule).
    check_at: SimTime,
    direction: Direction,
    /// The UpdateShardCount target.
    target: u32,
    metric: &'static str,
    value: f64,
    /// `Some` once the tool has fallen back to split/merge.
    rebalance: Option<Rebalance>,
}

/// The monitor of one stream.
pub(super) struct Monitor {
    spec: ScalingUtilsSpec,
    bounds: Bounds,
    /// Open shards behind the cached capacity (`loadMaxCapacity`).
    cached_open: Option<u32>,
    /// `lastShardCapacityRefreshTime`.
    last_refresh: SimTime,
    last_scale_up: Option<SimTime>,
    last_scale_down: Option<SimTime>,
    state: State,
}

impl Monitor {
    pub(super) fn new(spec: ScalingUtilsSpec, bounds: Bounds) -> Self {
        let start = SimTime::from_secs(MONITOR_START_S);
        Monitor {
            spec,
            bounds,
            cached_open: None,
            last_refresh: start,
            last_scale_up: None,
            last_scale_down: None,
            state: State::Idle { next_check: start },
        }
    }

    pub(super) fn next_wake(&self) -> SimTime {
        match &self.state {
            State::Idle { next_check } => *next_check,
            State::Requested(_) => SimTime::NEVER,
            State::Waiting { next_poll, .. } => *next_poll,
            State::Fallback { at, .. } => *at,
        }
    }

    pub(super) fn wake(&mut self, view: &View<'_>) -> Option<Decision> {
        if view.now < self.next_wake() {
            return None;
        }
        // The capacity was loaded when the monitor started.
        self.cached_open.get_or_insert(view.open_count());
        match std::mem::replace(&mut self.state, State::Idle { next_check: SimTime::NEVER }) {
            State::Idle { .. } => self.check(view),
            State::Requested(call) => {
                self.state = State::Requested(call);
                None
            }
            State::Waiting { call, next_poll } => {
                if view.updating {
                    let next_poll = next_poll + SimTime::from_millis_f64(WAIT_POLL_MS as f64);
                    self.state = State::Waiting { call, next_poll };
                    None
                } else if call.rebalance.is_some() {
                    self.fallback_step(view, call)
                } else {
                    // UpdateShardCount returned `null` (no report).
                    self.finish(view, &call, true, false);
                    None
                }
            }
            State::Fallback { call, .. } => {
                if view.updating {
                    // Not ACTIVE: wait as `waitForStreamStatus` would.
                    let next_poll = view.now + SimTime::from_millis_f64(WAIT_POLL_MS as f64);
                    self.state = State::Waiting { call, next_poll };
                    return None;
                }
                self.fallback_step(view, call)
            }
        }
    }

    pub(super) fn outcome(&mut self, view: &View<'_>, outcome: Outcome) {
        let State::Requested(mut call) = std::mem::replace(&mut self.state, State::Idle { next_check: SimTime::NEVER })
        else {
            return;
        };
        match outcome {
            Outcome::Accepted => {
                // The poll right after the call sees UPDATING; then 20 s.
                let next_poll = view.now + SimTime::from_millis_f64(WAIT_FIRST_POLL_MS as f64);
                self.state = State::Waiting { call, next_poll };
            }
            Outcome::Rejected { exception } => match call.rebalance.as_mut() {
                None if exception == INVALID_ARGUMENT_EXCEPTION || exception == LIMIT_EXCEEDED_EXCEPTION => {
                    // "Falling back to manual scaling".
                    call.rebalance = Some(Rebalance::new(view.open, call.target));
                    self.state = State::Fallback { call, at: view.now };
                }
                None => {
                    // Any other exception ends the check: no report, no cool-off.
                    self.finish(view, &call, false, false);
                }
                Some(plan) => {
                    let sleep_ms = match exception {
                        RESOURCE_IN_USE_EXCEPTION => Some(RESOURCE_IN_USE_SLEEP_MS),
                        LIMIT_EXCEEDED_EXCEPTION => plan.current.map(|(_, a)| (1u64 << a.min(32)) * RETRY_TIMEOUT_MS),
                        _ => None,
                    };
                    match (sleep_ms, plan.current) {
                        (Some(ms), Some((op, attempts))) if attempts < MODIFY_RETRIES => {
                            plan.retry = Some((op, attempts));
                            let at = view.now + SimTime::from_millis_f64(ms as f64);
                            self.state = State::Fallback { call, at };
                        }
                        // "Unable to Complete Kinesis Operation after 10
                        // Retries", or an exception doOperation does not
                        // catch: either ends the check.
                        _ => self.finish(view, &call, false, false),
                    }
                }
            },
        }
    }

    /// One pass of the `run()` loop: vote, then maybe request a resize.
    fn check(&mut self, view: &View<'_>) -> Option<Decision> {
        let now = view.now;
        let Some((direction, vote)) = self.vote(view) else {
            // "No Scaling required": a report, so the capacity is reloaded.
            self.end_check(view, now, true);
            return None;
        };
        let (rule, last) = match direction {
            Direction::Up => (&self.spec.scale_up, self.last_scale_up),
            Direction::Down => (&self.spec.scale_down, self.last_scale_down),
        };
        // "Deferring Scale … until Cool Off Period … has elapsed": no report.
        if last.is_some_and(|t| now.as_nanos() < t.as_nanos().saturating_add(rule.cool_off.as_nanos())) {
            self.end_check(view, now, false);
            return None;
        }
        let current = view.open_count();
        let (min, max) = (Some(self.bounds.min), Some(self.bounds.max));
        let new = new_shard_count(current, rule.scale_count, rule.scale_pct, direction, min, max);
        if new == i64::from(current) || new <= 0 {
            // "new shard count equals current shard count, or … is 0".
            self.end_check(view, now, false);
            return None;
        }
        // `updateShardCount` keeps the target within [min, max].
        let target = self.bounds.clamp(new);
        if target == current {
            self.end_check(view, now, false);
            return None;
        }
        let call = Call {
            check_at: now,
            direction,
            target,
            metric: vote.series.label(),
            value: vote.latest_avg * 100.0,
            rebalance: None,
        };
        let decision = Decision {
            at: now,
            metric: call.metric.to_string(),
            value: call.value,
            decision: direction.label(),
            target,
            request: Request::UpdateShardCount { target },
        };
        self.state = State::Requested(call);
        Some(decision)
    }

    /// The combined PUT/GET vote over the window, against the cached capacity.
    fn vote(&self, view: &View<'_>) -> Option<(Direction, OperationVote)> {
        let spec = &self.spec;
        let window_min = spec.scale_up.after_min.max(spec.scale_down.after_min);
        let complete = view.complete_minutes();
        let from = complete.len().saturating_sub(usize::try_from(window_min).unwrap_or(usize::MAX));
        let window = &complete[from..];
        let shards = self.cached_open.unwrap_or_else(|| view.open_count()).max(1);
        let mut votes = Vec::with_capacity(2);
        if spec.scale_on.put {
            votes.push(operation_vote(Series::PutBytes, Series::PutRecords, window, window_min, shards, spec));
        }
        if spec.scale_on.get {
            votes.push(operation_vote(Series::GetBytes, Series::GetRecords, window, window_min, shards, spec));
        }
        decide(&votes)
    }

    /// Issues the fallback's next split or merge, or ends the fallback.
    fn fallback_step(&mut self, view: &View<'_>, mut call: Call) -> Option<Decision> {
        let Some(plan) = call.rebalance.as_mut() else {
            self.finish(view, &call, true, false);
            return None;
        };
        // A retry re-issues the same operation; otherwise walk on.
        let (op, attempts) = match plan.retry.take() {
            Some((op, attempts)) => (op, attempts + 1),
            None => match plan.next_op(self.bounds) {
                Some(op) => (op, 1),
                None => {
                    // The walk is over: `scaleStream` returns a report.
                    self.finish(view, &call, true, true);
                    return None;
                }
            },
        };
        let Some(request) = resolve(op, view.open) else {
            // "Unable to resolve …": the tool's exception ends the check.
            self.finish(view, &call, false, false);
            return None;
        };
        plan.current = Some((op, attempts));
        let open = view.open_count();
        let (decision, target) = match op {
            Op::Split { .. } => ("split", open.saturating_add(1)),
            Op::Merge { .. } => ("merge", open.saturating_sub(1)),
        };
        let decision =
            Decision { at: view.now, metric: call.metric.to_string(), value: call.value, decision, target, request };
        self.state = State::Requested(call);
        Some(decision)
    }

    /// The end of a check whose resize call has returned: `scaled` sets the
    /// direction's last-scale time; `report` reloads the capacity.
    fn finish(&mut self, view: &View<'_>, call: &Call, scaled: bool, report: bool) {
        if scaled {
            match call.direction {
                Direction::Up => self.last_scale_up = Some(view.now),
                Direction::Down => self.last_scale_down = Some(view.now),
            }
        }
        self.end_check(view, call.check_at, report);
    }

    /// The rest of the loop after `processCloudwatchMetrics`: reload the
    /// capacity after a report or when it is older than
    /// `refreshShardsNumberAfterMin` (judged at the check's `now`), then
    /// sleep `checkInterval` from the current instant.
    fn end_check(&mut self, view: &View<'_>, check_at: SimTime, report: bool) {
        let stale = check_at.as_nanos()
            > self.last_refresh.as_nanos().saturating_add(self.spec.refresh_shards_after.as_nanos());
        if report || stale {
            self.cached_open = Some(view.open_count());
            self.last_refresh = check_at;
        }
        self.state = State::Idle { next_check: view.now + self.spec.check_interval };
    }
}

/// The request for `op` on the shards open now, or `None` if a shard the
/// plan expects is not open (the tool would fail to resolve it).
fn resolve(op: Op, open: &[OpenShard]) -> Option<Request> {
    let find = |r: Range| open.iter().find(|s| s.start == r.start && s.end == r.end).map(|s| s.index);
    match op {
        Op::Split { shard, at } => {
            let index = find(shard)?;
            (at > shard.start && at <= shard.end).then_some(Request::Split { shard: index, new_starting_hash_key: at })
        }
        Op::Merge { lower, higher } => Some(Request::Merge { shard: find(lower)?, adjacent: find(higher)? }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaling::test_support::{even_shards, put, secs};
    use crate::scaling::{Autoscaler, AutoscalingSpec, Operations, Policy, minutes, seconds};

    fn rule(threshold_pct: u32, after_min: u32, scale_pct: Option<u32>, scale_count: Option<u32>) -> ScaleRule {
        ScaleRule { threshold_pct, after_min, scale_pct, scale_count, cool_off: SimTime::ZERO }
    }

    fn spec(up: ScaleRule, down: ScaleRule, put_only: bool, refresh_min: u32) -> AutoscalingSpec {
        AutoscalingSpec {
            min_shards: 1,
            max_shards: 10_000,
            policy: Policy::ScalingUtils(ScalingUtilsSpec {
                check_interval: seconds(45),
                scale_on: Operations { put: true, get: !put_only },
                refresh_shards_after: minutes(refresh_min),
                scale_up: up,
                scale_down: down,
            }),
        }
    }

    fn view<'a>(now: SimTime, minutes: &'a [MinuteSums], open: &'a [OpenShard], updating: bool) -> View<'a> {
        View { now, minutes, open, updating }
    }

    /// 2 shards take 120,000 records a minute; `share` of that.
    fn records(share_pct: u64) -> MinuteSums {
        put(120_000 * share_pct / 100, 1)
    }

    #[test]
    fn new_shard_count_matches_the_tools_unit_tests() {
        use Direction::{Down, Up};
        let n = |cur, pct, dir| new_shard_count(cur, None, Some(pct), dir, None, None);
        // TestScalingUtils.java.
        assert_eq!([n(1, 15, Up), n(1, 70, Up), n(10, 70, Up), n(5, 110, Up), n(7, 200, Up)], [2, 2, 17, 6, 14]);
        assert_eq!(
            [n(2, 300, Up), n(8, 1100, Up), n(3, 15, Down), n(1, 500, Down), n(10, 1200, Down)],
            [6, 88, 3, 1, 1]
        );
        assert_eq!([n(1, 20, Down), n(10, 20, Down), n(6, 50, Down), n(6, 200, Down)], [1, 8, 3, 3]);
        assert_eq!([n(5, 110, Down), n(10, 300, Down)], [4, 3]);
        assert_eq!(new_shard_count(10, None, Some(70), Up, None, Some(15)), 15);
        assert_eq!(new_shard_count(10, None, Some(1200), Down, Some(3), None), 3);
        // scaleCount prevails and is not capped here.
        assert_eq!(new_shard_count(10, Some(3), Some(70), Up, None, Some(12)), 13);
        assert_eq!(new_shard_count(3, Some(5), Some(50), Down, Some(2), None), -2);
        // scalePct 100 up is a no-op (factor 1.0), as shipped in configuration.json.
        assert_eq!(n(4, 100, Up), 4);
    }

    #[test]
    fn votes_combine_as_the_decision_matrix() {
        let v = |vote, latest_avg| OperationVote { vote, series: Series::PutBytes, latest_avg };
        assert_eq!(decide(&[v(Vote::Up, 0.1), v(Vote::None, 0.9)]).map(|d| d.0), Some(Direction::Up));
        assert_eq!(decide(&[v(Vote::Down, 0.1), v(Vote::None, 0.2)]).map(|d| d.0), None);
        assert_eq!(decide(&[v(Vote::Down, 0.1), v(Vote::Down, 0.2)]).map(|d| d.0), Some(Direction::Down));
        assert_eq!(decide(&[v(Vote::Down, 0.1)]).map(|d| d.0), Some(Direction::Down));
        assert_eq!(decide(&[v(Vote::None, 0.1)]).map(|d| d.0), None);
    }

    #[test]
    fn minutes_are_classified_and_missing_ones_count_low() {
        let (up, down) = (rule(75, 5, Some(50), None), rule(25, 5, Some(50), None));
        // Non-consecutive highs: 90 %, 50 %, 90 %; two minutes missing.
        let window = [records(90), records(50), records(90)];
        let s = samples(Series::PutRecords, &window, 5, 2, &up, &down);
        assert_eq!((s.high, s.low), (2, 2));
        // latestAvg: 0.9 → (0.9+0.5)/2 → (0.7+0.9)/2.
        assert!((s.latest_avg - 0.8).abs() < 1e-12);
        // No datapoints at all: scaleAfterMins low, plus the missing ones.
        assert_eq!(samples(Series::GetRecords, &window, 5, 2, &up, &down).low, 10);
    }

    #[test]
    fn scales_up_only_after_after_min_high_minutes() {
        let s = spec(rule(75, 5, Some(50), None), rule(25, 5, Some(50), None), true, 10);
        let open = even_shards(2);
        let mut minutes = vec![records(50), records(90), records(90), records(90), records(90)];
        let mut a = Autoscaler::new(&s);
        assert_eq!(a.next_wake(), secs(60));
        assert_eq!(a.wake(&view(secs(300), &minutes, &open, false)), None);
        assert_eq!(a.next_wake(), secs(345));
        minutes.push(records(90));
        let d = a.wake(&view(secs(360), &minutes, &open, false)).unwrap();
        assert_eq!((d.decision, d.target, d.request), ("scale_up", 3, Request::UpdateShardCount { target: 3 }));
        assert_eq!(d.metric, "PUT[Records]");
        assert!((d.value - 90.0).abs() < 1e-9);
    }

    #[test]
    fn only_monitored_operations_vote() {
        // PUT at 50 % votes NONE; an idle GET votes DOWN.
        let minutes = vec![records(50); 5];
        let open = even_shards(2);
        let decide_with = |scale_on: Operations| {
            let mut s = spec(rule(75, 5, Some(50), None), rule(25, 5, Some(50), None), true, 10);
            if let Policy::ScalingUtils(u) = &mut s.policy {
                u.scale_on = scale_on;
            }
            Autoscaler::new(&s).wake(&view(secs(300), &minutes, &open, false)).map(|d| (d.decision, d.target))
        };
        assert_eq!(decide_with(Operations { put: true, get: true }), None);
        assert_eq!(decide_with(Operations { put: true, get: false }), None);
        // 2 − floor(2 × 50 %) = 1.
        assert_eq!(decide_with(Operations { put: false, get: true }), Some(("scale_down", 1)));
    }

    /// Drives a scale-up to ACTIVE at `active`; returns the decision of the
    /// next check.
    fn after_resize(refresh_min: u32, cool_off_min: u32) -> (Decision, Option<Decision>) {
        let mut up = rule(75, 5, Some(50), None);
        up.cool_off = minutes(cool_off_min);
        let s = spec(up, rule(25, 5, Some(50), None), true, refresh_min);
        let (two, three) = (even_shards(2), even_shards(3));
        let minutes = vec![records(90); 5];
        let mut a = Autoscaler::new(&s);
        let first = a.wake(&view(secs(300), &minutes, &two, false)).unwrap();
        a.outcome(&view(secs(300), &minutes, &two, true), Outcome::Accepted);
        assert_eq!(a.next_wake(), secs(320));
        assert_eq!(a.wake(&view(secs(320), &minutes, &two, true)), None);
        assert_eq!(a.next_wake(), secs(321));
        // ACTIVE from 330 s: seen by the 1-s polls at 330 s.
        for t in 321..330 {
            assert_eq!(a.wake(&view(secs(t), &minutes, &two, true)), None);
        }
        assert_eq!(a.wake(&view(secs(330), &minutes, &three, false)), None);
        assert_eq!(a.next_wake(), secs(375));
        let minutes = vec![records(90); 6];
        (first, a.wake(&view(secs(375), &minutes, &three, false)))
    }

    #[test]
    fn a_stale_cached_capacity_scales_up_again_as_in_issue_87() {
        let (first, second) = after_resize(10, 0);
        assert_eq!(first.target, 3);
        // Still divided by 2 shards: 90 % > 75 %; target from the live 3.
        let second = second.unwrap();
        assert_eq!((second.target, second.decision), (5, "scale_up"));
        assert!((second.value - 90.0).abs() < 1e-9);
        // Refreshed after every check (0 min): 60 % of 3 shards, no action.
        assert_eq!(after_resize(0, 0).1, None);
        // A cool-off defers the second scale-up.
        assert_eq!(after_resize(10, 5).1, None);
    }

    /// Applies an accepted request to `open` as Kinesis would, numbering new
    /// shards from `next`.
    fn apply(open: &mut Vec<OpenShard>, request: Request, next: &mut u32) {
        match request {
            Request::Split { shard, new_starting_hash_key: at } => {
                let i = open.iter().position(|s| s.index == shard).unwrap();
                let s = open.remove(i);
                open.insert(i, OpenShard { index: *next + 1, start: at, end: s.end });
                open.insert(i, OpenShard { index: *next, start: s.start, end: at - 1 });
                *next += 2;
            }
            Request::Merge { shard, adjacent } => {
                let i = open.iter().position(|s| s.index == shard).unwrap();
                assert_eq!(open[i + 1].index, adjacent, "merged shards must be adjacent");
                let end = open.remove(i + 1).end;
                open[i] = OpenShard { index: *next, start: open[i].start, end };
                *next += 1;
            }
            Request::UpdateShardCount { .. } => panic!("fallback issues splits and merges only"),
        }
    }

    #[test]
    fn a_refused_update_falls_back_to_one_split_or_merge_at_a_time() {
        let mut up = rule(75, 5, Some(25), None);
        up.cool_off = SimTime::ZERO;
        let s = spec(up, rule(25, 5, Some(50), None), true, 10);
        let minutes = vec![put(4 * 60_000 * 9 / 10, 1); 5];
        let mut open = even_shards(4);
        let mut a = Autoscaler::new(&s);
        let d = a.wake(&view(secs(300), &minutes, &open, false)).unwrap();
        assert_eq!(d.request, Request::UpdateShardCount { target: 5 });
        a.outcome(&view(secs(300), &minutes, &open, false), Outcome::Rejected { exception: LIMIT_EXCEEDED_EXCEPTION });
        assert_eq!(a.next_wake(), secs(300));
        let (mut next, mut kinds, mut now) = (4, Vec::new(), secs(300));
        while let Some(d) = a.wake(&view(now, &minutes, &open, false)) {
            kinds.push(d.decision);
            if kinds.len() == 1 {
                // The lowest shard is cut at 1/5 of the key space.
                let at = (MAX_HASH_KEY as f64 * 0.2) as u128;
                assert_eq!(d.request, Request::Split { shard: 0, new_starting_hash_key: at });
                assert_eq!(d.target, 5);
                // A ResourceInUseException is retried after 1 s.
                let busy = Outcome::Rejected { exception: RESOURCE_IN_USE_EXCEPTION };
                a.outcome(&view(now, &minutes, &open, false), busy);
                now = a.next_wake();
                assert_eq!(now, secs(301));
                assert_eq!(a.wake(&view(now, &minutes, &open, false)).unwrap().request, d.request);
            }
            apply(&mut open, d.request, &mut next);
            a.outcome(&view(now, &minutes, &open, true), Outcome::Accepted);
            now = a.next_wake();
        }
        assert_eq!(kinds, ["split", "split", "merge", "split", "merge", "split", "merge"]);
        assert_eq!(open.len(), 5);
        for s in &open {
            assert!((Range { start: s.start, end: s.end }.pct() - 0.2).abs() < 1e-9, "{s:?}");
        }
        // The walk reported: the next check is 45 s after the last split/merge.
        assert_eq!(a.next_wake(), now + seconds(45));
    }
}
