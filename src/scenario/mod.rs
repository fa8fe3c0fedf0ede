//! Scenario loading: TOML text plus `--set` overrides in, a validated
//! [`model::Scenario`] or every problem found ([`ScenarioErrors`]) out.
//!
//! The pipeline is `tree` (parse into an owned tree that remembers where each
//! value came from, then apply overrides to it) → `validate` (check and
//! convert, collecting problems) → `errors` (locate and render them). Because
//! overrides edit the tree before validation, `--set` values get exactly the
//! same checks as file values. `schema` describes the same format as a JSON
//! Schema for TOML editors; [`keys_read`] lets tests hold the two together.

pub mod errors;
pub mod files;
pub mod model;
pub mod schema;
mod sweep;
mod tree;
mod validate;

pub use errors::{Diagnostic, Location, ScenarioErrors};
pub use files::DataFiles;
pub use validate::reshard_warnings;

use std::rc::Rc;

use crate::cost::prices::{self, PriceTable};
use errors::{Problem, Sink};
use tree::Origin;

/// Parses `text` (the contents of the file named `source_name`, used only in
/// messages), applies `overrides` ("PATH=VALUE" strings from `--set`, in
/// order), validates.
pub fn load(source_name: &str, text: &str, overrides: &[String]) -> Result<model::Scenario, ScenarioErrors> {
    let mut plan = load_plan(source_name, text, overrides, &[], None)?;
    if plan.points.len() > 1 {
        let problem = Problem {
            origin: Origin::WholeFile,
            path: "sweep".into(),
            message: format!("this file sweeps {} configurations; load it as a plan", plan.points.len()),
        };
        return Err(ScenarioErrors::new(source_name, text, &[], vec![problem]));
    }
    Ok(plan.points.remove(0).scenario)
}

/// Parses `text`, applies `overrides` (`--set`), expands its `[sweep]`
/// and the `sweeps` (`--sweep PATH=V1,V2,…`) into one validated scenario
/// per combination, and takes `replications` (`--replications`) over the
/// file's. It may name no data files (see [`load_plan_with`]).
pub fn load_plan(
    source_name: &str,
    text: &str,
    overrides: &[String],
    sweeps: &[String],
    replications: Option<u32>,
) -> Result<model::Plan, ScenarioErrors> {
    load_plan_with(source_name, text, overrides, sweeps, replications, Rc::new(DataFiles::none()))
}

/// [`load_plan`], reading the data files the scenario names through
/// `files`.
pub fn load_plan_with(
    source_name: &str,
    text: &str,
    overrides: &[String],
    sweeps: &[String],
    replications: Option<u32>,
    files: Rc<DataFiles>,
) -> Result<model::Plan, ScenarioErrors> {
    expand(source_name, text, overrides, sweeps, replications, files, None)
}

/// What validating one configuration read: its tree and the keys asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct KeysRead {
    /// The tree validated — the file with the `--set` overrides and this
    /// configuration's sweep values applied, without `[sweep]` — as JSON.
    pub document: serde_json::Value,
    /// The path of every key validation asked for, written or not, in the
    /// order asked (`producers[0].partition_key.exponent`): the keys it
    /// accepts there. A key may repeat.
    pub paths: Vec<String>,
}

/// Loads `text` as [`load_plan_with`] does (no `--sweep`, the file's
/// replications) and says, for each configuration, which keys validation
/// asked for: the list of keys a scenario may contain, for checking a
/// description of the format (the JSON Schema) against the validator.
pub fn keys_read(
    source_name: &str,
    text: &str,
    overrides: &[String],
    files: Rc<DataFiles>,
) -> Result<Vec<KeysRead>, ScenarioErrors> {
    let mut read = Vec::new();
    expand(source_name, text, overrides, &[], None, files, Some(&mut read))?;
    Ok(read)
}

/// [`load_plan_with`], recording what each configuration's validation
/// read into `keys` when given.
fn expand(
    source_name: &str,
    text: &str,
    overrides: &[String],
    sweeps: &[String],
    replications: Option<u32>,
    files: Rc<DataFiles>,
    mut keys: Option<&mut Vec<KeysRead>>,
) -> Result<model::Plan, ScenarioErrors> {
    let arguments: Vec<String> =
        overrides.iter().map(|o| format!("--set {o}")).chain(sweeps.iter().map(|s| format!("--sweep {s}"))).collect();
    let fail = |problems| ScenarioErrors::new(source_name, text, &arguments, problems);
    let mut root = tree::parse_document(text).map_err(|p| fail(vec![p]))?;
    let sink = Sink::with_files(files);
    for (index, argument) in overrides.iter().enumerate() {
        if let Err(problem) = tree::apply_override(&mut root, index, argument) {
            sink.push(problem);
        }
    }
    let (mut axes, file_replications) = sweep::take_sweep_table(&mut root, &sink);
    for (i, argument) in sweeps.iter().enumerate() {
        if let Some(axis) = sweep::parse_sweep_argument(argument, overrides.len() + i, &sink) {
            // The command line replaces the file's values for the same path.
            axes.retain(|a| a.path != axis.path);
            axes.push(axis);
        }
    }
    let replications = replications.or(file_replications.map(|(r, _)| r)).unwrap_or(1);
    let combinations = sweep::combinations(&axes);
    let runs = combinations.len() as u64 * replications as u64;
    if runs > sweep::MAX_RUNS {
        let origin = axes.first().map_or(Origin::WholeFile, |a| a.origin);
        sink.report(
            origin,
            "sweep",
            format!(
                "{} combinations × {replications} replications = {runs} runs; at most {} are allowed",
                combinations.len(),
                sweep::MAX_RUNS
            ),
        );
        return Err(fail(sink.into_problems()));
    }
    let mut points = Vec::new();
    for choice in &combinations {
        let Some(tree) = sweep::apply(&root, &axes, choice, &sink) else { continue };
        let validated = match keys.as_deref_mut() {
            Some(keys) => {
                let (validated, paths) = validate::recording(|| validate::scenario(&tree, &sink));
                keys.push(KeysRead { document: sweep::to_json(&tree), paths });
                validated
            }
            None => validate::scenario(&tree, &sink),
        };
        if let Some(scenario) = validated {
            let parameters =
                axes.iter().zip(choice).map(|(a, &i)| (a.path.clone(), sweep::to_json(&a.values[i]))).collect();
            points.push(model::PlanPoint { parameters, scenario });
        }
    }
    let complete = points.len() == combinations.len();
    outcome(complete.then_some(model::Plan { points, replications }), sink).map_err(fail)
}

/// Parses and validates a price table file (`pricing/us-east-1.toml` or a
/// file a scenario names); `source_name` names it in messages and in the
/// report.
pub fn load_prices(source_name: &str, text: &str) -> Result<PriceTable, ScenarioErrors> {
    checked(source_name, text, |root, sink| validate::price_table(root, sink, source_name))
}

/// The built-in us-east-1 table.
pub fn built_in_prices() -> PriceTable {
    // A unit test proves the built-in text valid.
    load_prices(prices::BUILT_IN_NAME, prices::BUILT_IN_TEXT).unwrap_or_else(|e| panic!("built-in price table: {e}"))
}

/// Parses `text` and validates the tree with `read`, collecting every
/// problem.
fn checked<T>(
    source_name: &str,
    text: &str,
    read: impl FnOnce(&tree::Node, &Sink) -> Option<T>,
) -> Result<T, ScenarioErrors> {
    let fail = |problems| ScenarioErrors::new(source_name, text, &[], problems);
    // A syntax error leaves nothing trustworthy to validate.
    let root = tree::parse_document(text).map_err(|p| fail(vec![p]))?;
    let sink = Sink::default();
    outcome(read(&root, &sink), sink).map_err(fail)
}

/// The validated `value`, or every problem reported to `sink` (a missing
/// value with nothing reported is a bug, said as such).
fn outcome<T>(value: Option<T>, sink: Sink) -> Result<T, Vec<Problem>> {
    match value {
        Some(value) if sink.is_empty() => Ok(value),
        _ if sink.is_empty() => Err(vec![Problem {
            origin: Origin::WholeFile,
            path: String::new(),
            message: "internal error: validation failed without saying why".into(),
        }]),
        _ => Err(sink.into_problems()),
    }
}

#[cfg(test)]
mod tests {
    use super::model::*;
    use super::*;
    use crate::time::SimTime;

    const MINIMAL: &str = r#"
[scenario]
name = "minimal"

[stream]
shard_count = 2

[[producers]]
name = "p"
records_per_s = 100
"#;

    fn set(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| a.to_string()).collect()
    }

    /// The rendered error lines for `text` with `overrides`.
    fn errors(text: &str, overrides: &[&str]) -> Vec<String> {
        match load("x.toml", text, &set(overrides)) {
            Ok(s) => panic!("expected errors, got {s:?}"),
            Err(e) => e.to_string().lines().map(String::from).collect(),
        }
    }

    fn load_ok(text: &str, overrides: &[&str]) -> Scenario {
        load("x.toml", text, &set(overrides)).unwrap_or_else(|e| panic!("{e}"))
    }

    fn default_sdk() -> SdkSpec {
        SdkSpec {
            api: SdkApi::PutRecords,
            batch_max_records: 500,
            batch_max_bytes: 5 * 1024 * 1024,
            linger: SimTime::from_millis_f64(50.0),
            max_attempts: 10,
            backoff_base: SimTime::from_millis_f64(100.0),
            backoff_max: SimTime::from_millis_f64(5_000.0),
            requests: RequestSpec { latency: LatencyDist::DEFAULT, max_concurrent: 1, timeout: SimTime::from_secs(30) },
        }
    }

    #[test]
    fn minimal_scenario_takes_every_default() {
        let expected = Scenario {
            name: "minimal".into(),
            seed: 1,
            duration: SimTime::from_secs(60),
            warmup: SimTime::ZERO,
            stream: StreamSpec {
                capacity_mode: CapacityMode::Provisioned,
                shard_count: 2,
                retention_hours: 24.0,
                write_limit_model: WriteLimitModel::TokenBucket,
                read_limit_model: ReadLimitModel::PerSecondWindow,
                shard_write_records_per_s: 1_000,
                shard_write_bytes_per_s: 1_048_576,
                reshard_limits: ReshardLimits::default(),
                reshard: Vec::new(),
                autoscaling: None,
                on_demand: None,
                mode_switches: Vec::new(),
                shards_file: None,
            },
            producers: vec![ProducerSpec {
                name: "p".into(),
                client: ClientSpec::Sdk(default_sdk()),
                records_per_s: 100.0,
                arrival: Arrival::Poisson,
                instances: 1,
                record_bytes: SizeDist::Fixed { bytes: 1024 },
                partition_key: KeyDist::Uniform { keys: 10_000 },
                rate_pattern: None,
                key_salt: None,
            }],
            consumers: vec![],
            pricing: PricingSpec::default(),
            slo: None,
            faults: Vec::new(),
        };
        assert_eq!(load_ok(MINIMAL, &[]), expected);
    }

    #[test]
    fn full_scenario_parses_every_key() {
        let text = r#"
[scenario]
name = "iot-telemetry.v2"
seed = 42
duration_s = 600.5
warmup_s = 10

[stream]
capacity_mode = "provisioned"
shard_count = 8
retention_hours = 48.5
write_limit_model = "per_second_window"
read_limit_model = "sliding_window"
shard_write_records_per_s = 2000
shard_write_bytes_per_s = 0x200000

[[producers]]
name = "devices"
client = "sdk"
records_per_s = 3000.5
arrival = "constant"
instances = 4
record_bytes = { dist = "lognormal", median = 800, p99 = 4000.5 }
partition_key = { dist = "hot", keys = 100, hot_share = 0.25 }
rate_pattern = { kind = "diurnal", amplitude = 0.5, period_s = 86400, phase_s = 3600 }

[producers.sdk]
api = "put_records"
batch_max_records = 100
linger_ms = 0.5
max_attempts = 3
backoff_base_ms = 20
backoff_max_ms = 20

[[producers]]
name = "batch"
records_per_s = 1
record_bytes = { dist = "uniform", min = 10, max = 10 }
partition_key = { dist = "fixed", key = "k/1" }
rate_pattern = { kind = "spike", at_s = 5, duration_s = 0.25, factor = 0 }

[[producers]]
name = "z"
records_per_s = 1
partition_key = { dist = "zipf", keys = 5, exponent = 1.1 }
rate_pattern = { kind = "step", at_s = 0, factor = 2 }

[[consumers]]
name = "analytics"
kind = "polling"
max_records = 2500
idle_time_between_reads_ms = 1000
process_ms_per_record = 0.5
process_ms_per_batch = 20

[[consumers]]
name = "defaults"
kind = "polling"

[[consumers]]
name = "fanout"
kind = "efo"
workers = 2
max_leases_per_worker = 3
checkpoint_interval_s = 60
worker_failure = { worker = 1, at_s = 30 }
failover_time_ms = 20000

[[consumers]]
name = "fn"
kind = "lambda"
retrieval = "efo"
batch_size = 500
maximum_batching_window_s = 1.5
parallelization_factor = 4
function_error_rate = 0.01
maximum_retry_attempts = 2
process_ms_per_batch = 100

[[consumers]]
name = "fn-defaults"
kind = "lambda"
"#;
        let s = load_ok(text, &[]);
        let ms = SimTime::from_millis_f64;
        let consumer = |name: &str, kind, per_record_ms, per_batch_ms| ConsumerSpec {
            name: name.into(),
            kind,
            process_per_record: ms(per_record_ms),
            process_per_batch: ms(per_batch_ms),
            ordering: Ordering::ParentFirst,
        };
        let polling = |max_records, idle_ms| PollingSpec { max_records, idle_time_between_reads: ms(idle_ms) };
        let one_per_shard = KclSpec {
            workers: None,
            max_leases_per_worker: None,
            checkpoint_interval: SimTime::ZERO,
            failure: None,
            parent_shard_poll_interval: SimTime::from_secs(10),
            failover_time: SimTime::from_secs(10),
            lease_table: LeaseTableSpec::OnDemand,
        };
        let lambda = |retrieval, batch_size, window_s, pf, error_rate, retries| LambdaSpec {
            retrieval,
            batch_size,
            maximum_batching_window: SimTime::from_secs_f64(window_s),
            parallelization_factor: pf,
            function_error_rate: error_rate,
            maximum_retry_attempts: retries,
        };
        let efo = KclSpec {
            workers: Some(2),
            max_leases_per_worker: Some(3),
            checkpoint_interval: SimTime::from_secs(60),
            failure: Some(WorkerFailure { worker: 1, at: SimTime::from_secs(30), failover_time: ms(20_000.0) }),
            parent_shard_poll_interval: SimTime::from_secs(10),
            failover_time: ms(20_000.0),
            lease_table: LeaseTableSpec::OnDemand,
        };
        assert_eq!(
            s.consumers,
            vec![
                consumer("analytics", ConsumerKind::Polling(polling(2_500, 1_000.0), one_per_shard.clone()), 0.5, 20.0),
                consumer("defaults", ConsumerKind::Polling(polling(10_000, 1_500.0), one_per_shard), 0.0, 0.0),
                consumer("fanout", ConsumerKind::Efo(efo), 0.0, 0.0),
                consumer("fn", ConsumerKind::Lambda(lambda(Retrieval::Efo, 500, 1.5, 4, 0.01, Some(2))), 0.0, 100.0),
                consumer(
                    "fn-defaults",
                    ConsumerKind::Lambda(lambda(Retrieval::Polling, 100, 0.0, 1, 0.0, None)),
                    0.0,
                    0.0
                ),
            ]
        );
        assert_eq!(s.name, "iot-telemetry.v2");
        assert_eq!(s.seed, 42);
        assert_eq!(s.duration, SimTime(600_500_000_000));
        assert_eq!(s.warmup, SimTime::from_secs(10));
        assert_eq!(
            s.stream,
            StreamSpec {
                capacity_mode: CapacityMode::Provisioned,
                shard_count: 8,
                retention_hours: 48.5,
                write_limit_model: WriteLimitModel::PerSecondWindow,
                read_limit_model: ReadLimitModel::SlidingWindow,
                shard_write_records_per_s: 2000,
                shard_write_bytes_per_s: 2 * 1_048_576,
                reshard_limits: ReshardLimits::default(),
                reshard: Vec::new(),
                autoscaling: None,
                on_demand: None,
                mode_switches: Vec::new(),
                shards_file: None,
            }
        );
        let devices = ProducerSpec {
            name: "devices".into(),
            client: ClientSpec::Sdk(SdkSpec {
                api: SdkApi::PutRecords,
                batch_max_records: 100,
                batch_max_bytes: 5 * 1024 * 1024,
                linger: SimTime(500_000),
                max_attempts: 3,
                backoff_base: SimTime(20_000_000),
                backoff_max: SimTime(20_000_000),
                ..default_sdk()
            }),
            records_per_s: 3000.5,
            arrival: Arrival::Constant,
            instances: 4,
            record_bytes: SizeDist::LogNormal { median: 800.0, p99: 4000.5 },
            partition_key: KeyDist::Hot { keys: 100, hot_share: 0.25 },
            rate_pattern: Some(RatePattern::Diurnal {
                amplitude: 0.5,
                period: SimTime::from_secs(86_400),
                phase: SimTime::from_secs(3_600),
            }),
            key_salt: None,
        };
        let batch = ProducerSpec {
            name: "batch".into(),
            client: ClientSpec::Sdk(default_sdk()),
            records_per_s: 1.0,
            arrival: Arrival::Poisson,
            instances: 1,
            record_bytes: SizeDist::Uniform { min: 10, max: 10 },
            partition_key: KeyDist::Fixed { key: "k/1".into() },
            rate_pattern: Some(RatePattern::Spike {
                at: SimTime::from_secs(5),
                duration: SimTime(250_000_000),
                factor: 0.0,
            }),
            key_salt: None,
        };
        let z = ProducerSpec {
            name: "z".into(),
            partition_key: KeyDist::Zipf { keys: 5, exponent: 1.1 },
            rate_pattern: Some(RatePattern::Step { at: SimTime::ZERO, factor: 2.0 }),
            key_salt: None,
            ..batch.clone()
        };
        let z = ProducerSpec { record_bytes: SizeDist::Fixed { bytes: 1024 }, ..z };
        assert_eq!(s.producers, vec![devices, batch, z]);
    }

    #[test]
    fn remaining_key_dists_parse() {
        let key = |dist: &str| {
            let s = load_ok(MINIMAL, &[&format!("producers.0.partition_key={dist}")]);
            s.producers[0].partition_key.clone()
        };
        assert_eq!(key(r#"{ dist = "unique" }"#), KeyDist::Unique);
        assert_eq!(key(r#"{ dist = "random_hash" }"#), KeyDist::RandomHash);
        assert_eq!(key(r#"{ dist = "hot", keys = 1, hot_share = 1 }"#), KeyDist::Hot { keys: 1, hot_share: 1.0 });
    }

    #[test]
    fn misspelled_key_gets_location_and_suggestion() {
        let text = MINIMAL.replace("shard_count = 2", "shard_cout = 2");
        assert_eq!(
            errors(&text, &[]),
            [
                "x.toml:5:1: stream.shard_count: missing required key",
                "x.toml:6:1: stream.shard_cout: unknown key; did you mean `shard_count`? valid keys: \
                 capacity_mode, mode_switch, shards_file, shard_count, retention_hours, write_limit_model, \
                 read_limit_model, shard_write_records_per_s, shard_write_bytes_per_s, reshard_op_s, shard_quota, \
                 update_shard_count_per_24h, scale_down_rounding, scale_limit_exception, mode_switch_s, reshard, \
                 autoscaling",
            ]
        );
    }

    #[test]
    fn unknown_top_level_tables_list_the_valid_ones() {
        let text = format!("{MINIMAL}\n[sweeps]\nname = \"a\"\n");
        assert_eq!(
            errors(&text, &[]),
            [
                "x.toml:12:2: sweeps: unknown key; did you mean `sweep`? valid keys: scenario, stream, producers, consumers, pricing, sweep, slo, faults"
            ]
        );
    }

    #[test]
    fn wrong_types_say_what_was_expected_and_found() {
        let text = MINIMAL.replace("shard_count = 2", "shard_count = \"ten\"");
        assert_eq!(
            errors(&text, &[]),
            ["x.toml:6:15: stream.shard_count: expected a positive integer, got string \"ten\""]
        );
        let text = MINIMAL.replace("shard_count = 2", "shard_count = 2.0");
        assert_eq!(errors(&text, &[]), ["x.toml:6:15: stream.shard_count: expected a positive integer, got float 2.0"]);
        let text = format!("stream = [1]\n{}", MINIMAL.replace("[stream]\nshard_count = 2", ""));
        assert_eq!(errors(&text, &[]), ["x.toml:1:10: stream: expected a table, got array"]);
    }

    #[test]
    fn out_of_range_numbers_are_reported() {
        let text = MINIMAL.replace("records_per_s = 100", "records_per_s = -5");
        assert_eq!(errors(&text, &[]), ["x.toml:10:17: producers[0].records_per_s: must be > 0, got -5"]);
        let text = MINIMAL.replace("shard_count = 2", "shard_count = 0");
        assert_eq!(errors(&text, &[]), ["x.toml:6:15: stream.shard_count: must be between 1 and 10000, got 0"]);
        let text = MINIMAL.replace("shard_count = 2", "shard_count = 99999999999999999999999999999999999999999");
        assert!(errors(&text, &[])[0].contains("got integer 99999999999999999999999999999999999999999 (out of range)"));
    }

    #[test]
    fn nan_and_infinity_are_rejected() {
        let text = MINIMAL.replace("records_per_s = 100", "records_per_s = nan");
        assert_eq!(errors(&text, &[]), ["x.toml:10:17: producers[0].records_per_s: must be a finite number, got nan"]);
        let lines = errors(MINIMAL, &["scenario.duration_s=inf", "scenario.warmup_s=-inf"]);
        assert_eq!(
            lines,
            [
                "--set scenario.duration_s=inf: scenario.duration_s: must be a finite number, got inf",
                "--set scenario.warmup_s=-inf: scenario.warmup_s: must be a finite number, got -inf",
            ]
        );
    }

    #[test]
    fn every_problem_in_a_file_is_reported() {
        let text = r#"
[scenario]
name = "a/b"
duration_s = 10
warmup_s = 10
colour = "red"

[stream]
capacity_mode = "serverless"
shard_count = 0

[[producers]]
name = "p"
client = "grpc"
records_per_s = 0
arrival = "possion"
record_bytes = { dist = "uniform", min = 10, max = 5 }
partition_key = { dist = "zipfian", keys = 5 }
rate_pattern = { kind = "step", at_s = 1, factor = 2, extra = 1 }

[producers.sdk]
backoff_base_ms = 6000

[producers.kpl]
rate_limit = 0
record_ttl_ms = 50
aggregation_enabled = "yes"

[[producers]]
name = "p"
records_per_s = 1
"#;
        let lines = errors(text, &[]);
        let expected = [
            "x.toml:3:8: scenario.name: must contain only letters, digits, `.`, `_` and `-` (it names the report folder), got \"a/b\"",
            "x.toml:5:12: scenario.warmup_s: warmup_s (10.0 s) must be < duration_s (10.0 s)",
            "x.toml:6:1: scenario.colour: unknown key; valid keys: name, seed, duration_s, warmup_s",
            "x.toml:9:17: stream.capacity_mode: unknown value \"serverless\"; valid: \"provisioned\", \"on_demand\", \"on_demand_advantage\"",
            "x.toml:10:15: stream.shard_count: must be between 1 and 10000, got 0",
            "x.toml:14:10: producers[0].client: unknown value \"grpc\"; valid: \"sdk\", \"kpl\", \"agent\"",
            "x.toml:15:17: producers[0].records_per_s: must be > 0, got 0",
            "x.toml:16:11: producers[0].arrival: unknown value \"possion\"; valid: \"constant\", \"poisson\"",
            "x.toml:17:52: producers[0].record_bytes.max: min (10) must be <= max (5)",
            "x.toml:18:26: producers[0].partition_key.dist: unknown value \"zipfian\"; valid: \"uniform\", \"zipf\", \"hot\", \"unique\", \"fixed\", \"random_hash\", \"empirical\"",
            "x.toml:19:55: producers[0].rate_pattern.extra: unknown key; valid keys: kind, at_s, factor",
            "x.toml:22:19: producers[0].sdk.backoff_base_ms: backoff_max_ms (5000.0 ms) must be >= backoff_base_ms (6000.0 ms)",
            "x.toml:25:14: producers[0].kpl.rate_limit: must be >= 1, got 0",
            "x.toml:26:17: producers[0].kpl.record_ttl_ms: must be >= 100, got 50",
            "x.toml:27:23: producers[0].kpl.aggregation_enabled: expected true or false, got string \"yes\"",
            "x.toml:30:8: producers[1].name: duplicate producer name \"p\" (also used by producers[0])",
        ];
        assert_eq!(lines.len(), 16);
        assert_eq!(lines, expected);
    }

    #[test]
    fn request_keys_are_checked_with_their_paths() {
        let bad = |key: &str, value: &str| errors(MINIMAL, &[&format!("producers.0.sdk.{key}={value}")]);
        let arg = |key: &str, value: &str| format!("--set producers.0.sdk.{key}={value}: producers[0].sdk.{key}");
        let v = r#"{ dist = "discrete", ms = [20, 8000], weights = [1] }"#;
        assert_eq!(
            bad("request_latency_ms", v),
            [format!(
                "{}.weights: ms has 2 values and weights 1: give one weight per value",
                arg("request_latency_ms", v)
            )]
        );
        let v = r#"{ dist = "discrete", ms = [20], weights = [0] }"#;
        assert_eq!(
            bad("request_latency_ms", v),
            [format!("{}.weights: weights must not all be 0", arg("request_latency_ms", v))]
        );
        let v = r#"{ dist = "lognormal", median = 30, p99 = 20 }"#;
        assert_eq!(
            bad("request_latency_ms", v),
            [format!("{}.p99: median (30.0) must be < p99 (20.0)", arg("request_latency_ms", v))]
        );
        let v = r#"{ dist = "gamma", ms = 3 }"#;
        assert_eq!(
            bad("request_latency_ms", v),
            [format!(
                "{}.dist: unknown value \"gamma\"; valid: \"fixed\", \"lognormal\", \"discrete\"",
                arg("request_latency_ms", v)
            )]
        );
        assert_eq!(
            bad("max_concurrent_requests", "0"),
            [format!("{}: must be between 1 and 10000, got 0", arg("max_concurrent_requests", "0"))]
        );
        let kpl = errors(MINIMAL, &["producers.0.client=kpl", "producers.0.kpl.max_connections=257"]);
        assert_eq!(
            kpl,
            [
                "--set producers.0.kpl.max_connections=257: producers[0].kpl.max_connections: must be between 1 and 256, got 257"
            ]
        );
        let kpl = errors(MINIMAL, &["producers.0.client=kpl", "producers.0.kpl.request_timeout_ms=50"]);
        assert_eq!(
            kpl,
            [
                "--set producers.0.kpl.request_timeout_ms=50: producers[0].kpl.request_timeout_ms: must be >= 100 and <= 600000, got 50"
            ]
        );
    }

    #[test]
    fn the_agent_takes_its_own_defaults_and_key_rules() {
        let s = load_ok(MINIMAL, &["producers.0.client=\"agent\""]);
        let ClientSpec::Agent(a) = &s.producers[0].client else { panic!("agent client") };
        assert_eq!(a.partition_key_option, PartitionKeyOption::Random);
        assert_eq!(s.producers[0].partition_key, KeyDist::RandomHash);
        let sdk = &a.sdk;
        assert_eq!((sdk.batch_max_records, sdk.batch_max_bytes, sdk.max_attempts), (500, 5 << 20, u32::MAX));
        assert_eq!(
            (sdk.linger, sdk.backoff_base, sdk.backoff_max),
            (SimTime::from_secs(60), SimTime(100_000_000), SimTime::from_secs(10))
        );
        assert_eq!((sdk.requests.max_concurrent, sdk.requests.timeout), (24, SimTime::from_secs(50)));
        let text =
            format!("{MINIMAL}client = \"agent\"\npartition_key = {{ dist = \"zipf\", keys = 100, exponent = 1.1 }}\n");
        assert_eq!(
            errors(&text, &[]),
            [
                "x.toml:12:17: producers[0].partition_key: the agent's partition_key_option = \"random\" keys each record at \
              random: remove partition_key, or set agent.partition_key_option = \"deterministic\" (then partition_key \
              says how often records repeat)"
            ]
        );
        let s = load_ok(&text, &["producers.0.agent.partition_key_option=\"deterministic\""]);
        assert!(matches!(s.producers[0].partition_key, KeyDist::Zipf { keys: 100, .. }));
        let unique = errors(
            &text,
            &[
                "producers.0.agent.partition_key_option=\"deterministic\"",
                "producers.0.partition_key={ dist = \"unique\" }",
            ],
        );
        assert!(
            unique[0].contains("not \"unique\"; for records that never repeat use partition_key_option = \"random\""),
            "{unique:?}"
        );
        assert_eq!(
            errors(MINIMAL, &["producers.0.agent.max_buffer_age_ms=500"]),
            [
                "--set producers.0.agent.max_buffer_age_ms=500: producers[0].agent.max_buffer_age_ms: must be >= 1000 and <= 900000, got 500"
            ]
        );
    }

    #[test]
    fn fault_windows_are_read_and_checked_with_their_paths() {
        let text = format!(
            "{MINIMAL}\n[[faults]]\nkind = \"internal_failure\"\nfrom_s = 10\nto_s = 20\nrate = 0.02\n\
             shards = [\"shardId-000000000001\"]\n\
             [[faults]]\nkind = \"latency\"\nfrom_s = 0\nto_s = 5\nfactor = 3\n"
        );
        let s = load_ok(&text, &[]);
        let ms = |m| SimTime::from_secs(m);
        assert_eq!(
            s.faults,
            [
                Fault {
                    kind: FaultKind::InternalFailure { rate: 0.02, shards: ShardSet::Only(vec![1]) },
                    from: ms(10),
                    to: ms(20)
                },
                Fault { kind: FaultKind::Latency { factor: 3.0 }, from: ms(0), to: ms(5) },
            ]
        );
        assert_eq!(
            errors(&text.replace("shardId-000000000001", "shardId-000000000002"), &[]),
            ["x.toml:17:10: faults[0].shards: \"shardId-000000000002\" is not a shard of this stream (its shards: \
              \"shardId-000000000000\", \"shardId-000000000001\")"]
        );
        assert_eq!(
            errors(
                &text.replace("to_s = 20", "to_s = 5").replace("factor = 3", "factor = 0.5"),
                &["faults.0.shards=3"]
            ),
            [
                "x.toml:15:8: faults[0].to_s: to_s (5.0 s) must be after from_s (10.0 s)",
                "x.toml:22:10: faults[1].factor: must be >= 1 and <= 1000, got 0.5",
                "--set faults.0.shards=3: faults[0].shards: expected \"all\" or a non-empty array of shard ids like \
                 [\"shardId-000000000003\"], got integer 3",
            ]
        );
        assert_eq!(
            errors(&text, &["faults.1.from_s=60", "faults.1.to_s=70"]),
            ["--set faults.1.from_s=60: faults[1].from_s: the window starts at 60.0 s, after the run ends (60.0 s): \
              it would never take effect"]
        );
        let unknown = errors(&text, &["faults.1.kind=\"brownout\""]);
        assert!(
            unknown[0].contains("valid: \"internal_failure\", \"service_unavailable\", \"latency\", \"read_failure\"")
        );
        // A key of another kind is refused, not ignored.
        let rate = errors(&text, &["faults.1.rate=0.5"]);
        assert!(rate[0].starts_with("--set faults.1.rate=0.5: faults[1].rate: unknown key"), "{rate:?}");
    }

    #[test]
    fn tagged_tables_check_the_tag_then_only_that_variants_keys() {
        let bad = |value: &str| errors(MINIMAL, &[&format!("producers.0.record_bytes={value}")]);
        let arg = "--set producers.0.record_bytes=";
        assert_eq!(
            bad("{ bytes = 5 }"),
            [format!(
                "{arg}{{ bytes = 5 }}: producers[0].record_bytes.dist: missing required key; \
                 valid: \"fixed\", \"uniform\", \"lognormal\""
            )]
        );
        assert_eq!(
            bad(r#"{ dist = "fixed", bytes = 5, min = 1 }"#),
            [format!(
                "{arg}{{ dist = \"fixed\", bytes = 5, min = 1 }}: producers[0].record_bytes.min: \
                 unknown key; valid keys: dist, bytes"
            )]
        );
    }

    #[test]
    fn missing_tables_report_missing_keys_against_the_whole_file() {
        assert_eq!(
            errors("", &[]),
            [
                "x.toml: scenario.name: missing required key",
                "x.toml: stream.shard_count: missing required key",
                "x.toml: producers: missing required key",
            ]
        );
        assert_eq!(
            errors("producers = []\n[scenario]\nname = \"..\"\n[stream]\nshard_count = 1", &[]),
            [
                "x.toml:1:13: producers: must contain at least one producer",
                "x.toml:3:8: scenario.name: must not be \"..\" (it names the report folder)",
            ]
        );
    }

    #[test]
    fn overrides_replace_and_create_values() {
        let s = load_ok(
            MINIMAL,
            &[
                "producers.0.records_per_s=5000",
                "producers.0.arrival=constant",
                "producers.0.record_bytes={ dist = \"fixed\", bytes = 100 }",
                "producers.0.sdk.linger_ms=10",
                "stream.shard_count = 12",
                "scenario.name=\"renamed\"",
            ],
        );
        assert_eq!(s.name, "renamed");
        assert_eq!(s.stream.shard_count, 12);
        let p = &s.producers[0];
        assert_eq!(p.records_per_s, 5000.0);
        assert_eq!(p.arrival, Arrival::Constant);
        assert_eq!(p.record_bytes, SizeDist::Fixed { bytes: 100 });
        let ClientSpec::Sdk(sdk) = &p.client else { panic!("sdk client") };
        assert_eq!(sdk.linger, SimTime::from_millis_f64(10.0));
    }

    #[test]
    fn bad_overrides_name_their_argument() {
        assert_eq!(
            errors(MINIMAL, &["producers.0.arrival=possion", "producers.3.name=x", "seed"]),
            [
                "--set producers.0.arrival=possion: producers[0].arrival: unknown value \"possion\"; valid: \"constant\", \"poisson\"",
                "--set producers.3.name=x: producers[3]: index 3 is past the end: `producers` has 1 element(s), indexed from 0",
                "--set seed: expected PATH=VALUE (e.g. stream.shard_count=12), found no `=`",
            ]
        );
        assert_eq!(
            errors(MINIMAL, &["producers.0.record_bytes={ dist = \"fixed\" }"]),
            [
                "--set producers.0.record_bytes={ dist = \"fixed\" }: producers[0].record_bytes.bytes: missing required key"
            ]
        );
        assert_eq!(
            errors(MINIMAL, &["stream.shard_count.x=1"]),
            [
                "--set stream.shard_count.x=1: stream.shard_count: holds integer 2, not a table; cannot set keys inside it"
            ]
        );
    }

    #[test]
    fn syntax_error_stops_loading_with_line_and_column() {
        let lines = errors("[scenario]\nname = \"x\nseed = 1\n", &["seed"]);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].starts_with("x.toml:2:"), "{lines:?}");
        assert!(lines[0].contains("invalid TOML"), "{lines:?}");
    }

    #[test]
    fn odd_input_is_reported_never_panics() {
        let inputs = [
            "scenario = 1\nstream = \"s\"\nproducers = 5",
            "producers = [1, \"x\", []]",
            "[[scenario]]\n[[stream]]",
            "scenario = { name = 1979-05-27T07:32:00Z }",
            "[scenario]\nname = \"\"\nseed = -1\nduration_s = 1e-12\nwarmup_s = -0.0",
            "[scenario]\nduration_s = 1e300",
            "\u{feff}",
            "[[producers]]\npartition_key = {}\nrecord_bytes = { dist = 5 }\nrate_pattern = []",
        ];
        for text in inputs {
            assert!(!errors(text, &["producers.0.sdk=1", "=", ".=1", "a..b=1"]).is_empty());
        }
        let lines = errors("[scenario]\nduration_s = 1e-12", &[]);
        assert!(lines.iter().any(|l| l.contains("must be at least 1 nanosecond")), "{lines:?}");
    }

    #[test]
    fn every_single_character_mutation_loads_or_reports() {
        let text = format!(
            "{MINIMAL}record_bytes = {{ dist = \"uniform\", min = 1, max = 9 }}\n\
             rate_pattern = {{ kind = \"spike\", at_s = 1, duration_s = 2, factor = 3 }}\n\
             [producers.sdk]\nlinger_ms = 5\n"
        );
        let mut reported = 0;
        for (at, _) in text.char_indices() {
            for replacement in ["", "0", "-", "\"", "[", "=", "\n", "é", ".5e400"] {
                let mut mutated = text.clone();
                let end = at + mutated[at..].chars().next().map_or(0, char::len_utf8);
                mutated.replace_range(at..end, replacement);
                if let Err(e) = load("x.toml", &mutated, &[]) {
                    assert!(!e.diagnostics().is_empty() && !e.to_string().is_empty());
                    reported += 1;
                }
            }
        }
        assert!(reported > text.len(), "most mutations break the scenario");
    }

    #[test]
    fn put_record_rejects_batching_keys_instead_of_ignoring_them() {
        let text = format!("{MINIMAL}[producers.sdk]\napi = \"put_record\"\nlinger_ms = 5\n");
        let lines = errors(&text, &[]);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].starts_with("x.toml:13:13: producers[0].sdk.linger_ms:"), "{lines:?}");
        assert!(lines[0].contains("apply to api = \"put_records\" only"), "{lines:?}");
        let plain = load_ok(&format!("{MINIMAL}[producers.sdk]\napi = \"put_record\"\n"), &[]);
        let ClientSpec::Sdk(sdk) = &plain.producers[0].client else { panic!("sdk client") };
        assert_eq!(sdk.api, SdkApi::PutRecord);
    }

    #[test]
    fn consumer_problems_are_located_and_listed() {
        let text = format!(
            "{MINIMAL}[[consumers]]\nname = \"a\"\nkind = \"efo\"\nmax_records = 5\n\
             [[consumers]]\nname = \"a\"\nkind = \"polling\"\nmax_records = 0\nidle_ms = 5\n\
             [[consumers]]\nname = \"c\"\nkind = \"lambda\"\nparallelization_factor = 11\nworkers = 2\n"
        );
        let lines = errors(&text, &["consumers.0.workers=0", "stream.retention_hours=0"]);
        let has = |needle: &str| lines.iter().any(|l| l.contains(needle));
        assert_eq!(lines.len(), 8, "{lines:?}");
        assert!(has(
            "x.toml:14:1: consumers[0].max_records: unknown key; valid keys: name, kind, process_ms_per_record"
        ));
        assert!(has("x.toml:16:8: consumers[1].name: duplicate consumer name \"a\""), "{lines:?}");
        assert!(has("x.toml:18:15: consumers[1].max_records: must be between 1 and 10000, got 0"), "{lines:?}");
        assert!(has("x.toml:19:1: consumers[1].idle_ms: unknown key;"), "{lines:?}");
        assert!(has("x.toml:23:26: consumers[2].parallelization_factor: must be between 1 and 10, got 11"));
        assert!(has("x.toml:24:1: consumers[2].workers: unknown key; valid keys: name, kind"), "{lines:?}");
        assert!(has("--set consumers.0.workers=0: consumers[0].workers: must be between 1 and 10000, got 0"));
        assert!(has("--set stream.retention_hours=0: stream.retention_hours: must be > 0 and <= 8760"), "{lines:?}");
    }

    #[test]
    fn worker_failure_rules() {
        let efo = |extra: &str| format!("{MINIMAL}[[consumers]]\nname = \"a\"\nkind = \"efo\"\n{extra}");
        let no_workers = errors(&efo("worker_failure = { worker = 0, at_s = 1 }\n"), &[]);
        assert!(
            no_workers[0].contains("consumers[0].worker_failure: worker_failure requires workers"),
            "{no_workers:?}"
        );
        let index = errors(&efo("workers = 2\nworker_failure = { worker = 2, at_s = 1 }\n"), &[]);
        assert!(index[0].contains("worker_failure.worker must be < workers (2), got 2"), "{index:?}");
        // Without a failure the lease duration still sets the renewals.
        let alone = load_ok(&efo("failover_time_ms = 500\n"), &[]);
        let ConsumerKind::Efo(k) = &alone.consumers[0].kind else { panic!("efo") };
        assert_eq!(k.failover_time, SimTime::from_millis_f64(500.0));
        // The lease table: on-demand by default, provisioned with both units.
        assert_eq!(k.lease_table, LeaseTableSpec::OnDemand);
        let table = load_ok(&efo("lease_table = { billing = \"provisioned\", wcu = 5, rcu = 3 }\n"), &[]);
        let ConsumerKind::Efo(k) = &table.consumers[0].kind else { panic!("efo") };
        assert_eq!(k.lease_table, LeaseTableSpec::Provisioned { wcu: 5, rcu: 3 });
        let missing = errors(&efo("lease_table = { billing = \"provisioned\", wcu = 5 }\n"), &[]);
        assert!(missing[0].ends_with("consumers[0].lease_table.rcu: missing required key"), "{missing:?}");
        let stray = errors(&efo("lease_table = { billing = \"on_demand\", wcu = 5 }\n"), &[]);
        assert!(stray[0].contains("consumers[0].lease_table.wcu: unknown key"), "{stray:?}");
        let late = errors(&efo("workers = 2\nworker_failure = { worker = 1, at_s = 60 }\n"), &[]);
        assert!(
            late[0].contains("consumers[0].worker_failure.at_s: must be < duration_s (60.0 s), got 60.0"),
            "{late:?}"
        );
    }

    #[test]
    fn at_most_twenty_enhanced_fan_out_registrations() {
        let mut text = MINIMAL.to_string();
        for i in 0..20 {
            text += &format!("[[consumers]]\nname = \"e{i}\"\nkind = \"efo\"\n");
        }
        text += "[[consumers]]\nname = \"p\"\nkind = \"polling\"\n";
        assert_eq!(load_ok(&text, &[]).consumers.len(), 21, "20 EFO plus a polling consumer is fine");
        text += "[[consumers]]\nname = \"l\"\nkind = \"lambda\"\nretrieval = \"efo\"\n";
        let lines = errors(&text, &[]);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].contains("consumers[21].kind: a stream has at most 20 enhanced fan-out consumers"),
            "{lines:?}"
        );
    }

    #[test]
    fn retention_accepts_short_what_ifs_but_not_nonsense() {
        let with = |r: &str| MINIMAL.replace("shard_count = 2", &format!("shard_count = 2\nretention_hours = {r}"));
        assert_eq!(load_ok(&with("0.25"), &[]).stream.retention_hours, 0.25);
        assert_eq!(load_ok(&with("8760"), &[]).stream.retention_hours, 8_760.0);
        for bad in ["0", "-1", "8761", "nan", "inf"] {
            let lines = errors(&with(bad), &[]);
            assert!(lines.len() == 1 && lines[0].contains("stream.retention_hours"), "{bad}: {lines:?}");
        }
    }

    #[test]
    fn slo_objectives_are_checked() {
        let with = |slo: &str| format!("{MINIMAL}[slo]\n{slo}\n");
        let s = load_ok(&with("max_throttle_rate = 0.001\nmax_records_dropped = 0"), &[]);
        assert_eq!(s.slo, Some(Slo { max_throttle_rate: Some(0.001), max_records_dropped: Some(0), ..Slo::default() }));
        assert_eq!(
            errors(&with(""), &[]),
            ["x.toml:11:1: slo: needs at least one objective: max_throttle_rate, \
             max_end_to_end_latency_ms_p99, max_records_dropped, max_records_expired, max_iterator_age_ms"]
        );
        assert_eq!(
            errors(&with("max_throttle_rate = 2\nmax_iterator_age_ms = 0"), &[]),
            [
                "x.toml:12:21: slo.max_throttle_rate: must be >= 0 and <= 1, got 2",
                "x.toml:13:23: slo.max_iterator_age_ms: must be > 0, got 0",
            ]
        );
        // Latency is measured on consumers; MINIMAL has none.
        assert_eq!(
            errors(&with("max_end_to_end_latency_ms_p99 = 500"), &[]),
            ["x.toml:12:33: slo.max_end_to_end_latency_ms_p99: is measured on consumers, and the scenario has none"]
        );
    }

    #[test]
    fn sweeps_expand_and_report_their_own_mistakes() {
        let plan = |text: &str, sweeps: &[&str]| {
            let sweeps: Vec<String> = sweeps.iter().map(|s| s.to_string()).collect();
            load_plan("x.toml", text, &[], &sweeps, None)
        };
        let text = format!("{MINIMAL}[sweep]\n\"stream.shard_count\" = [1, 3]\nreplications = 4\n");
        let p = plan(&text, &[]).unwrap();
        assert_eq!(p.replications, 4);
        let shards: Vec<u32> = p.points.iter().map(|x| x.scenario.stream.shard_count).collect();
        assert_eq!(shards, [1, 3]);
        assert_eq!(p.points[1].parameters, vec![("stream.shard_count".to_string(), serde_json::json!(3))]);
        // The command line replaces a file axis of the same path.
        let p = plan(&text, &["stream.shard_count=5,6,7"]).unwrap();
        assert_eq!(p.points.iter().map(|x| x.scenario.stream.shard_count).collect::<Vec<_>>(), [5, 6, 7]);
        // A plan is not a scenario.
        assert!(load("x.toml", &text, &[]).unwrap_err().to_string().contains("sweeps 2 configurations"));

        let bad = format!(
            "{MINIMAL}[sweep]\nshard_count = [1]\n\"stream.shard_count\" = []\nreplications = 0\n\"producers.0.records_per_s\" = [1, -1]\n"
        );
        let lines: Vec<String> = plan(&bad, &[]).unwrap_err().to_string().lines().map(String::from).collect();
        assert_eq!(lines.len(), 4, "{lines:#?}");
        assert!(
            lines[0].starts_with("x.toml:12:1: sweep.shard_count: expected `replications` or a dotted scenario path")
        );
        assert_eq!(
            lines[1],
            "x.toml:13:24: sweep.\"stream.shard_count\": expected a non-empty array of values, got an empty array"
        );
        assert_eq!(lines[2], "x.toml:14:16: sweep.replications: must be an integer between 1 and 10000, got integer 0");
        // A bad value is reported once, at the value, although two points share the file.
        assert_eq!(lines[3], "x.toml:15:35: producers[0].records_per_s: must be > 0, got -1");
    }
}
