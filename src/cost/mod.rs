//! Cost: the [`Usage`] a run metered, priced with a [`PriceTable`], in each
//! capacity mode — provisioned, on-demand Standard and on-demand Advantage —
//! as line items anyone can audit (quantity × rate = amount), totalled per
//! hour and per 720-hour month; and the services billed beside the stream
//! whatever its mode (the KCL applications' DynamoDB lease tables, Firehose
//! streams' ingestion). Pure: the table is loaded by the caller.

pub mod meter;
pub mod prices;

use serde::{Deserialize, Serialize};

use meter::{HOURS_PER_MONTH, INCLUDED_RETENTION_HOURS, LONG_TERM_AFTER_HOURS, Usage, gb, mib_per_s_as_gb};
use prices::{PriceTable, Rate};

use crate::consumer::lease_table::LeaseTableMeter;
use crate::report::label::Label;
use crate::scenario::model::LeaseTableSpec;

/// One billed item of one mode.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LineItem {
    /// What is billed, e.g. `shard_hours`.
    #[serde(deserialize_with = "crate::report::label::one")]
    pub item: Label,
    /// How much of it the metered window used.
    pub quantity: f64,
    /// The unit of `quantity` (and of the rate).
    #[serde(deserialize_with = "crate::report::label::one")]
    pub unit: Label,
    /// The rate's key in the price table.
    pub rate_key: String,
    /// USD per `unit`.
    pub usd_per_unit: f64,
    /// `quantity × usd_per_unit`: the amount for the metered window.
    pub usd: f64,
    /// The amount per hour.
    pub usd_per_hour: f64,
}

impl LineItem {
    /// `quantity` of `unit` at `rate` from `prices`, over `hours` metered.
    fn priced(item: Label, (quantity, unit): (f64, Label), rate: Rate, prices: &PriceTable, hours: f64) -> Self {
        let usd_per_unit = prices[rate];
        let usd = quantity * usd_per_unit;
        LineItem { item, quantity, unit, rate_key: rate.path(), usd_per_unit, usd, usd_per_hour: per_hour(usd, hours) }
    }
}

/// The services billed beside the stream, the same whatever its capacity
/// mode, so not in the modes' totals: each KCL application's DynamoDB
/// lease table, each Firehose stream's ingestion.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ServicesCost {
    /// Total per hour.
    pub usd_per_hour: f64,
    /// Total per 30-day month.
    pub usd_per_month: f64,
    /// Total for the metered window.
    pub usd_for_run: f64,
    /// Every item, with the consumer it serves.
    pub line_items: Vec<ServiceItem>,
}

/// One item of [`ServicesCost`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ServiceItem {
    /// The `[[consumers]]` name.
    pub consumer: String,
    /// The item.
    #[serde(flatten)]
    pub item: LineItem,
}

/// What one consumer used of a service beside the stream.
#[derive(Clone, Copy, Debug)]
pub enum ServiceUse<'a> {
    /// A KCL application's lease table, and what it consumed.
    LeaseTable(LeaseTableSpec, &'a LeaseTableMeter),
    /// A Firehose stream's bytes ingested, each record rounded up to 5 KB.
    FirehoseIngestion(u64),
}

/// The services' bill: each `(consumer, what it used)` over `hours`
/// metered. A provisioned lease table is billed for its capacity, used or
/// not; an on-demand one for the request units it consumed; a Firehose
/// stream per GB ingested.
pub fn services(uses: &[(&str, ServiceUse<'_>)], hours: f64, p: &PriceTable) -> ServicesCost {
    let mut line_items = Vec::new();
    for &(consumer, used) in uses {
        let mut item = |name, quantity, unit, rate| {
            let item = LineItem::priced(name, (quantity, unit), rate, p, hours);
            line_items.push(ServiceItem { consumer: consumer.to_string(), item });
        };
        let (spec, used) = match used {
            ServiceUse::LeaseTable(spec, used) => (spec, used),
            ServiceUse::FirehoseIngestion(bytes) => {
                item("firehose_ingestion", gb(bytes), "GB", Rate::FirehoseGbIngested);
                continue;
            }
        };
        match spec {
            LeaseTableSpec::Provisioned { wcu, rcu } => {
                item("lease_table_write_capacity", wcu as f64 * hours, "WCU-hours", Rate::DynamoDbWcuHour);
                item("lease_table_read_capacity", rcu as f64 * hours, "RCU-hours", Rate::DynamoDbRcuHour);
            }
            LeaseTableSpec::OnDemand => {
                let million = |units: f64| units / 1e6;
                let (w, r) = (Rate::DynamoDbMillionWriteRequestUnits, Rate::DynamoDbMillionReadRequestUnits);
                item("lease_table_write_requests", million(used.write_units), "million WRU", w);
                item("lease_table_read_requests", million(used.read_units), "million RRU", r);
            }
        }
    }
    let usd_for_run: f64 = line_items.iter().map(|i| i.item.usd).sum();
    let usd_per_hour = per_hour(usd_for_run, hours);
    ServicesCost { usd_per_hour, usd_per_month: usd_per_hour * HOURS_PER_MONTH, usd_for_run, line_items }
}

/// One capacity mode's bill for the workload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ModeCost {
    /// `simulated`: the run simulated this mode, so its traffic and
    /// throttling are this mode's own; `what_if`: this mode's price for the
    /// traffic another mode's simulation accepted.
    #[serde(deserialize_with = "crate::report::label::one")]
    pub basis: Label,
    /// Total per hour.
    pub usd_per_hour: f64,
    /// Total per 30-day month (720 hours).
    pub usd_per_month: f64,
    /// Total for the metered window.
    pub usd_for_run: f64,
    /// Every item, in a fixed order.
    pub line_items: Vec<LineItem>,
}

/// The three modes' bills.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Costs {
    /// Provisioned capacity with this run's shards.
    pub provisioned: ModeCost,
    /// On-demand Standard.
    pub on_demand: ModeCost,
    /// On-demand Advantage, with the stream's share of the account
    /// commitment.
    pub on_demand_advantage: ModeCost,
}

impl Costs {
    /// The cheapest mode's report name (the first on a tie, in the order
    /// provisioned, on-demand, Advantage).
    pub fn cheapest(&self) -> &'static str {
        let modes = self.modes();
        modes.iter().fold(modes[0], |best, m| if m.1.usd_per_hour < best.1.usd_per_hour { *m } else { best }).0
    }

    /// How people name a mode (report name `mode`).
    pub fn label(mode: &str) -> &'static str {
        match mode {
            "on_demand" => "on-demand Standard",
            "on_demand_advantage" => "on-demand Advantage",
            _ => "provisioned",
        }
    }

    /// The cost of the mode whose report name is `name`.
    pub fn mode(&self, name: &str) -> Option<&ModeCost> {
        self.modes().into_iter().find(|(m, _)| *m == name).map(|(_, c)| c)
    }

    /// Each mode with its report name, in report order.
    pub fn modes(&self) -> [(&'static str, &ModeCost); 3] {
        [
            ("provisioned", &self.provisioned),
            ("on_demand", &self.on_demand),
            ("on_demand_advantage", &self.on_demand_advantage),
        ]
    }
}

/// Prices `usage`, metered by a run of mode `simulated` (its report
/// name), in every mode.
pub fn bill(usage: &Usage, prices: &PriceTable, simulated: &str) -> Costs {
    let mut costs = Costs {
        provisioned: provisioned(usage, prices),
        on_demand: on_demand(usage, prices),
        on_demand_advantage: on_demand_advantage(usage, prices),
    };
    let basis = |mode: &str| if mode == simulated { "simulated" } else { "what_if" };
    costs.provisioned.basis = basis("provisioned");
    costs.on_demand.basis = basis("on_demand");
    costs.on_demand_advantage.basis = basis("on_demand_advantage");
    costs
}

/// Collects line items for one mode.
struct Bill<'a> {
    usage: &'a Usage,
    prices: &'a PriceTable,
    items: Vec<LineItem>,
}

impl<'a> Bill<'a> {
    fn new(usage: &'a Usage, prices: &'a PriceTable) -> Self {
        Bill { usage, prices, items: Vec::new() }
    }

    fn item(&mut self, item: &'static str, quantity: f64, unit: &'static str, rate: Rate) -> &mut Self {
        self.items.push(LineItem::priced(item, (quantity, unit), rate, self.prices, self.usage.metered_hours));
        self
    }

    fn finish(self) -> ModeCost {
        let usd_for_run: f64 = self.items.iter().map(|i| i.usd).sum();
        let usd_per_hour = per_hour(usd_for_run, self.usage.metered_hours);
        ModeCost {
            basis: "what_if",
            usd_per_hour,
            usd_per_month: usd_per_hour * HOURS_PER_MONTH,
            usd_for_run,
            line_items: self.items,
        }
    }
}

fn per_hour(usd: f64, hours: f64) -> f64 {
    if hours > 0.0 { usd / hours } else { 0.0 }
}

const GB: &str = "GB";
const GB_MONTH: &str = "GB-month";

fn provisioned(u: &Usage, p: &PriceTable) -> ModeCost {
    let mut b = Bill::new(u, p);
    b.item("shard_hours", u.shard_hours, "shard-hour", Rate::ShardHour).item(
        "put_payload_units",
        u.put_payload_units as f64 / 1e6,
        "million PUT payload units",
        Rate::MillionPutPayloadUnits,
    );
    if u.efo_consumers > 0 {
        b.item(
            "efo_consumer_shard_hours",
            u.efo_consumer_shard_hours,
            "consumer-shard-hour",
            Rate::ProvisionedEfoConsumerShardHour,
        )
        .item("efo_data_retrieved", gb(u.efo_bytes_read), GB, Rate::ProvisionedEfoGb);
    }
    if u.closed_shard_hours > 0.0 {
        b.item("closed_shard_hours", u.closed_shard_hours, "shard-hour", Rate::ClosedShardHour);
    }
    if u.retention_hours > INCLUDED_RETENTION_HOURS {
        b.item("extended_retention", u.shard_hours, "shard-hour", Rate::ProvisionedExtendedRetentionShardHour);
    }
    if u.retention_hours > LONG_TERM_AFTER_HOURS {
        let stored = u.stored_gb_months(LONG_TERM_AFTER_HOURS, f64::INFINITY);
        b.item("long_term_retention", stored, GB_MONTH, Rate::ProvisionedLongTermGbMonth);
    }
    b.finish()
}

fn on_demand(u: &Usage, p: &PriceTable) -> ModeCost {
    let mut b = Bill::new(u, p);
    b.item("stream_hours", u.metered_hours, "stream-hour", Rate::StreamHour)
        .item("data_written", gb(u.on_demand_bytes_written), GB, Rate::OnDemandGbWritten)
        .item("data_read", gb(u.bytes_read), GB, Rate::OnDemandGbRead);
    if u.efo_consumers > 0 {
        b.item("efo_data_retrieved", gb(u.efo_bytes_read), GB, Rate::OnDemandEfoGb);
    }
    if u.retention_hours > INCLUDED_RETENTION_HOURS {
        let stored = u.stored_gb_months(INCLUDED_RETENTION_HOURS, LONG_TERM_AFTER_HOURS);
        b.item("extended_retention", stored, GB_MONTH, Rate::OnDemandExtendedRetentionGbMonth);
    }
    if u.retention_hours > LONG_TERM_AFTER_HOURS {
        let stored = u.stored_gb_months(LONG_TERM_AFTER_HOURS, f64::INFINITY);
        b.item("long_term_retention", stored, GB_MONTH, Rate::OnDemandLongTermGbMonth);
    }
    b.finish()
}

/// Advantage has no stream-hour charge; the account commits to a minimum
/// ingest and retrieval, of which this stream carries
/// `commitment_share`. Whatever the stream's traffic falls short of its
/// share is billed at the same per-GB rates (reference §5.3, §11.2).
fn on_demand_advantage(u: &Usage, p: &PriceTable) -> ModeCost {
    let written = gb(u.on_demand_bytes_written);
    let read = gb(u.bytes_read);
    let efo = gb(u.efo_bytes_read);
    let share = p[Rate::AdvantageCommitmentShare];
    let committed = |rate| share * mib_per_s_as_gb(p[rate], u.metered_hours);
    let ingest_short = (committed(Rate::AdvantageCommitmentIngestMibPerS) - written).max(0.0);
    let retrieval_short = (committed(Rate::AdvantageCommitmentRetrievalMibPerS) - read - efo).max(0.0);
    let mut b = Bill::new(u, p);
    b.item("data_written", written, GB, Rate::AdvantageGbWritten).item("data_read", read, GB, Rate::AdvantageGbRead);
    if u.efo_consumers > 0 {
        b.item("efo_data_retrieved", efo, GB, Rate::AdvantageEfoGb);
    }
    if u.retention_hours > INCLUDED_RETENTION_HOURS {
        let stored = u.stored_gb_months(INCLUDED_RETENTION_HOURS, f64::INFINITY);
        b.item("retention", stored, GB_MONTH, Rate::AdvantageRetentionGbMonth);
    }
    b.item("ingest_commitment_shortfall", ingest_short, GB, Rate::AdvantageGbWritten).item(
        "retrieval_commitment_shortfall",
        retrieval_short,
        GB,
        Rate::AdvantageGbRead,
    );
    b.finish()
}
