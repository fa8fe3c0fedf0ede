//! Scenario validation: walks the value tree (file plus overrides) and
//! builds the [`Scenario`], checking every key's type, range and cross-field
//! rule, filling defaults, and rejecting unknown keys — reporting every
//! problem it finds rather than stopping at the first.
//!
//! A [`TableReader`] takes a table's keys one by one (so the list of valid
//! keys is exactly the list of keys asked for) and reports whatever was left
//! over as unknown; [`recording`] lists the keys asked for, so that a test
//! can hold the scenario's JSON Schema to them. A [`Val`] is one value with
//! its key path, converting it to a simulator type or reporting why it
//! cannot.

mod autoscaling;
mod faults;
mod on_demand;
mod pricing;
mod reshard;
mod traffic;

use std::cell::RefCell;
use std::collections::BTreeMap;

pub(crate) use pricing::price_table;
pub use reshard::warnings as reshard_warnings;

use super::errors::Sink;
use super::model::{
    AgentSpec, Arrival, CapacityMode, ClientSpec, ConsumerKind, ConsumerSpec, FirehoseSpec, KclSpec, KeyDist, KeySalt,
    KplSpec, LambdaSpec, LatencyDist, LeaseTableSpec, OnDemandSpec, Ordering, PartitionKeyOption, PollingSpec,
    PricingSpec, ProducerSpec, RatePattern, ReadLimitModel, RequestSpec, Retrieval, Scenario, SdkApi, SdkSpec,
    SizeDist, Slo, StreamSpec, TraceSpec, WorkerFailure, WriteLimitModel,
};
use super::tree::{Entry, Node, Origin, Value, fmt_float, index_path, key_path, quote};
use crate::stream::limits;
use crate::time::SimTime;

/// `[scenario].seed` when absent.
const DEFAULT_SEED: u64 = 1;
/// `[scenario].duration_s` when absent.
const DEFAULT_DURATION_S: u64 = 60;
/// `scenario.name` names the report folder; keep it short.
const SCENARIO_NAME_MAX_CHARS: usize = 100;
/// Longest producer or consumer name.
const NAME_MAX_CHARS: usize = 200;
/// Most client instances one producer group may have.
const MAX_INSTANCES: u32 = 10_000;
/// Most workers of one KCL application (no shard count needs more).
const MAX_WORKERS: u32 = limits::MAX_SHARDS_PER_STREAM;
/// `record_bytes` when absent: `{ dist = "fixed", bytes = 1024 }`.
const DEFAULT_RECORD_BYTES: u32 = 1_024;
/// `partition_key` when absent: `{ dist = "uniform", keys = 10000 }`.
const DEFAULT_PARTITION_KEYS: u32 = 10_000;
/// `[producers.sdk]` defaults and limits, as documented in `model.rs`.
const DEFAULT_LINGER_MS: f64 = 50.0;
const DEFAULT_MAX_ATTEMPTS: u32 = 10;
const MAX_ATTEMPTS: u32 = 100;
const DEFAULT_BACKOFF_BASE_MS: f64 = 100.0;
const DEFAULT_BACKOFF_MAX_MS: f64 = 5_000.0;
/// The data blob limit as the model's `u32` sizes.
const MAX_RECORD_BYTES: u32 = limits::MAX_RECORD_DATA_BYTES as u32;
const _: () = assert!(limits::MAX_RECORD_DATA_BYTES <= u32::MAX as u64);

thread_local! {
    /// While [`recording`] runs on this thread: the path of every key a
    /// [`TableReader`] asked for, in order.
    static KEYS_ASKED: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Runs `validate` and returns its result with the path of every key the
/// table readers asked for meanwhile (`producers[0].sdk.linger_ms`), written
/// or not: the keys validation accepts there. Validation is otherwise
/// unchanged; outside this, nothing is recorded.
pub(crate) fn recording<T>(validate: impl FnOnce() -> T) -> (T, Vec<String>) {
    let outer = KEYS_ASKED.replace(Some(Vec::new()));
    let out = validate();
    let asked = KEYS_ASKED.replace(outer).unwrap_or_default();
    (out, asked)
}

/// Builds the scenario from `root`, or returns `None` having reported at
/// least one problem to `sink`.
pub(crate) fn scenario(root: &Node, sink: &Sink) -> Option<Scenario> {
    let root = Val { node: root, path: String::new(), sink };
    root.read_table(|top| {
        let header = top.section("scenario", header);
        let stream = top.section("stream", stream);
        let producers = top.req("producers", producers);
        let advantage = stream.as_ref().is_some_and(|s| s.capacity_mode == CapacityMode::OnDemandAdvantage);
        let efo_limit =
            if advantage { limits::EFO_MAX_CONSUMERS_ADVANTAGE } else { limits::EFO_MAX_CONSUMERS_PER_STREAM };
        let consumers = top.opt("consumers", Vec::new(), |v| consumers(v, efo_limit));
        let pricing = top.opt("pricing", PricingSpec::default(), pricing::pricing);
        // Read (and removed) before validation by `sweep`; named here so
        // that it is listed, and suggested, among the valid tables.
        let _ = top.take("sweep");
        let slo = match top.take("slo") {
            Some(v) => v.read_table(slo).map(Some),
            None => Some(None),
        };
        let faults = top.opt("faults", Vec::new(), faults::faults);
        let header = header?;
        let consumers = consumers?;
        if !failures_within(&consumers, header.duration, top) {
            return None;
        }
        let stream = stream?;
        let schedule = top.node("stream").and_then(|n| n.get("reshard"));
        if !reshard::check_schedule(&stream, header.duration, schedule, top) {
            return None;
        }
        if !on_demand::check_warm_schedule(&stream, header.duration, top)
            || !on_demand::check_mode_switches(&stream, header.duration, top)
        {
            return None;
        }
        let mut faults = faults?;
        if !faults::check(&mut faults, header.duration, &stream, top) {
            return None;
        }
        let producers = producers?;
        let slo = slo?;
        if let Some(o) = &slo
            && consumers.is_empty()
        {
            let needs = [
                ("max_end_to_end_latency_ms_p99", o.max_end_to_end_latency_ms_p99.is_some()),
                ("max_records_expired", o.max_records_expired.is_some()),
                ("max_iterator_age_ms", o.max_iterator_age_ms.is_some()),
            ];
            if let Some((key, _)) = needs.iter().find(|(_, set)| *set) {
                let at = top.node("slo").and_then(|n| n.get(key)).map_or(top.origin, |n| n.origin);
                top.sink.report(at, format!("slo.{key}"), "is measured on consumers, and the scenario has none");
                return None;
            }
        }
        Some(Scenario {
            name: header.name,
            seed: header.seed,
            duration: header.duration,
            warmup: header.warmup,
            stream,
            producers,
            consumers,
            pricing: pricing?,
            slo,
            faults,
        })
    })
}

/// `[slo]`: optional limits, at least one; a latency or iterator-age
/// objective needs a consumer to measure it (checked by the caller).
fn slo(t: &mut TableReader<'_>) -> Option<Slo> {
    let throttle = t.take("max_throttle_rate").map(|v| v.float(Interval::FRACTION));
    let latency = t.take("max_end_to_end_latency_ms_p99").map(|v| v.float(Interval::POSITIVE));
    let dropped = t.take("max_records_dropped").map(|v| v.int(0, u64::MAX));
    let expired = t.take("max_records_expired").map(|v| v.int(0, u64::MAX));
    let age = t.take("max_iterator_age_ms").map(|v| v.float(Interval::POSITIVE));
    let all = [throttle.is_some(), latency.is_some(), dropped.is_some(), expired.is_some(), age.is_some()];
    if !all.contains(&true) {
        t.sink.report(
            t.origin,
            t.path.clone(),
            "needs at least one objective: max_throttle_rate, max_end_to_end_latency_ms_p99, \
             max_records_dropped, max_records_expired, max_iterator_age_ms",
        );
        return None;
    }
    // `Some(None)` (a bad value) fails the table; `None` (absent) is fine.
    fn valid<T>(x: Option<Option<T>>) -> Option<Option<T>> {
        match x {
            Some(None) => None,
            Some(v) => Some(v),
            None => Some(None),
        }
    }
    Some(Slo {
        max_throttle_rate: valid(throttle)?,
        max_end_to_end_latency_ms_p99: valid(latency)?,
        max_records_dropped: valid(dropped)?,
        max_records_expired: valid(expired)?,
        max_iterator_age_ms: valid(age)?,
    })
}

/// Reports every `worker_failure.at_s` at or after the end of the run (the
/// failure would never happen).
fn failures_within(consumers: &[ConsumerSpec], duration: SimTime, top: &TableReader<'_>) -> bool {
    let mut ok = true;
    for (i, c) in consumers.iter().enumerate() {
        let (ConsumerKind::Polling(_, k) | ConsumerKind::Efo(k)) = &c.kind else { continue };
        let Some(f) = &k.failure else { continue };
        if f.at >= duration {
            let node = top.node("consumers").and_then(|n| match &n.value {
                Value::Array(items) => items.get(i)?.get("worker_failure")?.get("at_s"),
                _ => None,
            });
            let origin = node.map_or(top.origin, |n| n.origin);
            top.sink.report(
                origin,
                format!("consumers[{i}].worker_failure.at_s"),
                format!(
                    "must be < duration_s ({} s), got {}",
                    fmt_float(duration.as_secs_f64()),
                    fmt_float(f.at.as_secs_f64())
                ),
            );
            ok = false;
        }
    }
    ok
}

/// `[scenario]`.
struct Header {
    name: String,
    seed: u64,
    duration: SimTime,
    warmup: SimTime,
}

fn header(t: &mut TableReader<'_>) -> Option<Header> {
    let name = t.req("name", scenario_name);
    let seed = t.opt("seed", DEFAULT_SEED, |v| v.int(0, u64::MAX));
    let duration = t.opt("duration_s", SimTime::from_secs(DEFAULT_DURATION_S), |v| v.secs(Interval::POSITIVE));
    let warmup = t.opt("warmup_s", SimTime::ZERO, |v| v.secs(Interval::NON_NEGATIVE));
    let (duration, warmup) = (duration?, warmup?);
    if warmup >= duration {
        t.fail_at(
            &["warmup_s", "duration_s"],
            format!(
                "warmup_s ({} s) must be < duration_s ({} s)",
                fmt_float(warmup.as_secs_f64()),
                fmt_float(duration.as_secs_f64())
            ),
        );
        return None;
    }
    Some(Header { name: name?, seed: seed?, duration, warmup })
}

/// The name becomes a folder under `reports/`, so it must be a single,
/// portable path component.
fn scenario_name(v: Val<'_>) -> Option<String> {
    let name = v.text(SCENARIO_NAME_MAX_CHARS)?;
    let portable = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if !name.chars().all(portable) {
        v.error(format!(
            "must contain only letters, digits, `.`, `_` and `-` (it names the report folder), got {}",
            quote(&name)
        ));
        return None;
    }
    if name == "." || name == ".." {
        v.error(format!("must not be {} (it names the report folder)", quote(&name)));
        return None;
    }
    Some(name)
}

/// `[stream]`.
fn stream(t: &mut TableReader<'_>) -> Option<StreamSpec> {
    let capacity_mode = t.opt("capacity_mode", CapacityMode::Provisioned, |v| {
        v.choice(
            &[
                ("provisioned", CapacityMode::Provisioned),
                ("on_demand", CapacityMode::OnDemand),
                ("on_demand_advantage", CapacityMode::OnDemandAdvantage),
            ],
            &[],
        )
    });
    let is_on_demand = capacity_mode.is_some_and(CapacityMode::is_on_demand);
    let advantage = capacity_mode == Some(CapacityMode::OnDemandAdvantage);
    let switches = t.opt("mode_switch", Vec::new(), |v| on_demand::mode_switches(v, capacity_mode));
    // The modes the stream is in at some point decide which keys apply.
    let visits =
        |m: fn(CapacityMode) -> bool| capacity_mode.is_some_and(m) || switches.iter().flatten().any(|s| m(s.to));
    let (visits_provisioned, visits_on_demand) = (visits(|m| !m.is_on_demand()), visits(CapacityMode::is_on_demand));
    on_demand::refuse_other_modes_keys(
        t,
        capacity_mode.unwrap_or(CapacityMode::Provisioned),
        (visits_provisioned, visits_on_demand),
    );
    // On-demand, an optional count: the shards a stream keeps when it is
    // switched from provisioned mode.
    let shard_count_range = |v: Val<'_>| v.int(1, limits::MAX_SHARDS_PER_STREAM);
    let shards_file = traffic::shards_file(t);
    let chosen_count = match (&shards_file, is_on_demand) {
        (Some(Some(f)), _) => {
            let open = f.table.shards.len();
            if let Some(v) = t.take("shard_count") {
                v.error(format!(
                    "shards_file sets the shard count ({open} open shards in {}): remove shard_count",
                    f.file.path
                ));
            }
            Some(Some(open as u32))
        }
        (None, _) => {
            let _ = t.take("shard_count");
            None
        }
        (Some(None), true) => t.opt("shard_count", None, |v| shard_count_range(v).map(Some)),
        (Some(None), false) => t.req("shard_count", shard_count_range).map(Some),
    };
    // Below AWS's 24 h minimum is allowed as a what-if (see model.rs).
    let retention_hours =
        t.opt("retention_hours", limits::RETENTION_DEFAULT_HOURS as f64, |v| v.float(Interval::RETENTION));
    let write_limit_model = t.opt("write_limit_model", WriteLimitModel::TokenBucket, |v| {
        v.choice(
            &[("token_bucket", WriteLimitModel::TokenBucket), ("per_second_window", WriteLimitModel::PerSecondWindow)],
            &[],
        )
    });
    let read_limit_model = t.opt("read_limit_model", ReadLimitModel::PerSecondWindow, |v| {
        v.choice(
            &[
                ("per_second_window", ReadLimitModel::PerSecondWindow),
                ("sliding_window", ReadLimitModel::SlidingWindow),
            ],
            &[],
        )
    });
    let records = t.opt("shard_write_records_per_s", limits::SHARD_WRITE_RECORDS_PER_S, |v| v.int(1, u64::MAX));
    let bytes = t.opt("shard_write_bytes_per_s", limits::SHARD_WRITE_BYTES_PER_S, |v| v.int(1, u64::MAX));
    let on_demand_spec = match visits_on_demand {
        true => {
            let warm = match advantage {
                true => t.opt("warm_throughput", Vec::new(), on_demand::warm_schedule),
                false => Some(Vec::new()),
            };
            t.section("on_demand", |t| on_demand::on_demand(t, advantage, is_on_demand))
                .zip(warm)
                .map(|(spec, warm_throughput_changes)| Some(OnDemandSpec { warm_throughput_changes, ..spec }))
        }
        false => Some(None),
    };
    let on_demand_spec = match (on_demand_spec, chosen_count, is_on_demand) {
        (Some(Some(spec)), Some(Some(kept)), true) => on_demand::keep_shards(t, spec, kept).map(Some),
        (spec, _, _) => spec,
    };
    let shard_count = match is_on_demand {
        // The service picks it (see OnDemandSpec::starting_shards).
        true => on_demand_spec.clone().flatten().zip(records.zip(bytes)).map(|(spec, l)| spec.starting_shards(l)),
        false => chosen_count.flatten(),
    };
    // A stream never provisioned reads none of the resharding keys but the
    // quota and the switch time (the others were refused above).
    let (reshard_limits, reshard, autoscaling) = match visits_provisioned {
        false => (reshard::quota_only(t), Some(Vec::new()), Some(None)),
        true => (
            reshard::reshard_limits(t),
            t.opt("reshard", Vec::new(), reshard::schedule)
                .and_then(|s| reshard::name_shards(t, s, shards_file.as_ref()?.as_ref())),
            t.opt("autoscaling", None, |v| v.read_table(autoscaling::autoscaling).map(Some)),
        ),
    };
    Some(StreamSpec {
        capacity_mode: capacity_mode?,
        shard_count: shard_count?,
        retention_hours: retention_hours?,
        write_limit_model: write_limit_model?,
        read_limit_model: read_limit_model?,
        shard_write_records_per_s: records?,
        shard_write_bytes_per_s: bytes?,
        reshard_limits: reshard_limits?,
        reshard: reshard?,
        autoscaling: autoscaling?,
        on_demand: on_demand_spec?,
        mode_switches: switches?,
        shards_file: shards_file?,
    })
}

/// `[[producers]]`: a non-empty array of tables with unique names.
fn producers(v: Val<'_>) -> Option<Vec<ProducerSpec>> {
    named_tables(v, "producer", true, producer)
}

/// `[[consumers]]`: an array of tables with unique names, possibly empty,
/// with at most `efo_limit` enhanced fan-out readers.
fn consumers(v: Val<'_>, efo_limit: usize) -> Option<Vec<ConsumerSpec>> {
    let specs = named_tables(v.clone(), "consumer", false, consumer)?;
    let over = specs.iter().enumerate().filter(|(_, c)| c.kind.registers_efo()).nth(efo_limit);
    if let Some((i, _)) = over {
        let Value::Array(items) = &v.node.value else { return None };
        let at = items[i].get("kind").map_or(items[i].origin, |n| n.origin);
        v.sink.report(
            at,
            key_path(&index_path(&v.path, i), "kind"),
            format!(
                "a stream has at most {efo_limit} enhanced fan-out consumers (kind = \"efo\", or lambda with retrieval = \
                 \"efo\"; {} with capacity_mode = \"on_demand_advantage\"); this is number {}",
                limits::EFO_MAX_CONSUMERS_ADVANTAGE,
                efo_limit + 1
            ),
        );
        return None;
    }
    Some(specs)
}

/// An array of tables (`[[{noun}s]]`) read with `read`, whose `name`s must
/// be unique.
fn named_tables<T>(
    v: Val<'_>,
    noun: &str,
    required: bool,
    read: impl Fn(&mut TableReader<'_>) -> Option<T>,
) -> Option<Vec<T>> {
    let Value::Array(items) = &v.node.value else {
        v.expected(&format!("an array of tables ([[{noun}s]])"));
        return None;
    };
    if required && items.is_empty() {
        v.error(format!("must contain at least one {noun}"));
        return None;
    }
    let specs: Vec<Option<T>> = items.iter().enumerate().map(|(i, item)| v.item(i, item).read_table(&read)).collect();
    let unique = check_unique_names(&v, items, noun);
    let specs: Option<Vec<T>> = specs.into_iter().collect();
    if unique { specs } else { None }
}

/// Reports every item whose name an earlier item already uses. Judged on
/// the raw names, so an item with other problems still counts.
fn check_unique_names(v: &Val<'_>, items: &[Node], noun: &str) -> bool {
    let mut first_use: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unique = true;
    for (i, item) in items.iter().enumerate() {
        let Some(node @ Node { value: Value::Str(name), .. }) = item.get("name") else {
            continue;
        };
        if let Some(&first) = first_use.get(name.as_str()) {
            v.sink.report(
                node.origin,
                key_path(&index_path(&v.path, i), "name"),
                format!("duplicate {noun} name {} (also used by {})", quote(name), index_path(&v.path, first)),
            );
            unique = false;
        } else {
            first_use.insert(name, i);
        }
    }
    unique
}

/// The clients `client` may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Client {
    Sdk,
    Kpl,
    Agent,
}

fn producer(t: &mut TableReader<'_>) -> Option<ProducerSpec> {
    let name = t.req("name", |v| v.text(NAME_MAX_CHARS));
    let client = t.opt("client", Client::Sdk, |v| {
        v.choice(&[("sdk", Client::Sdk), ("kpl", Client::Kpl), ("agent", Client::Agent)], &[])
    });
    let rate_pattern = t.opt("rate_pattern", None, |v| rate_pattern(v).map(Some));
    let records_per_s = match &rate_pattern {
        Some(Some(RatePattern::Trace(spec))) => trace_rate(t, spec),
        Some(_) => t.req("records_per_s", |v| v.float(Interval::POSITIVE)),
        // The pattern's problem is reported; say nothing of the rate.
        None => {
            let _ = t.take("records_per_s");
            None
        }
    };
    let arrival = t.opt("arrival", Arrival::Poisson, |v| {
        v.choice(&[("constant", Arrival::Constant), ("poisson", Arrival::Poisson)], &[])
    });
    let instances = t.opt("instances", 1, |v| v.int(1, MAX_INSTANCES));
    let default_size = SizeDist::Fixed { bytes: DEFAULT_RECORD_BYTES };
    let record_bytes = t.opt("record_bytes", default_size, size_dist);
    let default_keys = KeyDist::Uniform { keys: DEFAULT_PARTITION_KEYS };
    let partition_key = t.opt("partition_key", (default_keys, None), key_dist);
    // Every client's table is read and checked, so a scenario can switch
    // clients with `--set` or a sweep; the one `client` names is used.
    let sdk = t.section("sdk", sdk);
    let kpl = t.section("kpl", kpl);
    let agent = t.section("agent", agent);
    let client = match client {
        Some(Client::Sdk) => sdk.map(ClientSpec::Sdk),
        Some(Client::Kpl) => kpl.map(ClientSpec::Kpl),
        Some(Client::Agent) => agent.map(ClientSpec::Agent),
        None => None,
    };
    let (mut partition_key, key_salt) = partition_key?;
    if let Some(ClientSpec::Agent(a)) = &client {
        partition_key = agent_keys(t, a.partition_key_option, partition_key, key_salt.is_some())?;
    }
    Some(ProducerSpec {
        key_salt,
        name: name?,
        client: client?,
        records_per_s: records_per_s?,
        arrival: arrival?,
        instances: instances?,
        record_bytes: record_bytes?,
        partition_key,
        rate_pattern: rate_pattern?,
    })
}

/// `[producers.kpl]`: the KPL's configuration keys in snake_case, with its
/// defaults and ranges (reference §8.1).
fn kpl(t: &mut TableReader<'_>) -> Option<KplSpec> {
    let aggregation_enabled = t.opt("aggregation_enabled", true, |v| v.boolean());
    let aggregation_max_count = t.opt("aggregation_max_count", limits::KPL_AGGREGATION_MAX_COUNT_DEFAULT, |v| {
        v.int(1, limits::KPL_AGGREGATION_MAX_COUNT_MAX)
    });
    let aggregation_max_size = t.opt("aggregation_max_size", limits::KPL_AGGREGATION_MAX_SIZE_DEFAULT_BYTES, |v| {
        v.int(limits::KPL_AGGREGATION_MAX_SIZE_MIN_BYTES, limits::KPL_AGGREGATION_MAX_SIZE_MAX_BYTES)
    });
    let collection_max_count = t.opt("collection_max_count", limits::KPL_COLLECTION_MAX_COUNT_DEFAULT, |v| {
        v.int(1, limits::KPL_COLLECTION_MAX_COUNT_DEFAULT)
    });
    let collection_max_size = t.opt("collection_max_size", limits::KPL_COLLECTION_MAX_SIZE_DEFAULT_BYTES, |v| {
        v.int(limits::KPL_COLLECTION_MAX_SIZE_MIN_BYTES, limits::KPL_COLLECTION_MAX_SIZE_MAX_BYTES)
    });
    let fail_if_throttled = t.opt("fail_if_throttled", false, |v| v.boolean());
    let rate_limit =
        t.opt("rate_limit", limits::KPL_RATE_LIMIT_DEFAULT_PERCENT, |v| v.int(1, limits::KPL_RATE_LIMIT_MAX_PERCENT));
    let ms = SimTime::from_millis_f64;
    let buffered = ms(limits::KPL_RECORD_MAX_BUFFERED_TIME_DEFAULT_MS);
    let record_max_buffered_time = t.opt("record_max_buffered_time_ms", buffered, |v| v.millis(Interval::NON_NEGATIVE));
    let ttl_range = Interval::at_least(limits::KPL_RECORD_TTL_MIN_MS, false);
    let record_ttl = t.opt("record_ttl_ms", ms(limits::KPL_RECORD_TTL_DEFAULT_MS), |v| v.millis(ttl_range));
    let connections = ("max_connections", limits::KPL_MAX_CONNECTIONS_DEFAULT, limits::KPL_MAX_CONNECTIONS_MAX);
    let timeouts = Interval {
        max: limits::KPL_REQUEST_TIMEOUT_MAX_MS,
        max_open: false,
        ..Interval::at_least(limits::KPL_REQUEST_TIMEOUT_MIN_MS, false)
    };
    let requests = requests(t, connections, timeouts, limits::KPL_REQUEST_TIMEOUT_DEFAULT_MS);
    Some(KplSpec {
        aggregation_enabled: aggregation_enabled?,
        aggregation_max_count: aggregation_max_count?,
        aggregation_max_size: aggregation_max_size?,
        collection_max_count: collection_max_count?,
        collection_max_size: collection_max_size?,
        fail_if_throttled: fail_if_throttled?,
        rate_limit: rate_limit?,
        record_max_buffered_time: record_max_buffered_time?,
        record_ttl: record_ttl?,
        requests: requests?,
    })
}

/// One `[[consumers]]` table: the keys common to every kind, then those of
/// its kind (so a key of another kind is reported as unknown).
fn consumer(t: &mut TableReader<'_>) -> Option<ConsumerSpec> {
    let name = t.req("name", |v| v.text(NAME_MAX_CHARS));
    let kind = t.req("kind", |v| v.choice(&[("polling", 0), ("efo", 1), ("lambda", 2), ("firehose", 3)], &[]));
    let per_record = t.opt("process_ms_per_record", SimTime::ZERO, |v| v.millis(Interval::NON_NEGATIVE));
    let per_batch = t.opt("process_ms_per_batch", SimTime::ZERO, |v| v.millis(Interval::NON_NEGATIVE));
    let ordering = t.opt("ordering", Ordering::ParentFirst, |v| {
        v.choice(&[("parent_first", Ordering::ParentFirst), ("ignore_parents", Ordering::IgnoreParents)], &[])
    });
    let kind = match kind {
        Some(0) => polling_spec(t).zip(kcl_spec(t)).map(|(p, k)| ConsumerKind::Polling(p, k)),
        Some(1) => kcl_spec(t).map(ConsumerKind::Efo),
        Some(2) => lambda_spec(t).map(ConsumerKind::Lambda),
        Some(_) => firehose_spec(t).map(ConsumerKind::Firehose),
        None => {
            // Which keys are valid depends on the kind.
            t.skip_rest();
            None
        }
    };
    let (kind, ordering) = (kind?, ordering?);
    let processing_keys = ["process_ms_per_record", "process_ms_per_batch"];
    if matches!(kind, ConsumerKind::Firehose(_)) && processing_keys.iter().any(|k| t.has(k)) {
        // Firehose's delivery is modelled as taking no time: accepting the
        // keys would ignore them.
        t.fail_at(
            &processing_keys,
            "kind = \"firehose\" takes no processing time (its buffer is delivered as it fills or times out); \
             remove process_ms_per_record and process_ms_per_batch"
                .into(),
        );
        return None;
    }
    let reads_parents_first = match kind {
        // The mapping always finishes parents first; accepting the key
        // would ignore it.
        ConsumerKind::Lambda(_) => Some("a Lambda event-source mapping always finishes parent shards first"),
        ConsumerKind::Firehose(_) => Some("shardsim's Firehose reads parent shards first"),
        ConsumerKind::Polling(..) | ConsumerKind::Efo(_) => None,
    };
    if let Some(why) = reads_parents_first
        && ordering == Ordering::IgnoreParents
    {
        t.fail_at(
            &["ordering"],
            format!(
                "ordering = \"ignore_parents\" describes a hand-written GetRecords reader (kind = \"polling\" or \
                 \"efo\"); {why}"
            ),
        );
        return None;
    }
    Some(ConsumerSpec { name: name?, kind, process_per_record: per_record?, process_per_batch: per_batch?, ordering })
}

/// The GetRecords keys of `kind = "polling"`.
fn polling_spec(t: &mut TableReader<'_>) -> Option<PollingSpec> {
    let max = limits::GET_RECORDS_MAX_RECORDS;
    let max_records = t.opt("max_records", max, |v| v.int(1, max));
    let idle = SimTime::from_millis_f64(limits::IDLE_TIME_BETWEEN_READS_DEFAULT_MS);
    let idle = t.opt("idle_time_between_reads_ms", idle, |v| v.millis(Interval::NON_NEGATIVE));
    Some(PollingSpec { max_records: max_records?, idle_time_between_reads: idle? })
}

/// The worker and lease keys of a KCL application (`polling`, `efo`).
fn kcl_spec(t: &mut TableReader<'_>) -> Option<KclSpec> {
    let workers = t.opt("workers", None, |v| v.int(1, MAX_WORKERS).map(Some));
    let max_leases = t.opt("max_leases_per_worker", None, |v| v.int(1, u32::MAX).map(Some));
    let checkpoint = t.opt("checkpoint_interval_s", SimTime::ZERO, |v| v.secs(Interval::NON_NEGATIVE));
    let failure = t.opt("worker_failure", None, |v| v.read_table(worker_failure).map(Some));
    let failover_ms = SimTime::from_millis_f64(limits::KCL_FAILOVER_TIME_DEFAULT_MS);
    let failover = t.opt("failover_time_ms", failover_ms, |v| v.millis(Interval::POSITIVE));
    let parent_poll = SimTime::from_millis_f64(limits::KCL_PARENT_SHARD_POLL_INTERVAL_DEFAULT_MS);
    let parent_poll = t.opt("parent_shard_poll_interval_ms", parent_poll, |v| v.millis(Interval::POSITIVE));
    let lease_table = t.opt("lease_table", LeaseTableSpec::OnDemand, |v| {
        v.tagged(
            "billing",
            &[("provisioned", provisioned_lease_table), ("on_demand", |_| Some(LeaseTableSpec::OnDemand))],
        )
    });
    let (workers, failure, failover) = (workers?, failure?, failover?);
    let failure = match (failure, workers) {
        (None, _) => None,
        (Some(_), None) => {
            t.fail_at(&["worker_failure"], "worker_failure requires workers (the failing worker is an index)".into());
            return None;
        }
        (Some((worker, _)), Some(n)) if worker >= n => {
            t.fail_at(&["worker_failure"], format!("worker_failure.worker must be < workers ({n}), got {worker}"));
            return None;
        }
        (Some((worker, at)), Some(_)) => Some(WorkerFailure { worker, at, failover_time: failover }),
    };
    Some(KclSpec {
        workers,
        max_leases_per_worker: max_leases?,
        checkpoint_interval: checkpoint?,
        failure,
        parent_shard_poll_interval: parent_poll?,
        failover_time: failover,
        lease_table: lease_table?,
    })
}

/// `lease_table = { billing = "provisioned", wcu, rcu }`.
fn provisioned_lease_table(t: &mut TableReader<'_>) -> Option<LeaseTableSpec> {
    let most = limits::DYNAMODB_TABLE_MAX_CAPACITY_UNITS;
    let wcu = t.req("wcu", |v| v.int(1, most));
    let rcu = t.req("rcu", |v| v.int(1, most));
    Some(LeaseTableSpec::Provisioned { wcu: wcu?, rcu: rcu? })
}

/// `worker_failure = { worker, at_s }`.
fn worker_failure(t: &mut TableReader<'_>) -> Option<(u32, SimTime)> {
    let worker = t.req("worker", |v| v.int(0, MAX_WORKERS - 1));
    let at = t.req("at_s", |v| v.secs(Interval::NON_NEGATIVE));
    Some((worker?, at?))
}

/// The event-source mapping keys of `kind = "lambda"`.
fn lambda_spec(t: &mut TableReader<'_>) -> Option<LambdaSpec> {
    let retrieval = t.opt("retrieval", Retrieval::Polling, |v| {
        v.choice(&[("polling", Retrieval::Polling), ("efo", Retrieval::Efo)], &[])
    });
    let max = limits::LAMBDA_BATCH_SIZE_MAX;
    let batch_size = t.opt("batch_size", limits::LAMBDA_BATCH_SIZE_DEFAULT, |v| v.int(1, max));
    let window = t.opt("maximum_batching_window_s", SimTime::ZERO, |v| v.secs(Interval::BATCHING_WINDOW));
    let pf = t.opt("parallelization_factor", 1, |v| v.int(1, limits::LAMBDA_PARALLELIZATION_FACTOR_MAX));
    let error_rate = t.opt("function_error_rate", 0.0, |v| v.float(Interval::PROBABILITY));
    let retries = t.opt("maximum_retry_attempts", None, |v| {
        v.int(-1i64, limits::LAMBDA_MAXIMUM_RETRY_ATTEMPTS_MAX as i64).map(|n| u32::try_from(n).ok())
    });
    Some(LambdaSpec {
        retrieval: retrieval?,
        batch_size: batch_size?,
        maximum_batching_window: window?,
        parallelization_factor: pf?,
        function_error_rate: error_rate?,
        maximum_retry_attempts: retries?,
    })
}

/// The buffering hints of `kind = "firehose"`.
fn firehose_spec(t: &mut TableReader<'_>) -> Option<FirehoseSpec> {
    let interval = SimTime::from_secs(limits::FIREHOSE_BUFFERING_INTERVAL_DEFAULT_S);
    let interval = t.opt("buffering_interval_s", interval, |v| {
        v.int(0, limits::FIREHOSE_BUFFERING_INTERVAL_MAX_S).map(SimTime::from_secs)
    });
    let size = t.opt("buffering_size_mib", limits::FIREHOSE_BUFFERING_SIZE_DEFAULT_MIB, |v| {
        v.int(limits::FIREHOSE_BUFFERING_SIZE_MIN_MIB, limits::FIREHOSE_BUFFERING_SIZE_MAX_MIB)
    });
    Some(FirehoseSpec { buffering_interval: interval?, buffering_size_mib: size? })
}

/// `[producers.agent]`, in the SDK client's terms (see [`AgentSpec`]).
fn agent(t: &mut TableReader<'_>) -> Option<AgentSpec> {
    let option = t.opt("partition_key_option", PartitionKeyOption::Random, |v| {
        v.choice(&[("random", PartitionKeyOption::Random), ("deterministic", PartitionKeyOption::Deterministic)], &[])
    });
    let staggered = t.opt("fleet_start", true, |v| v.choice(&[("staggered", true), ("together", false)], &[]));
    let ms = SimTime::from_millis_f64;
    let ages = Interval { min: 1_000.0, min_open: false, max: 900_000.0, max_open: false };
    let age = t.opt("max_buffer_age_ms", ms(limits::AGENT_MAX_BUFFER_AGE_DEFAULT_MS), |v| v.millis(ages));
    let max_records = limits::PUT_RECORDS_MAX_RECORDS;
    let records = t.opt("max_buffer_size_records", max_records, |v| v.int(1, max_records));
    let max_bytes = limits::PUT_RECORDS_MAX_BYTES;
    let bytes = t.opt("max_buffer_size_bytes", max_bytes, |v| v.int(1, max_bytes));
    let initial = ms(limits::AGENT_RETRY_INITIAL_BACKOFF_MS);
    let initial = t.opt("retry_initial_backoff_ms", initial, |v| v.millis(Interval::NON_NEGATIVE));
    let max = ms(limits::AGENT_RETRY_MAX_BACKOFF_MS);
    let max = t.opt("retry_max_backoff_ms", max, |v| v.millis(Interval::NON_NEGATIVE));
    let (initial, max) = (initial?, max?);
    let (later, earlier) = (max.as_millis_f64(), initial.as_millis_f64());
    if !t.ordered(("retry_max_backoff_ms", later), ("retry_initial_backoff_ms", earlier), (">=", "ms")) {
        return None;
    }
    let threads =
        ("max_sending_threads", limits::AGENT_MAX_SENDING_THREADS_DEFAULT, limits::AGENT_MAX_SENDING_THREADS_MAX);
    let requests = requests(t, threads, Interval::POSITIVE, limits::AGENT_SOCKET_TIMEOUT_DEFAULT_MS);
    Some(AgentSpec {
        partition_key_option: option?,
        staggered: staggered?,
        sdk: SdkSpec {
            api: SdkApi::PutRecords,
            batch_max_records: records?,
            batch_max_bytes: bytes?,
            linger: age?,
            // The agent never gives up a retriable record.
            max_attempts: u32::MAX,
            backoff_base: initial,
            backoff_max: max,
            requests: requests?,
        },
    })
}

/// The key distribution of an agent group: random keys, or with
/// `deterministic` keys the group's `partition_key` — how often records
/// repeat — which must then be a finite population of keys.
fn agent_keys(t: &TableReader<'_>, option: PartitionKeyOption, keys: KeyDist, salted: bool) -> Option<KeyDist> {
    if salted {
        t.fail_at(&["partition_key"], "the Kinesis Agent does not salt keys: remove partition_key.salt".into());
        return None;
    }
    match option {
        PartitionKeyOption::Random if t.has("partition_key") => {
            t.fail_at(
                &["partition_key"],
                "the agent's partition_key_option = \"random\" keys each record at random: remove partition_key, \
                 or set agent.partition_key_option = \"deterministic\" (then partition_key says how often records \
                 repeat)"
                    .into(),
            );
            None
        }
        PartitionKeyOption::Random => Some(KeyDist::RandomHash),
        PartitionKeyOption::Deterministic if matches!(keys, KeyDist::Unique | KeyDist::RandomHash) => {
            t.fail_at(
                &["partition_key"],
                format!(
                    "with partition_key_option = \"deterministic\" the key is the MD5 of the record's data, so \
                     partition_key must say how records repeat (uniform, zipf, hot, fixed or empirical), not {}; \
                     for records that never repeat use partition_key_option = \"random\"",
                    quote(keys.label())
                ),
            );
            None
        }
        PartitionKeyOption::Deterministic => Some(keys),
    }
}

/// `[producers.sdk]`.
fn sdk(t: &mut TableReader<'_>) -> Option<SdkSpec> {
    let api = t.opt("api", SdkApi::PutRecords, |v| {
        v.choice(&[("put_record", SdkApi::PutRecord), ("put_records", SdkApi::PutRecords)], &[])
    });
    let max_records = limits::PUT_RECORDS_MAX_RECORDS;
    let batch_max_records = t.opt("batch_max_records", max_records, |v| v.int(1, max_records));
    let ms = SimTime::from_millis_f64;
    let linger = t.opt("linger_ms", ms(DEFAULT_LINGER_MS), |v| v.millis(Interval::NON_NEGATIVE));
    let max_attempts = t.opt("max_attempts", DEFAULT_MAX_ATTEMPTS, |v| v.int(1, MAX_ATTEMPTS));
    let backoff_base = t.opt("backoff_base_ms", ms(DEFAULT_BACKOFF_BASE_MS), |v| v.millis(Interval::POSITIVE));
    let backoff_max = t.opt("backoff_max_ms", ms(DEFAULT_BACKOFF_MAX_MS), |v| v.millis(Interval::POSITIVE));
    let (api, backoff_base, backoff_max) = (api?, backoff_base?, backoff_max?);
    let batching_keys = ["batch_max_records", "linger_ms"];
    if api == SdkApi::PutRecord && batching_keys.iter().any(|k| t.has(k)) {
        // PutRecord sends each record alone at once; batching keys would be
        // silently ignored.
        t.fail_at(
            &batching_keys,
            "batch_max_records and linger_ms apply to api = \"put_records\" only; remove them or use put_records"
                .into(),
        );
        return None;
    }
    let (later, earlier) = (backoff_max.as_millis_f64(), backoff_base.as_millis_f64());
    if !t.ordered(("backoff_max_ms", later), ("backoff_base_ms", earlier), (">=", "ms")) {
        return None;
    }
    let concurrency = ("max_concurrent_requests", 1, limits::SDK_MAX_CONCURRENT_REQUESTS_MAX);
    let requests = requests(t, concurrency, Interval::POSITIVE, limits::SDK_REQUEST_TIMEOUT_DEFAULT_MS);
    Some(SdkSpec {
        api,
        batch_max_records: batch_max_records?,
        batch_max_bytes: limits::PUT_RECORDS_MAX_BYTES,
        linger: linger?,
        max_attempts: max_attempts?,
        backoff_base,
        backoff_max,
        requests: requests?,
    })
}

/// A client's request keys: `request_latency_ms`, its concurrency key
/// `(name, default, max)` and `request_timeout_ms` within `timeouts`.
fn requests(
    t: &mut TableReader<'_>,
    (concurrency_key, concurrency_default, concurrency_max): (&'static str, u32, u32),
    timeouts: Interval,
    timeout_default_ms: f64,
) -> Option<RequestSpec> {
    let latency = t.opt("request_latency_ms", LatencyDist::DEFAULT, |v| {
        v.tagged("dist", &[("fixed", fixed_latency), ("lognormal", lognormal_latency), ("discrete", discrete_latency)])
    });
    let max_concurrent = t.opt(concurrency_key, concurrency_default, |v| v.int(1, concurrency_max));
    let ms = SimTime::from_millis_f64(timeout_default_ms);
    let timeout = t.opt("request_timeout_ms", ms, |v| v.millis(timeouts));
    Some(RequestSpec { latency: latency?, max_concurrent: max_concurrent?, timeout: timeout? })
}

/// Milliseconds a latency distribution may name.
const LATENCY_MS: Interval =
    Interval { max: limits::REQUEST_LATENCY_MAX_MS, max_open: false, ..Interval::NON_NEGATIVE };

fn fixed_latency(t: &mut TableReader<'_>) -> Option<LatencyDist> {
    let ms = t.req("ms", |v| v.float(LATENCY_MS))?;
    Some(LatencyDist::Fixed { ms })
}

fn lognormal_latency(t: &mut TableReader<'_>) -> Option<LatencyDist> {
    let (median, p99) = median_and_p99(t, Interval { min_open: true, ..LATENCY_MS })?;
    Some(LatencyDist::LogNormal { median, p99 })
}

fn discrete_latency(t: &mut TableReader<'_>) -> Option<LatencyDist> {
    let floats = |v: Val<'_>, range: Interval| {
        let Value::Array(items) = &v.node.value else {
            v.expected("a non-empty array of numbers");
            return None;
        };
        if items.is_empty() {
            v.expected("a non-empty array of numbers");
            return None;
        }
        let read: Vec<Option<f64>> = items.iter().enumerate().map(|(i, n)| v.item(i, n).float(range)).collect();
        read.into_iter().collect::<Option<Vec<f64>>>()
    };
    let ms = t.req("ms", |v| floats(v, LATENCY_MS));
    let weights = t.req("weights", |v| floats(v, Interval::NON_NEGATIVE));
    let (ms, weights) = (ms?, weights?);
    if ms.len() != weights.len() {
        let message = format!("ms has {} values and weights {}: give one weight per value", ms.len(), weights.len());
        t.fail_at(&["weights", "ms"], message);
        return None;
    }
    if weights.iter().sum::<f64>() <= 0.0 {
        t.fail_at(&["weights"], "weights must not all be 0".into());
        return None;
    }
    Some(LatencyDist::Discrete { ms, weights })
}

/// A reader for one variant of a tagged table.
type VariantReader<T> = for<'a, 'b> fn(&'b mut TableReader<'a>) -> Option<T>;

/// `record_bytes = { dist = … }`.
fn size_dist(v: Val<'_>) -> Option<SizeDist> {
    v.tagged("dist", &[("fixed", fixed_size), ("uniform", uniform_size), ("lognormal", lognormal_size)])
}

fn record_size(v: Val<'_>) -> Option<u32> {
    v.int(1, MAX_RECORD_BYTES)
}

fn fixed_size(t: &mut TableReader<'_>) -> Option<SizeDist> {
    let bytes = t.req("bytes", record_size)?;
    Some(SizeDist::Fixed { bytes })
}

fn uniform_size(t: &mut TableReader<'_>) -> Option<SizeDist> {
    let (min, max) = (t.req("min", record_size), t.req("max", record_size));
    let (min, max) = (min?, max?);
    if min > max {
        t.fail_at(&["max", "min"], format!("min ({min}) must be <= max ({max})"));
        return None;
    }
    Some(SizeDist::Uniform { min, max })
}

fn lognormal_size(t: &mut TableReader<'_>) -> Option<SizeDist> {
    let (median, p99) = median_and_p99(t, Interval::POSITIVE)?;
    Some(SizeDist::LogNormal { median, p99 })
}

/// A lognormal's `median` and `p99` keys, both within `range`, median < p99.
fn median_and_p99(t: &mut TableReader<'_>, range: Interval) -> Option<(f64, f64)> {
    let median = t.req("median", |v| v.float(range));
    let p99 = t.req("p99", |v| v.float(range));
    let (median, p99) = (median?, p99?);
    if median >= p99 {
        t.fail_at(&["p99", "median"], format!("median ({}) must be < p99 ({})", fmt_float(median), fmt_float(p99)));
        return None;
    }
    Some((median, p99))
}

/// A trace replaces `records_per_s`, which then holds the trace's mean.
fn trace_rate(t: &mut TableReader<'_>, spec: &TraceSpec) -> Option<f64> {
    if let Some(v) = t.take("records_per_s") {
        v.error(
            "a rate_pattern of kind \"trace\" sets the rate: remove records_per_s (scale the trace with \
             rate_pattern.scale)",
        );
        return None;
    }
    Some(crate::workload::trace::mean_records_per_s(spec))
}

/// `partition_key = { dist = …, salt = … }`.
fn key_dist(v: Val<'_>) -> Option<(KeyDist, Option<KeySalt>)> {
    v.read_table(|t| {
        let dist = t.variant(
            "dist",
            &[
                ("uniform", uniform_keys),
                ("zipf", zipf_keys),
                ("hot", hot_keys),
                ("unique", |_| Some(KeyDist::Unique)),
                ("fixed", fixed_key),
                ("random_hash", |_| Some(KeyDist::RandomHash)),
                ("empirical", traffic::empirical),
            ],
        );
        let salt = t.opt("salt", None, |v| traffic::salt(v).map(Some));
        let (dist, salt) = (dist?, salt?);
        if let Some(s) = &salt
            && !traffic::check_salt(t, &dist, s)
        {
            return None;
        }
        Some((dist, salt))
    })
}

fn key_count(v: Val<'_>) -> Option<u32> {
    v.int(1, u32::MAX)
}

fn uniform_keys(t: &mut TableReader<'_>) -> Option<KeyDist> {
    let keys = t.req("keys", key_count)?;
    Some(KeyDist::Uniform { keys })
}

fn zipf_keys(t: &mut TableReader<'_>) -> Option<KeyDist> {
    let keys = t.req("keys", key_count);
    let exponent = t.req("exponent", |v| v.float(Interval::POSITIVE));
    Some(KeyDist::Zipf { keys: keys?, exponent: exponent? })
}

fn hot_keys(t: &mut TableReader<'_>) -> Option<KeyDist> {
    let keys = t.req("keys", key_count);
    let hot_share = t.req("hot_share", |v| v.float(Interval::SHARE));
    let (keys, hot_share) = (keys?, hot_share?);
    // With h < 1 the remaining share needs at least one cold key.
    if keys < 2 && hot_share < 1.0 {
        t.fail_at(
            &["keys", "hot_share"],
            format!("keys must be >= 2 unless hot_share = 1 (got keys = {keys}, hot_share = {})", fmt_float(hot_share)),
        );
        return None;
    }
    Some(KeyDist::Hot { keys, hot_share })
}

fn fixed_key(t: &mut TableReader<'_>) -> Option<KeyDist> {
    let key = t.req("key", |v| v.text(limits::PARTITION_KEY_MAX_CHARS))?;
    Some(KeyDist::Fixed { key })
}

/// `rate_pattern = { kind = … }`.
fn rate_pattern(v: Val<'_>) -> Option<RatePattern> {
    v.tagged("kind", &[("diurnal", diurnal), ("step", step), ("spike", spike), ("trace", traffic::trace)])
}

fn diurnal(t: &mut TableReader<'_>) -> Option<RatePattern> {
    let amplitude = t.req("amplitude", |v| v.float(Interval::AMPLITUDE));
    let period = t.req("period_s", |v| v.secs(Interval::POSITIVE));
    let phase = t.opt("phase_s", SimTime::ZERO, |v| v.secs(Interval::NON_NEGATIVE));
    Some(RatePattern::Diurnal { amplitude: amplitude?, period: period?, phase: phase? })
}

fn step(t: &mut TableReader<'_>) -> Option<RatePattern> {
    let at = t.req("at_s", |v| v.secs(Interval::NON_NEGATIVE));
    let factor = t.req("factor", |v| v.float(Interval::NON_NEGATIVE));
    Some(RatePattern::Step { at: at?, factor: factor? })
}

fn spike(t: &mut TableReader<'_>) -> Option<RatePattern> {
    let at = t.req("at_s", |v| v.secs(Interval::NON_NEGATIVE));
    let duration = t.req("duration_s", |v| v.secs(Interval::POSITIVE));
    let factor = t.req("factor", |v| v.float(Interval::NON_NEGATIVE));
    Some(RatePattern::Spike { at: at?, duration: duration?, factor: factor? })
}

/// A range of finite floats, each end open or closed.
#[derive(Clone, Copy)]
struct Interval {
    min: f64,
    min_open: bool,
    /// `f64::INFINITY` when unbounded above.
    max: f64,
    max_open: bool,
}

impl Interval {
    const POSITIVE: Interval = Interval::at_least(0.0, true);
    const NON_NEGATIVE: Interval = Interval::at_least(0.0, false);
    /// `max_throttle_rate`, shares: `0 <= x <= 1`.
    const FRACTION: Interval = Interval { max: 1.0, max_open: false, ..Interval::NON_NEGATIVE };
    /// `hot_share`: `0 < h <= 1`.
    const SHARE: Interval = Interval { max: 1.0, max_open: false, ..Interval::POSITIVE };
    /// `retention_hours`: `0 < h <= 8760`.
    const RETENTION: Interval =
        Interval { max: limits::RETENTION_MAX_HOURS as f64, max_open: false, ..Interval::POSITIVE };
    /// `function_error_rate`: `0 <= p < 1`.
    const PROBABILITY: Interval = Interval { max: 1.0, max_open: true, ..Interval::NON_NEGATIVE };
    /// `maximum_batching_window_s`: `0 <= w <= 300`.
    const BATCHING_WINDOW: Interval =
        Interval { max: limits::LAMBDA_MAXIMUM_BATCHING_WINDOW_MAX_S, max_open: false, ..Interval::NON_NEGATIVE };
    /// Diurnal `amplitude`: `0 <= a < 1`.
    const AMPLITUDE: Interval = Interval { max: 1.0, max_open: true, ..Interval::NON_NEGATIVE };

    const fn at_least(min: f64, min_open: bool) -> Interval {
        Interval { min, min_open, max: f64::INFINITY, max_open: true }
    }

    fn contains(self, x: f64) -> bool {
        let above = if self.min_open { x > self.min } else { x >= self.min };
        let below = if self.max_open { x < self.max } else { x <= self.max };
        above && below
    }

    /// `> 0`, `>= 0 and < 1`, …
    fn describe(self) -> String {
        let lower = format!("{} {}", if self.min_open { ">" } else { ">=" }, self.min);
        if self.max.is_infinite() {
            lower
        } else {
            let op = if self.max_open { "<" } else { "<=" };
            format!("{lower} and {op} {}", self.max)
        }
    }
}

/// One value and its key path.
#[derive(Clone)]
struct Val<'a> {
    node: &'a Node,
    path: String,
    sink: &'a Sink,
}

impl<'a> Val<'a> {
    fn error(&self, message: impl Into<String>) {
        self.sink.report(self.node.origin, self.path.clone(), message);
    }

    fn expected(&self, what: &str) {
        self.error(format!("expected {what}, got {}", self.node.value.describe()));
    }

    /// The array element `index` (whose value is `node`).
    fn item(&self, index: usize, node: &'a Node) -> Val<'a> {
        Val { node, path: index_path(&self.path, index), sink: self.sink }
    }

    /// An integer in `min..=max`; floats are refused (a rate of `2.5`
    /// shards is a mistake, not something to round).
    fn int<T>(&self, min: T, max: T) -> Option<T>
    where
        T: Copy + Into<i128> + TryFrom<i128>,
    {
        let (lo, hi): (i128, i128) = (min.into(), max.into());
        let Value::Int(n) = self.node.value else {
            self.expected(match lo {
                1.. => "a positive integer",
                0 => "a non-negative integer",
                _ => "an integer",
            });
            return None;
        };
        if n < lo || n > hi {
            self.error(int_range_error(lo, hi, n));
            return None;
        }
        T::try_from(n).ok()
    }

    /// A finite number in `range`; integers are accepted.
    fn float(&self, range: Interval) -> Option<f64> {
        let x = match self.node.value {
            Value::Int(n) => n as f64,
            Value::Float(x) => x,
            _ => {
                self.expected("a number");
                return None;
            }
        };
        let shown = match self.node.value {
            Value::Int(n) => n.to_string(),
            _ => fmt_float(x),
        };
        if !x.is_finite() {
            self.error(format!("must be a finite number, got {shown}"));
            return None;
        }
        if !range.contains(x) {
            self.error(format!("must be {}, got {shown}", range.describe()));
            return None;
        }
        Some(x)
    }

    /// Seconds, as a simulated time.
    fn secs(&self, range: Interval) -> Option<SimTime> {
        self.time(range, SimTime::from_secs_f64)
    }

    /// Milliseconds, as a simulated time.
    fn millis(&self, range: Interval) -> Option<SimTime> {
        self.time(range, SimTime::from_millis_f64)
    }

    /// A duration must survive the conversion to whole nanoseconds: not
    /// round to zero where zero is invalid, nor overflow into "never".
    fn time(&self, range: Interval, convert: fn(f64) -> SimTime) -> Option<SimTime> {
        let x = self.float(range)?;
        let t = convert(x);
        if t == SimTime::ZERO && !range.contains(0.0) {
            self.error(format!("must be at least 1 nanosecond, got {}", fmt_float(x)));
            return None;
        }
        if t == SimTime::NEVER {
            self.error(format!(
                "is too long: simulated time ends after {} s, got {}",
                SimTime::NEVER.whole_secs(),
                fmt_float(x)
            ));
            return None;
        }
        Some(t)
    }

    /// `true` or `false`.
    fn boolean(&self) -> Option<bool> {
        match self.node.value {
            Value::Bool(b) => Some(b),
            _ => {
                self.expected("true or false");
                None
            }
        }
    }

    /// A string of 1..=`max_chars` characters.
    fn text(&self, max_chars: usize) -> Option<String> {
        let Value::Str(s) = &self.node.value else {
            self.expected("a string");
            return None;
        };
        let chars = s.chars().count();
        if chars == 0 {
            self.error("must not be empty");
            return None;
        }
        if chars > max_chars {
            self.error(format!("must be at most {max_chars} characters, got {chars}"));
            return None;
        }
        Some(s.clone())
    }

    /// One of the `valid` strings; each of `not_modelled` is refused with its
    /// own explanation.
    fn choice<T: Copy>(&self, valid: &[(&str, T)], not_modelled: &[(&str, &str)]) -> Option<T> {
        let names = quoted_list(valid);
        let Value::Str(s) = &self.node.value else {
            self.expected(&format!("one of {names}"));
            return None;
        };
        if let Some((_, value)) = valid.iter().find(|(name, _)| name == s) {
            return Some(*value);
        }
        match not_modelled.iter().find(|(name, _)| name == s) {
            Some((_, why)) => self.error(format!("{why}; valid: {names}")),
            None => self.error(format!("unknown value {}; valid: {names}", quote(s))),
        }
        None
    }

    /// Reads this value as a table, then reports its unread keys.
    fn read_table<T>(self, read: impl FnOnce(&mut TableReader<'a>) -> Option<T>) -> Option<T> {
        let Value::Table(entries) = &self.node.value else {
            self.expected("a table");
            return None;
        };
        let mut table = TableReader::new(entries, self.node.origin, self.path, self.sink);
        let out = read(&mut table);
        table.finish();
        out
    }

    /// A table whose `tag` key selects the variant, and so which other keys
    /// are valid.
    fn tagged<T>(self, tag: &'static str, variants: &[(&str, VariantReader<T>)]) -> Option<T> {
        self.read_table(|t| t.variant(tag, variants))
    }
}

/// `"a", "b"`: the names of `choices`, for messages.
fn quoted_list<T>(choices: &[(&str, T)]) -> String {
    let names: Vec<String> = choices.iter().map(|(name, _)| quote(name)).collect();
    names.join(", ")
}

/// `must be between 1 and 10000, got 0`; bounds at or beyond `u32::MAX`
/// are type limits rather than meaningful ranges, so they are not shown.
fn int_range_error(lo: i128, hi: i128, n: i128) -> String {
    let unbounded = hi >= i128::from(u32::MAX);
    if !unbounded {
        format!("must be between {lo} and {hi}, got {n}")
    } else if n > hi {
        format!("must be <= {hi}, got {n}")
    } else {
        format!("must be >= {lo}, got {n}")
    }
}

/// Reads a table's keys one at a time; see the module docs.
struct TableReader<'a> {
    entries: &'a [Entry],
    /// Where problems about missing keys are reported.
    origin: Origin,
    path: String,
    sink: &'a Sink,
    used: Vec<bool>,
    /// Keys asked for, in order: the valid keys.
    asked: Vec<&'static str>,
}

impl<'a> TableReader<'a> {
    fn new(entries: &'a [Entry], origin: Origin, path: String, sink: &'a Sink) -> Self {
        TableReader { entries, origin, path, sink, used: vec![false; entries.len()], asked: Vec::new() }
    }

    /// Marks `key` as valid and read, returning its value if present.
    fn take(&mut self, key: &'static str) -> Option<Val<'a>> {
        self.asked.push(key);
        KEYS_ASKED.with_borrow_mut(|keys| {
            if let Some(keys) = keys {
                keys.push(key_path(&self.path, key));
            }
        });
        let i = self.entries.iter().position(|e| e.key == key)?;
        self.used[i] = true;
        Some(Val { node: &self.entries[i].node, path: key_path(&self.path, key), sink: self.sink })
    }

    /// The value of `key`, if written, without reading it.
    fn node(&self, key: &str) -> Option<&'a Node> {
        self.entries.iter().find(|e| e.key == key).map(|e| &e.node)
    }

    /// Whether `key` is written in this table.
    fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|e| e.key == key)
    }

    /// A required key.
    fn req<T>(&mut self, key: &'static str, read: impl FnOnce(Val<'a>) -> Option<T>) -> Option<T> {
        match self.take(key) {
            Some(v) => read(v),
            None => {
                self.missing(key, "missing required key".into());
                None
            }
        }
    }

    /// The load's data files.
    fn sink_files(&self) -> &'a super::files::DataFiles {
        self.sink.files()
    }

    /// Reports absent `key` against the table.
    fn missing(&self, key: &str, message: String) {
        self.sink.report(self.origin, key_path(&self.path, key), message);
    }

    /// An optional key with its default.
    fn opt<T>(&mut self, key: &'static str, default: T, read: impl FnOnce(Val<'a>) -> Option<T>) -> Option<T> {
        self.take(key).map_or(Some(default), read)
    }

    /// A sub-table that may be absent; an absent one reads as empty, so its
    /// keys take their defaults and its required keys are reported missing.
    fn section<T>(&mut self, key: &'static str, read: impl FnOnce(&mut TableReader<'a>) -> Option<T>) -> Option<T> {
        match self.take(key) {
            Some(v) => v.read_table(read),
            None => {
                let path = key_path(&self.path, key);
                let mut absent = TableReader::new(&[], self.origin, path, self.sink);
                read(&mut absent)
            }
        }
    }

    /// Reports a rule between keys at the first of `keys` that is present
    /// (else at the table).
    fn fail_at(&self, keys: &[&str], message: String) {
        let present = keys.iter().find_map(|k| self.entries.iter().find(|e| e.key == *k));
        let (origin, key) = match present {
            Some(e) => (e.node.origin, e.key.as_str()),
            None => (self.origin, keys.first().copied().unwrap_or_default()),
        };
        self.sink.report(origin, key_path(&self.path, key), message);
    }

    /// Whether `later` may follow `earlier` — not before it, or when
    /// `relation` is `"after"` strictly after — each `(key, value in
    /// unit)`; reports the rule at the keys otherwise.
    fn ordered(&self, later: (&str, f64), earlier: (&str, f64), (relation, unit): (&str, &str)) -> bool {
        let ok = if relation == "after" { later.1 > earlier.1 } else { later.1 >= earlier.1 };
        if !ok {
            let message = format!(
                "{} ({} {unit}) must be {relation} {} ({} {unit})",
                later.0,
                fmt_float(later.1),
                earlier.0,
                fmt_float(earlier.1)
            );
            self.fail_at(&[later.0, earlier.0], message);
        }
        ok
    }

    /// Where entry `i`'s `key` of the array `node` (a key of this table)
    /// is written: else the entry, else the table.
    fn entry_origin(&self, node: Option<&Node>, i: usize, key: &str) -> Origin {
        let item = match node.map(|n| &n.value) {
            Some(Value::Array(items)) => items.get(i),
            _ => None,
        };
        item.and_then(|n| n.get(key).or(Some(n))).map_or(self.origin, |n| n.origin)
    }

    /// The variant its `tag` key selects, read by that variant's reader.
    fn variant<T>(&mut self, tag: &'static str, variants: &[(&str, VariantReader<T>)]) -> Option<T> {
        let read = match self.take(tag) {
            Some(v) => v.choice(variants, &[]),
            None => {
                let valid = quoted_list(variants);
                self.missing(tag, format!("missing required key; valid: {valid}"));
                None
            }
        };
        let Some(read) = read else {
            // Without a variant there is no list of valid keys to judge the
            // rest by.
            self.skip_rest();
            return None;
        };
        read(self)
    }

    /// Treats all remaining keys as read (used when they cannot be judged).
    fn skip_rest(&mut self) {
        self.used.fill(true);
    }

    /// Reports every key that was not read as unknown.
    fn finish(self) {
        let valid = self.asked.join(", ");
        let unread = self.entries.iter().zip(&self.used).filter(|(_, used)| !**used);
        for (entry, _) in unread {
            let hint = match suggest(&entry.key, &self.asked) {
                Some(key) => format!("did you mean `{key}`? "),
                None => String::new(),
            };
            self.sink.report(
                entry.key_origin,
                key_path(&self.path, &entry.key),
                format!("unknown key; {hint}valid keys: {valid}"),
            );
        }
    }
}

/// The valid key closest to `key` within edit distance 2 (first on ties).
fn suggest<'k>(key: &str, valid: &[&'k str]) -> Option<&'k str> {
    const MAX_DISTANCE: usize = 2;
    valid
        .iter()
        .map(|v| (edit_distance(key, v), *v))
        .filter(|(d, _)| *d <= MAX_DISTANCE)
        .min_by_key(|(d, _)| *d)
        .map(|(_, v)| v)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(edit_distance("shard_cout", "shard_count"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("seed", "seed"), 0);
        assert_eq!(suggest("shard_cout", &["seed", "shard_count"]), Some("shard_count"));
        assert_eq!(suggest("xyz", &["seed", "shard_count"]), None);
    }

    #[test]
    fn intervals_describe_themselves() {
        assert_eq!(Interval::POSITIVE.describe(), "> 0");
        assert_eq!(Interval::AMPLITUDE.describe(), ">= 0 and < 1");
        assert_eq!(Interval::SHARE.describe(), "> 0 and <= 1");
        assert!(Interval::SHARE.contains(1.0) && !Interval::SHARE.contains(0.0));
        assert!(!Interval::AMPLITUDE.contains(1.0) && Interval::AMPLITUDE.contains(0.0));
    }

    #[test]
    fn integer_range_messages_show_meaningful_bounds() {
        assert_eq!(int_range_error(1, 10_000, 0), "must be between 1 and 10000, got 0");
        assert_eq!(int_range_error(1, u64::MAX.into(), -3), "must be >= 1, got -3");
        assert_eq!(int_range_error(0, 100, 101), "must be between 0 and 100, got 101");
        assert_eq!(int_range_error(1, u32::MAX.into(), 1 << 40), "must be <= 4294967295, got 1099511627776");
    }
}
