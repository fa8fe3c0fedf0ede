//! The validated scenario: every value present, in range and in simulator
//! units. Nothing downstream of `scenario::load` re-checks these invariants.

use std::sync::Arc;

use crate::cost::prices::Rate;
use crate::import::keys::KeyTable;
use crate::import::shards::ShardTable;
use crate::import::trace::Trace;
use crate::stream::limits;
use crate::time::SimTime;

/// A scenario after parsing, `--set` overrides and validation.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// `[scenario].name`: also the report folder name. Non-empty, no path
    /// separators.
    pub name: String,
    /// Master seed (`[scenario].seed`, `--seed` overrides). Default 1.
    pub seed: u64,
    /// `[scenario].duration_s`: simulated time, > 0.
    pub duration: SimTime,
    /// `[scenario].warmup_s`: excluded from metrics; `< duration`. Default 0.
    pub warmup: SimTime,
    /// `[stream]`.
    pub stream: StreamSpec,
    /// `[[producers]]`: at least one; names unique.
    pub producers: Vec<ProducerSpec>,
    /// `[[consumers]]`: any number (none by default); names unique.
    pub consumers: Vec<ConsumerSpec>,
    /// `pricing = "file.toml"` or `[pricing]`: which price table, and which
    /// of its rates to change. Default: the built-in table, unchanged.
    pub pricing: PricingSpec,
    /// `[slo]`: the objectives a run must meet (none by default).
    pub slo: Option<Slo>,
    /// `[[faults]]`: windows of service trouble (none by default).
    pub faults: Vec<Fault>,
}

/// `[slo]`: service-level objectives, each an upper limit; at least one.
/// A partial report (`run --partition`) carries them, so that `merge`
/// judges points without the scenario.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Slo {
    /// `max_throttle_rate`: producers' throttle rate, 0..=1.
    pub max_throttle_rate: Option<f64>,
    /// `max_end_to_end_latency_ms_p99`: every consumer's p99, > 0.
    pub max_end_to_end_latency_ms_p99: Option<f64>,
    /// `max_records_dropped`: user records the producers gave up.
    pub max_records_dropped: Option<u64>,
    /// `max_records_expired`: records any one consumer lost to retention.
    pub max_records_expired: Option<u64>,
    /// `max_iterator_age_ms`: every consumer's largest iterator age, > 0.
    pub max_iterator_age_ms: Option<f64>,
}

impl Scenario {
    /// The metered window: the run after its warm-up.
    pub fn measured(&self) -> SimTime {
        self.duration - self.warmup
    }
}

/// A scenario file expanded: one scenario per sweep combination.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// In expansion order (see `scenario::sweep`); exactly one without a
    /// sweep.
    pub points: Vec<PlanPoint>,
    /// Runs of each point, with replication indices 0.. (default 1).
    pub replications: u32,
}

/// One configuration of a plan.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanPoint {
    /// The swept paths and this point's values, in axis order (empty
    /// without a sweep).
    pub parameters: Vec<(String, serde_json::Value)>,
    /// The scenario with those values applied.
    pub scenario: Scenario,
}

/// The scenario's price table choice.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PricingSpec {
    /// `pricing = "path.toml"` or `[pricing].file`: a price table file to
    /// use instead of the built-in one.
    pub file: Option<PriceFile>,
    /// `[pricing.<mode>]` keys: rates to change, in table order.
    pub overrides: Vec<(Rate, f64)>,
}

/// A price table file named by the scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceFile {
    /// The path as written.
    pub path: String,
    /// Whether it came from `--set` (relative to the working directory)
    /// rather than the file (relative to the scenario's folder).
    pub from_command_line: bool,
}

/// A data file a scenario names, read and checked while loading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRef {
    /// The path as written: relative to the scenario file's folder, or to
    /// the working directory when it came from `--set`.
    pub path: String,
    /// Whether it came from `--set`.
    pub from_command_line: bool,
}

/// `[stream].shards_file`: a real stream's open shards.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedShards {
    /// The file.
    pub file: FileRef,
    /// Its open shards, by starting hash key (at least one).
    pub table: Arc<ShardTable>,
}

/// `[stream].capacity_mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapacityMode {
    /// A fixed number of shards chosen by the user.
    Provisioned,
    /// On-demand Standard: the service splits shards as traffic grows.
    OnDemand,
    /// On-demand Advantage: on-demand with warm throughput, billed against
    /// an account commitment.
    OnDemandAdvantage,
}

impl CapacityMode {
    /// The scenario spelling (also the report's mode names).
    pub fn label(self) -> &'static str {
        match self {
            CapacityMode::Provisioned => "provisioned",
            CapacityMode::OnDemand => "on_demand",
            CapacityMode::OnDemandAdvantage => "on_demand_advantage",
        }
    }

    /// Whether the service manages the shards (either on-demand mode).
    pub fn is_on_demand(self) -> bool {
        !matches!(self, CapacityMode::Provisioned)
    }
}

/// `[[stream.warm_throughput]]`: an UpdateStreamWarmThroughput call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WarmThroughputChange {
    /// `at_s`: when it is called, `0 <= at_s < duration_s`.
    pub at: SimTime,
    /// `mib_s` (as bytes/s): the new warm throughput, 0 to 10 GiB/s.
    pub bytes_per_s: u64,
}

/// `[stream.on_demand]`: how an on-demand stream starts and grows
/// (scaling-facts §6). Every figure is AWS's where AWS gives one; the
/// others are shardsim's documented choices (see `stream::limits`).
#[derive(Clone, Debug, PartialEq)]
pub struct OnDemandSpec {
    /// `initial_shards`: a new stream's shards, 1..=the ceiling's, default 4.
    pub initial_shards: u32,
    /// `previous_peak_write_mib_s` (as bytes/s): the highest write rate of
    /// the 30 days before the run, default 0 (a new stream).
    pub previous_peak_bytes_per_s: u64,
    /// `previous_peak_records_per_s`: likewise in records, default 0.
    pub previous_peak_records_per_s: u64,
    /// `split_trigger_kib_s` (as bytes/s): a shard whose one-minute mean
    /// accepted traffic exceeds it is split, default 500 KiB/s.
    pub split_trigger_bytes_per_s: u64,
    /// `split_trigger_records_per_s`: likewise in records, default 500.
    pub split_trigger_records_per_s: u64,
    /// `split_delay_s`: from the minute a shard exceeds a trigger to its
    /// split, default 900 s.
    pub split_delay: SimTime,
    /// `max_write_mib_s` (as bytes/s): the write ceiling the service grows
    /// the stream to, default 200 MiB/s, at most 10 GiB/s.
    pub max_write_bytes_per_s: u64,
    /// `warm_throughput_mib_s` (as bytes/s; Advantage only): write capacity
    /// available at once from the start, default 0.
    pub warm_throughput_bytes_per_s: u64,
    /// `warm_throughput_delay_s` (Advantage only): how long a change of
    /// warm throughput takes ("a few minutes"), default 300 s.
    pub warm_throughput_delay: SimTime,
    /// `[[stream.warm_throughput]]`: later changes, in file order.
    pub warm_throughput_changes: Vec<WarmThroughputChange>,
    /// `merge_below_kib_s` (as bytes/s): a what-if scale-down, default 0
    /// (never: AWS documents no scale-down for Standard) — neighbours
    /// whose summed one-minute means stayed below it for a whole hour are
    /// merged.
    pub merge_below_bytes_per_s: u64,
}

impl Default for OnDemandSpec {
    /// A new stream as AWS creates one, with shardsim's documented choices
    /// where AWS gives no figure (see `stream::limits`).
    fn default() -> Self {
        use crate::stream::limits;
        OnDemandSpec {
            initial_shards: limits::ON_DEMAND_INITIAL_SHARDS_DEFAULT,
            previous_peak_bytes_per_s: 0,
            previous_peak_records_per_s: 0,
            split_trigger_bytes_per_s: limits::ON_DEMAND_SPLIT_TRIGGER_KIB_S * 1_024,
            split_trigger_records_per_s: limits::ON_DEMAND_SPLIT_TRIGGER_RECORDS_PER_S,
            split_delay: SimTime::from_secs_f64(limits::ON_DEMAND_SPLIT_DELAY_DEFAULT_S),
            max_write_bytes_per_s: limits::ON_DEMAND_MAX_WRITE_MIB_S_DEFAULT * limits::MIB,
            warm_throughput_bytes_per_s: 0,
            warm_throughput_delay: SimTime::from_secs_f64(limits::WARM_THROUGHPUT_DELAY_DEFAULT_S),
            warm_throughput_changes: Vec::new(),
            merge_below_bytes_per_s: 0,
        }
    }
}

impl OnDemandSpec {
    /// Most shards the ceiling allows, for per-shard byte limit `shard_bytes`.
    pub fn max_shards(&self, shard_bytes: u64) -> u32 {
        (self.max_write_bytes_per_s / shard_bytes.max(1)).clamp(1, u32::MAX as u64) as u32
    }

    /// The warm throughput in effect at `t` (bytes/s): the last change that
    /// took effect before then (the latest call on a tie), else the
    /// initial one.
    pub fn warm_throughput_at(&self, t: SimTime) -> u64 {
        let delay = self.warm_throughput_delay;
        let took_effect = self.warm_throughput_changes.iter().filter(|c| c.at + delay < t);
        took_effect.max_by_key(|c| c.at).map_or(self.warm_throughput_bytes_per_s, |c| c.bytes_per_s)
    }

    /// Shards whose byte limits add up to `bytes_per_s` of warm throughput.
    pub fn warm_shards(bytes_per_s: u64, shard_bytes: u64) -> u32 {
        bytes_per_s.div_ceil(shard_bytes.max(1)).min(u32::MAX as u64) as u32
    }

    /// The shards the stream starts with: `initial_shards`, or enough for
    /// twice the previous peak ("up to double the peak write throughput
    /// observed in the previous 30 days") or for the warm throughput,
    /// within the ceiling.
    pub fn starting_shards(&self, (shard_records, shard_bytes): (u64, u64)) -> u32 {
        let for_peak = (2 * self.previous_peak_bytes_per_s)
            .div_ceil(shard_bytes.max(1))
            .max((2 * self.previous_peak_records_per_s).div_ceil(shard_records.max(1)))
            .max(Self::warm_shards(self.warm_throughput_bytes_per_s, shard_bytes) as u64);
        (self.initial_shards as u64).max(for_peak).min(self.max_shards(shard_bytes) as u64) as u32
    }
}

/// `[stream].write_limit_model`: how the per-shard write limits are enforced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteLimitModel {
    /// Two token buckets per shard (records and bytes), each one second deep.
    TokenBucket,
    /// Fixed one-second windows aligned to whole simulated seconds.
    PerSecondWindow,
}

/// `[stream].read_limit_model`: how each shard's limit of 5 GetRecords
/// calls a second is enforced. AWS documents the limit, not the algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadLimitModel {
    /// At most 5 successful calls per whole simulated second.
    PerSecondWindow,
    /// At most 5 successful calls in any one-second window.
    SlidingWindow,
}

/// `[stream]`.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamSpec {
    /// Default `provisioned`.
    pub capacity_mode: CapacityMode,
    /// 1..=10,000. Required in provisioned mode.
    pub shard_count: u32,
    /// `retention_hours`: default 24; AWS allows 24..=8,760, and shardsim
    /// also accepts any value > 0 below 24 as a what-if, so expiry can be
    /// seen in short runs. Integer or float.
    pub retention_hours: f64,
    /// Default `token_bucket`.
    pub write_limit_model: WriteLimitModel,
    /// Default `per_second_window`.
    pub read_limit_model: ReadLimitModel,
    /// `shard_write_records_per_s`, default 1,000 (what-if override), >= 1.
    pub shard_write_records_per_s: u64,
    /// `shard_write_bytes_per_s`, default 1,048,576 (what-if override), >= 1.
    pub shard_write_bytes_per_s: u64,
    /// How resharding calls are timed and limited.
    pub reshard_limits: ReshardLimits,
    /// `[[stream.reshard]]`: resharding calls at fixed times, in file order
    /// (a run makes them in time order, those at one instant in file
    /// order). Empty by default.
    pub reshard: Vec<ScheduledReshard>,
    /// `[stream.autoscaling]`: a policy calling UpdateShardCount (none by
    /// default).
    pub autoscaling: Option<crate::scaling::AutoscalingSpec>,
    /// `[stream.on_demand]`: present exactly when the stream is in an
    /// on-demand mode at some point (from the start, when `shard_count` is
    /// its starting count, or after a switch).
    pub on_demand: Option<OnDemandSpec>,
    /// `[[stream.mode_switch]]`: UpdateStreamMode calls, in file order.
    pub mode_switches: Vec<ModeSwitch>,
    /// `shards_file`: the stream starts with these shards, ids and hash
    /// ranges (then `shard_count` is their number); `None`: a new stream's
    /// even ranges.
    pub shards_file: Option<ImportedShards>,
}

/// `[[stream.mode_switch]]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModeSwitch {
    /// `at_s`: when it is called, `0 <= at_s < duration_s`.
    pub at: SimTime,
    /// `to`: `provisioned` or `on_demand`.
    pub to: CapacityMode,
}

impl StreamSpec {
    /// Each shard's write limits: (records/s, bytes/s).
    pub fn write_limits(&self) -> (u64, u64) {
        (self.shard_write_records_per_s, self.shard_write_bytes_per_s)
    }

    /// Whether the stream may change shape during a run.
    pub fn reshards(&self) -> bool {
        !self.reshard.is_empty() || self.autoscaling.is_some() || self.on_demand.is_some()
    }

    /// Whether the stream is on-demand (of either kind) from the start.
    pub fn starts_on_demand(&self) -> bool {
        self.capacity_mode.is_on_demand()
    }

    /// The shards' hash ranges at the start, by index: the imported map's,
    /// or a new stream's even ranges.
    pub fn initial_ranges(&self) -> Vec<crate::stream::hash::HashRange> {
        use crate::stream::hash::{HashRange, initial_ranges};
        match &self.shards_file {
            Some(f) => f.table.shards.iter().map(|s| HashRange { start: s.start, end: s.end }).collect(),
            None => initial_ranges(self.shard_count),
        }
    }

    /// The shards' ids.
    pub fn shard_names(&self) -> crate::stream::names::ShardNames {
        use crate::stream::names::ShardNames;
        match &self.shards_file {
            Some(f) => ShardNames::imported(f.table.shards.iter().map(|s| s.id.clone()).collect()),
            None => ShardNames::new_stream(),
        }
    }
}

/// `[stream]` keys timing and limiting resharding (scaling-facts §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReshardLimits {
    /// `reshard_op_s`: time one internal split or merge takes, > 0, default
    /// 30 s (shardsim's choice: the figure the scaling utility's code
    /// assumes; AWS publishes none).
    pub op_time: SimTime,
    /// `shard_quota`: most shards open at once, short-lived ones included,
    /// 1..=1,000,000, default 10,000 (AWS's per-stream figure).
    pub shard_quota: u32,
    /// `update_shard_count_per_24h`: accepted UpdateShardCount calls per
    /// rolling 24 h, >= 1, default 10 (AWS).
    pub updates_per_24h: u32,
    /// `scale_down_rounding`: how "at least half" rounds for odd counts,
    /// default `up` (shardsim's choice; AWS does not say).
    pub half_rounding: HalfRounding,
    /// `scale_limit_exception`: the exception for a target above double or
    /// below half, default `LimitExceededException` (shardsim's choice; AWS
    /// lists these rules among the call's limits but names no exception).
    pub scale_limit_exception: &'static str,
    /// `mode_switch_s`: how long UpdateStreamMode keeps the stream
    /// UPDATING, >= 0, default 30 s (shardsim's choice; AWS says only that
    /// the status is set to UPDATING).
    pub mode_switch_time: SimTime,
}

impl Default for ReshardLimits {
    /// AWS's limits and shardsim's documented choices, as validation fills
    /// them in.
    fn default() -> Self {
        use crate::stream::limits;
        ReshardLimits {
            op_time: SimTime::from_secs_f64(limits::RESHARD_OP_DEFAULT_S),
            shard_quota: limits::SHARD_QUOTA_DEFAULT,
            updates_per_24h: limits::UPDATE_SHARD_COUNT_PER_24H,
            half_rounding: HalfRounding::Up,
            scale_limit_exception: "LimitExceededException",
            mode_switch_time: SimTime::from_secs_f64(limits::MODE_SWITCH_DEFAULT_S),
        }
    }
}

/// `scale_down_rounding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HalfRounding {
    /// The least target for N open shards is ceil(N / 2).
    Up,
    /// The least target is floor(N / 2).
    Down,
}

/// One `[[stream.reshard]]` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScheduledReshard {
    /// `at_s`: when the call is made, `0 <= at_s < duration_s`.
    pub at: SimTime,
    /// `op` and its keys.
    pub request: ReshardRequest,
}

/// A resharding call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReshardRequest {
    /// `op = "update_shard_count", target = N` (UNIFORM_SCALING).
    UpdateShardCount {
        /// The shard count asked for.
        target: u32,
    },
    /// `op = "split", shard = "shardId-…", new_starting_hash_key = …`.
    Split {
        /// The shard's index.
        shard: u32,
        /// Where the upper child starts.
        new_starting_hash_key: SplitKey,
    },
    /// `op = "merge", shard = "shardId-…", adjacent = "shardId-…"`.
    Merge {
        /// `ShardToMerge`: becomes the child's `ParentShardId`.
        shard: u32,
        /// `AdjacentShardToMerge`: its `AdjacentParentShardId`.
        adjacent: u32,
    },
    /// An on-demand stream's service splitting a shard evenly (never in a
    /// scenario's schedule).
    OnDemandSplit {
        /// The shard's index.
        shard: u32,
    },
    /// `[[stream.mode_switch]]`: UpdateStreamMode.
    UpdateStreamMode {
        /// The mode asked for.
        to: CapacityMode,
    },
}

impl ReshardRequest {
    /// The `op` spelling.
    pub fn label(&self) -> &'static str {
        match self {
            ReshardRequest::UpdateShardCount { .. } => "update_shard_count",
            ReshardRequest::Split { .. } => "split",
            ReshardRequest::Merge { .. } => "merge",
            ReshardRequest::OnDemandSplit { .. } => "on_demand_split",
            ReshardRequest::UpdateStreamMode { .. } => "update_stream_mode",
        }
    }
}

/// `new_starting_hash_key`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SplitKey {
    /// `"middle"`: the upper child starts halfway (`start + (end − start)/2 + 1`).
    Middle,
    /// A decimal hash key below 2^128.
    Key(u128),
}

/// `[[consumers]].ordering`: how a consumer treats a resharding's children.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ordering {
    /// `"parent_first"` (default): a child is read only after its parents
    /// were read to their end, as the KCL and Lambda do.
    ParentFirst,
    /// `"ignore_parents"`: a naive reader that reads every open shard at
    /// once, so records of one key can arrive out of order.
    IgnoreParents,
}

/// `[[producers]].arrival`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// Evenly spaced arrivals.
    Constant,
    /// Exponential inter-arrival times.
    Poisson,
}

/// `[[producers]].record_bytes`: size of the data blob (partition key bytes
/// are added separately). All sizes 1..=1,048,576.
#[derive(Clone, Debug, PartialEq)]
pub enum SizeDist {
    /// `{ dist = "fixed", bytes = N }`.
    Fixed { bytes: u32 },
    /// `{ dist = "uniform", min = A, max = B }`, inclusive, `min <= max`.
    Uniform { min: u32, max: u32 },
    /// `{ dist = "lognormal", median = M, p99 = P }`, `0 < M < P`; samples are
    /// rounded and clamped to 1..=1,048,576.
    LogNormal { median: f64, p99: f64 },
}

/// `[[producers]].partition_key`.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyDist {
    /// `{ dist = "uniform", keys = K }`: keys `key-0` … `key-{K-1}`, equally
    /// likely. `K >= 1`.
    Uniform { keys: u32 },
    /// `{ dist = "zipf", keys = K, exponent = s }`: `P(key-k) ∝ 1/(k+1)^s`,
    /// `s > 0` and finite.
    Zipf { keys: u32, exponent: f64 },
    /// `{ dist = "hot", keys = K, hot_share = h }`: `key-0` receives share `h`
    /// (0 < h <= 1), the rest is uniform over `key-1` … `key-{K-1}`. `K >= 2`
    /// unless `h == 1`.
    Hot { keys: u32, hot_share: f64 },
    /// `{ dist = "unique" }`: record n (from 0) has key `{producer name}-{n}`.
    Unique,
    /// `{ dist = "fixed", key = "…" }`: every record uses this key (1..=256
    /// characters).
    Fixed { key: String },
    /// `{ dist = "random_hash" }`: an explicit hash key drawn uniformly from
    /// the whole hash space, sent with the one-byte partition key `a`.
    RandomHash,
    /// `{ dist = "empirical", file = "keys.csv", other_share, other_keys }`:
    /// a real key table's keys, in proportion to their counts.
    Empirical(EmpiricalKeys),
}

impl KeyDist {
    /// The `dist` spelling.
    pub fn label(&self) -> &'static str {
        match self {
            KeyDist::Uniform { .. } => "uniform",
            KeyDist::Zipf { .. } => "zipf",
            KeyDist::Hot { .. } => "hot",
            KeyDist::Unique => "unique",
            KeyDist::Fixed { .. } => "fixed",
            KeyDist::RandomHash => "random_hash",
            KeyDist::Empirical(_) => "empirical",
        }
    }
}

/// `partition_key = { dist = "empirical", … }`.
#[derive(Clone, Debug, PartialEq)]
pub struct EmpiricalKeys {
    /// `file`: the key table.
    pub file: FileRef,
    /// Its keys, counts and optional sizes and hash keys.
    pub table: Arc<KeyTable>,
    /// `other_share`: the share of records outside the listed keys,
    /// `0 <= s < 1`, default 0.
    pub other_share: f64,
    /// `other_keys`: how many synthetic keys (`other-{k}`) share it
    /// evenly, >= 1, default 10,000.
    pub other_keys: u32,
}

/// `partition_key.salt`: random suffixes appended to chosen keys.
#[derive(Clone, Debug, PartialEq)]
pub struct KeySalt {
    /// `keys`: which keys are salted.
    pub keys: SaltedKeys,
    /// `suffixes`: each chosen key becomes `{key}{separator}0` …
    /// `{key}{separator}{N-1}`, drawn uniformly, 2..=10,000.
    pub suffixes: u32,
    /// `separator`, default `#`, 0..=16 characters.
    pub separator: String,
    /// `hot_above`: with `keys = "hot"`, a key is hot when, at the group's
    /// peak rate, it alone would use more than this fraction of one shard's
    /// write limit (records or bytes), `0 < f <= 10`, default 0.5.
    pub hot_above: f64,
}

/// `salt.keys`.
#[derive(Clone, Debug, PartialEq)]
pub enum SaltedKeys {
    /// A list of keys of the distribution (each must exist).
    Listed(Vec<String>),
    /// `"hot"`: the keys that pass `hot_above`.
    Hot,
    /// `"all"`: every key of the distribution.
    All,
}

/// `[[producers]].rate_pattern`: multiplies the mean rate over time.
#[derive(Clone, Debug, PartialEq)]
pub enum RatePattern {
    /// `{ kind = "diurnal", amplitude = a, period_s = P, phase_s = φ }`:
    /// `1 + a·sin(2π(t + φ)/P)`, `0 <= a < 1`, `P > 0`, `φ` default 0.
    Diurnal { amplitude: f64, period: SimTime, phase: SimTime },
    /// `{ kind = "step", at_s = T, factor = f }`: 1 before T, f from T on;
    /// `f >= 0`, finite.
    Step { at: SimTime, factor: f64 },
    /// `{ kind = "spike", at_s = T, duration_s = D, factor = f }`: f during
    /// `[T, T + D)`, 1 elsewhere; `D > 0`, `f >= 0`, finite.
    Spike { at: SimTime, duration: SimTime, factor: f64 },
    /// `{ kind = "trace", file = "…", … }`: a recorded rate, replayed (it
    /// replaces `records_per_s`, which then holds the trace's mean).
    Trace(TraceSpec),
}

impl RatePattern {
    /// The `kind` spelling.
    pub fn label(&self) -> &'static str {
        match self {
            RatePattern::Diurnal { .. } => "diurnal",
            RatePattern::Step { .. } => "step",
            RatePattern::Spike { .. } => "spike",
            RatePattern::Trace(_) => "trace",
        }
    }
}

/// `rate_pattern = { kind = "trace", … }`.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceSpec {
    /// `file`: a CSV, or CloudWatch get-metric-data / get-metric-statistics
    /// JSON.
    pub file: FileRef,
    /// `bytes_file`: a second CloudWatch export holding `IncomingBytes`.
    pub bytes_file: Option<FileRef>,
    /// The points read, in time order.
    pub trace: Arc<Trace>,
    /// `scale`: multiplies every rate (a what-if growth), > 0, default 1.
    pub scale: f64,
    /// `gaps`: the rate between a point's period and the next point.
    pub gaps: TraceGaps,
    /// `at_end`: what follows the trace's last period.
    pub at_end: TraceEnd,
    /// `peak_to_mean`: within each period, one burst of `burst_s` at this
    /// multiple of the period's mean rate, the rest of the period slower so
    /// the period's total is kept; 1 (default) = Poisson at the mean rate.
    pub peak_to_mean: f64,
    /// `burst_s`: the burst's length, > 0, default 1 s;
    /// `peak_to_mean × burst_s <= period`.
    pub burst: SimTime,
}

/// `gaps`: what a missing point means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceGaps {
    /// `"zero"` (default): no records (CloudWatch leaves out minutes
    /// without data).
    Zero,
    /// `"hold"`: the previous point's rates continue.
    Hold,
}

/// `at_end`: a run longer than its trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceEnd {
    /// `"stop"` (default): no more records.
    Stop,
    /// `"loop"`: the trace starts again.
    Loop,
}

/// `[producers.sdk].api`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SdkApi {
    /// One record per call.
    PutRecord,
    /// Batches of up to `batch_max_records` records and 5 MiB.
    PutRecords,
}

/// `[producers.sdk]`: an application calling the AWS SDK directly, with its
/// own batching and retry loop.
#[derive(Clone, Debug, PartialEq)]
pub struct SdkSpec {
    /// Default `put_records`.
    pub api: SdkApi,
    /// 1..=500, default 500 (PutRecords only).
    pub batch_max_records: u32,
    /// Most bytes (data + partition keys) of one call: 5 MiB for
    /// `[producers.sdk]` (not a key: the PutRecords limit the batcher keeps
    /// to, reference §1.4); the agent's `max_buffer_size_bytes`.
    pub batch_max_bytes: u64,
    /// `linger_ms`: the longest a record waits for its batch to fill,
    /// >= 0, default 50 ms (PutRecords only).
    pub linger: SimTime,
    /// 1..=100, default 10 (1 = no retries).
    pub max_attempts: u32,
    /// `backoff_base_ms`, > 0, default 100 ms.
    pub backoff_base: SimTime,
    /// `backoff_max_ms`, >= `backoff_base_ms`, default 5,000 ms.
    pub backoff_max: SimTime,
    /// `request_latency_ms`, `max_concurrent_requests` (default 1: a plain
    /// synchronous loop) and `request_timeout_ms` (default 30,000: the AWS
    /// SDK for Java 2.x's socket read timeout).
    pub requests: RequestSpec,
}

/// A put request's round trip, `request_latency_ms = { dist = … }`.
#[derive(Clone, Debug, PartialEq)]
pub enum LatencyDist {
    /// `{ dist = "fixed", ms = M }`, `M >= 0`.
    Fixed { ms: f64 },
    /// `{ dist = "lognormal", median = M, p99 = P }`, `0 < M < P`.
    LogNormal { median: f64, p99: f64 },
    /// `{ dist = "discrete", ms = [..], weights = [..] }`: `ms[i]` with
    /// probability `weights[i] / sum(weights)`; both non-empty and of one
    /// length, `ms >= 0`, weights >= 0 with a positive sum.
    Discrete { ms: Vec<f64>, weights: Vec<f64> },
}

impl LatencyDist {
    /// `request_latency_ms` when absent.
    pub const DEFAULT: LatencyDist =
        LatencyDist::LogNormal { median: limits::REQUEST_LATENCY_MEDIAN_MS, p99: limits::REQUEST_LATENCY_P99_MS };
}

/// How a client's put requests travel (see `producer::request`).
#[derive(Clone, Debug, PartialEq)]
pub struct RequestSpec {
    /// Each request's round trip. Default lognormal, median 25 ms, p99
    /// 100 ms (shardsim's choice; see docs/model.md, *Put requests*).
    pub latency: LatencyDist,
    /// Requests in flight at once per client instance: the SDK's
    /// `max_concurrent_requests`, the KPL's `max_connections`.
    pub max_concurrent: u32,
    /// A request not answered within this fails on the client
    /// (`request_timeout_ms`).
    pub timeout: SimTime,
}

/// `[producers.kpl]`: the Kinesis Producer Library's settings, named as
/// its configuration keys in snake_case, with its defaults (reference §8.1).
#[derive(Clone, Debug, PartialEq)]
pub struct KplSpec {
    /// `aggregation_enabled`, default true.
    pub aggregation_enabled: bool,
    /// `aggregation_max_count`: user records per aggregate,
    /// 1..=9,223,372,036,854,775,807, default 4,294,967,295.
    pub aggregation_max_count: u64,
    /// `aggregation_max_size`: bytes per aggregate, 64..=10,485,760,
    /// default 51,200.
    pub aggregation_max_size: u64,
    /// `collection_max_count`: Kinesis records per PutRecords, 1..=500,
    /// default 500.
    pub collection_max_count: u64,
    /// `collection_max_size`: bytes per PutRecords,
    /// 52,224..=9,223,372,036,854,775,807, default 5,242,880.
    pub collection_max_size: u64,
    /// `fail_if_throttled`: throttled records fail at once instead of being
    /// retried, default false.
    pub fail_if_throttled: bool,
    /// `rate_limit`: the client-side limit per shard, in percent of the
    /// shard's limits, 1..=9,223,372,036,854,775,807, default 150.
    pub rate_limit: u64,
    /// `record_max_buffered_time_ms`: the longest a record waits to be
    /// aggregated and collected, >= 0, default 100 ms.
    pub record_max_buffered_time: SimTime,
    /// `record_ttl_ms`: records not put within this time fail as expired,
    /// >= 100 ms, default 30,000 ms.
    pub record_ttl: SimTime,
    /// `request_latency_ms`, `max_connections` (1..=256, default 24) and
    /// `request_timeout_ms` (100..=600,000, default 6,000).
    pub requests: RequestSpec,
}

/// `[[producers]].client`, with that client's table.
#[derive(Clone, Debug, PartialEq)]
pub enum ClientSpec {
    /// `client = "sdk"` with `[producers.sdk]` (all keys optional).
    Sdk(SdkSpec),
    /// `client = "kpl"` with `[producers.kpl]` (all keys optional).
    Kpl(KplSpec),
    /// `client = "agent"` with `[producers.agent]` (all keys optional).
    Agent(AgentSpec),
}

/// `[producers.agent]`: the Kinesis Agent tailing log files on a host
/// (awslabs/amazon-kinesis-agent: `KinesisFileFlow`, `KinesisSender`,
/// `AsyncPublisherThrottler`).
#[derive(Clone, Debug, PartialEq)]
pub struct AgentSpec {
    /// `partition_key_option`: `random` (default) or `deterministic`.
    pub partition_key_option: PartitionKeyOption,
    /// `fleet_start`: `staggered` (default: the agents were running before
    /// the run starts, so each instance's first buffer closes at a random
    /// point of its cycle) or `together` (all started at 0, as after a
    /// fleet-wide deploy: equal servers then send in step).
    pub staggered: bool,
    /// The agent's sending loop in the SDK client's terms: PutRecords of
    /// up to `max_buffer_size_records` (default 500) and
    /// `max_buffer_size_bytes` (default 5 MiB), closed `max_buffer_age_ms`
    /// (default 60,000, 1,000–900,000) after their first record; every
    /// attempt retried (`max_attempts` unlimited); `retry_initial_backoff_ms`
    /// (100) and `retry_max_backoff_ms` (10,000) bound the publisher's
    /// back-off; `max_sending_threads` (default 24) calls in flight, each
    /// timing out after `request_timeout_ms` (default 50,000: the AWS SDK
    /// for Java 1.x socket timeout the agent keeps).
    pub sdk: SdkSpec,
}

/// How the agent keys its records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartitionKeyOption {
    /// A random number per record (`"" + nextDouble(1000000)`): records
    /// spread evenly over the shards.
    Random,
    /// The MD5 of the record's data in hex: identical records share a key,
    /// and the group's `partition_key` says how often records repeat.
    Deterministic,
}

impl ClientSpec {
    /// The `client` spelling.
    pub fn label(&self) -> &'static str {
        match self {
            ClientSpec::Sdk(_) => "sdk",
            ClientSpec::Kpl(_) => "kpl",
            ClientSpec::Agent(_) => "agent",
        }
    }
}

/// One `[[producers]]` group.
#[derive(Clone, Debug, PartialEq)]
pub struct ProducerSpec {
    /// Non-empty, unique among producers, 1..=200 characters.
    pub name: String,
    /// The client and its settings.
    pub client: ClientSpec,
    /// Mean total rate of the group, > 0 and finite.
    pub records_per_s: f64,
    /// Default `poisson`.
    pub arrival: Arrival,
    /// Client instances sharing the rate, 1..=10,000, default 1.
    pub instances: u32,
    /// Data blob size distribution. Default `{ dist = "fixed", bytes = 1024 }`.
    pub record_bytes: SizeDist,
    /// Partition key distribution. Default `{ dist = "uniform", keys = 10000 }`.
    pub partition_key: KeyDist,
    /// `partition_key.salt`, if any.
    pub key_salt: Option<KeySalt>,
    /// Optional rate pattern; `None` means a constant mean rate.
    pub rate_pattern: Option<RatePattern>,
}

/// One `[[consumers]]` application reading every shard of the stream.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsumerSpec {
    /// Non-empty, unique among consumers, 1..=200 characters.
    pub name: String,
    /// `kind` and its settings.
    pub kind: ConsumerKind,
    /// `process_ms_per_record`: processing time per delivered record (a
    /// Lambda function's duration per record), >= 0, default 0.
    pub process_per_record: SimTime,
    /// `process_ms_per_batch`: processing time per non-empty batch (a
    /// Lambda function's duration per invocation), >= 0, default 0.
    pub process_per_batch: SimTime,
    /// `ordering`, default `parent_first`.
    pub ordering: Ordering,
}

/// `[[consumers]].kind`.
#[derive(Clone, Debug, PartialEq)]
pub enum ConsumerKind {
    /// `kind = "polling"`: a KCL application reading with GetRecords
    /// (shared throughput).
    Polling(PollingSpec, KclSpec),
    /// `kind = "efo"`: a KCL application with an enhanced fan-out
    /// registration (SubscribeToShard push, dedicated throughput).
    Efo(KclSpec),
    /// `kind = "lambda"`: a Lambda function behind an event-source mapping.
    Lambda(LambdaSpec),
    /// `kind = "firehose"`: an Amazon Data Firehose stream reading the
    /// stream as its source.
    Firehose(FirehoseSpec),
}

impl ConsumerKind {
    /// The `kind` spelling.
    pub fn label(&self) -> &'static str {
        match self {
            ConsumerKind::Polling(..) => "polling",
            ConsumerKind::Efo(_) => "efo",
            ConsumerKind::Lambda(_) => "lambda",
            ConsumerKind::Firehose(_) => "firehose",
        }
    }

    /// Whether it holds one of the stream's enhanced fan-out registrations.
    pub fn registers_efo(&self) -> bool {
        matches!(self, ConsumerKind::Efo(_) | ConsumerKind::Lambda(LambdaSpec { retrieval: Retrieval::Efo, .. }))
    }
}

/// Settings of a polling consumer (keys directly in `[[consumers]]`).
#[derive(Clone, Debug, PartialEq)]
pub struct PollingSpec {
    /// `max_records`: GetRecords `Limit`, 1..=10,000, default 10,000.
    pub max_records: u32,
    /// `idle_time_between_reads_ms`: wait after a call's batch is processed
    /// before the next call, >= 0, default 1,500 ms (KCL 2.x/3.x).
    pub idle_time_between_reads: SimTime,
}

/// How a KCL application (polling or EFO) spreads shards over workers.
#[derive(Clone, Debug, PartialEq)]
pub struct KclSpec {
    /// `workers`: sequential processors holding shard leases, 1..=10,000;
    /// `None` (absent) means one per shard.
    pub workers: Option<u32>,
    /// `max_leases_per_worker`: >= 1; `None` (absent) means unlimited, as
    /// KCL's `maxLeasesForWorker` default.
    pub max_leases_per_worker: Option<u32>,
    /// `checkpoint_interval_s`: least time between checkpoints of a shard,
    /// >= 0, default 0 (checkpoint after every batch).
    pub checkpoint_interval: SimTime,
    /// `worker_failure = { worker, at_s }` with `failover_time_ms`.
    pub failure: Option<WorkerFailure>,
    /// `parent_shard_poll_interval_ms`: how often a child shard's processor
    /// checks whether its parents reached SHARD_END, > 0, default 10,000 ms
    /// (KCL `parentShardPollIntervalMillis`).
    pub parent_shard_poll_interval: SimTime,
    /// `failover_time_ms` (with or without a failure): the lease duration,
    /// which sets how often leases are renewed (default 10,000 ms).
    pub failover_time: SimTime,
    /// `lease_table`: the application's DynamoDB lease table.
    pub lease_table: LeaseTableSpec,
}

/// `lease_table = { billing = "provisioned", wcu = W, rcu = R }` or
/// `{ billing = "on_demand" }` (the default: the KCL creates its table
/// PAY_PER_REQUEST, reference §9.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaseTableSpec {
    /// Provisioned capacity: write and read capacity units, 1–40,000 each.
    Provisioned { wcu: u32, rcu: u32 },
    /// On-demand: billed per request, never throttled in shardsim.
    OnDemand,
}

/// One worker failing during the run.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkerFailure {
    /// `worker_failure.worker`: index of the failing worker, < `workers`
    /// (which must be set).
    pub worker: u32,
    /// `worker_failure.at_s`: when it fails, < `duration_s`.
    pub at: SimTime,
    /// `failover_time_ms`: lease duration after which other workers take
    /// its leases, > 0, default 10,000 ms (KCL `failoverTimeMillis`).
    pub failover_time: SimTime,
}

/// Buffering hints of a Firehose stream (`kind = "firehose"`).
#[derive(Clone, Debug, PartialEq)]
pub struct FirehoseSpec {
    /// `buffering_interval_s`: 0..=900, default 300 (Firehose's
    /// `BufferingHints.IntervalInSeconds`).
    pub buffering_interval: SimTime,
    /// `buffering_size_mib`: 1..=128, default 5 (`SizeInMBs`).
    pub buffering_size_mib: u32,
}

/// `retrieval` of a Lambda event-source mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retrieval {
    /// `"polling"` (default): a standard iterator sharing GetRecords limits.
    Polling,
    /// `"efo"`: a registered enhanced fan-out consumer.
    Efo,
}

/// Settings of a Lambda event-source mapping.
#[derive(Clone, Debug, PartialEq)]
pub struct LambdaSpec {
    /// `retrieval`, default `polling`.
    pub retrieval: Retrieval,
    /// `batch_size`: records per invocation, 1..=10,000, default 100.
    pub batch_size: u32,
    /// `maximum_batching_window_s`: 0..=300, default 0.
    pub maximum_batching_window: SimTime,
    /// `parallelization_factor`: concurrent batches per shard, 1..=10,
    /// default 1.
    pub parallelization_factor: u32,
    /// `function_error_rate`: probability an invocation fails, 0 <= p < 1,
    /// default 0.
    pub function_error_rate: f64,
    /// `maximum_retry_attempts`: -1 (default: retry until the records
    /// expire) or 0..=10,000; `None` stands for -1.
    pub maximum_retry_attempts: Option<u32>,
}

/// `[[faults]]`: one window `[from, to)` of service trouble.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    /// `kind` and its keys.
    pub kind: FaultKind,
    /// `from_s`: when it starts, within the run.
    pub from: SimTime,
    /// `to_s`: when it ends, after `from`.
    pub to: SimTime,
}

/// What goes wrong during a fault window.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// `internal_failure`: each record a put call offers to one of
    /// `shards` fails with `InternalFailure` (HTTP 500 inside a 200
    /// PutRecords response) with probability `rate`, before the shard
    /// counts it; a PutRecord call, one record, fails whole.
    InternalFailure { rate: f64, shards: ShardSet },
    /// `service_unavailable`: each put call fails whole with
    /// `ServiceUnavailable` (HTTP 503) with probability `rate`.
    ServiceUnavailable { rate: f64 },
    /// `latency`: put requests leaving in the window take `factor` times
    /// their drawn round trip.
    Latency { factor: f64 },
    /// `read_failure`: each GetRecords call on one of `shards`, and each
    /// SubscribeToShard event pushed from one, fails with
    /// `InternalFailure` with probability `rate`.
    ReadFailure { rate: f64, shards: ShardSet },
}

/// The shards a fault touches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShardSet {
    /// `shards = "all"` (the default).
    All,
    /// `shards = ["shardId-…", …]`: shard indices, sorted, distinct.
    Only(Vec<u32>),
}

impl ShardSet {
    /// Whether the set holds the shard with index `shard`.
    pub fn contains(&self, shard: u32) -> bool {
        match self {
            ShardSet::All => true,
            ShardSet::Only(v) => v.binary_search(&shard).is_ok(),
        }
    }
}
