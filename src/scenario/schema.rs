//! The scenario file's JSON Schema: a mirror of the TOML input — every
//! table, key, type, allowed string, default and simple range — written as
//! types deriving [`JsonSchema`], from which [`json_schema()`] generates the
//! schema that `shardsim schema scenario` prints and `schemas/` ships, so
//! that TOML editors (Taplo, Even Better TOML) validate and complete keys.
//!
//! The scenario is not deserialized through these types: validation
//! (`validate`) walks the TOML tree itself, asking for keys one by one. The
//! doc comments here are the editor's hover text; each key's default is
//! added to its text from its `default`. Tables whose keys depend on a tag
//! (`dist`, `kind`, `op`, `policy`, `billing`) are one schema per variant,
//! so a key of another variant is flagged. Rules between keys (a `[stream]`
//! key of another capacity mode, `median < p99`, …) are left to `shardsim
//! check`, and so is the requirement of `shard_count`, which a `[sweep]`
//! may supply. A test checks every key validation asks for against this
//! schema, and every default against the validator.

// The types describe the file; they are never built.
#![allow(dead_code)]

use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value};

use crate::cost::prices::{Rate, SECTIONS};
use crate::scaling::{
    SCALING_UTILS_CHECK_INTERVAL_DEFAULT_S, SCALING_UTILS_COOL_OFF_DEFAULT_MIN,
    SCALING_UTILS_REFRESH_SHARDS_DEFAULT_MIN, STEP_ADJUSTMENT_DEFAULT_SHARDS, STEP_COOLDOWN_DEFAULT_S,
    STEP_SCALE_IN_EVALUATION_PERIODS_DEFAULT, STEP_SCALE_IN_PERIOD_DEFAULT_S,
    STEP_SCALE_OUT_EVALUATION_PERIODS_DEFAULT, STEP_SCALE_OUT_PERIOD_DEFAULT_S, STEP_THRESHOLD_DEFAULT_PCT,
    TARGET_TRACKING_COOLDOWN_DEFAULT_S, TARGET_TRACKING_SCALE_IN_DATAPOINTS_DEFAULT,
    TARGET_TRACKING_SCALE_IN_RATIO_DEFAULT, TARGET_TRACKING_SCALE_OUT_DATAPOINTS_DEFAULT,
};
use crate::stream::limits;

/// The scenario file's schema (JSON Schema draft 7, which TOML editors
/// read), as `shardsim schema scenario` prints it.
pub fn json_schema() -> Value {
    let mut settings = SchemaSettings::draft07();
    // Before draft 7's own transforms, which move `$ref` siblings.
    settings.transforms.insert(0, Box::new(RecursiveTransform(for_toml)));
    settings.transforms.push(Box::new(RecursiveTransform(say_default)));
    settings.transforms.push(Box::new(RecursiveTransform(unwrap_description)));
    settings.into_generator().into_root_schema_for::<ScenarioFile>().to_value()
}

/// Joins the lines of each paragraph of a description (doc comments wrap
/// at the source's width; editors wrap hover text themselves).
pub(crate) fn unwrap_description(schema: &mut Schema) {
    let Some(Value::String(text)) = schema.as_object_mut().and_then(|o| o.get_mut("description")) else { return };
    let paragraphs: Vec<String> =
        text.split("\n\n").map(|p| p.split('\n').map(str::trim).collect::<Vec<_>>().join(" ")).collect();
    *text = paragraphs.join("\n\n");
}

/// TOML has no null: an absent key is how a value is left out. Removes the
/// `null` that optional keys get, and Rust's integer and float formats.
fn for_toml(schema: &mut Schema) {
    let Some(object) = schema.as_object_mut() else { return };
    if let Some(Value::Array(types)) = object.get_mut("type") {
        types.retain(|t| t != "null");
        if let [single] = types.as_slice() {
            let single = single.clone();
            object.insert("type".into(), single);
        }
    }
    if let Some(Value::Array(values)) = object.get_mut("enum") {
        values.retain(|v| !v.is_null());
        if let [single] = values.as_slice() {
            let single = single.clone();
            object.remove("enum");
            object.insert("const".into(), single);
        }
    }
    if let Some(Value::Array(branches)) = object.get_mut("anyOf") {
        branches.retain(|b| b.get("type").is_none_or(|t| t != "null"));
        if let [single] = branches.as_slice() {
            let Value::Object(single) = single.clone() else { return };
            object.remove("anyOf");
            for (key, value) in single {
                object.entry(key).or_insert(value);
            }
        }
    }
    let rust_format = |f: &Value| f.as_str().is_some_and(|f| f.starts_with("int") || f.starts_with("uint"));
    if object.get("format").is_some_and(|f| rust_format(f) || f == "double") {
        object.remove("format");
    }
    // A whole-number default reads as TOML users write it: `50`, not `50.0`.
    if let Some(default) = object.get_mut("default") {
        whole_numbers(default);
    }
}

/// Writes each whole float of `value` as an integer.
fn whole_numbers(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(x) = n.as_f64().filter(|x| x.fract() == 0.0 && x.abs() < 1e15) {
                *value = Value::from(x as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        Value::Object(entries) => entries.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// Appends `Default: …` (in TOML) to the description of every key that has
/// a default, so the editor's hover text says it.
fn say_default(schema: &mut Schema) {
    let Some(object) = schema.as_object_mut() else { return };
    let Some(default) = object.get("default") else { return };
    let said = format!("Default: {}.", toml_value(default));
    let description = match object.get("description").and_then(Value::as_str) {
        Some(text) => format!("{text} {said}"),
        None => said,
    };
    object.insert("description".into(), description.into());
}

/// A JSON value as TOML writes it inline.
pub fn toml_value(value: &Value) -> String {
    match value {
        Value::Object(entries) => {
            let fields: Vec<String> = entries.iter().map(|(k, v)| format!("{k} = {}", toml_value(v))).collect();
            format!("{{ {} }}", fields.join(", "))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(toml_value).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

/// A key a table of this kind refuses: any value is an error.
struct Refused;

impl JsonSchema for Refused {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Refused".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "not": {} })
    }
}

/// A type whose schema is written by hand, by the function named.
macro_rules! by_hand {
    ($(#[$doc:meta])* $name:ident = $schema:ident) => {
        $(#[$doc])*
        struct $name;

        impl JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }

            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(generator: &mut SchemaGenerator) -> Schema {
                $schema(generator)
            }
        }
    };
}

by_hand!(
    /// A shard id.
    ShardId = shard_id
);
by_hand!(
    /// `"all"` or shard ids.
    ShardSet = shard_set
);
by_hand!(
    /// `[sweep]`.
    Sweep = sweep
);
by_hand!(
    /// A split's hash key.
    SplitKey = split_key
);
by_hand!(
    /// The keys a salt applies to.
    SaltedKeys = salted_keys
);

/// A shard id as AWS spells it.
fn shard_id(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "string",
        "pattern": "^shardId-[0-9]{12}$",
        "description": "A shard id as AWS spells it: `shardId-` and 12 digits, e.g. \"shardId-000000000003\"."
    })
}

/// `"all"` or a non-empty list of shard ids.
fn shard_set(generator: &mut SchemaGenerator) -> Schema {
    let id = shard_id(generator);
    json_schema!({
        "anyOf": [
            { "const": "all" },
            { "type": "array", "items": id, "minItems": 1 }
        ]
    })
}

// ---------------------------------------------------------------------------
// The file

/// A shardsim scenario: a workload, an Amazon Kinesis data stream and the
/// applications reading it, simulated with `shardsim run`. Unknown keys are
/// errors; units are last in key names.
#[derive(JsonSchema)]
#[schemars(title = "shardsim scenario", deny_unknown_fields)]
struct ScenarioFile {
    /// The price table: a table file's path (relative to this file's
    /// folder), or a `[pricing]` table replacing single rates. Absent: the
    /// built-in us-east-1 table.
    pricing: Option<Pricing>,
    /// The run: its name, seed and simulated duration.
    scenario: Header,
    /// The stream: capacity mode, shards, limits and changes of shape.
    stream: Stream,
    /// Producer groups writing to the stream (at least one).
    #[schemars(length(min = 1))]
    producers: Vec<Producer>,
    /// Applications reading every shard of the stream from the start of
    /// the run. None by default.
    consumers: Option<Vec<Consumer>>,
    /// Service-level objectives: each key an upper limit; a run that
    /// breaks one exits 1.
    slo: Option<Slo>,
    /// Windows of service trouble, each read by its `kind`.
    faults: Option<Vec<Fault>>,
    /// Many configurations in one run: dotted scenario paths, in quotes,
    /// each mapped to a list of values (the Cartesian product is run), and
    /// `replications`.
    sweep: Option<Sweep>,
}

/// `[sweep]`: `replications`, and dotted paths (as `--set` writes them)
/// mapped to non-empty lists of values.
fn sweep(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "properties": {
            "replications": {
                "type": "integer",
                "minimum": 1,
                "maximum": super::sweep::MAX_REPLICATIONS,
                "default": 1,
                "description": "Runs of every configuration, with replication indices 0 … R−1 (common random numbers across configurations)."
            }
        },
        "propertyNames": { "pattern": "^replications$|\\." },
        "additionalProperties": {
            "type": "array",
            "minItems": 1,
            "description": "The values of this dotted scenario path (e.g. \"stream.shard_count\" = [4, 8, 16]); each is applied like `--set` and validated on its own."
        }
    })
}

/// `[scenario]`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Header {
    /// The scenario's name; it also names the report folder. Letters,
    /// digits, `.`, `_` and `-`.
    #[schemars(length(min = 1, max = 100), regex(pattern = r"^[A-Za-z0-9._-]+$"))]
    #[schemars(extend("not" = { "enum": [".", ".."] }))]
    name: String,
    /// Master seed of every random draw; `--seed` overrides it.
    #[schemars(extend("default" = 1))]
    seed: Option<u64>,
    /// Simulated time, s (> 0).
    #[schemars(extend("exclusiveMinimum" = 0, "default" = 60))]
    duration_s: Option<f64>,
    /// Simulated time at the start excluded from the metrics, s; below
    /// `duration_s`.
    #[schemars(range(min = 0), extend("default" = 0))]
    warmup_s: Option<f64>,
}

// ---------------------------------------------------------------------------
// [stream]

/// `[stream]`. The resharding keys (`reshard`, `autoscaling`,
/// `reshard_op_s`, `update_shard_count_per_24h`, `scale_down_rounding`,
/// `scale_limit_exception`) apply to a stream provisioned at some point,
/// `on_demand` to one on-demand at some point, warm throughput to
/// Advantage only.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Stream {
    /// How the stream's capacity is managed.
    #[schemars(extend("default" = "provisioned"))]
    capacity_mode: Option<CapacityMode>,
    /// Open shards. Required when provisioned (unless `shards_file`); when
    /// on-demand, the shards kept from provisioned mode, in place of
    /// `[stream.on_demand] initial_shards`.
    #[schemars(range(min = 1, max = limits::MAX_SHARDS_PER_STREAM))]
    shard_count: Option<u32>,
    /// A real stream's shard map (`aws kinesis list-shards` or
    /// `describe-stream` JSON, relative to this file): the stream starts
    /// with its open shards, ids and hash ranges, and `shard_count` is not
    /// given.
    #[schemars(length(min = 1, max = 4096))]
    shards_file: Option<String>,
    /// Retention period, hours: older records are lost to readers; beyond
    /// 24 h it is billed as extended retention. Values below AWS's 24 h are
    /// accepted as a what-if.
    #[schemars(range(max = limits::RETENTION_MAX_HOURS))]
    #[schemars(extend("exclusiveMinimum" = 0, "default" = limits::RETENTION_DEFAULT_HOURS))]
    retention_hours: Option<f64>,
    /// How a shard's write limits are enforced (AWS does not document it).
    #[schemars(extend("default" = "token_bucket"))]
    write_limit_model: Option<WriteLimitModel>,
    /// How a shard's 5 GetRecords calls a second are counted.
    #[schemars(extend("default" = "per_second_window"))]
    read_limit_model: Option<ReadLimitModel>,
    /// Per-shard write limit, records/s (AWS: 1,000); a what-if.
    #[schemars(range(min = 1), extend("default" = limits::SHARD_WRITE_RECORDS_PER_S))]
    shard_write_records_per_s: Option<u64>,
    /// Per-shard write limit, bytes/s of data and partition keys (AWS: 1
    /// MiB/s); a what-if.
    #[schemars(range(min = 1), extend("default" = limits::SHARD_WRITE_BYTES_PER_S))]
    shard_write_bytes_per_s: Option<u64>,
    /// Provisioned: time one internal split or merge of a resharding takes,
    /// s (shardsim's choice).
    #[schemars(extend("exclusiveMinimum" = 0, "default" = limits::RESHARD_OP_DEFAULT_S))]
    reshard_op_s: Option<f64>,
    /// Most shards open at once, short-lived ones included (AWS's
    /// per-stream quota).
    #[schemars(range(min = 1, max = 1_000_000), extend("default" = limits::SHARD_QUOTA_DEFAULT))]
    shard_quota: Option<u32>,
    /// Provisioned: UpdateShardCount calls accepted per rolling 24 h (AWS).
    #[schemars(range(min = 1), extend("default" = limits::UPDATE_SHARD_COUNT_PER_24H))]
    update_shard_count_per_24h: Option<u32>,
    /// Provisioned: whether UpdateShardCount's "no less than half" of an
    /// odd count rounds up or down (shardsim's choice).
    #[schemars(extend("default" = "up"))]
    scale_down_rounding: Option<Rounding>,
    /// Provisioned: the exception for an UpdateShardCount target above
    /// double or below half the count (shardsim's choice).
    #[schemars(extend("default" = "LimitExceededException"))]
    scale_limit_exception: Option<ScaleLimitException>,
    /// How long a mode switch keeps the stream UPDATING, s (AWS gives no
    /// figure; shardsim's choice, one resharding step).
    #[schemars(range(min = 0), extend("default" = limits::MODE_SWITCH_DEFAULT_S))]
    mode_switch_s: Option<f64>,
    /// UpdateStreamMode calls during the run.
    mode_switch: Option<Vec<ModeSwitch>>,
    /// Provisioned: resharding calls at fixed times, each read by its `op`.
    reshard: Option<Vec<Reshard>>,
    /// Provisioned: an autoscaling policy calling UpdateShardCount.
    autoscaling: Option<Autoscaling>,
    /// On-demand modes: how the stream starts and how the service grows it.
    on_demand: Option<OnDemand>,
    /// On-demand Advantage: warm-throughput changes during the run
    /// (UpdateStreamWarmThroughput calls).
    warm_throughput: Option<Vec<WarmThroughputChange>>,
}

/// The stream's capacity mode.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
enum CapacityMode {
    /// Shards you provision (and reshard); billed per shard-hour.
    Provisioned,
    /// On-demand Standard: the service splits shards; billed per GB.
    OnDemand,
    /// On-demand Advantage: on-demand with warm throughput and a commitment.
    OnDemandAdvantage,
}

/// How a shard's write limits are enforced.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
enum WriteLimitModel {
    /// Two token buckets per shard (records: depth 1,000, refill 1,000/s;
    /// bytes: depth 1 MiB, refill 1 MiB/s).
    TokenBucket,
    /// Counters reset at each whole second.
    PerSecondWindow,
}

/// How a shard's GetRecords calls are counted.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
enum ReadLimitModel {
    /// 5 calls per whole second.
    PerSecondWindow,
    /// 5 calls in any one-second window.
    SlidingWindow,
}

/// Rounding of half an odd shard count.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
enum Rounding {
    Up,
    Down,
}

/// The exception for an UpdateShardCount target out of bounds.
#[derive(JsonSchema)]
enum ScaleLimitException {
    LimitExceededException,
    InvalidArgumentException,
}

/// One `[[stream.mode_switch]]`: an UpdateStreamMode call.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct ModeSwitch {
    /// When it is called, s from the start (before `duration_s`, one switch
    /// per instant).
    #[schemars(range(min = 0))]
    at_s: f64,
    /// The mode switched to; it must change the mode.
    to: SwitchMode,
}

/// A mode UpdateStreamMode switches to.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
enum SwitchMode {
    Provisioned,
    OnDemand,
}

/// One `[[stream.reshard]]`: a resharding call at a fixed time.
#[derive(JsonSchema)]
#[schemars(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
enum Reshard {
    /// UpdateShardCount (UNIFORM_SCALING) to `target` shards.
    UpdateShardCount {
        /// When it is called, s from the start (before `duration_s`).
        #[schemars(range(min = 0))]
        at_s: f64,
        /// The shard count asked for.
        #[schemars(range(min = 1, max = 1_000_000))]
        target: u32,
    },
    /// SplitShard of `shard` at `new_starting_hash_key`.
    Split {
        /// When it is called, s from the start (before `duration_s`).
        #[schemars(range(min = 0))]
        at_s: f64,
        /// The shard split (it becomes the children's parent).
        shard: ShardId,
        /// The second child's first hash key: "middle", or a decimal
        /// string below 2^128 (a small key may be an integer).
        new_starting_hash_key: SplitKey,
    },
    /// MergeShards of two adjacent shards.
    Merge {
        /// When it is called, s from the start (before `duration_s`).
        #[schemars(range(min = 0))]
        at_s: f64,
        /// The shard merged (the child's ParentShardId).
        shard: ShardId,
        /// Its neighbour in the hash space (AdjacentParentShardId).
        adjacent: ShardId,
    },
}

/// `"middle"`, a decimal hash key, or a small integer one.
fn split_key(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "anyOf": [
            { "type": "string", "pattern": "^(middle|[0-9]{1,39})$" },
            { "type": "integer", "minimum": 0 }
        ]
    })
}

/// `[stream.on_demand]`: every key optional.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct OnDemand {
    /// A new stream's shards (AWS gives a new stream 4 MB/s and 4,000
    /// records/s; shardsim's choice: 4 shards give exactly that).
    #[schemars(range(min = 1, max = limits::MAX_SHARDS_PER_STREAM))]
    #[schemars(extend("default" = limits::ON_DEMAND_INITIAL_SHARDS_DEFAULT))]
    initial_shards: Option<u32>,
    /// The highest write rate of the 30 days before the run, MiB/s; the
    /// stream starts with room for twice it.
    #[schemars(range(min = 0, max = limits::ON_DEMAND_MAX_WRITE_MIB_S_MAX), extend("default" = 0))]
    previous_peak_write_mib_s: Option<f64>,
    /// The same in records/s.
    #[schemars(range(min = 0, max = u64::MAX / 4), extend("default" = 0))]
    previous_peak_records_per_s: Option<u64>,
    /// A shard whose accepted traffic over a whole minute averages more is
    /// split, KiB/s (AWS: "exceeds 500 KB/s per shard").
    #[schemars(range(min = 1, max = 1u64 << 30), extend("default" = limits::ON_DEMAND_SPLIT_TRIGGER_KIB_S))]
    split_trigger_kib_s: Option<u64>,
    /// The same in records/s (shardsim's choice: half the records limit).
    #[schemars(range(min = 1), extend("default" = limits::ON_DEMAND_SPLIT_TRIGGER_RECORDS_PER_S))]
    split_trigger_records_per_s: Option<u64>,
    /// From the minute a shard exceeds a trigger to its split, s (AWS:
    /// "within 15 minutes").
    #[schemars(range(min = 0), extend("default" = limits::ON_DEMAND_SPLIT_DELAY_DEFAULT_S))]
    split_delay_s: Option<f64>,
    /// The ceiling the service grows the stream to, MiB/s (AWS: 200 MB/s
    /// by default; 10 GB/s in some Regions).
    #[schemars(range(min = 1, max = limits::ON_DEMAND_MAX_WRITE_MIB_S_MAX))]
    #[schemars(extend("default" = limits::ON_DEMAND_MAX_WRITE_MIB_S_DEFAULT))]
    max_write_mib_s: Option<u64>,
    /// A what-if scale-down, not AWS's: neighbours whose summed one-minute
    /// means stayed below it for the last whole hour are merged, KiB/s; 0
    /// never merges. At most `split_trigger_kib_s`.
    #[schemars(range(min = 0, max = 1u64 << 30), extend("default" = 0))]
    merge_below_kib_s: Option<u64>,
    /// Advantage only: write capacity available at once from the start,
    /// MiB/s (at most `max_write_mib_s`).
    #[schemars(range(min = 0, max = limits::ON_DEMAND_MAX_WRITE_MIB_S_MAX), extend("default" = 0))]
    warm_throughput_mib_s: Option<u64>,
    /// Advantage only: how long a warm-throughput change takes, s
    /// (shardsim's choice).
    #[schemars(range(min = 0), extend("default" = limits::WARM_THROUGHPUT_DELAY_DEFAULT_S))]
    warm_throughput_delay_s: Option<f64>,
}

/// One `[[stream.warm_throughput]]`: an UpdateStreamWarmThroughput call.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct WarmThroughputChange {
    /// When it is called, s from the start (before `duration_s`, one change
    /// per instant).
    #[schemars(range(min = 0))]
    at_s: f64,
    /// The new warm throughput, MiB/s (at most `max_write_mib_s`).
    #[schemars(range(min = 0, max = limits::ON_DEMAND_MAX_WRITE_MIB_S_MAX))]
    mib_s: u64,
}

// ---------------------------------------------------------------------------
// [stream.autoscaling]

/// `[stream.autoscaling]`: a policy calling UpdateShardCount, read by its
/// `policy`.
#[derive(JsonSchema)]
#[schemars(tag = "policy", rename_all = "snake_case", deny_unknown_fields)]
enum Autoscaling {
    /// awslabs/amazon-kinesis-scaling-utils, as its code behaves.
    ScalingUtils {
        /// The fewest shards the policy scales to.
        #[schemars(range(min = 1, max = limits::MAX_SHARDS_PER_STREAM), extend("default" = 1))]
        min_shards: Option<u32>,
        /// The most shards the policy scales to.
        #[schemars(range(min = 1, max = limits::MAX_SHARDS_PER_STREAM))]
        #[schemars(extend("default" = limits::MAX_SHARDS_PER_STREAM))]
        max_shards: Option<u32>,
        /// The monitor's sleep between checks, s.
        #[schemars(range(min = 1), extend("default" = SCALING_UTILS_CHECK_INTERVAL_DEFAULT_S))]
        check_interval_s: Option<u32>,
        /// Operations whose CloudWatch metrics vote; an empty list means
        /// both.
        #[schemars(extend("default" = ["put", "get"]))]
        scale_on: Option<Vec<Operation>>,
        /// How often the monitor's cached open-shard count is refreshed,
        /// minutes.
        #[schemars(range(min = 0), extend("default" = SCALING_UTILS_REFRESH_SHARDS_DEFAULT_MIN))]
        refresh_shards_after_min: Option<u32>,
        /// When and how much to scale up.
        scale_up: ScaleRule,
        /// When and how much to scale down.
        scale_down: ScaleRule,
    },
    /// The step-scaling alarms of AWS's Application Auto Scaling sample for
    /// Kinesis.
    Step {
        /// The fewest shards (the scalable target's MinCapacity).
        #[schemars(range(min = 1, max = limits::MAX_SHARDS_PER_STREAM))]
        min_shards: u32,
        /// The most shards (the scalable target's MaxCapacity).
        #[schemars(range(min = 1, max = limits::MAX_SHARDS_PER_STREAM))]
        max_shards: u32,
        /// The metric the alarms watch.
        #[schemars(extend("default" = "incoming_records"))]
        metric: Option<Metric>,
        /// Both alarms' threshold, % of capacity (0 < pct ≤ 100).
        #[schemars(range(max = 100), extend("exclusiveMinimum" = 0, "default" = STEP_THRESHOLD_DEFAULT_PCT))]
        threshold_pct: Option<f64>,
        /// The scale-out alarm and its step.
        scale_out: Option<ScaleOutAlarm>,
        /// The scale-in alarm and its step.
        scale_in: Option<ScaleInAlarm>,
        /// The policy's cooldown, s.
        #[schemars(range(min = 0), extend("default" = STEP_COOLDOWN_DEFAULT_S))]
        cooldown_s: Option<f64>,
    },
    /// Target tracking of the stream's utilization.
    TargetTracking {
        /// The fewest shards (the scalable target's MinCapacity).
        #[schemars(range(min = 1, max = limits::MAX_SHARDS_PER_STREAM))]
        min_shards: u32,
        /// The most shards (the scalable target's MaxCapacity).
        #[schemars(range(min = 1, max = limits::MAX_SHARDS_PER_STREAM))]
        max_shards: u32,
        /// The metric tracked.
        #[schemars(extend("default" = "incoming_records"))]
        metric: Option<Metric>,
        /// The utilization aimed at, % of capacity (1–100).
        #[schemars(range(min = 1, max = 100))]
        target_utilization_pct: f64,
        /// Consecutive one-minute datapoints above the target before
        /// scaling out.
        #[schemars(range(min = 1, max = 1_440), extend("default" = TARGET_TRACKING_SCALE_OUT_DATAPOINTS_DEFAULT))]
        scale_out_datapoints: Option<u32>,
        /// Consecutive one-minute datapoints below `scale_in_ratio` × the
        /// target before scaling in.
        #[schemars(range(min = 1, max = 1_440), extend("default" = TARGET_TRACKING_SCALE_IN_DATAPOINTS_DEFAULT))]
        scale_in_datapoints: Option<u32>,
        /// The share of the target below which a datapoint counts for scale
        /// in (0 < r ≤ 1).
        #[schemars(range(max = 1))]
        #[schemars(extend("exclusiveMinimum" = 0, "default" = TARGET_TRACKING_SCALE_IN_RATIO_DEFAULT))]
        scale_in_ratio: Option<f64>,
        /// Cooldown after scaling out, s.
        #[schemars(range(min = 0), extend("default" = TARGET_TRACKING_COOLDOWN_DEFAULT_S))]
        scale_out_cooldown_s: Option<f64>,
        /// Cooldown after scaling in, s.
        #[schemars(range(min = 0), extend("default" = TARGET_TRACKING_COOLDOWN_DEFAULT_S))]
        scale_in_cooldown_s: Option<f64>,
        /// Never scale in.
        #[schemars(extend("default" = false))]
        disable_scale_in: Option<bool>,
    },
}

/// An operation whose metrics vote for scaling.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
enum Operation {
    /// Writes (PutRecord/PutRecords).
    Put,
    /// Reads (GetRecords).
    Get,
}

/// A metric a policy watches.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
enum Metric {
    IncomingRecords,
    IncomingBytes,
}

/// `scale_up` / `scale_down` of the scaling utility; `scale_pct` or
/// `scale_count` (or both: the count prevails).
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[schemars(extend("anyOf" = [{ "required": ["scale_pct"] }, { "required": ["scale_count"] }]))]
struct ScaleRule {
    /// The utilization that votes for the change, % (0–100).
    #[schemars(range(min = 0, max = 100))]
    threshold_pct: u32,
    /// For how long the utilization must stay past the threshold, minutes
    /// (1–1,440).
    #[schemars(range(min = 1, max = 1_440))]
    after_min: u32,
    /// Change by this percentage of the open shards (1–10,000).
    #[schemars(range(min = 1, max = 10_000))]
    scale_pct: Option<u32>,
    /// Change by this many shards.
    #[schemars(range(min = 1, max = limits::MAX_SHARDS_PER_STREAM))]
    scale_count: Option<u32>,
    /// Wait after a change before the next, minutes.
    #[schemars(range(min = 0), extend("default" = SCALING_UTILS_COOL_OFF_DEFAULT_MIN))]
    cool_off_min: Option<u32>,
}

/// The step policy's scale-out alarm.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct ScaleOutAlarm {
    /// The alarm's period, s (a multiple of 60, at most 86,400).
    #[schemars(range(min = 60, max = 86_400), extend("multipleOf" = 60, "default" = STEP_SCALE_OUT_PERIOD_DEFAULT_S))]
    period_s: Option<u32>,
    /// Periods the alarm evaluates (period × periods ≤ 1 day).
    #[schemars(range(min = 1, max = 1_440), extend("default" = STEP_SCALE_OUT_EVALUATION_PERIODS_DEFAULT))]
    evaluation_periods: Option<u32>,
    /// Shards added per step.
    #[schemars(range(min = 1, max = limits::MAX_SHARDS_PER_STREAM))]
    #[schemars(extend("default" = STEP_ADJUSTMENT_DEFAULT_SHARDS))]
    adjustment: Option<u32>,
}

/// The step policy's scale-in alarm.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct ScaleInAlarm {
    /// The alarm's period, s (a multiple of 60, at most 86,400).
    #[schemars(range(min = 60, max = 86_400), extend("multipleOf" = 60, "default" = STEP_SCALE_IN_PERIOD_DEFAULT_S))]
    period_s: Option<u32>,
    /// Periods the alarm evaluates (period × periods ≤ 1 day).
    #[schemars(range(min = 1, max = 1_440), extend("default" = STEP_SCALE_IN_EVALUATION_PERIODS_DEFAULT))]
    evaluation_periods: Option<u32>,
    /// Shards removed per step.
    #[schemars(range(min = 1, max = limits::MAX_SHARDS_PER_STREAM))]
    #[schemars(extend("default" = STEP_ADJUSTMENT_DEFAULT_SHARDS))]
    adjustment: Option<u32>,
}

// ---------------------------------------------------------------------------
// [[producers]]

/// One `[[producers]]` group. Every client's table is checked, so `--set
/// producers.N.client=…` can switch clients; the one `client` names is used.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Producer {
    /// The group's name, unique among producers.
    #[schemars(length(min = 1, max = 200))]
    name: String,
    /// Which client sends the records; its knobs are in `[producers.sdk]`,
    /// `[producers.kpl]` or `[producers.agent]`.
    #[schemars(extend("default" = "sdk"))]
    client: Option<Client>,
    /// Mean total rate of the group, records/s (> 0). Required unless
    /// `rate_pattern` is a trace, which sets it.
    #[schemars(extend("exclusiveMinimum" = 0))]
    records_per_s: Option<f64>,
    /// How arrivals are spaced.
    #[schemars(extend("default" = "poisson"))]
    arrival: Option<Arrival>,
    /// Client instances sharing the rate, each batching on its own.
    #[schemars(range(min = 1, max = 10_000), extend("default" = 1))]
    instances: Option<u32>,
    /// The data blob size of each record (1 B – 1 MiB; the partition key
    /// comes on top).
    #[schemars(extend("default" = { "dist": "fixed", "bytes": 1024 }))]
    record_bytes: Option<RecordBytes>,
    /// Which partition key each record gets. With the Kinesis Agent's
    /// `partition_key_option = "random"` it is not given (the agent keys
    /// each record at random); with `"deterministic"` it says how often
    /// records repeat.
    #[schemars(extend("default" = { "dist": "uniform", "keys": 10000 }))]
    partition_key: Option<PartitionKey>,
    /// Multiplies the mean rate over time, or replays a recorded rate.
    rate_pattern: Option<RatePattern>,
    /// The AWS SDK client's knobs (`client = "sdk"`).
    sdk: Option<Sdk>,
    /// The Kinesis Producer Library's knobs (`client = "kpl"`).
    kpl: Option<Kpl>,
    /// The Kinesis Agent's knobs (`client = "agent"`).
    agent: Option<Agent>,
}

/// The client a producer group uses.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
enum Client {
    /// An application calling the AWS SDK (PutRecords or PutRecord).
    Sdk,
    /// The Kinesis Producer Library: aggregation and collection.
    Kpl,
    /// The Kinesis Agent tailing log files.
    Agent,
}

/// How arrivals are spaced.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
enum Arrival {
    /// A Poisson process: random gaps.
    Poisson,
    /// Evenly spaced.
    Constant,
}

/// `record_bytes = { dist = … }`, bytes.
#[derive(JsonSchema)]
#[schemars(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
enum RecordBytes {
    /// Every record the same size.
    Fixed {
        /// Bytes of data per record.
        #[schemars(range(min = 1, max = limits::MAX_RECORD_DATA_BYTES))]
        bytes: u32,
    },
    /// Uniform over `min` … `max`, inclusive.
    Uniform {
        /// Smallest size, bytes.
        #[schemars(range(min = 1, max = limits::MAX_RECORD_DATA_BYTES))]
        min: u32,
        /// Largest size, bytes (≥ `min`).
        #[schemars(range(min = 1, max = limits::MAX_RECORD_DATA_BYTES))]
        max: u32,
    },
    /// Lognormal by its median and 99th percentile; draws are rounded and
    /// clamped to 1 B – 1 MiB.
    Lognormal {
        /// Median size, bytes (> 0).
        #[schemars(extend("exclusiveMinimum" = 0))]
        median: f64,
        /// 99th-percentile size, bytes (> `median`).
        #[schemars(extend("exclusiveMinimum" = 0))]
        p99: f64,
    },
}

/// `partition_key.salt`, on any finite key set.
#[derive(JsonSchema)]
struct Salted {
    /// Appends a random suffix to chosen keys before hashing, spreading
    /// each over several shards.
    salt: Option<Salt>,
}

/// `partition_key = { dist = … }`. Keys are spelled so that anyone can
/// recompute a record's shard (MD5 of the key, big-endian).
#[derive(JsonSchema)]
#[schemars(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
enum PartitionKey {
    /// Keys `key-0` … `key-{K−1}`, equally likely.
    Uniform {
        /// How many keys.
        #[schemars(range(min = 1, max = u32::MAX))]
        keys: u32,
        #[schemars(flatten)]
        salted: Salted,
    },
    /// `P(key-k) ∝ 1/(k+1)^exponent`.
    Zipf {
        /// How many keys.
        #[schemars(range(min = 1, max = u32::MAX))]
        keys: u32,
        /// The Zipf exponent (> 0).
        #[schemars(extend("exclusiveMinimum" = 0))]
        exponent: f64,
        #[schemars(flatten)]
        salted: Salted,
    },
    /// `key-0` gets `hot_share` of the records, the rest is uniform over
    /// `key-1` … `key-{K−1}`.
    Hot {
        /// How many keys (≥ 2 unless `hot_share = 1`).
        #[schemars(range(min = 1, max = u32::MAX))]
        keys: u32,
        /// The hot key's share of the records (0 < h ≤ 1).
        #[schemars(range(max = 1), extend("exclusiveMinimum" = 0))]
        hot_share: f64,
        #[schemars(flatten)]
        salted: Salted,
    },
    /// Record n (from 0) has key `{producer name}-{n}`: every key distinct.
    Unique {
        /// Not for unique keys: salting needs keys drawn from a finite set.
        salt: Option<Refused>,
    },
    /// One key for every record.
    Fixed {
        /// The key (1–256 characters).
        #[schemars(length(min = 1, max = limits::PARTITION_KEY_MAX_CHARS))]
        key: String,
        #[schemars(flatten)]
        salted: Salted,
    },
    /// An explicit hash key drawn uniformly over 0 … 2^128−1, with the
    /// one-byte partition key `a`.
    RandomHash {
        /// Not for explicit hash keys, spread evenly already: salting needs
        /// keys drawn from a finite set.
        salt: Option<Refused>,
    },
    /// A real key table's keys, each as often as its count says.
    Empirical {
        /// The key table: CSV `partition_key,count[,bytes][,hash_key]` or
        /// the Hot Shard Advisor's JSON, relative to this file.
        #[schemars(length(min = 1, max = 4096))]
        file: String,
        /// The share of traffic outside the listed keys (0 ≤ s < 1).
        #[schemars(range(min = 0), extend("exclusiveMaximum" = 1, "default" = 0))]
        other_share: Option<f64>,
        /// Synthetic keys `other-0` … carrying `other_share`.
        #[schemars(range(min = 1, max = 10_000_000), extend("default" = 10_000))]
        other_keys: Option<u32>,
        #[schemars(flatten)]
        salted: Salted,
    },
}

/// `partition_key.salt = { keys, suffixes, … }`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Salt {
    /// Which keys are salted: a list of the distribution's keys, "hot"
    /// (every key that alone would use more than `hot_above` of a shard's
    /// limit at the group's peak) or "all".
    keys: SaltedKeys,
    /// Suffixes `0` … `N−1`, drawn uniformly (2–10,000).
    #[schemars(range(min = 2, max = 10_000))]
    suffixes: u32,
    /// Between key and suffix (1–16 characters).
    #[schemars(length(min = 1, max = 16), extend("default" = "#"))]
    separator: Option<String>,
    /// With `keys = "hot"`: the share of one shard's record or byte limit
    /// a key must pass alone to be salted (0 < x ≤ 10).
    #[schemars(range(max = 10), extend("exclusiveMinimum" = 0, "default" = 0.5))]
    hot_above: Option<f64>,
}

/// `"hot"`, `"all"` or a non-empty list of keys.
fn salted_keys(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "anyOf": [
            { "enum": ["hot", "all"] },
            {
                "type": "array",
                "minItems": 1,
                "items": { "type": "string", "minLength": 1, "maxLength": limits::PARTITION_KEY_MAX_CHARS }
            }
        ]
    })
}

/// `rate_pattern = { kind = … }`.
#[derive(JsonSchema)]
#[schemars(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum RatePattern {
    /// `1 + amplitude·sin(2π(t + phase_s)/period_s)`.
    Diurnal {
        /// 0 ≤ a < 1.
        #[schemars(range(min = 0), extend("exclusiveMaximum" = 1))]
        amplitude: f64,
        /// The cycle's length, s (> 0; 86400 for a day).
        #[schemars(extend("exclusiveMinimum" = 0))]
        period_s: f64,
        /// Shift of the cycle, s.
        #[schemars(range(min = 0), extend("default" = 0))]
        phase_s: Option<f64>,
    },
    /// 1 before `at_s`, `factor` from then on.
    Step {
        /// When the rate changes, s.
        #[schemars(range(min = 0))]
        at_s: f64,
        /// The multiplier from `at_s` (≥ 0).
        #[schemars(range(min = 0))]
        factor: f64,
    },
    /// `factor` during `[at_s, at_s + duration_s)`, 1 elsewhere.
    Spike {
        /// When the spike starts, s.
        #[schemars(range(min = 0))]
        at_s: f64,
        /// How long it lasts, s (> 0).
        #[schemars(extend("exclusiveMinimum" = 0))]
        duration_s: f64,
        /// The multiplier during the spike (≥ 0).
        #[schemars(range(min = 0))]
        factor: f64,
    },
    /// A recorded rate, replayed from its first point; it sets
    /// `records_per_s`, which is then not given.
    Trace {
        /// CSV `time_s,records_per_s[,bytes_per_s]`, or `aws cloudwatch
        /// get-metric-data` / `get-metric-statistics` JSON, relative to
        /// this file.
        #[schemars(length(min = 1, max = 4096))]
        file: String,
        /// CloudWatch: the `Id` or `Label` of the records series (default:
        /// the one named IncomingRecords, or the only one).
        #[schemars(length(min = 1, max = 256))]
        records: Option<String>,
        /// CloudWatch: the `Id` or `Label` of the bytes series (default:
        /// the one named IncomingBytes, if any).
        #[schemars(length(min = 1, max = 256))]
        bytes: Option<String>,
        /// A second CloudWatch export holding IncomingBytes, relative to
        /// this file.
        #[schemars(length(min = 1, max = 4096))]
        bytes_file: Option<String>,
        /// `get-metric-statistics`: read `Sum`, or `Average × SampleCount`.
        #[schemars(extend("default" = "Sum"))]
        statistic: Option<Statistic>,
        /// Seconds each point covers (default: the smallest spacing of the
        /// points, 60 with one point).
        #[schemars(extend("exclusiveMinimum" = 0))]
        period_s: Option<f64>,
        /// Between a point's period and the next point.
        #[schemars(extend("default" = "zero"))]
        gaps: Option<Gaps>,
        /// A run longer than the trace.
        #[schemars(extend("default" = "stop"))]
        at_end: Option<AtEnd>,
        /// Multiplies every rate (> 0).
        #[schemars(extend("exclusiveMinimum" = 0, "default" = 1))]
        scale: Option<f64>,
        /// 1: each period's records arrive as a Poisson process; above 1:
        /// one burst of `burst_s` per period at this multiple of the mean.
        #[schemars(range(min = 1), extend("default" = 1))]
        peak_to_mean: Option<f64>,
        /// The burst's length, s (`peak_to_mean × burst_s` ≤ the period).
        #[schemars(extend("exclusiveMinimum" = 0, "default" = 1))]
        burst_s: Option<f64>,
    },
}

/// Which CloudWatch statistic holds the count.
#[derive(JsonSchema)]
enum Statistic {
    Sum,
    Average,
}

/// What happens between a point's period and the next point.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
enum Gaps {
    /// No records (CloudWatch leaves out minutes without data).
    Zero,
    /// The last point's rates held.
    Hold,
}

/// What happens when the trace ends before the run.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
enum AtEnd {
    /// No more records.
    Stop,
    /// The trace again.
    Loop,
}

/// `request_latency_ms = { dist = … }`: each call's round trip, ms.
#[derive(JsonSchema)]
#[schemars(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
enum RequestLatency {
    /// Every call the same (0 answers the instant a call is sent).
    Fixed {
        /// Round trip, ms (0 – 1 hour).
        #[schemars(range(min = 0, max = limits::REQUEST_LATENCY_MAX_MS))]
        ms: f64,
    },
    /// Lognormal by its median and 99th percentile; draws are cut at one
    /// hour.
    Lognormal {
        /// Median round trip, ms (> 0).
        #[schemars(range(max = limits::REQUEST_LATENCY_MAX_MS), extend("exclusiveMinimum" = 0))]
        median: f64,
        /// 99th-percentile round trip, ms (> `median`).
        #[schemars(range(max = limits::REQUEST_LATENCY_MAX_MS), extend("exclusiveMinimum" = 0))]
        p99: f64,
    },
    /// Each value of `ms` with probability weight / sum of weights.
    Discrete {
        /// The round trips, ms.
        #[schemars(length(min = 1), inner(range(min = 0, max = limits::REQUEST_LATENCY_MAX_MS)))]
        ms: Vec<f64>,
        /// One weight per value (≥ 0, not all 0).
        #[schemars(length(min = 1), inner(range(min = 0)))]
        weights: Vec<f64>,
    },
}

/// The default round trip of every client.
const DEFAULT_LATENCY: (&str, f64, f64) =
    ("lognormal", limits::REQUEST_LATENCY_MEDIAN_MS, limits::REQUEST_LATENCY_P99_MS);

/// `[producers.sdk]`: an application calling the AWS SDK. All optional.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Sdk {
    /// Batch (PutRecords) or single-record (PutRecord) calls.
    #[schemars(extend("default" = "put_records"))]
    api: Option<Api>,
    /// Records per PutRecords call (AWS: at most 500). PutRecords only.
    #[schemars(range(min = 1, max = limits::PUT_RECORDS_MAX_RECORDS))]
    #[schemars(extend("default" = limits::PUT_RECORDS_MAX_RECORDS))]
    batch_max_records: Option<u32>,
    /// Longest a record waits for its batch to fill, ms. PutRecords only.
    #[schemars(range(min = 0), extend("default" = 50))]
    linger_ms: Option<f64>,
    /// Tries per record (1 = no retries).
    #[schemars(range(min = 1, max = 100), extend("default" = 10))]
    max_attempts: Option<u32>,
    /// The first retry's back-off cap, ms (> 0).
    #[schemars(extend("exclusiveMinimum" = 0, "default" = 100))]
    backoff_base_ms: Option<f64>,
    /// The largest back-off cap, ms (≥ `backoff_base_ms`).
    #[schemars(extend("exclusiveMinimum" = 0, "default" = 5000))]
    backoff_max_ms: Option<f64>,
    /// Each call's round trip.
    #[schemars(extend("default" = { "dist": DEFAULT_LATENCY.0, "median": DEFAULT_LATENCY.1, "p99": DEFAULT_LATENCY.2 }))]
    request_latency_ms: Option<RequestLatency>,
    /// Calls in flight at once per instance (1: a plain synchronous loop).
    #[schemars(range(min = 1, max = limits::SDK_MAX_CONCURRENT_REQUESTS_MAX), extend("default" = 1))]
    max_concurrent_requests: Option<u32>,
    /// A call not answered within this fails on the client and is retried
    /// whole, ms (> 0; the AWS SDK for Java 2.x's socket timeout).
    #[schemars(extend("exclusiveMinimum" = 0, "default" = limits::SDK_REQUEST_TIMEOUT_DEFAULT_MS))]
    request_timeout_ms: Option<f64>,
}

/// The SDK call a producer makes.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
enum Api {
    /// Up to `batch_max_records` records per call.
    PutRecords,
    /// One record per call, sent at once.
    PutRecord,
}

/// `[producers.kpl]`: the Kinesis Producer Library's configuration in
/// snake_case, with its own defaults and ranges. All optional.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Kpl {
    /// Pack user records into aggregated Kinesis records.
    #[schemars(extend("default" = true))]
    aggregation_enabled: Option<bool>,
    /// User records per aggregated record.
    #[schemars(range(min = 1, max = limits::KPL_AGGREGATION_MAX_COUNT_MAX))]
    #[schemars(extend("default" = limits::KPL_AGGREGATION_MAX_COUNT_DEFAULT))]
    aggregation_max_count: Option<u64>,
    /// Bytes per aggregated record (the KPL's size estimate).
    #[schemars(range(min = limits::KPL_AGGREGATION_MAX_SIZE_MIN_BYTES, max = limits::KPL_AGGREGATION_MAX_SIZE_MAX_BYTES))]
    #[schemars(extend("default" = limits::KPL_AGGREGATION_MAX_SIZE_DEFAULT_BYTES))]
    aggregation_max_size: Option<u64>,
    /// Kinesis records per PutRecords.
    #[schemars(range(min = 1, max = limits::KPL_COLLECTION_MAX_COUNT_DEFAULT))]
    #[schemars(extend("default" = limits::KPL_COLLECTION_MAX_COUNT_DEFAULT))]
    collection_max_count: Option<u64>,
    /// Bytes per PutRecords (data and partition keys).
    #[schemars(range(min = limits::KPL_COLLECTION_MAX_SIZE_MIN_BYTES, max = limits::KPL_COLLECTION_MAX_SIZE_MAX_BYTES))]
    #[schemars(extend("default" = limits::KPL_COLLECTION_MAX_SIZE_DEFAULT_BYTES))]
    collection_max_size: Option<u64>,
    /// Throttled records fail at once instead of being retried.
    #[schemars(extend("default" = false))]
    fail_if_throttled: Option<bool>,
    /// Client-side limit per shard, % of the shard's records/s and bytes/s.
    #[schemars(range(min = 1, max = limits::KPL_RATE_LIMIT_MAX_PERCENT))]
    #[schemars(extend("default" = limits::KPL_RATE_LIMIT_DEFAULT_PERCENT))]
    rate_limit: Option<u64>,
    /// Longest a record waits to be aggregated and collected, ms.
    #[schemars(range(min = 0), extend("default" = limits::KPL_RECORD_MAX_BUFFERED_TIME_DEFAULT_MS))]
    record_max_buffered_time_ms: Option<f64>,
    /// Records not put within this fail as expired (dropped), ms.
    #[schemars(range(min = limits::KPL_RECORD_TTL_MIN_MS), extend("default" = limits::KPL_RECORD_TTL_DEFAULT_MS))]
    record_ttl_ms: Option<f64>,
    /// Each PutRecords' round trip (shardsim's key: the KPL has none).
    #[schemars(extend("default" = { "dist": DEFAULT_LATENCY.0, "median": DEFAULT_LATENCY.1, "p99": DEFAULT_LATENCY.2 }))]
    request_latency_ms: Option<RequestLatency>,
    /// PutRecords in flight at once per instance.
    #[schemars(range(min = 1, max = limits::KPL_MAX_CONNECTIONS_MAX), extend("default" = limits::KPL_MAX_CONNECTIONS_DEFAULT))]
    max_connections: Option<u32>,
    /// A PutRecords not answered within this fails whole, ms.
    #[schemars(range(min = limits::KPL_REQUEST_TIMEOUT_MIN_MS, max = limits::KPL_REQUEST_TIMEOUT_MAX_MS))]
    #[schemars(extend("default" = limits::KPL_REQUEST_TIMEOUT_DEFAULT_MS))]
    request_timeout_ms: Option<f64>,
}

/// `[producers.agent]`: the Kinesis Agent's flow keys in snake_case, with
/// its defaults; each instance is one host. All optional.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Agent {
    /// How the agent keys records.
    #[schemars(extend("default" = "random"))]
    partition_key_option: Option<PartitionKeyOption>,
    /// Whether the hosts were running before the run (shardsim's key).
    #[schemars(extend("default" = "staggered"))]
    fleet_start: Option<FleetStart>,
    /// A buffer is sent this long after its first record at the latest, ms
    /// (`maxBufferAgeMillis`).
    #[schemars(range(min = 1_000, max = 900_000), extend("default" = limits::AGENT_MAX_BUFFER_AGE_DEFAULT_MS))]
    max_buffer_age_ms: Option<f64>,
    /// Records per buffer, one PutRecords (`maxBufferSizeRecords`).
    #[schemars(range(min = 1, max = limits::PUT_RECORDS_MAX_RECORDS))]
    #[schemars(extend("default" = limits::PUT_RECORDS_MAX_RECORDS))]
    max_buffer_size_records: Option<u32>,
    /// Bytes per buffer, data and keys (`maxBufferSizeBytes`).
    #[schemars(range(min = 1, max = limits::PUT_RECORDS_MAX_BYTES), extend("default" = limits::PUT_RECORDS_MAX_BYTES))]
    max_buffer_size_bytes: Option<u64>,
    /// The publisher's first sleep after failures, ms
    /// (`retryInitialBackoffMillis`).
    #[schemars(range(min = 0), extend("default" = limits::AGENT_RETRY_INITIAL_BACKOFF_MS))]
    retry_initial_backoff_ms: Option<f64>,
    /// Its longest, ms (≥ `retry_initial_backoff_ms`;
    /// `retryMaxBackoffMillis`).
    #[schemars(range(min = 0), extend("default" = limits::AGENT_RETRY_MAX_BACKOFF_MS))]
    retry_max_backoff_ms: Option<f64>,
    /// Each PutRecords' round trip.
    #[schemars(extend("default" = { "dist": DEFAULT_LATENCY.0, "median": DEFAULT_LATENCY.1, "p99": DEFAULT_LATENCY.2 }))]
    request_latency_ms: Option<RequestLatency>,
    /// PutRecords in flight (the agent's default is 12 per core; 24 is a
    /// 2-vCPU host).
    #[schemars(range(min = 1, max = limits::AGENT_MAX_SENDING_THREADS_MAX))]
    #[schemars(extend("default" = limits::AGENT_MAX_SENDING_THREADS_DEFAULT))]
    max_sending_threads: Option<u32>,
    /// The AWS SDK for Java 1.x socket timeout the agent keeps, ms (> 0).
    #[schemars(extend("exclusiveMinimum" = 0, "default" = limits::AGENT_SOCKET_TIMEOUT_DEFAULT_MS))]
    request_timeout_ms: Option<f64>,
}

/// How the Kinesis Agent keys records.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
enum PartitionKeyOption {
    /// A random number per record (17 bytes on average); the group's
    /// `partition_key` is then not given.
    Random,
    /// The MD5 of the record's data in hex (32 bytes); the group's
    /// `partition_key` says how often records repeat.
    Deterministic,
}

/// When the agent hosts start.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
enum FleetStart {
    /// Running before the run: each host's first buffer closes at a random
    /// point of its cycle.
    Staggered,
    /// All start at 0, as after a fleet-wide restart.
    Together,
}

// ---------------------------------------------------------------------------
// [[consumers]]

/// One `[[consumers]]` table, read by its `kind`: a key of another kind is
/// an error.
#[derive(JsonSchema)]
#[schemars(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum Consumer {
    /// A KCL application reading with GetRecords (the shard's shared 2
    /// MiB/s and 5 calls/s).
    Polling {
        #[schemars(flatten)]
        common: Processing,
        /// Which shards a worker reads after a resharding.
        #[schemars(extend("default" = "parent_first"))]
        ordering: Option<Ordering>,
        /// GetRecords `Limit` (AWS default and maximum: 10,000).
        #[schemars(range(min = 1, max = limits::GET_RECORDS_MAX_RECORDS))]
        #[schemars(extend("default" = limits::GET_RECORDS_MAX_RECORDS))]
        max_records: Option<u32>,
        /// Wait between a shard's calls, ms (KCL `idleTimeBetweenReadsInMillis`).
        #[schemars(range(min = 0), extend("default" = limits::IDLE_TIME_BETWEEN_READS_DEFAULT_MS))]
        idle_time_between_reads_ms: Option<f64>,
        #[schemars(flatten)]
        kcl: Kcl,
    },
    /// A KCL application with an enhanced fan-out registration
    /// (SubscribeToShard, a dedicated 2 MiB/s per shard).
    Efo {
        #[schemars(flatten)]
        common: Processing,
        /// Which shards a worker reads after a resharding.
        #[schemars(extend("default" = "parent_first"))]
        ordering: Option<Ordering>,
        #[schemars(flatten)]
        kcl: Kcl,
    },
    /// A Lambda event-source mapping.
    Lambda {
        #[schemars(flatten)]
        common: Processing,
        /// A mapping always finishes parent shards first.
        #[schemars(extend("default" = "parent_first"))]
        ordering: Option<ParentFirst>,
        /// Standard iterator (GetRecords once a second, shared limits) or
        /// a registered enhanced fan-out consumer.
        #[schemars(extend("default" = "polling"))]
        retrieval: Option<Retrieval>,
        /// `BatchSize`: most records per invocation.
        #[schemars(range(min = 1, max = limits::LAMBDA_BATCH_SIZE_MAX))]
        #[schemars(extend("default" = limits::LAMBDA_BATCH_SIZE_DEFAULT))]
        batch_size: Option<u32>,
        /// `MaximumBatchingWindowInSeconds`: how long to gather records
        /// before invoking, s (0–300).
        #[schemars(range(min = 0, max = limits::LAMBDA_MAXIMUM_BATCHING_WINDOW_MAX_S), extend("default" = 0))]
        maximum_batching_window_s: Option<f64>,
        /// `ParallelizationFactor`: concurrent batches per shard.
        #[schemars(range(min = 1, max = limits::LAMBDA_PARALLELIZATION_FACTOR_MAX), extend("default" = 1))]
        parallelization_factor: Option<u32>,
        /// Probability that an invocation fails and its batch is retried
        /// (0 ≤ p < 1).
        #[schemars(range(min = 0), extend("exclusiveMaximum" = 1, "default" = 0))]
        function_error_rate: Option<f64>,
        /// `MaximumRetryAttempts`; −1 retries until the records would
        /// expire.
        #[schemars(range(min = -1, max = limits::LAMBDA_MAXIMUM_RETRY_ATTEMPTS_MAX), extend("default" = -1))]
        maximum_retry_attempts: Option<i64>,
    },
    /// An Amazon Data Firehose stream with this stream as its source; its
    /// delivery takes no processing time.
    Firehose {
        /// The consumer's name, unique among consumers.
        #[schemars(length(min = 1, max = 200))]
        name: String,
        /// Not for Firehose, whose buffer is delivered as it fills or times
        /// out.
        process_ms_per_record: Option<Refused>,
        /// Not for Firehose, whose buffer is delivered as it fills or times
        /// out.
        process_ms_per_batch: Option<Refused>,
        /// shardsim's Firehose reads parent shards first.
        #[schemars(extend("default" = "parent_first"))]
        ordering: Option<ParentFirst>,
        /// `IntervalInSeconds`: the buffer is delivered once its oldest
        /// record has waited this long, s; 0 delivers every read.
        #[schemars(range(min = 0, max = limits::FIREHOSE_BUFFERING_INTERVAL_MAX_S))]
        #[schemars(extend("default" = limits::FIREHOSE_BUFFERING_INTERVAL_DEFAULT_S))]
        buffering_interval_s: Option<u64>,
        /// `SizeInMBs`: the buffer is delivered as soon as it holds this
        /// much, MiB.
        #[schemars(range(min = limits::FIREHOSE_BUFFERING_SIZE_MIN_MIB, max = limits::FIREHOSE_BUFFERING_SIZE_MAX_MIB))]
        #[schemars(extend("default" = limits::FIREHOSE_BUFFERING_SIZE_DEFAULT_MIB))]
        buffering_size_mib: Option<u32>,
    },
}

/// The keys of every kind but Firehose.
#[derive(JsonSchema)]
struct Processing {
    /// The consumer's name, unique among consumers.
    #[schemars(length(min = 1, max = 200))]
    name: String,
    /// Processing time per delivered record, ms (Lambda: function duration
    /// per record).
    #[schemars(range(min = 0), extend("default" = 0))]
    process_ms_per_record: Option<f64>,
    /// Processing time per non-empty batch, ms (Lambda: per invocation).
    #[schemars(range(min = 0), extend("default" = 0))]
    process_ms_per_batch: Option<f64>,
}

/// Which shards a reader reads after a resharding.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
enum Ordering {
    /// A child shard is read once its parents reached SHARD_END (the KCL).
    ParentFirst,
    /// A child shard is read as soon as it opens, like a hand-written
    /// reader: records of one key can arrive out of order, and are counted.
    IgnoreParents,
}

/// Parent shards first, the only ordering of this kind.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
enum ParentFirst {
    ParentFirst,
}

/// How a Lambda mapping reads.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
enum Retrieval {
    Polling,
    Efo,
}

/// The worker and lease keys of a KCL application.
#[derive(JsonSchema)]
struct Kcl {
    /// Sequential processors holding shard leases (default: one per shard).
    #[schemars(range(min = 1, max = limits::MAX_SHARDS_PER_STREAM))]
    workers: Option<u32>,
    /// KCL `maxLeasesForWorker` (default: unlimited); shards beyond
    /// `workers × max_leases_per_worker` are never read.
    #[schemars(range(min = 1, max = u32::MAX))]
    max_leases_per_worker: Option<u32>,
    /// Least time between a shard's checkpoints, s; 0 checkpoints after
    /// every batch.
    #[schemars(range(min = 0), extend("default" = 0))]
    checkpoint_interval_s: Option<f64>,
    /// Worker `worker` fails at `at_s` (requires `workers`).
    worker_failure: Option<WorkerFailure>,
    /// KCL `failoverTimeMillis`: how long until a failed worker's leases
    /// are taken, ms (> 0).
    #[schemars(extend("exclusiveMinimum" = 0, "default" = limits::KCL_FAILOVER_TIME_DEFAULT_MS))]
    failover_time_ms: Option<f64>,
    /// After a resharding, how often a child shard's processor checks that
    /// its parents reached SHARD_END, ms (KCL
    /// `parentShardPollIntervalMillis`).
    #[schemars(extend("exclusiveMinimum" = 0, "default" = limits::KCL_PARENT_SHARD_POLL_INTERVAL_DEFAULT_MS))]
    parent_shard_poll_interval_ms: Option<f64>,
    /// The application's DynamoDB lease table, read by its `billing`.
    #[schemars(extend("default" = { "billing": "on_demand" }))]
    lease_table: Option<LeaseTable>,
}

/// `worker_failure = { worker, at_s }`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct WorkerFailure {
    /// The failing worker's index (below `workers`).
    #[schemars(range(min = 0, max = limits::MAX_SHARDS_PER_STREAM - 1))]
    worker: u32,
    /// When it fails, s (before `duration_s`).
    #[schemars(range(min = 0))]
    at_s: f64,
}

/// `lease_table = { billing = … }`.
#[derive(JsonSchema)]
#[schemars(tag = "billing", rename_all = "snake_case", deny_unknown_fields)]
enum LeaseTable {
    /// PAY_PER_REQUEST, as the KCL creates it.
    OnDemand {},
    /// Provisioned capacity, as KCL 1.x created it (10 WCU, 10 RCU).
    Provisioned {
        /// Write capacity units.
        #[schemars(range(min = 1, max = limits::DYNAMODB_TABLE_MAX_CAPACITY_UNITS))]
        wcu: u32,
        /// Read capacity units.
        #[schemars(range(min = 1, max = limits::DYNAMODB_TABLE_MAX_CAPACITY_UNITS))]
        rcu: u32,
    },
}

// ---------------------------------------------------------------------------
// [slo], [[faults]], pricing

/// `[slo]`: upper limits, at least one. The consumer objectives need a
/// consumer.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields, extend("minProperties" = 1))]
struct Slo {
    /// Most throttled share of write attempts (`producers.throttle_rate`),
    /// 0–1.
    #[schemars(range(min = 0, max = 1))]
    max_throttle_rate: Option<f64>,
    /// Most p99 end-to-end latency of any consumer, ms (> 0).
    #[schemars(extend("exclusiveMinimum" = 0))]
    max_end_to_end_latency_ms_p99: Option<f64>,
    /// Most records the producers gave up.
    #[schemars(range(min = 0))]
    max_records_dropped: Option<u64>,
    /// Most records any consumer lost to retention.
    #[schemars(range(min = 0))]
    max_records_expired: Option<u64>,
    /// Most iterator age of any consumer, ms (> 0).
    #[schemars(extend("exclusiveMinimum" = 0))]
    max_iterator_age_ms: Option<f64>,
}

/// One `[[faults]]` window `[from_s, to_s)` of service trouble.
#[derive(JsonSchema)]
#[schemars(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum Fault {
    /// Each record a put call offers to one of `shards` fails with
    /// InternalFailure with probability `rate`.
    InternalFailure {
        /// The window's start, s (before the run ends).
        #[schemars(range(min = 0))]
        from_s: f64,
        /// The window's end, s (after `from_s`).
        #[schemars(extend("exclusiveMinimum" = 0))]
        to_s: f64,
        /// Failure probability (0 < r ≤ 1).
        #[schemars(range(max = 1), extend("exclusiveMinimum" = 0))]
        rate: f64,
        /// The shards affected.
        #[schemars(extend("default" = "all"))]
        shards: Option<ShardSet>,
    },
    /// Each put call fails whole with ServiceUnavailable (HTTP 503) with
    /// probability `rate`.
    ServiceUnavailable {
        /// The window's start, s (before the run ends).
        #[schemars(range(min = 0))]
        from_s: f64,
        /// The window's end, s (after `from_s`).
        #[schemars(extend("exclusiveMinimum" = 0))]
        to_s: f64,
        /// Failure probability (0 < r ≤ 1).
        #[schemars(range(max = 1), extend("exclusiveMinimum" = 0))]
        rate: f64,
    },
    /// Put calls leaving in the window take `factor` times their round
    /// trip.
    Latency {
        /// The window's start, s (before the run ends).
        #[schemars(range(min = 0))]
        from_s: f64,
        /// The window's end, s (after `from_s`).
        #[schemars(extend("exclusiveMinimum" = 0))]
        to_s: f64,
        /// The multiplier (1–1,000).
        #[schemars(range(min = 1, max = limits::FAULT_LATENCY_FACTOR_MAX))]
        factor: f64,
    },
    /// Each GetRecords call on one of `shards` fails, and each enhanced
    /// fan-out push ends its subscription, with probability `rate`.
    ReadFailure {
        /// The window's start, s (before the run ends).
        #[schemars(range(min = 0))]
        from_s: f64,
        /// The window's end, s (after `from_s`).
        #[schemars(extend("exclusiveMinimum" = 0))]
        to_s: f64,
        /// Failure probability (0 < r ≤ 1).
        #[schemars(range(max = 1), extend("exclusiveMinimum" = 0))]
        rate: f64,
        /// The shards affected.
        #[schemars(extend("default" = "all"))]
        shards: Option<ShardSet>,
    },
}

/// `pricing = "file.toml"` or a `[pricing]` table.
#[derive(JsonSchema)]
#[schemars(untagged)]
enum Pricing {
    /// A price table file with every rate of the shipped one, relative to
    /// this file's folder.
    File(#[schemars(length(min = 1, max = 4096))] String),
    /// Single rates replacing the price table's, and optionally its file.
    Rates(PricingRates),
}

/// `[pricing]`: an optional `file` and `[pricing.<section>]` rates.
struct PricingRates;

impl JsonSchema for PricingRates {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PricingRates".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let built_in = crate::scenario::built_in_prices();
        let mut properties = Map::new();
        properties.insert(
            "file".into(),
            serde_json::json!({
                "type": "string",
                "minLength": 1,
                "maxLength": 4096,
                "description": "A price table file with every rate of the shipped one, relative to this file's folder; the rates below change it."
            }),
        );
        for section in SECTIONS {
            let rates: Map<String, Value> = Rate::in_section(section)
                .map(|rate| {
                    let key = rate.section_key().1;
                    let mut schema = serde_json::json!({
                        "type": "number",
                        "minimum": 0,
                        "description": format!(
                            "Replaces the price table's `{}` (built-in us-east-1: {}).",
                            rate.path(),
                            built_in[rate]
                        ),
                    });
                    if rate.max().is_finite() {
                        schema["maximum"] = rate.max().into();
                    }
                    (key.to_string(), schema)
                })
                .collect();
            properties.insert(
                section.into(),
                serde_json::json!({
                    "type": "object",
                    "description": format!("Rates of the price table's `[{section}]`, in USD."),
                    "properties": rates,
                    "additionalProperties": false,
                }),
            );
        }
        json_schema!({
            "type": "object",
            "properties": properties,
            "additionalProperties": false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_keys_are_not_nullable_and_defaults_are_said() {
        let schema = json_schema();
        let text = schema.to_string();
        assert!(!text.contains("\"null\""), "a null type is left");
        assert!(!text.contains("uint32") && !text.contains("\"double\""), "a Rust format is left");
        let stream = &schema["definitions"]["Stream"]["properties"];
        assert_eq!(stream["retention_hours"]["default"], 24);
        let description = stream["capacity_mode"]["description"].as_str().unwrap();
        assert!(description.ends_with("Default: \"provisioned\"."), "{description}");
    }

    #[test]
    fn toml_values_are_written_inline() {
        let value = serde_json::json!({ "dist": "lognormal", "median": 25, "p99": 100.5, "keys": ["a"] });
        assert_eq!(toml_value(&value), "{ dist = \"lognormal\", keys = [\"a\"], median = 25, p99 = 100.5 }");
    }
}
