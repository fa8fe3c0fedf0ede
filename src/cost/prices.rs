//! The price table: every number the bill multiplies by, named by its key
//! in the table file (`provisioned.usd_per_shard_hour`, …). Rates live in
//! data — `pricing/us-east-1.toml`, carried in the binary and parsed at run
//! time, or a file the scenario names — never in the cost logic; the
//! scenario's `[pricing]` keys override single rates.

use std::collections::BTreeMap;

/// The table shipped with shardsim (us-east-1), as text; parse it with
/// `scenario::load_prices`.
pub const BUILT_IN_TEXT: &str = include_str!("../../pricing/us-east-1.toml");

/// How the report names the built-in table.
pub const BUILT_IN_NAME: &str = "built-in pricing/us-east-1.toml";

/// One number of the price table. The discriminant indexes
/// [`PriceTable::values`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rate {
    /// Provisioned: per shard-hour.
    ShardHour,
    /// Provisioned: per million PUT payload units (25 KB chunks).
    MillionPutPayloadUnits,
    /// Provisioned: per enhanced fan-out consumer-shard-hour.
    ProvisionedEfoConsumerShardHour,
    /// Provisioned: per GB delivered by enhanced fan-out.
    ProvisionedEfoGb,
    /// Provisioned: per shard-hour when retention exceeds 24 h.
    ProvisionedExtendedRetentionShardHour,
    /// Provisioned: per hour a closed shard (a resharding's parent) is kept
    /// until retention expires it. 0 by default: AWS does not say that
    /// closed shards are billed.
    ClosedShardHour,
    /// Provisioned: per GB-month stored beyond 7 days.
    ProvisionedLongTermGbMonth,
    /// On-demand Standard: per stream-hour.
    StreamHour,
    /// On-demand Standard: per GB written (records rounded up to 1 KB).
    OnDemandGbWritten,
    /// On-demand Standard: per GB read with GetRecords.
    OnDemandGbRead,
    /// On-demand Standard: per GB delivered by enhanced fan-out.
    OnDemandEfoGb,
    /// On-demand Standard: per GB-month stored from 24 h to 7 days.
    OnDemandExtendedRetentionGbMonth,
    /// On-demand Standard: per GB-month stored beyond 7 days.
    OnDemandLongTermGbMonth,
    /// On-demand Advantage: per GB written.
    AdvantageGbWritten,
    /// On-demand Advantage: per GB read with GetRecords.
    AdvantageGbRead,
    /// On-demand Advantage: per GB delivered by enhanced fan-out.
    AdvantageEfoGb,
    /// On-demand Advantage: per GB-month stored beyond 24 h.
    AdvantageRetentionGbMonth,
    /// On-demand Advantage: committed ingest, MiB/s (account-wide).
    AdvantageCommitmentIngestMibPerS,
    /// On-demand Advantage: committed retrieval, MiB/s (account-wide).
    AdvantageCommitmentRetrievalMibPerS,
    /// On-demand Advantage: the share of the commitment this stream carries.
    AdvantageCommitmentShare,
    /// DynamoDB (KCL lease tables), provisioned: per write capacity unit-hour.
    DynamoDbWcuHour,
    /// DynamoDB, provisioned: per read capacity unit-hour.
    DynamoDbRcuHour,
    /// DynamoDB, on-demand: per million write request units.
    DynamoDbMillionWriteRequestUnits,
    /// DynamoDB, on-demand: per million read request units.
    DynamoDbMillionReadRequestUnits,
    /// Firehose: per GB ingested from a Kinesis data stream, each record
    /// rounded up to 5 KB.
    FirehoseGbIngested,
}

/// How many rates a table has.
pub const RATE_COUNT: usize = Rate::ALL.len();

/// Table sections, in file order: the report's capacity-mode names, then
/// the services billed beside the stream whatever its mode.
pub const SECTIONS: [&str; 5] = ["provisioned", "on_demand", "on_demand_advantage", "dynamodb", "firehose"];

impl Rate {
    /// Every rate, in table order.
    pub const ALL: [Rate; 25] = [
        Rate::ShardHour,
        Rate::MillionPutPayloadUnits,
        Rate::ProvisionedEfoConsumerShardHour,
        Rate::ProvisionedEfoGb,
        Rate::ProvisionedExtendedRetentionShardHour,
        Rate::ClosedShardHour,
        Rate::ProvisionedLongTermGbMonth,
        Rate::StreamHour,
        Rate::OnDemandGbWritten,
        Rate::OnDemandGbRead,
        Rate::OnDemandEfoGb,
        Rate::OnDemandExtendedRetentionGbMonth,
        Rate::OnDemandLongTermGbMonth,
        Rate::AdvantageGbWritten,
        Rate::AdvantageGbRead,
        Rate::AdvantageEfoGb,
        Rate::AdvantageRetentionGbMonth,
        Rate::AdvantageCommitmentIngestMibPerS,
        Rate::AdvantageCommitmentRetrievalMibPerS,
        Rate::AdvantageCommitmentShare,
        Rate::DynamoDbWcuHour,
        Rate::DynamoDbRcuHour,
        Rate::DynamoDbMillionWriteRequestUnits,
        Rate::DynamoDbMillionReadRequestUnits,
        Rate::FirehoseGbIngested,
    ];

    /// Its table section and key: `("provisioned", "usd_per_shard_hour")`.
    pub fn section_key(self) -> (&'static str, &'static str) {
        let [prov, od, oda, ddb, firehose] = SECTIONS;
        match self {
            Rate::ShardHour => (prov, "usd_per_shard_hour"),
            Rate::MillionPutPayloadUnits => (prov, "usd_per_million_put_payload_units"),
            Rate::ProvisionedEfoConsumerShardHour => (prov, "efo_usd_per_consumer_shard_hour"),
            Rate::ProvisionedEfoGb => (prov, "efo_usd_per_gb"),
            Rate::ProvisionedExtendedRetentionShardHour => (prov, "extended_retention_usd_per_shard_hour"),
            Rate::ClosedShardHour => (prov, "usd_per_closed_shard_hour"),
            Rate::ProvisionedLongTermGbMonth => (prov, "long_term_retention_usd_per_gb_month"),
            Rate::StreamHour => (od, "usd_per_stream_hour"),
            Rate::OnDemandGbWritten => (od, "usd_per_gb_written"),
            Rate::OnDemandGbRead => (od, "usd_per_gb_read"),
            Rate::OnDemandEfoGb => (od, "efo_usd_per_gb"),
            Rate::OnDemandExtendedRetentionGbMonth => (od, "extended_retention_usd_per_gb_month"),
            Rate::OnDemandLongTermGbMonth => (od, "long_term_retention_usd_per_gb_month"),
            Rate::AdvantageGbWritten => (oda, "usd_per_gb_written"),
            Rate::AdvantageGbRead => (oda, "usd_per_gb_read"),
            Rate::AdvantageEfoGb => (oda, "efo_usd_per_gb"),
            Rate::AdvantageRetentionGbMonth => (oda, "retention_usd_per_gb_month"),
            Rate::AdvantageCommitmentIngestMibPerS => (oda, "commitment_ingest_mib_per_s"),
            Rate::AdvantageCommitmentRetrievalMibPerS => (oda, "commitment_retrieval_mib_per_s"),
            Rate::AdvantageCommitmentShare => (oda, "commitment_share"),
            Rate::DynamoDbWcuHour => (ddb, "usd_per_wcu_hour"),
            Rate::DynamoDbRcuHour => (ddb, "usd_per_rcu_hour"),
            Rate::DynamoDbMillionWriteRequestUnits => (ddb, "usd_per_million_write_request_units"),
            Rate::DynamoDbMillionReadRequestUnits => (ddb, "usd_per_million_read_request_units"),
            Rate::FirehoseGbIngested => (firehose, "usd_per_gb_ingested"),
        }
    }

    /// `provisioned.usd_per_shard_hour`: the key path in a table file, and
    /// under `[pricing]` in a scenario.
    pub fn path(self) -> String {
        let (section, key) = self.section_key();
        format!("{section}.{key}")
    }

    /// The rates of one section, in table order.
    pub fn in_section(section: &str) -> impl Iterator<Item = Rate> + '_ {
        Rate::ALL.into_iter().filter(move |r| r.section_key().0 == section)
    }

    /// The largest valid value: a share is at most 1; anything else is
    /// unbounded.
    pub fn max(self) -> f64 {
        if self == Rate::AdvantageCommitmentShare { 1.0 } else { f64::INFINITY }
    }
}

/// A complete price table, with where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct PriceTable {
    /// `[table].region`, e.g. `us-east-1`.
    pub region: String,
    /// `[table].currency`: always `USD` (rates are named `usd_…`).
    pub currency: String,
    /// `[table].as_of`: the date of the newest source, `YYYY-MM-DD`.
    pub as_of: String,
    /// `[table].version`: bumped whenever a rate changes.
    pub version: u32,
    /// Which file: [`BUILT_IN_NAME`] or the path the scenario gave.
    pub source_file: String,
    /// Every rate, indexed by `Rate as usize`.
    pub values: [f64; RATE_COUNT],
    /// `[sources]`: where each rate comes from, by key path.
    pub sources: BTreeMap<String, String>,
    /// Rates the scenario's `[pricing]` changed, by key path.
    pub overridden: BTreeMap<String, f64>,
}

impl std::ops::Index<Rate> for PriceTable {
    type Output = f64;
    fn index(&self, rate: Rate) -> &f64 {
        &self.values[rate as usize]
    }
}

impl PriceTable {
    /// This table with the scenario's `[pricing]` rates applied.
    pub fn with_overrides(mut self, overrides: &[(Rate, f64)]) -> PriceTable {
        for &(rate, value) in overrides {
            self.values[rate as usize] = value;
            self.overridden.insert(rate.path(), value);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rate_has_a_distinct_path_in_a_known_section() {
        let mut paths: Vec<String> = Rate::ALL.iter().map(|r| r.path()).collect();
        assert!(Rate::ALL.iter().enumerate().all(|(i, r)| *r as usize == i), "ALL is in discriminant order");
        assert!(Rate::ALL.iter().all(|r| SECTIONS.contains(&r.section_key().0)));
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), RATE_COUNT);
        assert_eq!(Rate::in_section("provisioned").count(), 7);
    }
}
