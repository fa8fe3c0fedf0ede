//! The report: one structure built from run outcomes that every exporter
//! (JSON, terminal table, Markdown) renders. Field names follow CloudWatch's
//! in snake_case with the unit last; the JSON form is an interface, so names
//! are added, never renamed.

pub mod charts;
pub mod csv;
pub mod export;
pub mod grid;
pub mod html;
pub mod json;
pub mod label;
pub mod replicate;
pub mod sizing;
pub mod skeleton;
pub mod slo;
pub mod table;

use crate::consumer::{DuplicateCauses, ReadErrorCodes};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cost::meter::{BYTES_PER_GB, HOURS_PER_MONTH, Usage};
use crate::cost::prices::{PriceTable, Rate};
use crate::cost::{Costs, ServiceUse, ServicesCost, bill};
use crate::metrics::shard::ShardCell;
use crate::metrics::{ProducerCounters, ratio};
use hdrhistogram::Histogram;

use crate::scenario::model::{
    CapacityMode, ClientSpec, ConsumerKind, ConsumerSpec, KeyDist, LeaseTableSpec, ProducerSpec, RatePattern,
    ReadLimitModel, ReshardRequest, Scenario, SdkApi, SdkSpec, SplitKey, WriteLimitModel,
};
use crate::sim::{AutoscalingOutcome, RunOutcome};
use crate::stream::faults::ErrorCodes;
use crate::stream::limits::MIB;
use crate::stream::names::ShardNames;
use crate::stream::topology::{OperationLog, Status};
use crate::time::SimTime;
use label::Label;

/// A shard is hot when its traffic share reaches this multiple of the mean
/// share (1/N), or when it throttled, or when some second reached its limit.
pub const HOT_SHARE_FACTOR: f64 = 2.0;

/// The whole report (`report.json`).
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Report {
    /// Version of shardsim that produced it.
    pub shardsim_version: String,
    /// The scenario as run.
    pub scenario: ScenarioInfo,
    /// One point per sweep combination; exactly one without a sweep.
    pub points: Vec<Point>,
}

/// Identity and settings of the scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScenarioInfo {
    /// `[scenario].name`.
    pub name: String,
    /// Master seed used.
    pub seed: u64,
    /// Simulated seconds.
    pub duration_s: f64,
    /// Seconds excluded from metrics.
    pub warmup_s: f64,
    /// `provisioned`.
    #[serde(deserialize_with = "crate::report::label::one")]
    pub capacity_mode: Label,
    /// Shards of the stream.
    pub shard_count: u32,
    /// `[stream].shards_file` as written, when the shards were imported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shards_file: Option<String>,
    /// `token_bucket` or `per_second_window`.
    #[serde(deserialize_with = "crate::report::label::one")]
    pub write_limit_model: Label,
    /// How GetRecords calls were counted: `per_second_window` or
    /// `sliding_window`.
    #[serde(deserialize_with = "crate::report::label::one")]
    pub read_limit_model: Label,
    /// Per-shard records/s limit used.
    pub shard_write_records_per_s: u64,
    /// Per-shard bytes/s limit used.
    pub shard_write_bytes_per_s: u64,
    /// Retention period of the stream.
    pub retention_hours: f64,
}

/// Results of one configuration.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Point {
    /// Swept values (empty without a sweep).
    pub parameters: BTreeMap<String, serde_json::Value>,
    /// Runs behind this point. With more than one, every other field is
    /// replication 0's, and `estimates` summarises all of them.
    pub replications: u32,
    /// Key metrics across replications: mean and 95 % interval, by report
    /// path (absent for a single run).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub estimates: BTreeMap<String, replicate::Estimate>,
    /// The `[slo]` verdict (absent without an `[slo]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo: Option<slo::SloReport>,
    /// Producer totals and per-group detail.
    pub producers: ProducersReport,
    /// Stream-level totals and peaks.
    pub stream: StreamReport,
    /// The capacity mode simulated, and the write capacity it gave.
    pub capacity: CapacityReport,
    /// Per shard, by shard index.
    pub shards: Vec<ShardReport>,
    /// Per consumer, in scenario order.
    pub consumers: Vec<ConsumerReport>,
    /// Every resharding call (scheduled or by autoscaling), in call order.
    pub reshard_operations: Vec<ReshardOperation>,
    /// The autoscaling policy's decisions (absent without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<AutoscalingReport>,
    /// What the workload costs in each capacity mode.
    pub cost: CostReport,
    /// AWS's shard formula against the simulated answer.
    pub sizing: sizing::Sizing,
    /// Stream totals over time.
    pub timeseries: Timeseries,
    /// Series only the charts and `timeseries.csv` use (not in
    /// report.json; filled only for a single configuration's run).
    #[serde(skip)]
    pub charts: ChartData,
}

/// Per-shard and per-consumer series of one run, for the charts and
/// `timeseries.csv`. Not in report.json; serialized only into a partial
/// report (`shardsim run --partition`), from which a merge draws them.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ChartData {
    /// Width of a shard cell, seconds.
    pub cell_s: u64,
    /// Each shard's cells, by shard index (seconds after warm-up only).
    #[serde(with = "cells")]
    pub shard_cells: Vec<Vec<ShardCell>>,
    /// Each consumer's largest iterator age per `timeseries` bucket, ms
    /// (0: no read in the bucket), in scenario order.
    pub consumer_ages_ms: Vec<Vec<f64>>,
    /// Each consumer's end-to-end latency quantiles: (quantile, ms).
    pub latency_curves: Vec<Vec<(f64, f64)>>,
}

impl ChartData {
    /// The series of run `o`.
    pub fn of(o: &RunOutcome) -> Self {
        ChartData {
            cell_s: o.stream.meters.first().map_or(1, |m| m.cell_s),
            shard_cells: o.stream.meters.iter().map(|m| m.cells.clone()).collect(),
            consumer_ages_ms: o
                .consumers
                .iter()
                .map(|c| c.meter.ages_us.iter().map(|&us| us as f64 / 1_000.0).collect())
                .collect(),
            latency_curves: o
                .consumers
                .iter()
                .map(|c| {
                    let h = c.meter.latency_histogram();
                    if h.is_empty() {
                        return Vec::new();
                    }
                    latency_quantiles().into_iter().map(|q| (q, h.value_at_quantile(q) as f64 / 1_000.0)).collect()
                })
                .collect(),
        }
    }
}

/// Shard cells in JSON: `[incoming_records, write_throttled,
/// incoming_bytes, utilization bits]` each. The utilization is an `f32`,
/// which JSON would carry through an `f64` (two roundings); its bits come
/// back exactly, so a merged `timeseries.csv` matches a single run's.
mod cells {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::metrics::shard::ShardCell;

    type Cell = (u32, u32, u64, u32);

    pub fn serialize<S: Serializer>(shards: &[Vec<ShardCell>], s: S) -> Result<S::Ok, S::Error> {
        let flat: Vec<Vec<Cell>> = shards
            .iter()
            .map(|cells| {
                cells
                    .iter()
                    .map(|c| {
                        (c.incoming_records, c.write_throttled, c.incoming_bytes, c.write_utilization_max.to_bits())
                    })
                    .collect()
            })
            .collect();
        flat.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<ShardCell>>, D::Error> {
        let flat = Vec::<Vec<Cell>>::deserialize(d)?;
        Ok(flat
            .into_iter()
            .map(|cells| {
                cells
                    .into_iter()
                    .map(|(incoming_records, write_throttled, incoming_bytes, bits)| ShardCell {
                        incoming_records,
                        write_throttled,
                        incoming_bytes,
                        write_utilization_max: f32::from_bits(bits),
                    })
                    .collect()
            })
            .collect())
    }
}

/// Quantiles of the latency curves: 0 to 99.999 % on a log scale of the
/// tail, then the maximum.
fn latency_quantiles() -> Vec<f64> {
    let mut q: Vec<f64> = (0..=50).map(|k| 1.0 - 10f64.powf(-(k as f64) / 10.0)).collect();
    q.push(1.0);
    q
}

/// The capacity mode a run simulated and the write capacity it had.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CapacityReport {
    /// The mode the run started in: `provisioned`, `on_demand` or
    /// `on_demand_advantage` (`cost.simulated.periods` has any switches).
    #[serde(deserialize_with = "crate::report::label::one")]
    pub mode: Label,
    /// Open shards × the per-shard byte limit at the start, MiB/s.
    pub write_capacity_mib_s_start: f64,
    /// The same when the run ended.
    pub write_capacity_mib_s_end: f64,
    /// The busiest second's accepted bytes after warm-up as the write limit
    /// charged them, MiB/s.
    pub peak_write_mib_s: f64,
    /// On-demand Advantage's warm throughput in effect when the run ended
    /// (null in the other modes).
    pub warm_throughput_mib_s: Option<f64>,
}

impl CapacityReport {
    fn of(s: &Scenario, o: &RunOutcome, stream: &StreamReport) -> Self {
        let shard_mib = s.stream.shard_write_bytes_per_s as f64 / MIB as f64;
        CapacityReport {
            mode: s.stream.capacity_mode.label(),
            write_capacity_mib_s_start: s.stream.shard_count as f64 * shard_mib,
            write_capacity_mib_s_end: o.stream.topology.open().len() as f64 * shard_mib,
            peak_write_mib_s: stream.write_limit_bytes_per_s_max as f64 / MIB as f64,
            warm_throughput_mib_s: match s.stream.capacity_mode {
                CapacityMode::OnDemandAdvantage => s.stream.on_demand.as_ref().map(|o| {
                    // "The end": the instant after the last event.
                    o.warm_throughput_at(s.duration) as f64 / MIB as f64
                }),
                _ => None,
            },
        }
    }
}

/// The bill of one point, with everything needed to audit it.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CostReport {
    /// Which price table, and what the scenario changed in it.
    pub price_table: PriceTableInfo,
    /// The month of `usd_per_month` and of GB-months.
    pub hours_per_month: f64,
    /// The billed GB.
    pub bytes_per_gb: u64,
    /// The billable quantities the run metered.
    pub usage: Usage,
    /// Each mode's bill for this run's whole traffic.
    #[serde(flatten)]
    pub modes: Costs,
    /// The bill of the modes the run simulated, stretch by stretch: one
    /// stretch unless `[[stream.mode_switch]]` changed the mode.
    pub simulated: SimulatedCost,
    /// The mode with the lowest `usd_per_hour`.
    #[serde(deserialize_with = "crate::report::label::one")]
    pub cheapest: Label,
    /// The services billed beside the stream whatever its mode (the KCL
    /// applications' lease tables, Firehose streams' ingestion): not in the
    /// modes' totals.
    #[serde(default)]
    pub services: ServicesCost,
    /// Assumptions behind these figures that depend on this run.
    pub notes: Vec<String>,
}

/// What the run cost in the modes it was in, for the time it was in each.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SimulatedCost {
    /// Over the metered window.
    pub usd_per_hour: f64,
    /// Per 30-day month at that rate.
    pub usd_per_month: f64,
    /// For the metered window.
    pub usd_for_run: f64,
    /// Each stretch in one mode, in time order.
    pub periods: Vec<PeriodCost>,
}

/// One stretch of a run in one capacity mode and its bill.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PeriodCost {
    /// `provisioned` or `on_demand` (or `on_demand_advantage`).
    #[serde(deserialize_with = "crate::report::label::one")]
    pub mode: Label,
    /// The stretch, within the metered window.
    pub from_s: f64,
    /// Its end.
    pub to_s: f64,
    /// That mode's bill for that stretch's usage.
    pub usd_for_run: f64,
}

/// Identity of the price table used.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PriceTableInfo {
    /// Its file: the built-in table or the scenario's.
    pub file: String,
    /// Its Region.
    pub region: String,
    /// Its currency.
    pub currency: String,
    /// The date of its newest source.
    pub as_of: String,
    /// Its version.
    pub version: u32,
    /// Rates the scenario's `[pricing]` changed.
    pub overridden: BTreeMap<String, f64>,
}

/// Producer counters, with the throttle rate derived from them.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProducerFigures {
    /// Records handed to clients.
    pub user_records: u64,
    /// User records accepted by shards (alone or aggregated).
    pub records_put: u64,
    /// Kinesis records accepted: `records_put` unless the KPL aggregates.
    pub kinesis_records_put: u64,
    /// Bytes accepted (data + partition key of each Kinesis record, real
    /// sizes).
    pub bytes_put: u64,
    /// Rejected Kinesis record attempts.
    pub write_throttled: u64,
    /// `write_throttled / (kinesis_records_put + write_throttled)`.
    pub throttle_rate: f64,
    /// User records sent again after a rejection.
    pub retries: u64,
    /// User records given up: after their last attempt, or expired (KPL).
    pub records_dropped: u64,
    /// Of those, KPL records older than `record_ttl_ms` (`UserRecordExpired`).
    pub user_records_expired: u64,
    /// PutRecord/PutRecords calls.
    pub put_calls: u64,
    /// Records stored a second time: sent again after a request that had
    /// stored them timed out on the client (not in `records_put`).
    pub duplicates_put: u64,
    /// Requests the client gave up waiting for (`request_timeout_ms`).
    pub requests_timed_out: u64,
    /// Failed record attempts (Kinesis records, for the KPL) by the error
    /// code the client was told: `ProvisionedThroughputExceededException`,
    /// `InternalFailure`, `ServiceUnavailable`, `RequestTimeout` (every
    /// record of a call the client gave up on).
    #[serde(default)]
    pub errors_by_code: ErrorCodes,
}

impl From<&ProducerCounters> for ProducerFigures {
    fn from(c: &ProducerCounters) -> Self {
        ProducerFigures {
            user_records: c.user_records,
            records_put: c.records_put,
            kinesis_records_put: c.kinesis_records_put,
            bytes_put: c.bytes_put,
            write_throttled: c.write_throttled,
            throttle_rate: c.throttle_rate(),
            retries: c.retries,
            records_dropped: c.records_dropped,
            user_records_expired: c.user_records_expired,
            put_calls: c.put_calls,
            duplicates_put: c.duplicates_put,
            requests_timed_out: c.requests_timed_out,
            errors_by_code: c.errors_by_code,
        }
    }
}

/// All producers together, then each group.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProducersReport {
    /// Totals over all groups.
    #[serde(flatten)]
    pub total: ProducerFigures,
    /// Records buffered or awaiting a retry when the run ended.
    pub records_in_flight: u64,
    /// Each `[[producers]]` group, in scenario order.
    pub per_producer: Vec<ProducerReport>,
}

/// One producer group.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProducerReport {
    /// Group name.
    pub name: String,
    /// `sdk`, `kpl` or `agent`.
    #[serde(deserialize_with = "crate::report::label::one")]
    pub client: Label,
    /// `put_record` or `put_records` (the KPL always uses PutRecords).
    #[serde(deserialize_with = "crate::report::label::one")]
    pub api: Label,
    /// The group's counters.
    #[serde(flatten)]
    pub figures: ProducerFigures,
    /// Its requests as its clients saw them.
    pub requests: RequestsReport,
    /// The KPL's own metrics (KPL groups only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kpl: Option<KplReport>,
    /// Where the group's workload comes from: `{ rate, keys }`, each
    /// `"trace:<file>"` / `"empirical:<file>"` for imported data, else the
    /// pattern's `kind` (`"constant"` without one) or the key `dist`.
    pub workload: WorkloadSource,
    /// Keys salted by `partition_key.salt`, heaviest first (at most
    /// [`SALTED_KEYS_LISTED`]; `salted_keys_total` counts them all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub salted_keys: Vec<SaltedKeyReport>,
    /// How many keys were salted (present with salt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salted_keys_total: Option<usize>,
}

/// A producer group's put requests.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RequestsReport {
    /// From a request's departure to its response, or to the client's
    /// timeout (`PutRecords.Latency` as the client measures it).
    pub latency_ms: LatencyReport,
    /// From a call's being ready to its departure: the wait for a free
    /// slot (`max_concurrent_requests`, the KPL's `max_connections`).
    pub slot_wait_ms: LatencyReport,
}

/// Most salted keys a producer's report lists.
pub const SALTED_KEYS_LISTED: usize = 100;

/// Where a producer group's workload comes from.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WorkloadSource {
    /// `"trace:<file>"`, a pattern's `kind`, or `"constant"`.
    pub rate: String,
    /// `"empirical:<file>"` or the key `dist`.
    pub keys: String,
}

impl WorkloadSource {
    fn of(p: &ProducerSpec) -> Self {
        let rate = match &p.rate_pattern {
            None => "constant".to_string(),
            Some(RatePattern::Trace(t)) => format!("trace:{}", t.file.path),
            Some(other) => other.label().to_string(),
        };
        let keys = match &p.partition_key {
            KeyDist::Empirical(e) => format!("empirical:{}", e.file.path),
            other => other.label().to_string(),
        };
        WorkloadSource { rate, keys }
    }
}

/// A salted key and how many shards its salted keys reach.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SaltedKeyReport {
    /// The key before salting.
    pub key: String,
    /// Suffixes it was given.
    pub suffixes: u32,
    /// Distinct shards its salted keys hash to at the start (at most
    /// `suffixes`, often fewer).
    pub shards_spanned: u32,
}

/// A KPL group's metrics, named after the KPL's CloudWatch metrics.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct KplReport {
    /// `UserRecordsPerKinesisRecord`: user records over Kinesis records put.
    pub user_records_per_kinesis_record: f64,
    /// `KinesisRecordsPerPutRecordsRequest`: Kinesis records sent (retries
    /// included) over PutRecords requests.
    pub kinesis_records_per_put_records_request: f64,
    /// PutRecords requests sent.
    pub put_records_requests: u64,
    /// `BufferingTime`: from a user record's arrival to the first
    /// PutRecords carrying it.
    pub buffering_time_ms: LatencyReport,
    /// `RetriesPerRecord`: retries over user records put or dropped.
    pub retries_per_record: f64,
    /// `UserRecordExpired`: user records older than `record_ttl_ms`.
    pub user_records_expired: u64,
    /// User records whose Kinesis record landed on a shard other than the
    /// KPL predicted, its shard map stale after a resharding.
    pub unpredicted_shard_records: u64,
    /// Of those, the ones the KPL sent again with error "Wrong Shard"
    /// (their key did not fit the shard they landed on, or the KPL did not
    /// know that shard): each left a duplicate stored in the stream.
    pub wrong_shard_retries: u64,
    /// ListShards calls the instances made after their first, to refresh
    /// their shard maps.
    pub shard_map_refreshes: u64,
}

/// One resharding call.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReshardOperation {
    /// When it was called.
    pub at_s: f64,
    /// `update_shard_count`, `split` or `merge`.
    #[serde(deserialize_with = "crate::report::label::one")]
    pub op: Label,
    /// Who called it: `schedule` or `autoscaling`.
    #[serde(deserialize_with = "crate::report::label::one")]
    pub origin: Label,
    /// Its arguments, as the scenario names them.
    #[serde(deserialize_with = "crate::report::label::keys")]
    pub requested: BTreeMap<Label, serde_json::Value>,
    /// `completed`, `in_progress` (still running when the run ended) or
    /// `rejected`.
    #[serde(deserialize_with = "crate::report::label::one")]
    pub status: Label,
    /// AWS's exception name when rejected.
    #[serde(deserialize_with = "crate::report::label::optional")]
    pub error: Option<Label>,
    /// The exception's message when rejected.
    pub message: Option<String>,
    /// When it was accepted and the stream became UPDATING.
    pub started_at_s: Option<f64>,
    /// When its last step completed and the stream was ACTIVE again.
    pub completed_at_s: Option<f64>,
    /// Shards it opened, short-lived ones included.
    pub shards_created: Vec<String>,
    /// Shards it closed.
    pub shards_closed: Vec<String>,
}

impl ReshardOperation {
    fn of(o: &OperationLog, names: &ShardNames) -> Self {
        let shard_id = |i: u32| names.id(i);
        let mut requested = BTreeMap::new();
        match o.request {
            ReshardRequest::UpdateShardCount { target } => {
                requested.insert("target", target.into());
            }
            ReshardRequest::Split { shard, new_starting_hash_key } => {
                requested.insert("shard", shard_id(shard).into());
                let key = match new_starting_hash_key {
                    SplitKey::Middle => "middle".to_string(),
                    SplitKey::Key(k) => k.to_string(),
                };
                requested.insert("new_starting_hash_key", key.into());
            }
            ReshardRequest::Merge { shard, adjacent } => {
                requested.insert("shard", shard_id(shard).into());
                requested.insert("adjacent", shard_id(adjacent).into());
            }
            ReshardRequest::OnDemandSplit { shard } => {
                requested.insert("shard", shard_id(shard).into());
            }
            ReshardRequest::UpdateStreamMode { to } => {
                requested.insert("to", to.label().into());
            }
        }
        let ids = |v: &[u32]| v.iter().map(|&i| shard_id(i)).collect();
        ReshardOperation {
            at_s: o.at.as_secs_f64(),
            op: o.request.label(),
            origin: o.origin,
            requested,
            status: match o.status {
                Status::Completed => "completed",
                Status::InProgress => "in_progress",
                Status::Rejected => "rejected",
            },
            error: o.error,
            message: o.message.clone(),
            started_at_s: (o.status != Status::Rejected).then(|| o.at.as_secs_f64()),
            completed_at_s: o.completed_at.map(SimTime::as_secs_f64),
            shards_created: ids(&o.shards_created),
            shards_closed: ids(&o.shards_closed),
        }
    }

    /// How many of `ops`, from the first, are on-demand splits the service
    /// decided at one check (0 if the first is not one): shown together.
    pub fn service_batch(ops: &[ReshardOperation]) -> usize {
        let Some(first) = ops.first().filter(|o| o.op == "on_demand_split") else { return 0 };
        ops.iter().take_while(|w| w.op == "on_demand_split" && w.at_s == first.at_s).count()
    }

    /// `completed at T s`, `rejected: <exception>` or `in progress at the
    /// end`.
    pub fn outcome(&self) -> String {
        match (self.completed_at_s, self.error) {
            (Some(t), _) => format!("completed at {t} s"),
            (None, Some(e)) => format!("rejected: {e}"),
            (None, None) => "in progress at the end".to_string(),
        }
    }
}

/// What an autoscaling policy decided.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AutoscalingReport {
    /// `scaling_utils`, `step` or `target_tracking`.
    #[serde(deserialize_with = "crate::report::label::one")]
    pub policy: Label,
    /// Each decision that made a resharding call, in time order.
    pub decisions: Vec<DecisionReport>,
}

/// One autoscaling decision.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DecisionReport {
    /// When it was made.
    pub at_s: f64,
    /// The metric it was based on, as the policy names it.
    pub metric: String,
    /// The value it saw (see the policy's documentation for the unit).
    pub value: f64,
    /// `scale_up`, `scale_down`, `split` or `merge`.
    #[serde(deserialize_with = "crate::report::label::one")]
    pub decision: Label,
    /// The open shard count asked for.
    pub target: u32,
    /// `completed at T s`, `in progress at the end`, or `rejected:
    /// <exception>`.
    pub outcome: String,
}

impl AutoscalingReport {
    fn of(a: &AutoscalingOutcome, operations: &[ReshardOperation]) -> Self {
        let decisions = a
            .decisions
            .iter()
            .map(|(d, op)| DecisionReport {
                at_s: d.at.as_secs_f64(),
                metric: d.metric.clone(),
                value: d.value,
                decision: d.decision,
                target: d.target,
                outcome: operations[*op].outcome(),
            })
            .collect();
        AutoscalingReport { policy: a.policy, decisions }
    }
}

/// Stream-level view.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StreamReport {
    /// Shards the stream was created with.
    pub shard_count: u32,
    /// Records/s the stream's first shards accept together.
    pub capacity_records_per_s: u64,
    /// Bytes/s the stream's first shards accept together.
    pub capacity_bytes_per_s: u64,
    /// Most shards open at once after warm-up.
    pub open_shards_max: u32,
    /// Open shards averaged over time after warm-up.
    pub open_shards_mean: f64,
    /// The integral of the open shard count after warm-up, in hours: what
    /// provisioned mode bills.
    pub shard_hours: f64,
    /// Accepted records after warm-up.
    pub incoming_records: u64,
    /// Accepted bytes after warm-up: data + partition key, as CloudWatch's
    /// `IncomingBytes` counts them.
    pub incoming_bytes: u64,
    /// The same records' bytes as the write limit charged them (PutRecord
    /// rounds each record up to a whole KiB): what utilization uses.
    pub write_limit_bytes: u64,
    /// Rejected record attempts after warm-up.
    pub write_throttled: u64,
    /// Mean accepted records per second.
    pub incoming_records_per_s_mean: f64,
    /// Busiest second's accepted records.
    pub incoming_records_per_s_max: u64,
    /// Busiest second's accepted bytes (real sizes).
    pub incoming_bytes_per_s_max: u64,
    /// Busiest second's accepted bytes as the write limit charged them.
    pub write_limit_bytes_per_s_max: u64,
    /// Most rejections in one second.
    pub write_throttled_per_s_max: u64,
    /// Mean load over the stream's capacity (records or bytes, whichever is
    /// higher) — what a stream-level average shows.
    pub write_utilization_mean: f64,
    /// Number of hot shards.
    pub hot_shards: u32,
}

/// One shard.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ShardReport {
    /// `shardId-000000000000`.
    pub shard_id: String,
    /// First hash key, decimal.
    pub hash_key_start: String,
    /// Last hash key (inclusive), decimal.
    pub hash_key_end: String,
    /// At the end of the run: `open`, `closed` (a resharding's parent, still
    /// readable) or `expired` (closed longer than the retention period).
    #[serde(deserialize_with = "crate::report::label::one")]
    pub state: Label,
    /// The shard it was split from, or the first of the two merged.
    pub parent_shard_id: Option<String>,
    /// The other shard of the merge it came from.
    pub adjacent_parent_shard_id: Option<String>,
    /// When it opened.
    pub created_at_s: f64,
    /// When it closed, if it did.
    pub closed_at_s: Option<f64>,
    /// Accepted records.
    pub incoming_records: u64,
    /// Accepted bytes: data + partition key, as CloudWatch's
    /// `IncomingBytes` counts them.
    pub incoming_bytes: u64,
    /// The same records' bytes as the write limit charged them (PutRecord
    /// rounds each record up to a whole KiB): what utilization uses.
    pub write_limit_bytes: u64,
    /// Rejected record attempts.
    pub write_throttled: u64,
    /// Rejected over attempted.
    pub throttle_rate: f64,
    /// This shard's attempts over all shards' attempts.
    pub traffic_share: f64,
    /// Highest accepted load of one second over the shard's limit.
    pub write_utilization_max: f64,
    /// Highest attempted load of one second over the shard's limit.
    pub write_demand_max: f64,
    /// Seconds with at least one rejection.
    pub throttled_seconds: u64,
    /// Whether any hot rule fired.
    pub hot: bool,
    /// Which rules fired: `throttled`, `at_limit`, `traffic_share`.
    #[serde(deserialize_with = "crate::report::label::list")]
    pub hot_reasons: Vec<Label>,
}

/// One consumer application.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ConsumerReport {
    /// `[[consumers]].name`.
    pub name: String,
    /// `polling`, `efo`, `lambda` or `firehose`.
    #[serde(deserialize_with = "crate::report::label::one")]
    pub kind: Label,
    /// Distinct records handed to the application.
    pub records_delivered: u64,
    /// Records handed over again: re-reads from the last checkpoint after a
    /// worker failover, records of retried Lambda invocations, or second
    /// stored copies of records the KPL sent again ("Wrong Shard") or a
    /// client sent again after its put timed out.
    pub duplicates: u64,
    /// `duplicates` by cause: `worker_failover`, `lambda_retry`,
    /// `resharding` (the KPL's "Wrong Shard" copies), `request_timeout`.
    pub duplicates_by_cause: DuplicateCauses,
    /// Of `duplicates`, the stored copies (the KPL's "Wrong Shard"
    /// retries and copies after timeouts): `records_delivered +
    /// duplicates_stored + records_discarded + records_expired +
    /// records_unread` is what the stream stored.
    pub duplicates_stored: u64,
    /// KPL user records the KCL's deaggregator dropped: whole aggregates
    /// that landed, for a stale prediction, on a shard not owning all their
    /// keys.
    pub records_discarded: u64,
    /// Of those, the records the KPL counted as put and never sends again:
    /// this application never sees them. shardsim's reading of the KPL's
    /// and the KCL's code (see docs/model.md, "Resharding"), not an AWS
    /// statement.
    pub records_lost: u64,
    /// GetRecords calls rejected (ReadProvisionedThroughputExceeded).
    pub read_throttled: u64,
    /// Failed reads by error code: GetRecords calls throttled
    /// (`ProvisionedThroughputExceededException`) or failed
    /// (`InternalFailure`), and subscriptions a failure ended.
    #[serde(default)]
    pub read_errors_by_code: ReadErrorCodes,
    /// GetRecords calls that succeeded.
    pub get_records_calls: u64,
    /// SubscribeToShard calls (enhanced fan-out; renewed every 5 minutes).
    pub subscribe_calls: u64,
    /// Lambda invocations, retries included.
    pub invocations: u64,
    /// Records of Lambda batches given up after retries (they would go to
    /// the on-failure destination).
    pub records_failed: u64,
    /// Shards no worker held a lease on at the end (KCL applications whose
    /// `workers × max_leases_per_worker` is below the shard count).
    pub shards_unleased: u32,
    /// From the producer application's send to the consumer's receipt.
    pub end_to_end_latency_ms: LatencyReport,
    /// Largest GetRecords.IteratorAgeMilliseconds seen: the age of a
    /// call's last record when it was read.
    pub iterator_age_ms_max: f64,
    /// Records that expired (retention) before this consumer read them.
    pub records_expired: u64,
    /// Records stored but not read when the run ended.
    pub records_unread: u64,
    /// Records delivered while an earlier record of the same partition key
    /// in a parent shard was still undelivered (`ordering =
    /// "ignore_parents"` across a resharding).
    pub out_of_order_records: u64,
    /// A Firehose stream's deliveries (`kind = "firehose"` only; absent
    /// for other kinds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firehose: Option<FirehoseReport>,
    /// A KCL application's DynamoDB lease table (`polling` and `efo`
    /// only; absent for other kinds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_table: Option<LeaseTableReport>,
}

/// What a KCL application's lease table carried and refused.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LeaseTableReport {
    /// `provisioned` or `on_demand`.
    #[serde(deserialize_with = "crate::report::label::one")]
    pub billing: Label,
    /// Provisioned write and read capacity units (null on-demand).
    pub wcu: Option<u32>,
    pub rcu: Option<u32>,
    /// Checkpoints saved (writes), after the warm-up.
    pub checkpoints: u64,
    /// Checkpoints throttled at least once (the record processor waited).
    pub checkpoints_throttled: u64,
    /// Of those, the ones still throttled after the SDK's last retry
    /// (not saved).
    pub checkpoints_failed: u64,
    /// Mean wait of a throttled checkpoint, ms.
    pub checkpoint_wait_ms_mean: f64,
    /// Lease renewals the table could not admit.
    pub renewals_throttled: u64,
    /// Write capacity units consumed per second: mean over the metered
    /// window, and the busiest whole second.
    pub write_units_per_s: MeanMax,
    /// Read capacity units the lease taker's scans consumed per second.
    pub read_units_per_s: MeanMax,
}

/// A rate's mean and maximum.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MeanMax {
    /// Mean.
    pub mean: f64,
    /// Maximum.
    pub max: f64,
}

/// What a Firehose stream delivered. Its `end_to_end_latency_ms` runs to
/// the delivery of the buffer holding the record.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FirehoseReport {
    /// Buffers delivered.
    pub deliveries: u64,
    /// Each record's wait from its arrival in Firehose (the GetRecords
    /// response) to the delivery of its buffer.
    pub delivery_latency_ms: LatencyReport,
    /// Each delivery's data freshness (CloudWatch `DataFreshness`): the age
    /// of its oldest record since that record arrived in Firehose.
    pub data_freshness_ms: LatencyReport,
    /// Data ingested as Firehose bills it: each Kinesis record read rounded
    /// up to 5 KB, in GB (2^30 bytes).
    pub ingested_gb_billed: f64,
}

/// Latency percentiles in milliseconds (HDR histogram, 3 significant
/// digits; 0 when nothing was delivered).
#[derive(Clone, Debug, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LatencyReport {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Largest.
    pub max: f64,
}

impl LatencyReport {
    /// The percentiles of a histogram of microseconds.
    pub fn of(h: &Histogram<u64>) -> Self {
        if h.is_empty() {
            return LatencyReport::default();
        }
        let ms = |us: u64| us as f64 / 1_000.0;
        let q = |quantile: f64| ms(h.value_at_quantile(quantile));
        LatencyReport {
            mean: h.mean() / 1_000.0,
            p50: q(0.5),
            p90: q(0.9),
            p99: q(0.99),
            p999: q(0.999),
            max: ms(h.max()),
        }
    }
}

/// Stream totals per bucket of `bucket_s` seconds, from time 0.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Timeseries {
    /// Width of one bucket.
    pub bucket_s: u64,
    /// Records handed to clients.
    pub user_records: Vec<u64>,
    /// Records accepted.
    pub incoming_records: Vec<u64>,
    /// Bytes accepted (real sizes, as CloudWatch's `IncomingBytes`).
    pub incoming_bytes: Vec<u64>,
    /// Bytes accepted as the write limit charged them.
    pub write_limit_bytes: Vec<u64>,
    /// Rejected attempts.
    pub write_throttled: Vec<u64>,
    /// Most shards open at once in the bucket.
    pub open_shards: Vec<u32>,
}

impl Report {
    /// The report of a single run of `scenario` with `seed`, priced with
    /// `prices`.
    pub fn single(scenario: &Scenario, seed: u64, outcome: &RunOutcome, prices: &PriceTable) -> Report {
        let mut run = Point::of_run(scenario, outcome, prices);
        run.charts = ChartData::of(outcome);
        let metrics = vec![replicate::metrics(&run)];
        let point = Point::combine(run, metrics, BTreeMap::new(), scenario);
        Report::new(scenario, seed, vec![point])
    }

    /// The report of `points`; the `scenario` section describes `scenario`
    /// (the first point's, for a sweep) run with master seed `seed`.
    pub fn new(scenario: &Scenario, seed: u64, points: Vec<Point>) -> Report {
        Report::of(ScenarioInfo::new(scenario, seed), points)
    }

    /// The report of `points` under the `scenario` section `scenario`.
    pub fn of(scenario: ScenarioInfo, points: Vec<Point>) -> Report {
        Report { shardsim_version: env!("CARGO_PKG_VERSION").to_string(), scenario, points }
    }
}

impl ScenarioInfo {
    /// The identity and settings of `s` run with master seed `seed`.
    pub fn new(s: &Scenario, seed: u64) -> Self {
        ScenarioInfo {
            name: s.name.clone(),
            seed,
            duration_s: s.duration.as_secs_f64(),
            warmup_s: s.warmup.as_secs_f64(),
            capacity_mode: s.stream.capacity_mode.label(),
            shard_count: s.stream.shard_count,
            shards_file: s.stream.shards_file.as_ref().map(|f| f.file.path.clone()),
            write_limit_model: match s.stream.write_limit_model {
                WriteLimitModel::TokenBucket => "token_bucket",
                WriteLimitModel::PerSecondWindow => "per_second_window",
            },
            read_limit_model: match s.stream.read_limit_model {
                ReadLimitModel::PerSecondWindow => "per_second_window",
                ReadLimitModel::SlidingWindow => "sliding_window",
            },
            shard_write_records_per_s: s.stream.shard_write_records_per_s,
            shard_write_bytes_per_s: s.stream.shard_write_bytes_per_s,
            retention_hours: s.stream.retention_hours,
        }
    }
}

impl Point {
    /// One configuration: replication 0's point `first`, every
    /// replication's [`replicate::metrics`] (in replication order), its
    /// swept `parameters`, and the verdict of its scenario `s`'s `[slo]`.
    pub fn combine(
        first: Point,
        per_run: Vec<Vec<(String, f64)>>,
        parameters: BTreeMap<String, serde_json::Value>,
        s: &Scenario,
    ) -> Point {
        Point::judged(first, per_run, parameters, s.slo.as_ref())
    }

    /// [`Point::combine`] with the scenario's `[slo]` limits alone.
    pub fn judged(
        first: Point,
        per_run: Vec<Vec<(String, f64)>>,
        parameters: BTreeMap<String, serde_json::Value>,
        limits: Option<&crate::scenario::model::Slo>,
    ) -> Point {
        let estimates = replicate::estimates(&per_run);
        let replications = per_run.len() as u32;
        let mut p = first;
        p.parameters = parameters;
        p.replications = replications;
        p.estimates = estimates;
        p.slo = limits.map(|o| slo::evaluate(o, &p));
        p
    }

    /// The metric at report path `path` (see [`replicate::metrics`]), whose
    /// replication-0 value is `value`: (95 % low, mean, 95 % high) across
    /// the replications, or `value` three times for a single run.
    pub fn interval(&self, path: &str, value: f64) -> (f64, f64, f64) {
        self.estimates.get(path).map_or((value, value, value), |e| (e.ci95_low, e.mean, e.ci95_high))
    }

    /// The highest consumer p99 end-to-end latency of replication 0, with
    /// its report path.
    pub fn worst_p99(&self) -> Option<(String, f64)> {
        let c =
            self.consumers.iter().max_by(|a, b| a.end_to_end_latency_ms.p99.total_cmp(&b.end_to_end_latency_ms.p99))?;
        Some((format!("consumers.{}.end_to_end_latency_ms.p99", c.name), c.end_to_end_latency_ms.p99))
    }

    /// The point of one run `o` of `s`, priced with `prices`.
    pub fn of_run(s: &Scenario, o: &RunOutcome, prices: &PriceTable) -> Self {
        let shards = shard_reports(s, o);
        let mut total = ProducerCounters::default();
        o.producers.iter().for_each(|c| total += c);
        let per_producer = s
            .producers
            .iter()
            .zip(&o.producers)
            .zip(&o.kpl)
            .zip(&o.salted_keys)
            .zip(&o.requests)
            .map(|((((p, c), kpl), salted), requests)| ProducerReport {
                requests: RequestsReport {
                    latency_ms: LatencyReport::of(&requests.latency_us.histogram()),
                    slot_wait_ms: LatencyReport::of(&requests.wait_us.histogram()),
                },
                workload: WorkloadSource::of(p),
                salted_keys: salted
                    .iter()
                    .take(SALTED_KEYS_LISTED)
                    .map(|k| SaltedKeyReport {
                        key: k.key.clone(),
                        suffixes: k.suffixes,
                        shards_spanned: k.shards_spanned,
                    })
                    .collect(),
                salted_keys_total: p.key_salt.as_ref().map(|_| salted.len()),
                name: p.name.clone(),
                client: p.client.label(),
                api: match &p.client {
                    ClientSpec::Sdk(SdkSpec { api: SdkApi::PutRecord, .. }) => "put_record",
                    _ => "put_records",
                },
                figures: c.into(),
                kpl: kpl.as_ref().map(|k| KplReport {
                    user_records_per_kinesis_record: ratio(c.records_put, c.kinesis_records_put),
                    kinesis_records_per_put_records_request: ratio(k.kinesis_records_sent, k.put_records_requests),
                    put_records_requests: k.put_records_requests,
                    buffering_time_ms: LatencyReport::of(&k.buffering_us.histogram()),
                    retries_per_record: ratio(c.retries, c.records_put + c.records_dropped),
                    user_records_expired: c.user_records_expired,
                    unpredicted_shard_records: k.unpredicted_shard_records,
                    wrong_shard_retries: k.wrong_shard_retries,
                    shard_map_refreshes: k.shard_map_refreshes,
                }),
            })
            .collect();
        let producers =
            ProducersReport { total: (&total).into(), records_in_flight: o.records_in_flight, per_producer };
        let stream = stream_report(s, o, &shards);
        let capacity = CapacityReport::of(s, o, &stream);
        let timeseries = timeseries(s, o);
        let names = s.stream.shard_names();
        let reshard_operations: Vec<ReshardOperation> =
            o.stream.topology.operations.iter().map(|op| ReshardOperation::of(op, &names)).collect();
        let cost = cost_report(s, o, prices, &producers);
        let sizing = sizing::check(s, &producers, &stream, &shards, &timeseries, cost.usage.bytes_written);
        Point {
            parameters: BTreeMap::new(),
            replications: 1,
            estimates: BTreeMap::new(),
            slo: None,
            cost,
            sizing,
            producers,
            stream,
            capacity,
            shards,
            consumers: consumer_reports(s, o),
            autoscaling: o.autoscaling.as_ref().map(|a| AutoscalingReport::of(a, &reshard_operations)),
            reshard_operations,
            timeseries,
            charts: ChartData::default(),
        }
    }
}

fn cost_report(s: &Scenario, o: &RunOutcome, prices: &PriceTable, producers: &ProducersReport) -> CostReport {
    let usage = Usage::measure(s, o);
    let mode = s.stream.capacity_mode;
    // A run that switched modes simulated none of them throughout.
    let switched = o.mode_periods.len() > 1;
    let modes = bill(&usage, prices, if switched { "" } else { mode.label() });
    let periods: Vec<PeriodCost> = Usage::by_mode(s, o)
        .into_iter()
        .map(|m| {
            let label = m.mode.label();
            let costs = bill(&m.usage, prices, label);
            let own = costs.mode(label).map_or(0.0, |c| c.usd_for_run);
            PeriodCost { mode: label, from_s: m.from.as_secs_f64(), to_s: m.to.as_secs_f64(), usd_for_run: own }
        })
        .collect();
    let usd_for_run: f64 = periods.iter().map(|p| p.usd_for_run).sum();
    let usd_per_hour = if usage.metered_hours > 0.0 { usd_for_run / usage.metered_hours } else { 0.0 };
    let simulated = SimulatedCost { usd_per_hour, usd_per_month: usd_per_hour * HOURS_PER_MONTH, usd_for_run, periods };
    let mut notes = Vec::new();
    // Throttled records that a retry got in are billed; dropped ones are not.
    let lost = producers.total.records_dropped;
    if lost > 0 {
        let stream = match mode {
            CapacityMode::Provisioned => format!("this run's {} provisioned shards", s.stream.shard_count),
            CapacityMode::OnDemand | CapacityMode::OnDemandAdvantage => "this run's on-demand stream".to_string(),
        };
        notes.push(format!(
            "every mode is metered from the records {stream} accepted; {} user records were dropped, which a stream \
             with more capacity would have accepted and billed",
            table::thousands(lost)
        ));
    }
    let share = prices[Rate::AdvantageCommitmentShare];
    notes.push(format!(
        "on-demand Advantage: the {} MiB/s ingest + {} MiB/s retrieval commitment is account-wide (all on-demand \
         streams in the Region); this stream is charged {:.0} % of it (pricing.on_demand_advantage.commitment_share)",
        prices[Rate::AdvantageCommitmentIngestMibPerS],
        prices[Rate::AdvantageCommitmentRetrievalMibPerS],
        share * 100.0
    ));
    let services = services_cost(s, o, prices, usage.metered_hours);
    CostReport {
        price_table: PriceTableInfo {
            file: prices.source_file.clone(),
            region: prices.region.clone(),
            currency: prices.currency.clone(),
            as_of: prices.as_of.clone(),
            version: prices.version,
            overridden: prices.overridden.clone(),
        },
        hours_per_month: HOURS_PER_MONTH,
        bytes_per_gb: BYTES_PER_GB as u64,
        usage,
        cheapest: modes.cheapest(),
        modes,
        simulated,
        services,
        notes,
    }
}

/// The services' bill, from each consumer's meter: KCL applications' lease
/// tables, Firehose streams' ingestion.
fn services_cost(s: &Scenario, o: &RunOutcome, prices: &PriceTable, hours: f64) -> ServicesCost {
    let uses: Vec<_> = (s.consumers.iter().zip(&o.consumers))
        .filter_map(|(spec, c)| {
            let used = match (&c.meter.lease_table, &c.meter.firehose) {
                (Some(table), _) => ServiceUse::LeaseTable(lease_table_spec(spec)?, table),
                (_, Some(f)) => ServiceUse::FirehoseIngestion(f.ingested_bytes_billed),
                (None, None) => return None,
            };
            Some((spec.name.as_str(), used))
        })
        .collect();
    crate::cost::services(&uses, hours, prices)
}

fn shard_reports(s: &Scenario, o: &RunOutcome) -> Vec<ShardReport> {
    let meters = &o.stream.meters;
    let totals: Vec<_> = meters.iter().map(|m| m.totals()).collect();
    let attempts = |t: &crate::metrics::WriteTotals| t.incoming_records + t.write_throttled;
    let all: u64 = totals.iter().map(attempts).sum();
    // A fair share is one over the shards open on average.
    let n = open_shards_mean(s, o);
    let retention = SimTime::from_secs_f64(s.stream.retention_hours * 3_600.0);
    let names = s.stream.shard_names();
    let shard_id = |i: u32| names.id(i);
    meters
        .iter()
        .zip(&totals)
        .zip(&o.stream.topology.shards)
        .enumerate()
        .map(|(i, ((m, t), shard))| {
            let r = shard.range;
            let share = ratio(attempts(t), all);
            let mut hot_reasons = Vec::new();
            if t.write_throttled > 0 {
                hot_reasons.push("throttled");
            }
            if m.write_utilization_max >= 1.0 {
                hot_reasons.push("at_limit");
            }
            if n > 1.0 && share >= HOT_SHARE_FACTOR / n {
                hot_reasons.push("traffic_share");
            }
            ShardReport {
                shard_id: shard_id(i as u32),
                hash_key_start: r.start.to_string(),
                hash_key_end: r.end.to_string(),
                state: match shard.closed_at {
                    None => "open",
                    Some(c) if c + retention <= s.duration => "expired",
                    Some(_) => "closed",
                },
                parent_shard_id: shard.parent.map(shard_id),
                adjacent_parent_shard_id: shard.adjacent_parent.map(shard_id),
                created_at_s: shard.created_at.as_secs_f64(),
                closed_at_s: shard.closed_at.map(SimTime::as_secs_f64),
                incoming_records: t.incoming_records,
                incoming_bytes: t.incoming_bytes,
                write_limit_bytes: t.write_limit_bytes,
                write_throttled: t.write_throttled,
                throttle_rate: ratio(t.write_throttled, attempts(t)),
                traffic_share: share,
                write_utilization_max: m.write_utilization_max,
                write_demand_max: m.write_demand_max,
                throttled_seconds: m.throttled_seconds,
                hot: !hot_reasons.is_empty(),
                hot_reasons,
            }
        })
        .collect()
}

/// Open shards averaged over the metered window.
fn open_shards_mean(s: &Scenario, o: &RunOutcome) -> f64 {
    let window = s.measured().as_nanos() as f64;
    o.stream.topology.open_shard_nanos(s.warmup, s.duration) as f64 / window.max(1.0)
}

fn stream_report(s: &Scenario, o: &RunOutcome, shards: &[ShardReport]) -> StreamReport {
    let n = s.stream.shard_count as u64;
    let limits = o.stream.limits();
    let open_shards_mean = open_shards_mean(s, o);
    let open_shards_max = {
        let t = &o.stream.topology;
        let counts = t.open_counts(SimTime::from_secs(1), s.duration);
        let first = s.warmup.whole_secs() as usize;
        counts.get(first..).and_then(|c| c.iter().max().copied()).unwrap_or(s.stream.shard_count)
    };
    let incoming_records: u64 = shards.iter().map(|x| x.incoming_records).sum();
    let incoming_bytes: u64 = shards.iter().map(|x| x.incoming_bytes).sum();
    let write_limit_bytes: u64 = shards.iter().map(|x| x.write_limit_bytes).sum();
    let measured_s = s.measured().as_secs_f64();
    let per_s = |v: u64| if measured_s > 0.0 { v as f64 / measured_s } else { 0.0 };
    let capacity_records_per_s = limits.records_per_s * n;
    let capacity_bytes_per_s = limits.bytes_per_s * n;
    StreamReport {
        shard_count: n as u32,
        capacity_records_per_s,
        capacity_bytes_per_s,
        open_shards_max,
        open_shards_mean,
        shard_hours: open_shards_mean * s.measured().as_secs_f64() / 3_600.0,
        incoming_records,
        incoming_bytes,
        write_limit_bytes,
        write_throttled: shards.iter().map(|x| x.write_throttled).sum(),
        incoming_records_per_s_mean: per_s(incoming_records),
        incoming_records_per_s_max: o.series.peak.incoming_records,
        incoming_bytes_per_s_max: o.series.peak.incoming_bytes,
        write_limit_bytes_per_s_max: o.series.peak.write_limit_bytes,
        write_throttled_per_s_max: o.series.peak.write_throttled,
        // Over the capacity that was open on average.
        write_utilization_mean: (per_s(incoming_records) / (limits.records_per_s as f64 * open_shards_mean))
            .max(per_s(write_limit_bytes) / (limits.bytes_per_s as f64 * open_shards_mean)),
        hot_shards: shards.iter().filter(|x| x.hot).count() as u32,
    }
}

fn consumer_reports(s: &Scenario, o: &RunOutcome) -> Vec<ConsumerReport> {
    s.consumers
        .iter()
        .zip(&o.consumers)
        .map(|(spec, c)| {
            let m = &c.meter;
            let latency = LatencyReport::of(&m.latency_histogram());
            ConsumerReport {
                name: spec.name.clone(),
                kind: spec.kind.label(),
                records_delivered: m.records_delivered,
                duplicates: m.duplicates,
                duplicates_by_cause: m.duplicates_by_cause,
                duplicates_stored: m.duplicates_stored,
                records_discarded: m.records_discarded,
                records_lost: m.records_lost,
                read_throttled: m.read_throttled,
                read_errors_by_code: m.read_errors_by_code,
                get_records_calls: m.get_records_calls,
                subscribe_calls: m.subscribe_calls,
                invocations: m.invocations,
                records_failed: m.records_failed,
                shards_unleased: c.shards_unleased,
                end_to_end_latency_ms: latency,
                iterator_age_ms_max: m.iterator_age_max.as_millis_f64(),
                records_expired: m.records_expired,
                records_unread: c.records_unread,
                out_of_order_records: m.out_of_order_records,
                firehose: m.firehose.as_ref().map(|f| FirehoseReport {
                    deliveries: f.deliveries,
                    delivery_latency_ms: LatencyReport::of(&f.delivery_latency_us.histogram()),
                    data_freshness_ms: LatencyReport::of(&f.freshness_us.histogram()),
                    ingested_gb_billed: f.ingested_bytes_billed as f64 / (1u64 << 30) as f64,
                }),
                lease_table: m.lease_table.as_ref().zip(lease_table_spec(spec)).map(|(t, spec)| {
                    let per_s =
                        |units: f64| if t.metered > SimTime::ZERO { units / t.metered.as_secs_f64() } else { 0.0 };
                    let (billing, wcu, rcu) = match spec {
                        LeaseTableSpec::Provisioned { wcu, rcu } => ("provisioned", Some(wcu), Some(rcu)),
                        LeaseTableSpec::OnDemand => ("on_demand", None, None),
                    };
                    LeaseTableReport {
                        billing,
                        wcu,
                        rcu,
                        checkpoints: t.checkpoints,
                        checkpoints_throttled: t.checkpoints_throttled,
                        checkpoints_failed: t.checkpoints_failed,
                        checkpoint_wait_ms_mean: if t.checkpoints_throttled > 0 {
                            t.checkpoint_wait.as_millis_f64() / t.checkpoints_throttled as f64
                        } else {
                            0.0
                        },
                        renewals_throttled: t.renewals_throttled.round() as u64,
                        write_units_per_s: MeanMax { mean: per_s(t.write_units), max: t.write_units_per_s_max },
                        read_units_per_s: MeanMax { mean: per_s(t.read_units), max: t.read_units_per_s_max },
                    }
                }),
            }
        })
        .collect()
}

/// A KCL consumer's lease table settings (none for other kinds).
fn lease_table_spec(spec: &ConsumerSpec) -> Option<LeaseTableSpec> {
    match &spec.kind {
        ConsumerKind::Polling(_, k) | ConsumerKind::Efo(k) => Some(k.lease_table),
        ConsumerKind::Lambda(_) | ConsumerKind::Firehose(_) => None,
    }
}

fn timeseries(s: &Scenario, o: &RunOutcome) -> Timeseries {
    let pts = o.series.points();
    let col = |f: fn(&crate::metrics::SeriesPoint) -> u64| pts.iter().map(f).collect();
    let bucket = SimTime::from_secs(o.series.bucket_s());
    let mut open_shards = o.stream.topology.open_counts(bucket, s.duration);
    open_shards.resize(pts.len(), s.stream.shard_count);
    Timeseries {
        bucket_s: o.series.bucket_s(),
        user_records: col(|p| p.user_records),
        incoming_records: col(|p| p.incoming_records),
        incoming_bytes: col(|p| p.incoming_bytes),
        write_limit_bytes: col(|p| p.write_limit_bytes),
        write_throttled: col(|p| p.write_throttled),
        open_shards,
    }
}
