//! The stream's shape over time: every shard that ever existed in a run
//! (its id, hash range, parents, and when it opened and closed), the
//! stream's status (ACTIVE, or UPDATING while a resharding runs), and the
//! resharding operations — SplitShard, MergeShards and UpdateShardCount —
//! accepted or rejected under the limits AWS enforces (reference
//! scaling-facts §3).
//!
//! Shard `i` is `shardId-{i:012}`: a new stream's shards are 0..N, and
//! every shard a resharding creates takes the next unused integer, the
//! lower child of a split first (observed on AWS, scaling-facts §3). An
//! operation runs as a sequence of internal steps, one split or merge at a
//! time, each taking `reshard_op_s`; a step's children open, and its
//! parents close, when that step completes, so capacity changes step by
//! step, and the stream is ACTIVE again when the last completes.
//!
//! UpdateShardCount with UNIFORM_SCALING ends at the equal-width ranges of
//! a new stream of the target count. shardsim reaches them left to right:
//! for each final range, split off its upper boundary if no shard starts
//! there, then merge the pieces inside it — so ×2 splits every shard of an
//! even stream, ÷2 merges neighbours, and other ratios pass through
//! short-lived shards (which count toward the quota). AWS documents the
//! outcome, not the order of its steps; the order is shardsim's choice.
//!
//! Pure: no I/O, no clock; the simulation calls [`Topology::request`] and
//! [`Topology::complete_step`] at the simulated instants.

use std::collections::VecDeque;

use crate::scenario::model::{CapacityMode, HalfRounding, ReshardLimits, ReshardRequest, SplitKey};
use crate::stream::hash::{HashRange, MAX_HASH_KEY, ShardMap, initial_ranges};
use crate::stream::limits::MODE_SWITCHES_PER_24H;
use crate::stream::names::ShardNames;
use crate::time::SimTime;

/// The rolling window of UpdateShardCount's call limit (scaling-facts §3).
const ROLLING_WINDOW: SimTime = SimTime::from_secs(24 * 3_600);

/// Most shard ids a run may create (shardsim's limit, not AWS's): key
/// tables keep a shard index in 16 bits so that they stay small and cached.
/// It is many reshardings beyond the 10,000-shard quota; a call that would
/// pass it is refused with `LimitExceededException` and says why.
pub const MAX_SHARD_INDICES: u32 = 1 << 16;

/// One shard that existed during the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Its hash-key range.
    pub range: HashRange,
    /// The shard it was split from, or the first shard of the merge.
    pub parent: Option<u32>,
    /// The other shard of the merge it came from.
    pub adjacent_parent: Option<u32>,
    /// When it opened (0 for the stream's first shards).
    pub created_at: SimTime,
    /// When it closed (a split or merge made it a parent), if it did.
    pub closed_at: Option<SimTime>,
}

impl Shard {
    /// Its parents, the first first.
    pub fn parents(&self) -> impl Iterator<Item = u32> {
        self.parent.into_iter().chain(self.adjacent_parent)
    }

    /// Whether it is open at `t`.
    pub fn open_at(&self, t: SimTime) -> bool {
        self.created_at <= t && self.closed_at.is_none_or(|c| t < c)
    }
}

/// How a request ended, for the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Accepted; its steps are running.
    InProgress,
    /// All its steps completed.
    Completed,
    /// Refused with an exception; nothing changed.
    Rejected,
}

/// One resharding call and what became of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationLog {
    /// When it was called.
    pub at: SimTime,
    /// What was asked.
    pub request: ReshardRequest,
    /// Who asked: `schedule` or `autoscaling`.
    pub origin: &'static str,
    /// Its state at the end of the run.
    pub status: Status,
    /// AWS's exception name when rejected.
    pub error: Option<&'static str>,
    /// The exception's message when rejected.
    pub message: Option<String>,
    /// When its last step completed.
    pub completed_at: Option<SimTime>,
    /// Shards it opened, in creation order (short-lived ones included).
    pub shards_created: Vec<u32>,
    /// Shards it closed, in order.
    pub shards_closed: Vec<u32>,
}

/// A refused call: AWS's exception name and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// E.g. `ResourceInUseException`.
    pub error: &'static str,
    /// What was wrong.
    pub message: String,
}

/// One internal step, located by hash key because the shards it acts on
/// may not exist yet when the operation is planned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// Split the open shard containing `at` so that a child starts at `at`.
    Split { at: u128 },
    /// Merge the open shard starting at `at` with the one above it.
    Merge { at: u128 },
}

/// What one completed step changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Change {
    /// Shards opened (a split's lower child first).
    pub created: Vec<u32>,
    /// Shards closed.
    pub closed: Vec<u32>,
    /// When the next step completes (`None`: the stream is ACTIVE again).
    pub next_step_at: Option<SimTime>,
    /// The capacity mode a completed UpdateStreamMode switched to.
    pub mode: Option<CapacityMode>,
}

/// The running operation's remaining steps.
#[derive(Debug)]
struct Running {
    steps: VecDeque<Step>,
    log: usize,
}

/// Every shard of a stream, its open map, and its resharding state.
#[derive(Debug)]
pub struct Topology {
    /// Every shard that existed, by index.
    pub shards: Vec<Shard>,
    /// Indices of the open shards, sorted by range start.
    open: Vec<u32>,
    limits: ReshardLimits,
    stream_name: String,
    names: ShardNames,
    running: Option<Running>,
    /// Accepted UpdateShardCount calls within the last 24 h.
    recent_updates: VecDeque<SimTime>,
    /// The capacity mode, and accepted UpdateStreamMode calls within the
    /// last 24 h.
    mode: CapacityMode,
    recent_switches: VecDeque<SimTime>,
    /// Every call, in call order.
    pub operations: Vec<OperationLog>,
}

impl Topology {
    /// A new stream `stream_name` of `shards` shards, resharding under `limits`.
    pub fn new(shards: u32, limits: ReshardLimits, stream_name: &str) -> Self {
        Topology::with_shards(initial_ranges(shards), ShardNames::new_stream(), limits, stream_name)
    }

    /// The stream `spec` describes at its start: a new stream's even
    /// ranges, or the imported shards.
    pub fn of_spec(spec: &crate::scenario::model::StreamSpec, stream_name: &str) -> Self {
        let limits = spec.reshard_limits.clone();
        Topology::with_shards(spec.initial_ranges(), spec.shard_names(), limits, stream_name)
            .in_mode(spec.capacity_mode)
    }

    /// A stream whose shards `0..` own `ranges` (contiguous, by start) and
    /// are named by `names`.
    pub fn with_shards(ranges: Vec<HashRange>, names: ShardNames, limits: ReshardLimits, stream_name: &str) -> Self {
        let shards: Vec<Shard> = ranges
            .into_iter()
            .map(|range| Shard {
                range,
                parent: None,
                adjacent_parent: None,
                created_at: SimTime::ZERO,
                closed_at: None,
            })
            .collect();
        Topology {
            open: (0..shards.len() as u32).collect(),
            shards,
            limits,
            stream_name: stream_name.to_string(),
            names,
            running: None,
            recent_updates: VecDeque::new(),
            mode: CapacityMode::Provisioned,
            recent_switches: VecDeque::new(),
            operations: Vec::new(),
        }
    }

    /// The open shards' indices, by hash-key start.
    pub fn open(&self) -> &[u32] {
        &self.open
    }

    /// The router over the open shards.
    pub fn map(&self) -> ShardMap {
        ShardMap::of(self.open.iter().map(|&i| (i, self.shards[i as usize].range)))
    }

    /// Whether a resharding is running (the stream is UPDATING).
    pub fn updating(&self) -> bool {
        self.running.is_some()
    }

    /// Whether shard `i` is open now.
    #[inline]
    pub fn is_open(&self, i: u32) -> bool {
        self.shards[i as usize].closed_at.is_none()
    }

    /// The stream, created in `mode`.
    pub fn in_mode(mut self, mode: CapacityMode) -> Self {
        self.mode = mode;
        self
    }

    /// The capacity mode now (an UpdateStreamMode takes effect when it
    /// completes).
    pub fn mode(&self) -> CapacityMode {
        self.mode
    }

    /// Calls `request` at `now` on behalf of `origin`. Accepted, it returns
    /// when its first step completes; rejected, the shards are unchanged and
    /// the log says why.
    pub fn request(
        &mut self,
        now: SimTime,
        request: ReshardRequest,
        origin: &'static str,
    ) -> Result<SimTime, Rejection> {
        let planned = self.plan(now, request).and_then(|steps| {
            let created: usize = steps.iter().map(|s| if matches!(s, Step::Split { .. }) { 2 } else { 1 }).sum();
            if self.shards.len() + created > MAX_SHARD_INDICES as usize {
                return Err(self.reject(
                    "LimitExceededException",
                    format!(
                        "this call would create shard ids beyond {}: shardsim keeps at most {MAX_SHARD_INDICES} per run \
                         (shardsim's own limit, not AWS's)",
                        self.names.id(MAX_SHARD_INDICES - 1)
                    ),
                ));
            }
            Ok(steps)
        });
        let mut log = OperationLog {
            at: now,
            request,
            origin,
            status: Status::InProgress,
            error: None,
            message: None,
            completed_at: None,
            shards_created: Vec::new(),
            shards_closed: Vec::new(),
        };
        match planned {
            Ok(steps) => {
                let lasts = match request {
                    ReshardRequest::UpdateShardCount { .. } => {
                        self.recent_updates.push_back(now);
                        self.limits.op_time
                    }
                    // No split or merge: UPDATING for the switch's time.
                    ReshardRequest::UpdateStreamMode { .. } => {
                        self.recent_switches.push_back(now);
                        self.limits.mode_switch_time
                    }
                    _ => self.limits.op_time,
                };
                self.running = Some(Running { steps: steps.into(), log: self.operations.len() });
                self.operations.push(log);
                Ok(now + lasts)
            }
            Err(r) => {
                log.status = Status::Rejected;
                log.error = Some(r.error);
                log.message = Some(r.message.clone());
                self.operations.push(log);
                Err(r)
            }
        }
    }

    /// An on-demand stream's service splits open shard `shard` evenly at
    /// `now`, as `origin` decided at `decided_at`: at once, without the
    /// UPDATING status or the calls' limits, within the shard quota and
    /// shardsim's id limit (else nothing happens). Logged as
    /// `on_demand_split`.
    pub fn service_split(
        &mut self,
        (decided_at, origin): (SimTime, &'static str),
        now: SimTime,
        shard: u32,
    ) -> Option<Change> {
        let range = self.shards.get(shard as usize).filter(|s| s.closed_at.is_none())?.range;
        let room =
            self.shards.len() + 2 <= MAX_SHARD_INDICES as usize && self.open.len() < self.limits.shard_quota as usize;
        if !room || range.start == range.end {
            return None;
        }
        let change = self.split(now, middle(range));
        self.log_service(decided_at, origin, ReshardRequest::OnDemandSplit { shard }, now, &change);
        Some(change)
    }

    /// The service merges the open neighbours whose union is narrowest (the
    /// lowest on a tie) at `now`, as `origin` decided at `decided_at`;
    /// `None` with one shard open.
    pub fn service_merge_narrowest(
        &mut self,
        (decided_at, origin): (SimTime, &'static str),
        now: SimTime,
    ) -> Option<Change> {
        let width = |i: u32| {
            let r = self.shards[i as usize].range;
            r.end - r.start
        };
        let pos = (0..self.open.len().checked_sub(1)?)
            .min_by_key(|&p| width(self.open[p]).saturating_add(width(self.open[p + 1])))?;
        let (shard, adjacent) = (self.open[pos], self.open[pos + 1]);
        self.service_merge((decided_at, origin), now, shard, adjacent)
    }

    /// The service merges open neighbours `shard` and `adjacent` (the lower
    /// first) at `now`; `None` unless they are open neighbours.
    pub fn service_merge(
        &mut self,
        (decided_at, origin): (SimTime, &'static str),
        now: SimTime,
        shard: u32,
        adjacent: u32,
    ) -> Option<Change> {
        let pos = self.open.iter().position(|&i| i == shard)?;
        if self.open.get(pos + 1) != Some(&adjacent) {
            return None;
        }
        let change = self.merge(now, self.shards[shard as usize].range.start);
        self.log_service(decided_at, origin, ReshardRequest::Merge { shard, adjacent }, now, &change);
        Some(change)
    }

    /// The widest open shard (the lowest on a tie).
    pub fn widest_open(&self) -> Option<u32> {
        self.open.iter().copied().max_by_key(|&i| {
            let r = self.shards[i as usize].range;
            (r.end - r.start, std::cmp::Reverse(r.start))
        })
    }

    /// Logs what the service did at `now`, decided at `at` by `origin`.
    fn log_service(
        &mut self,
        at: SimTime,
        origin: &'static str,
        request: ReshardRequest,
        now: SimTime,
        change: &Change,
    ) {
        self.operations.push(OperationLog {
            at,
            request,
            origin,
            status: Status::Completed,
            error: None,
            message: None,
            completed_at: Some(now),
            shards_created: change.created.clone(),
            shards_closed: change.closed.clone(),
        });
    }

    /// Completes the running operation's next step at `now`.
    pub fn complete_step(&mut self, now: SimTime) -> Change {
        let Some(running) = &mut self.running else { return Change::default() };
        let log = running.log;
        let step = running.steps.pop_front();
        let more = !running.steps.is_empty();
        let mut change = match step {
            Some(Step::Split { at }) => self.split(now, at),
            Some(Step::Merge { at }) => self.merge(now, at),
            None => Change::default(),
        };
        let entry = &mut self.operations[log];
        entry.shards_created.extend(&change.created);
        entry.shards_closed.extend(&change.closed);
        if more {
            change.next_step_at = Some(now + self.limits.op_time);
        } else {
            entry.status = Status::Completed;
            entry.completed_at = Some(now);
            if let ReshardRequest::UpdateStreamMode { to } = entry.request {
                self.mode = to;
                change.mode = Some(to);
            }
            self.running = None;
        }
        change
    }

    /// Shard-time spent open within `[from, to)`, in nanoseconds: the
    /// integral of the open shard count.
    pub fn open_shard_nanos(&self, from: SimTime, to: SimTime) -> u128 {
        let within = |a: SimTime, b: SimTime| (b.min(to).saturating_sub(a.max(from))).as_nanos() as u128;
        self.shards.iter().map(|s| within(s.created_at, s.closed_at.unwrap_or(SimTime::NEVER))).sum()
    }

    /// Shard-time spent closed but not yet expired (within `retention` of
    /// closing) within `[from, to)`, in nanoseconds.
    pub fn closed_shard_nanos(&self, from: SimTime, to: SimTime, retention: SimTime) -> u128 {
        let within = |a: SimTime, b: SimTime| (b.min(to).saturating_sub(a.max(from))).as_nanos() as u128;
        self.shards.iter().filter_map(|s| s.closed_at).map(|c| within(c, c + retention)).sum()
    }

    /// The most shards open at once within each bucket of `bucket` from 0
    /// to `end`.
    pub fn open_counts(&self, bucket: SimTime, end: SimTime) -> Vec<u32> {
        let n = end.as_nanos().div_ceil(bucket.as_nanos().max(1)) as usize;
        // Counts change only when a step completes: start with the initial
        // count and sweep the changes in time order.
        let mut changes: Vec<(SimTime, i64)> = Vec::new();
        for s in &self.shards {
            if s.created_at > SimTime::ZERO {
                changes.push((s.created_at, 1));
            }
            if let Some(c) = s.closed_at {
                changes.push((c, -1));
            }
        }
        // At one instant, closings and openings net out before counting.
        changes.sort();
        let width = bucket.as_nanos().max(1);
        let mut count = self.shards.iter().filter(|s| s.created_at == SimTime::ZERO).count() as i64;
        let mut k = 0;
        (0..n as u64)
            .map(|b| {
                // The count the bucket starts with, then after each instant
                // within it.
                let bucket_end = (b + 1).saturating_mul(width);
                let mut most = count;
                while let Some(&(t, _)) = changes.get(k).filter(|c| c.0.as_nanos() < bucket_end) {
                    while changes.get(k).is_some_and(|c| c.0 == t) {
                        count += changes[k].1;
                        k += 1;
                    }
                    most = most.max(count);
                }
                most as u32
            })
            .collect()
    }

    /// The position in `open` of the open shard containing `hash`.
    fn open_position(&self, hash: u128) -> usize {
        self.open.partition_point(|&i| self.shards[i as usize].range.start <= hash) - 1
    }

    fn new_shard(&mut self, range: HashRange, parents: (u32, Option<u32>), now: SimTime) -> u32 {
        let i = self.shards.len() as u32;
        self.shards.push(Shard {
            range,
            parent: Some(parents.0),
            adjacent_parent: parents.1,
            created_at: now,
            closed_at: None,
        });
        i
    }

    fn split(&mut self, now: SimTime, at: u128) -> Change {
        let pos = self.open_position(at);
        let parent = self.open[pos];
        let range = self.shards[parent as usize].range;
        self.shards[parent as usize].closed_at = Some(now);
        let lower = self.new_shard(HashRange { start: range.start, end: at - 1 }, (parent, None), now);
        let upper = self.new_shard(HashRange { start: at, end: range.end }, (parent, None), now);
        self.open.splice(pos..=pos, [lower, upper]);
        Change { created: vec![lower, upper], closed: vec![parent], ..Change::default() }
    }

    fn merge(&mut self, now: SimTime, at: u128) -> Change {
        let pos = self.open_position(at);
        let (a, b) = (self.open[pos], self.open[pos + 1]);
        let range = HashRange { start: self.shards[a as usize].range.start, end: self.shards[b as usize].range.end };
        self.shards[a as usize].closed_at = Some(now);
        self.shards[b as usize].closed_at = Some(now);
        let child = self.new_shard(range, (a, Some(b)), now);
        self.open.splice(pos..=pos + 1, [child]);
        Change { created: vec![child], closed: vec![a, b], ..Change::default() }
    }

    /// The steps of `request` at `now`, or why AWS would refuse it.
    fn plan(&mut self, now: SimTime, request: ReshardRequest) -> Result<Vec<Step>, Rejection> {
        if self.running.is_some() {
            return Err(self.reject(
                "ResourceInUseException",
                format!("Stream {} under account 123456789012 not ACTIVE, instead in state UPDATING", self.stream_name),
            ));
        }
        if let ReshardRequest::UpdateStreamMode { to } = request {
            return self.plan_switch(now, to);
        }
        if self.mode.is_on_demand() {
            // shardsim's reading: AWS manages an on-demand stream's shards
            // and documents these calls for provisioned streams only.
            return Err(self.reject(
                "ValidationException",
                format!(
                    "{} is not supported for stream {} in on-demand mode (switch it to provisioned first)",
                    request.label(),
                    self.stream_name
                ),
            ));
        }
        match request {
            // The service's split ([`Self::service_split`]) asked for as a
            // call: the same split in the middle.
            ReshardRequest::OnDemandSplit { shard } => {
                self.plan(now, ReshardRequest::Split { shard, new_starting_hash_key: SplitKey::Middle })
            }
            ReshardRequest::Split { shard, new_starting_hash_key } => {
                let range = self.open_shard(shard)?;
                let at = match new_starting_hash_key {
                    SplitKey::Middle => middle(range),
                    SplitKey::Key(k) => k,
                };
                if range.start == range.end || at <= range.start || at > range.end {
                    return Err(self.reject(
                        "InvalidArgumentException",
                        format!(
                            "NewStartingHashKey {at} must be greater than {} and at most {}, the hash key range of {}",
                            range.start,
                            range.end,
                            self.names.id(shard)
                        ),
                    ));
                }
                self.within_quota(self.open.len() as u32 + 1)?;
                Ok(vec![Step::Split { at }])
            }
            ReshardRequest::Merge { shard, adjacent } => {
                let (a, b) = (self.open_shard(shard)?, self.open_shard(adjacent)?);
                let lower = if a.end.checked_add(1) == Some(b.start) {
                    a
                } else if b.end.checked_add(1) == Some(a.start) {
                    b
                } else {
                    return Err(self.reject(
                        "InvalidArgumentException",
                        format!(
                            "Shards {} and {} in stream {} under account 123456789012 are not an adjacent pair of shards \
                             eligible for merging",
                            self.names.id(shard),
                            self.names.id(adjacent),
                            self.stream_name
                        ),
                    ));
                };
                Ok(vec![Step::Merge { at: lower.start }])
            }
            ReshardRequest::UpdateShardCount { target } => self.plan_update(now, target),
            ReshardRequest::UpdateStreamMode { to } => self.plan_switch(now, to),
        }
    }

    /// UpdateStreamMode to `to` at `now`: at most twice per rolling 24 h.
    fn plan_switch(&mut self, now: SimTime, to: CapacityMode) -> Result<Vec<Step>, Rejection> {
        if to == self.mode {
            return Err(self.reject(
                "InvalidArgumentException",
                format!("Stream {} is already in {} mode", self.stream_name, to.label()),
            ));
        }
        while self.recent_switches.front().is_some_and(|&t| t + ROLLING_WINDOW <= now) {
            self.recent_switches.pop_front();
        }
        if self.recent_switches.len() >= MODE_SWITCHES_PER_24H {
            return Err(self.reject(
                "LimitExceededException",
                format!(
                    "Rate exceeded for stream {} under account 123456789012: UpdateStreamMode was called {} times in \
                     the last rolling 24 hours (at most {MODE_SWITCHES_PER_24H})",
                    self.stream_name,
                    self.recent_switches.len()
                ),
            ));
        }
        Ok(Vec::new())
    }

    /// UNIFORM_SCALING to `target` shards at `now`.
    fn plan_update(&mut self, now: SimTime, target: u32) -> Result<Vec<Step>, Rejection> {
        let open = self.open.len() as u32;
        let floor = match self.limits.half_rounding {
            HalfRounding::Up => open.div_ceil(2),
            HalfRounding::Down => open / 2,
        };
        if target > 2 * open || target < floor {
            let exception = self.limits.scale_limit_exception;
            return Err(self.reject(
                exception,
                format!(
                    "UpdateShardCount cannot scale {open} open shards to {target}: the target must be between {floor} \
                     (half, rounded {}) and {} (double)",
                    match self.limits.half_rounding {
                        HalfRounding::Up => "up",
                        HalfRounding::Down => "down",
                    },
                    2 * open
                ),
            ));
        }
        if target == open {
            return Err(self.reject(
                "InvalidArgumentException",
                format!("UpdateShardCount: the stream already has {open} open shards"),
            ));
        }
        while self.recent_updates.front().is_some_and(|&t| now - t >= ROLLING_WINDOW) {
            self.recent_updates.pop_front();
        }
        if self.recent_updates.len() as u32 >= self.limits.updates_per_24h {
            return Err(self.reject(
                "LimitExceededException",
                format!(
                    "Rate exceeded for stream {} under account 123456789012: UpdateShardCount was called {} times in the \
                     last rolling 24 hours (at most {})",
                    self.stream_name,
                    self.recent_updates.len(),
                    self.limits.updates_per_24h
                ),
            ));
        }
        let steps = self.uniform_steps(target);
        // The most shards open at once along the way.
        let (mut count, mut peak) = (open, open);
        for s in &steps {
            count = if matches!(s, Step::Split { .. }) { count + 1 } else { count - 1 };
            peak = peak.max(count);
        }
        self.within_quota(peak)?;
        Ok(steps)
    }

    /// Doubling splits every shard in its middle; halving an even count
    /// merges neighbours pairwise; any other target goes, left to right
    /// over a new stream's equal-width ranges, splitting off each range's
    /// upper boundary if no open shard starts there, then merging the
    /// pieces inside it.
    fn uniform_steps(&self, target: u32) -> Vec<Step> {
        let open: Vec<HashRange> = self.open.iter().map(|&i| self.shards[i as usize].range).collect();
        if target as usize == 2 * open.len() {
            return open.iter().map(|r| Step::Split { at: middle(*r) }).collect();
        }
        if 2 * target as usize == open.len() {
            return open.chunks(2).map(|pair| Step::Merge { at: pair[0].start }).collect();
        }
        let mut starts: Vec<u128> = open.iter().map(|r| r.start).collect();
        let finals = initial_ranges(target);
        let mut steps = Vec::new();
        for f in &finals {
            if f.end != MAX_HASH_KEY && starts.binary_search(&(f.end + 1)).is_err() {
                steps.push(Step::Split { at: f.end + 1 });
                let pos = starts.partition_point(|&s| s <= f.end);
                starts.insert(pos, f.end + 1);
            }
            let inside = starts.iter().filter(|&&s| s > f.start && s <= f.end).count();
            steps.extend(std::iter::repeat_n(Step::Merge { at: f.start }, inside));
            starts.retain(|&s| s <= f.start || s > f.end);
        }
        steps
    }

    /// The range of open shard `shard`, or the exception for a shard that
    /// does not exist or is closed.
    fn open_shard(&self, shard: u32) -> Result<HashRange, Rejection> {
        match self.shards.get(shard as usize) {
            None => Err(self.reject(
                "ResourceNotFoundException",
                format!(
                    "Could not find shard {} in stream {} under account 123456789012.",
                    self.names.id(shard),
                    self.stream_name
                ),
            )),
            Some(s) if s.closed_at.is_some() => Err(self.reject(
                "InvalidArgumentException",
                format!(
                    "Shard {} in stream {} under account 123456789012 has already been merged or split, and thus is not \
                     eligible for merging or splitting.",
                    self.names.id(shard),
                    self.stream_name
                ),
            )),
            Some(s) => Ok(s.range),
        }
    }

    fn within_quota(&self, shards: u32) -> Result<(), Rejection> {
        if shards > self.limits.shard_quota {
            return Err(self.reject(
                "LimitExceededException",
                format!(
                    "the stream would have {shards} shards at once, above its shard quota of {} (short-lived shards \
                     count)",
                    self.limits.shard_quota
                ),
            ));
        }
        Ok(())
    }

    fn reject(&self, error: &'static str, message: String) -> Rejection {
        Rejection { error, message }
    }
}

/// Where the upper half of `r` starts (for a single key, past its end).
fn middle(r: HashRange) -> u128 {
    r.start + (r.end - r.start) / 2 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> ReshardLimits {
        ReshardLimits {
            op_time: SimTime::from_secs(30),
            shard_quota: 10_000,
            updates_per_24h: 10,
            half_rounding: HalfRounding::Up,
            scale_limit_exception: "LimitExceededException",
            mode_switch_time: SimTime::from_secs(30),
        }
    }

    #[test]
    fn update_stream_mode_switches_when_it_completes_twice_a_day_at_most() {
        let mut t = Topology::new(4, limits(), "s");
        let switch = |to| ReshardRequest::UpdateStreamMode { to };
        let day = |h: u64| SimTime::from_secs(h * 3_600);
        assert_eq!(t.request(day(0), switch(CapacityMode::OnDemand), "schedule"), Ok(SimTime::from_secs(30)));
        assert_eq!(t.mode(), CapacityMode::Provisioned, "not before it completes");
        assert_eq!(t.complete_step(SimTime::from_secs(30)).mode, Some(CapacityMode::OnDemand));
        // On-demand: the user's resharding calls are refused.
        let err = t.request(day(1), ReshardRequest::UpdateShardCount { target: 8 }, "schedule").unwrap_err();
        assert_eq!(err.error, "ValidationException");
        assert!(t.request(day(2), switch(CapacityMode::Provisioned), "schedule").is_ok());
        t.complete_step(day(2) + SimTime::from_secs(30));
        // A third within the rolling 24 h is refused; at 24 h it passes.
        let third = t.request(day(23), switch(CapacityMode::OnDemand), "schedule").unwrap_err();
        assert_eq!(third.error, "LimitExceededException");
        assert_eq!(t.mode(), CapacityMode::Provisioned);
        assert!(t.request(day(24), switch(CapacityMode::OnDemand), "schedule").is_ok());
    }

    /// Runs `request` at `at` to completion; returns the completion time.
    fn run(t: &mut Topology, at: SimTime, request: ReshardRequest) -> Result<SimTime, Rejection> {
        let mut next = Some(t.request(at, request, "schedule")?);
        let mut last = at;
        while let Some(now) = next {
            last = now;
            next = t.complete_step(now).next_step_at;
        }
        Ok(last)
    }

    fn open_ranges(t: &Topology) -> Vec<HashRange> {
        t.open().iter().map(|&i| t.shards[i as usize].range).collect()
    }

    fn update(target: u32) -> ReshardRequest {
        ReshardRequest::UpdateShardCount { target }
    }

    /// Contiguous, covering 0..2^128 − 1, widths within `slack` keys of
    /// each other: checked from the ranges alone.
    fn assert_uniform(ranges: &[HashRange], n: usize, slack: u128) {
        assert_eq!(ranges.len(), n);
        assert_eq!(ranges[0].start, 0);
        assert_eq!(ranges.last().map(|r| r.end), Some(u128::MAX));
        assert!(ranges.windows(2).all(|w| w[0].end.checked_add(1) == Some(w[1].start)));
        let widths: Vec<u128> = ranges.iter().map(|r| r.end - r.start).collect();
        let (lo, hi) = (widths.iter().min().copied(), widths.iter().max().copied());
        assert!(hi.zip(lo).is_some_and(|(h, l)| h - l <= slack), "{widths:?}");
    }

    #[test]
    fn uniform_scaling_ends_at_equal_widths() {
        // Other ratios end at exactly a new stream's ranges (its last shard
        // takes the remainder of 2^128 / N).
        for (from, to) in [(4, 8), (8, 4), (4, 6), (6, 4), (3, 5), (7, 13), (1, 2), (2, 1)] {
            let mut t = Topology::new(from, limits(), "s");
            run(&mut t, SimTime::ZERO, update(to)).unwrap_or_else(|r| panic!("{from}→{to}: {r:?}"));
            assert_eq!(open_ranges(&t), initial_ranges(to), "{from}→{to}");
            assert_uniform(&open_ranges(&t), to as usize, to as u128);
        }
        // ×2 halves and ÷2 pairs the shards of a count that does not divide
        // 2^128: equal widths up to the remainder's few keys.
        for (from, to) in [(10, 5), (5, 10), (1_000, 2_000), (999, 1_998)] {
            let mut t = Topology::new(from, limits(), "s");
            run(&mut t, SimTime::ZERO, update(to)).unwrap_or_else(|r| panic!("{from}→{to}: {r:?}"));
            assert_uniform(&open_ranges(&t), to as usize, 2 * from as u128);
        }
    }

    #[test]
    fn doubling_splits_each_shard_lower_child_first() {
        let mut t = Topology::new(4, limits(), "s");
        let done = run(&mut t, SimTime::from_secs(100), update(8)).expect("accepted");
        assert_eq!(done, SimTime::from_secs(100 + 4 * 30), "4 splits of 30 s");
        assert_eq!(t.open(), &[4, 5, 6, 7, 8, 9, 10, 11]);
        assert_eq!(t.shards[5].parent, Some(0));
        assert_eq!(t.shards[4].range, initial_ranges(8)[0]);
        let op = &t.operations[0];
        assert_eq!((op.status, op.shards_closed.clone()), (Status::Completed, vec![0, 1, 2, 3]));
        // Halving merges neighbours: 4 merges, children with two parents.
        run(&mut t, SimTime::from_secs(1_000), update(4)).expect("accepted");
        assert_eq!(t.open(), &[12, 13, 14, 15]);
        assert_eq!((t.shards[12].parent, t.shards[12].adjacent_parent), (Some(4), Some(5)));
    }

    #[test]
    fn other_ratios_pass_through_short_lived_shards() {
        let mut t = Topology::new(4, limits(), "s");
        run(&mut t, SimTime::ZERO, update(6)).expect("accepted");
        let op = &t.operations[0];
        // More shards were created than remain open: some lived only
        // between a split and a merge.
        assert!(op.shards_created.len() > 6, "{:?}", op.shards_created);
        let short_lived = op.shards_created.iter().filter(|&&i| t.shards[i as usize].closed_at.is_some()).count();
        assert_eq!(op.shards_created.len() - short_lived, 6);
    }

    #[test]
    fn a_thousand_shards_take_30000_seconds_to_double() {
        let mut t = Topology::new(1_000, limits(), "s");
        let done = run(&mut t, SimTime::ZERO, update(2_000)).expect("accepted");
        assert_eq!(done, SimTime::from_secs(30_000));
    }

    #[test]
    fn capacity_ramps_one_step_at_a_time() {
        let mut t = Topology::new(8, limits(), "s");
        let mut at = t.request(SimTime::ZERO, update(16), "schedule").expect("accepted");
        let mut counts = Vec::new();
        loop {
            assert!(t.updating());
            let change = t.complete_step(at);
            counts.push(t.open().len());
            match change.next_step_at {
                Some(n) => at = n,
                None => break,
            }
        }
        assert_eq!(counts, (9..=16).collect::<Vec<_>>());
        assert!(!t.updating());
        assert_eq!(at, SimTime::from_secs(8 * 30));
        // Per minute, the most open at once: steps at 30, 60, …, 240 s.
        let per_minute = t.open_counts(SimTime::from_secs(60), SimTime::from_secs(300));
        assert_eq!(per_minute, [9, 11, 13, 15, 16]);
        let per_second = t.open_counts(SimTime::from_secs(1), SimTime::from_secs(300));
        assert_eq!((per_second[29], per_second[30], per_second[239], per_second[240]), (8, 9, 15, 16));
    }

    #[test]
    fn rejections_leave_the_shards_unchanged() {
        let mut t = Topology::new(4, limits(), "s");
        let before = open_ranges(&t);
        let err = |t: &mut Topology, r| t.request(SimTime::ZERO, r, "schedule").expect_err("rejected").error;
        assert_eq!(err(&mut t, update(9)), "LimitExceededException", "above double");
        assert_eq!(err(&mut t, update(1)), "LimitExceededException", "below half");
        let split = |shard, k| ReshardRequest::Split { shard, new_starting_hash_key: SplitKey::Key(k) };
        assert_eq!(err(&mut t, split(0, 0)), "InvalidArgumentException", "key at the shard's start");
        assert_eq!(err(&mut t, split(0, u128::MAX)), "InvalidArgumentException", "key outside the shard");
        assert_eq!(err(&mut t, split(9, 5)), "ResourceNotFoundException");
        let merge = |shard, adjacent| ReshardRequest::Merge { shard, adjacent };
        assert_eq!(err(&mut t, merge(0, 2)), "InvalidArgumentException", "not adjacent");
        assert_eq!(open_ranges(&t), before);
        assert!(t.operations.iter().all(|o| o.status == Status::Rejected));
        // While UPDATING, any call is refused.
        t.request(SimTime::ZERO, merge(1, 0), "schedule").expect("adjacent either way round");
        assert_eq!(err(&mut t, update(3)), "ResourceInUseException");
        t.complete_step(SimTime::from_secs(30));
        // A closed shard cannot be split again.
        assert_eq!(err(&mut t, ReshardRequest::Split { shard: 0, new_starting_hash_key: SplitKey::Middle }), {
            "InvalidArgumentException"
        });
        assert_eq!(t.open(), &[4, 2, 3]);
    }

    #[test]
    fn odd_counts_round_half_as_configured_and_the_quota_counts_short_lived_shards() {
        let mut t = Topology::new(7, limits(), "s");
        assert!(t.request(SimTime::ZERO, update(3), "schedule").is_err(), "3 < 3.5");
        let mut down = limits();
        down.half_rounding = HalfRounding::Down;
        let mut t = Topology::new(7, down, "s");
        assert!(t.request(SimTime::ZERO, update(3), "schedule").is_ok());
        let mut tight = limits();
        tight.shard_quota = 6;
        let mut t = Topology::new(4, tight, "s");
        // 4 → 6 splits before it merges: one shard more than 6 at its peak.
        assert_eq!(
            t.request(SimTime::ZERO, update(6), "schedule").expect_err("over quota").error,
            "LimitExceededException"
        );
    }

    #[test]
    fn eleven_updates_in_a_rolling_day_are_refused() {
        let mut t = Topology::new(2, limits(), "s");
        let mut now = SimTime::ZERO;
        for k in 0..10 {
            let target = if k % 2 == 0 { 3 } else { 2 };
            now = run(&mut t, now, update(target)).expect("within the limit");
        }
        let eleventh = t.request(now, update(3), "schedule").expect_err("11th");
        assert_eq!(eleventh.error, "LimitExceededException");
        // A day after the first call, one more is allowed.
        assert!(t.request(SimTime::from_secs(24 * 3_600), update(3), "schedule").is_ok());
    }

    #[test]
    fn splitting_at_the_middle_halves_the_range() {
        let mut t = Topology::new(1, limits(), "s");
        run(&mut t, SimTime::ZERO, ReshardRequest::Split { shard: 0, new_starting_hash_key: SplitKey::Middle })
            .expect("accepted");
        assert_eq!(open_ranges(&t), initial_ranges(2));
        assert_eq!(t.open(), &[1, 2]);
    }
}
