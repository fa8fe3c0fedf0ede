//! Metering: AWS's rules for turning traffic into billable quantities
//! (reference §11.1), and the [`Usage`] of one run — what the simulation
//! observed after warm-up, in those quantities.
//!
//! Conventions, applied everywhere: a KB is 1,024 bytes (the on-demand rule
//! says so in as many words), so a PUT payload unit is 25 × 1,024 bytes and
//! the pricing page's "1 MB record = 40 units" is a record of 1,000 KB; a GB
//! is 2^30 bytes; a month is 720 hours.

use serde::Serialize;

use crate::scenario::model::Scenario;
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
#[derive(Clone, Debug, PartialEq, Serialize)]
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

impl Usage {
    /// The usage of run `o` of scenario `s`.
    pub fn measure(s: &Scenario, o: &RunOutcome) -> Usage {
        let metered_hours = s.measured().as_secs_f64() / SECONDS_PER_HOUR;
        let hours = |nanos: u128| nanos as f64 / (SECONDS_PER_HOUR * crate::time::NANOS_PER_S as f64);
        let topology = &o.stream.topology;
        let shard_hours = hours(topology.open_shard_nanos(s.warmup, s.duration));
        let retention = SimTime::from_secs_f64(s.stream.retention_hours * SECONDS_PER_HOUR);
        let closed_shard_hours = hours(topology.closed_shard_nanos(s.warmup, s.duration, retention));
        let meters = &o.stream.meters;
        let efo_consumers = s.consumers.iter().filter(|c| c.kind.registers_efo()).count() as u32;
        let (mut bytes_read, mut efo_bytes_read) = (0, 0);
        for (spec, c) in s.consumers.iter().zip(&o.consumers) {
            if spec.kind.registers_efo() {
                efo_bytes_read += c.meter.bytes_read;
            } else {
                bytes_read += c.meter.bytes_read;
            }
        }
        Usage {
            metered_hours,
            shard_hours,
            closed_shard_hours,
            efo_consumers,
            efo_consumer_shard_hours: efo_consumers as f64 * shard_hours,
            kinesis_records_written: meters.iter().map(|m| m.incoming_records).sum(),
            bytes_written: meters.iter().map(|m| m.payload_bytes).sum(),
            put_payload_units: meters.iter().map(|m| m.put_payload_units()).sum(),
            on_demand_bytes_written: meters.iter().map(|m| m.on_demand_kib).sum::<u64>() * ON_DEMAND_ROUNDING_BYTES,
            bytes_read,
            efo_bytes_read,
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
