//! Metering: AWS's rules for turning traffic into billable quantities
//! (reference §11.1), and the [`Usage`] of one run — what the simulation
//! observed after warm-up, in those quantities.
//!
//! Conventions, applied everywhere: a KB is 1,024 bytes (the on-demand rule
//! says so in as many words), so a PUT payload unit is 25 × 1,024 bytes and
//! the pricing page's "1 MB record = 40 units" is a record of 1,000 KB; a GB
//! is 2^30 bytes; a month is 720 hours.

use serde::{Deserialize, Serialize};

use crate::metrics::ShardMeter;
use crate::scenario::model::{CapacityMode, Scenario};
use crate::sim::RunOutcome;
use crate::time::SimTime;

/// One PUT payload unit: "counted in 25KB payload 'chunks' that comprise a
/// record" (reference §11.1, [PRICE-OLD]), with 1 KB = 1,024 bytes.
pub const PUT_PAYLOAD_UNIT_BYTES: u64 = 25 * 1_024;
/// On-demand data-in: "the size of each record rounded up to the nearest
/// 1 KB (1,024 bytes)" (reference §11.1, [PRICE-PAGE]).
pub const ON_DEMAND_ROUNDING_BYTES: u64 = 1_024;
/// A billed GB: 2^30 bytes. AWS's pages say "GB"; shardsim reads it as
/// binary, consistent with the 1,024-byte KB above (and with AWS's own
/// Advantage arithmetic of 25 MiB/s = 2,109.375 GB/day, reference §11.2).
pub const BYTES_PER_GB: f64 = (1u64 << 30) as f64;
/// A month, for `usd_per_month` and GB-months: 30 days.
pub const HOURS_PER_MONTH: f64 = 720.0;
/// Retention included in every mode's price (reference §7).
pub const INCLUDED_RETENTION_HOURS: f64 = 24.0;
/// Retention beyond this is long-term (reference §7: 7 days).
pub const LONG_TERM_AFTER_HOURS: f64 = 7.0 * 24.0;

const SECONDS_PER_HOUR: f64 = 3_600.0;

/// PUT payload units of one Kinesis record of `bytes` (data + partition
/// key, so at least 1): whole 25 KB chunks.
#[inline]
pub fn put_payload_units(bytes: u64) -> u64 {
    bytes.div_ceil(PUT_PAYLOAD_UNIT_BYTES)
}

/// On-demand billed KB of one Kinesis record of `bytes` (at least 1):
/// rounded up to a whole KB.
#[inline]
pub fn on_demand_kib(bytes: u64) -> u64 {
    // A shift, not `div_ceil` (which also takes the remainder): this runs
    // for every accepted record, and 5 instructions of ~500 per record show.
    const SHIFT: u32 = ON_DEMAND_ROUNDING_BYTES.trailing_zeros();
    const _: () = assert!(ON_DEMAND_ROUNDING_BYTES.is_power_of_two());
    (bytes + ON_DEMAND_ROUNDING_BYTES - 1) >> SHIFT
}

/// What one run used, in billable quantities, over its metered window
/// (the run after warm-up).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Usage {
    /// Length of the metered window.
    pub metered_hours: f64,
    /// Open shards × hours each was open within the window: the integral
    /// of the open shard count.
    pub shard_hours: f64,
    /// Closed shards × hours each was kept (until retention expired it)
    /// within the window.
    pub closed_shard_hours: f64,
    /// Enhanced fan-out registrations (EFO consumers, Lambda with
    /// `retrieval = "efo"`).
    pub efo_consumers: u32,
    /// Registrations × shard-hours.
    pub efo_consumer_shard_hours: f64,
    /// Kinesis records accepted.
    pub kinesis_records_written: u64,
    /// Their bytes (data + partition key; PutRecord's 1 KB rounding for
    /// the shard limit is not billed).
    pub bytes_written: u64,
    /// Their PUT payload units (provisioned).
    pub put_payload_units: u64,
    /// Their bytes with each record rounded up to 1 KB (on-demand).
    pub on_demand_bytes_written: u64,
    /// Bytes returned by GetRecords (polling consumers, Lambda polling).
    pub bytes_read: u64,
    /// Bytes pushed by SubscribeToShard (enhanced fan-out).
    pub efo_bytes_read: u64,
    /// The stream's retention period.
    pub retention_hours: f64,
}

/// The traffic-driven billable totals at one instant (counted after the
/// warm-up), so that a run switching modes can bill each period's share.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UsageCounters {
    /// Kinesis records accepted.
    pub kinesis_records: u64,
    /// Their real bytes.
    pub bytes: u64,
    /// Their PUT payload units.
    pub put_payload_units: u64,
    /// Their KB-rounded size, in KB.
    pub on_demand_kib: u64,
    /// Bytes GetRecords returned, and bytes SubscribeToShard pushed.
    pub bytes_read: (u64, u64),
}

impl UsageCounters {
    /// The totals of the shards' `meters` and the consumers' `reads`
    /// (GetRecords bytes, pushed bytes).
    pub fn of(meters: &[ShardMeter], reads: (u64, u64)) -> Self {
        let totals: Vec<_> = meters.iter().map(ShardMeter::totals).collect();
        UsageCounters {
            kinesis_records: totals.iter().map(|t| t.incoming_records).sum(),
            bytes: totals.iter().map(|t| t.incoming_bytes).sum(),
            put_payload_units: totals.iter().map(|t| t.put_payload_units()).sum(),
            on_demand_kib: totals.iter().map(|t| t.on_demand_kib).sum(),
            bytes_read: reads,
        }
    }

    fn minus(self, earlier: UsageCounters) -> UsageCounters {
        UsageCounters {
            kinesis_records: self.kinesis_records - earlier.kinesis_records,
            bytes: self.bytes - earlier.bytes,
            put_payload_units: self.put_payload_units - earlier.put_payload_units,
            on_demand_kib: self.on_demand_kib - earlier.on_demand_kib,
            bytes_read: (self.bytes_read.0 - earlier.bytes_read.0, self.bytes_read.1 - earlier.bytes_read.1),
        }
    }
}

/// Bytes read by `s`'s consumers `(GetRecords, pushed)`, given each one's
/// bytes read in scenario order.
pub fn reads_by_kind(s: &Scenario, bytes_read: impl Iterator<Item = u64>) -> (u64, u64) {
    s.consumers.iter().zip(bytes_read).fold((0, 0), |(get, push), (spec, b)| match spec.kind.registers_efo() {
        true => (get, push + b),
        false => (get + b, push),
    })
}

/// One capacity mode's stretch of a run, and what it used.
#[derive(Clone, Debug, PartialEq)]
pub struct ModeUsage {
    /// The mode.
    pub mode: CapacityMode,
    /// The stretch within the metered window.
    pub from: SimTime,
    /// Its end.
    pub to: SimTime,
    /// What the stream used in it.
    pub usage: Usage,
}

impl Usage {
    /// The usage of run `o` of scenario `s`.
    pub fn measure(s: &Scenario, o: &RunOutcome) -> Usage {
        let totals =
            UsageCounters::of(&o.stream.meters, reads_by_kind(s, o.consumers.iter().map(|c| c.meter.bytes_read)));
        Usage::within(s, o, (s.warmup, s.duration), totals)
    }

    /// The usage of each stretch of run `o` spent in one capacity mode,
    /// within the metered window, in time order.
    pub fn by_mode(s: &Scenario, o: &RunOutcome) -> Vec<ModeUsage> {
        let end = UsageCounters::of(&o.stream.meters, reads_by_kind(s, o.consumers.iter().map(|c| c.meter.bytes_read)));
        let periods = &o.mode_periods;
        periods
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let next = periods.get(i + 1);
                let (from, to) = (p.from.max(s.warmup), next.map_or(s.duration, |n| n.from).min(s.duration));
                let counted = next.map_or(end, |n| n.at_start).minus(p.at_start);
                (from < to).then(|| ModeUsage {
                    mode: p.mode,
                    from,
                    to,
                    usage: Usage::within(s, o, (from, to), counted),
                })
            })
            .collect()
    }

    /// The usage within `[from, to)`, whose traffic-driven totals are
    /// `counted`.
    fn within(s: &Scenario, o: &RunOutcome, (from, to): (SimTime, SimTime), counted: UsageCounters) -> Usage {
        let metered_hours = (to - from).as_secs_f64() / SECONDS_PER_HOUR;
        let hours = |nanos: u128| nanos as f64 / (SECONDS_PER_HOUR * crate::time::NANOS_PER_S as f64);
        let topology = &o.stream.topology;
        let shard_hours = hours(topology.open_shard_nanos(from, to));
        let retention = SimTime::from_secs_f64(s.stream.retention_hours * SECONDS_PER_HOUR);
        let closed_shard_hours = hours(topology.closed_shard_nanos(from, to, retention));
        let efo_consumers = s.consumers.iter().filter(|c| c.kind.registers_efo()).count() as u32;
        Usage {
            metered_hours,
            shard_hours,
            closed_shard_hours,
            efo_consumers,
            efo_consumer_shard_hours: efo_consumers as f64 * shard_hours,
            kinesis_records_written: counted.kinesis_records,
            bytes_written: counted.bytes,
            put_payload_units: counted.put_payload_units,
            on_demand_bytes_written: counted.on_demand_kib * ON_DEMAND_ROUNDING_BYTES,
            bytes_read: counted.bytes_read.0,
            efo_bytes_read: counted.bytes_read.1,
            retention_hours: s.stream.retention_hours,
        }
    }

    /// GB-months stored, in the steady state of this run's write rate, for
    /// data aged between `from_hours` and `to_hours` (clamped to the
    /// retention period), over the metered window.
    ///
    /// A stream keeps `rate × age span` bytes in that age band; held for
    /// the window, that is `bytes_written × span / month` GB-months. A run
    /// shorter than the retention never fills the band itself, but the
    /// stream it stands for would.
    pub fn stored_gb_months(&self, from_hours: f64, to_hours: f64) -> f64 {
        let span = (to_hours.min(self.retention_hours) - from_hours).max(0.0);
        gb(self.bytes_written) * span / HOURS_PER_MONTH
    }
}

/// Bytes as billed GB.
pub fn gb(bytes: u64) -> f64 {
    bytes as f64 / BYTES_PER_GB
}

/// MiB/s sustained for `hours`, as GB.
pub fn mib_per_s_as_gb(mib_per_s: f64, hours: f64) -> f64 {
    mib_per_s * (1u64 << 20) as f64 * hours * SECONDS_PER_HOUR / BYTES_PER_GB
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_payload_units_follow_the_pricing_page() {
        // Reference §11.1: 5 KB → 1, 45 KB → 2, 1 MB → 40; and the chunk edge.
        const KB: u64 = 1_024;
        let units: Vec<u64> =
            [5 * KB, 25 * KB, 25 * KB + 1, 45 * KB, 1_000 * KB].into_iter().map(put_payload_units).collect();
        assert_eq!(units, [1, 1, 2, 2, 40]);
        // A full 1 MiB record is 40.96 chunks: 41 units.
        assert_eq!(put_payload_units(1 << 20), 41);
        assert_eq!(put_payload_units(1), 1);
        assert_eq!(put_payload_units(25_600 * 3), 3);
    }

    #[test]
    fn on_demand_rounds_each_record_up_to_a_kilobyte() {
        // Reference §11.1: "if your data records are 4.5 KB each, ... 5 KB".
        assert_eq!(on_demand_kib(4_608), 5);
        assert_eq!(on_demand_kib(1_024), 1);
        assert_eq!(on_demand_kib(1_025), 2);
        assert_eq!(on_demand_kib(10), 1);
    }

    #[test]
    fn the_advantage_commitment_is_about_101_dollars_a_day() {
        // Reference §11.2: 25 MiB/s for a day = 2,109.375 GB; at
        // $0.032 + $0.016 that is $101.25.
        let day = mib_per_s_as_gb(25.0, 24.0);
        assert_eq!(day, 2_109.375);
        assert!((day * (0.032 + 0.016) - 101.25).abs() < 1e-9);
    }

    #[test]
    fn stored_gb_months_cover_only_the_age_band_within_retention() {
        let u = |retention_hours| Usage {
            metered_hours: 720.0,
            shard_hours: 0.0,
            closed_shard_hours: 0.0,
            efo_consumers: 0,
            efo_consumer_shard_hours: 0.0,
            kinesis_records_written: 0,
            bytes_written: 720 << 30,
            put_payload_units: 0,
            on_demand_bytes_written: 0,
            bytes_read: 0,
            efo_bytes_read: 0,
            retention_hours,
        };
        // 1 GB/h for a month; 7 days kept beyond the first day: 144 GB.
        assert_eq!(u(168.0).stored_gb_months(24.0, 168.0), 144.0);
        assert_eq!(u(24.0).stored_gb_months(24.0, 168.0), 0.0);
        assert_eq!(u(48.0).stored_gb_months(168.0, f64::INFINITY), 0.0);
        assert_eq!(u(8_760.0).stored_gb_months(168.0, f64::INFINITY), 8_592.0);
    }
}
