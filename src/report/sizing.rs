//! The sizing cross-check: AWS's documented shard formula (reference §12)
//! applied to the workload this run offered, beside what the simulation
//! found at the configured shard count — and, where they disagree, which
//! of the formula's blind spots (the 1,000 records/s limit, key skew,
//! bursts, 1 KB rounding, enhanced fan-out, aggregation) explains it.

use serde::{Deserialize, Serialize};

use super::label::Label;

use super::table::thousands;
use super::{ProducersReport, ShardReport, StreamReport, Timeseries};
use crate::scenario::model::Scenario;
use crate::stream::limits::{SHARD_READ_BYTES_PER_S, SHARD_WRITE_BYTES_PER_S, SHARD_WRITE_RECORDS_PER_S};

/// A factor (skew, burst, rounding, aggregation) is worth naming from this
/// ratio on.
const NOTABLE_FACTOR: f64 = 1.2;
/// A measured mean within this fraction above a whole number of shards
/// counts as that number: the arrival process's sampling noise (a Poisson
/// 3,000 records/s measures 3,000.4) must not add a shard.
const MEASUREMENT_TOLERANCE: f64 = 0.001;
const KIB: f64 = 1_024.0;

/// The formula's inputs and answer, the simulated answer, and why they
/// differ.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Sizing {
    /// The formula as AWS documents it.
    #[serde(deserialize_with = "crate::report::label::one")]
    pub formula: Label,
    /// User records offered per second (mean over the metered window).
    pub user_records_per_s: f64,
    /// Mean accepted size per user record (data + partition key, plus
    /// aggregation overhead under the KPL), KB.
    pub record_kib_mean: f64,
    /// That size rounded up to a whole KB, as the formula asks.
    pub record_kib_rounded: f64,
    /// `incoming_write_bandwidth_in_KiB`: rounded size × records/s.
    pub incoming_write_kib_per_s: f64,
    /// `number_of_consumers`: every consumer, as the formula is written.
    pub consumers: u32,
    /// Of those, enhanced fan-out readers, which in fact have their own
    /// read throughput.
    pub efo_consumers: u32,
    /// `outgoing_read_bandwidth_in_KiB`: incoming × consumers.
    pub outgoing_read_kib_per_s: f64,
    /// The formula's answer (at least 1).
    pub aws_formula_shards: u64,
    /// Kinesis records per second the producers sent (user records over
    /// the aggregation factor).
    pub kinesis_records_per_s: f64,
    /// The records/s limit's answer, which AWS's formula leaves out:
    /// `ceil(kinesis_records_per_s / 1000)`.
    pub records_limit_shards: u64,
    /// Shards the run had (at the start, when it resharded).
    pub configured_shards: u32,
    /// Most shards open at once: `configured_shards` unless the run
    /// resharded.
    pub open_shards_max: u32,
    /// Open shards averaged over the metered window.
    pub open_shards_mean: f64,
    /// Whether the stream split or merged shards during the run: the
    /// formula's one count is then compared with a count that changed.
    pub resharded: bool,
    /// The run's write throttle rate at that count.
    pub throttle_rate: f64,
    /// The busiest shard's traffic over an even share (1 = no skew).
    pub hottest_shard_vs_even_share: f64,
    /// The busiest series bucket's offered records/s over the mean.
    pub peak_to_mean: f64,
    /// Width of those buckets.
    pub peak_interval_s: u64,
    /// Mean accepted load over the stream's capacity.
    pub write_utilization_mean: f64,
    /// How the formula and the run compare, in one sentence.
    pub verdict: String,
    /// What makes them differ, one factor per entry.
    pub reasons: Vec<String>,
}

impl Sizing {
    /// The shards the formula asks for once the records/s limit it leaves
    /// out is added.
    pub fn needed_shards(&self) -> u64 {
        self.aws_formula_shards.max(self.records_limit_shards)
    }
}

/// The cross-check of one run.
pub fn check(
    s: &Scenario,
    producers: &ProducersReport,
    stream: &StreamReport,
    shards: &[ShardReport],
    series: &Timeseries,
    bytes_written: u64,
) -> Sizing {
    let p = &producers.total;
    let metered_s = s.measured().as_secs_f64();
    let user_records_per_s = p.user_records as f64 / metered_s;
    // Real sizes: PutRecord's 1 KB rounding is a limit rule, not part of
    // the record.
    let record_kib_mean = if p.records_put > 0 { bytes_written as f64 / p.records_put as f64 / KIB } else { 0.0 };
    let record_kib_rounded = record_kib_mean.ceil();
    let incoming = record_kib_rounded * user_records_per_s;
    let consumers = s.consumers.len() as u32;
    let efo_consumers = s.consumers.iter().filter(|c| c.kind.registers_efo()).count() as u32;
    let outgoing = incoming * consumers as f64;
    let write_kib = (SHARD_WRITE_BYTES_PER_S / 1_024) as f64;
    let read_kib = (SHARD_READ_BYTES_PER_S / 1_024) as f64;
    let aws_formula_shards = shards_for((incoming / write_kib).max(outgoing / read_kib));
    let aggregation = if p.kinesis_records_put > 0 { p.records_put as f64 / p.kinesis_records_put as f64 } else { 1.0 };
    let kinesis_records_per_s = user_records_per_s / aggregation;
    let records_limit_shards = shards_for(kinesis_records_per_s / SHARD_WRITE_RECORDS_PER_S as f64);
    let n = stream.shard_count;
    let changed_shape = shards.len() > n as usize;
    let max_share = shards.iter().map(|x| x.traffic_share).fold(0.0, f64::max);
    let mut out = Sizing {
        formula: "ceiling(max(incoming_write_bandwidth_in_KiB/1024, outgoing_read_bandwidth_in_KiB/2048))",
        user_records_per_s,
        record_kib_mean,
        record_kib_rounded,
        incoming_write_kib_per_s: incoming,
        consumers,
        efo_consumers,
        outgoing_read_kib_per_s: outgoing,
        aws_formula_shards,
        kinesis_records_per_s,
        records_limit_shards,
        configured_shards: n,
        open_shards_max: stream.open_shards_max,
        open_shards_mean: stream.open_shards_mean,
        resharded: changed_shape,
        throttle_rate: p.throttle_rate,
        hottest_shard_vs_even_share: max_share * n as f64,
        peak_to_mean: peak_to_mean(s, series, user_records_per_s),
        peak_interval_s: series.bucket_s,
        write_utilization_mean: stream.write_utilization_mean,
        verdict: String::new(),
        reasons: Vec::new(),
    };
    out.verdict = verdict(&out);
    out.reasons = reasons(&out, aggregation);
    out
}

/// Whole shards for `load` shards' worth of traffic: at least one, and
/// see [`MEASUREMENT_TOLERANCE`].
fn shards_for(load: f64) -> u64 {
    ((load / (1.0 + MEASUREMENT_TOLERANCE)).ceil() as u64).max(1)
}

/// The busiest whole bucket (after warm-up) over the mean offered rate.
fn peak_to_mean(s: &Scenario, series: &Timeseries, mean_per_s: f64) -> f64 {
    let warmup_s = s.warmup.as_secs_f64();
    let whole_buckets = (s.duration.as_secs_f64() / series.bucket_s as f64).floor() as usize;
    let peak = series
        .user_records
        .iter()
        .enumerate()
        .take(whole_buckets)
        .filter(|(i, _)| (*i as u64 * series.bucket_s) as f64 >= warmup_s)
        .map(|(_, &r)| r as f64 / series.bucket_s as f64)
        .fold(0.0, f64::max);
    if mean_per_s > 0.0 { peak / mean_per_s } else { 0.0 }
}

fn verdict(z: &Sizing) -> String {
    let n = z.configured_shards;
    let pct = z.throttle_rate * 100.0;
    let formula = if z.records_limit_shards > z.aws_formula_shards {
        format!(
            "AWS's formula says {} shard(s), {} with the records/s limit",
            z.aws_formula_shards, z.records_limit_shards
        )
    } else {
        format!("AWS's formula says {} shard(s)", z.aws_formula_shards)
    };
    if z.resharded {
        let throttled = match z.throttle_rate > 0.0 {
            true => format!("the run throttled {pct:.2} % of writes (the throughput chart shows when)"),
            false => "the run did not throttle".to_string(),
        };
        return format!(
            "the stream changed shape: {n} shard(s) at the start, up to {}, {:.1} on average; {formula}; {throttled}",
            z.open_shards_max, z.open_shards_mean
        );
    }
    match Case::of(z) {
        Case::AgreeEnough => format!("agree: {formula}; at {n} the run did not throttle"),
        Case::Untested => format!(
            "not tested: {formula}; this run had {n} and did not throttle (`--set stream.shard_count={}` tests the formula)",
            z.needed_shards()
        ),
        Case::AgreeShort => format!("agree: {formula}; at {n} the run throttled {pct:.2} % of writes"),
        Case::FormulaShort => {
            format!("the formula is not enough: {formula}, yet at {n} the run throttled {pct:.2} % of writes")
        }
        Case::FormulaOver => format!("the formula over-provisions: {formula}, yet at {n} the run did not throttle"),
    }
}

/// How the formula's answer and the run relate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Case {
    /// The formula's count, and no throttling.
    AgreeEnough,
    /// More than the formula's count, and no throttling: the formula's own
    /// count was not run.
    Untested,
    /// Fewer than the formula's count, and throttling.
    AgreeShort,
    /// At least the formula's count, yet throttling.
    FormulaShort,
    /// Fewer than the formula's count, yet no throttling.
    FormulaOver,
}

impl Case {
    fn of(z: &Sizing) -> Case {
        let needed = z.needed_shards();
        let enough = z.configured_shards as u64 >= needed;
        match (enough, z.throttle_rate > 0.0) {
            (true, false) if z.configured_shards as u64 > needed => Case::Untested,
            (true, false) => Case::AgreeEnough,
            (false, true) => Case::AgreeShort,
            (true, true) => Case::FormulaShort,
            (false, false) => Case::FormulaOver,
        }
    }
}

/// The factors that explain a disagreement; the records/s limit always,
/// since AWS's formula has no term for it.
fn reasons(z: &Sizing, aggregation: f64) -> Vec<String> {
    let mut out = Vec::new();
    if z.records_limit_shards > z.aws_formula_shards {
        out.push(format!(
            "records/s: {} Kinesis records/s need {} shards at 1,000 records/s each; AWS's formula counts bandwidth only",
            thousands(z.kinesis_records_per_s.round() as u64),
            z.records_limit_shards
        ));
    }
    if z.resharded {
        // The cases compare one count with one run; this run had several.
        return out;
    }
    match Case::of(z) {
        Case::FormulaShort => {
            let before = out.len();
            if z.configured_shards > 1 && z.hottest_shard_vs_even_share >= NOTABLE_FACTOR {
                out.push(format!(
                    "key skew: the busiest shard takes {:.1}× an even share of the traffic; the formula assumes keys spread evenly",
                    z.hottest_shard_vs_even_share
                ));
            }
            if z.peak_to_mean >= NOTABLE_FACTOR {
                out.push(format!(
                    "bursts: the busiest {} offered {:.1}× the mean rate; the formula sizes for the mean",
                    interval(z.peak_interval_s),
                    z.peak_to_mean
                ));
            }
            if out.len() == before {
                out.push(format!(
                    "headroom: the mean write load is {:.0} % of the capacity of {} shards; random per-second \
                     fluctuations on single shards reach their limit",
                    z.write_utilization_mean * 100.0,
                    z.configured_shards
                ));
            }
        }
        Case::FormulaOver => {
            let before = out.len();
            if z.record_kib_mean > 0.0 && z.record_kib_rounded / z.record_kib_mean >= NOTABLE_FACTOR {
                out.push(format!(
                    "record size: the formula rounds the mean record of {:.2} KB up to {:.0} KB, {:.1}× the real bandwidth",
                    z.record_kib_mean,
                    z.record_kib_rounded,
                    z.record_kib_rounded / z.record_kib_mean
                ));
            }
            let read_bound = z.outgoing_read_kib_per_s / 2.0 > z.incoming_write_kib_per_s;
            if z.efo_consumers > 0 && read_bound {
                out.push(format!(
                    "enhanced fan-out: the formula counts all {} consumers against the shared 2 MiB/s per shard, \
                     but {} of them read with their own",
                    z.consumers, z.efo_consumers
                ));
            }
            if aggregation >= NOTABLE_FACTOR {
                out.push(format!(
                    "aggregation: the KPL packs {aggregation:.1} user records into each Kinesis record, so the records/s \
                     limit binds later"
                ));
            }
            if out.len() == before {
                out.push(
                    "burst allowance: each shard's one-second token buckets absorbed the excess over this run".into(),
                );
            }
        }
        Case::Untested => {
            // The formula sizes for the mean; a burst above it is a risk the
            // run at more shards cannot show.
            let needed = z.needed_shards();
            let per_shard_mean = (z.incoming_write_kib_per_s / 1_024.0).max(z.kinesis_records_per_s / 1_000.0);
            let at_peak = shards_for(per_shard_mean * z.peak_to_mean);
            if at_peak > needed {
                out.push(format!(
                    "bursts: the busiest {} offered {:.1}× the mean rate; at that rate the formula itself asks for {at_peak} \
                     shards, so {needed} would throttle then",
                    interval(z.peak_interval_s),
                    z.peak_to_mean
                ));
            }
        }
        Case::AgreeEnough | Case::AgreeShort => {}
    }
    out
}

/// `second`, or `10-second interval` for wider series buckets.
fn interval(bucket_s: u64) -> String {
    match bucket_s {
        1 => "second".to_string(),
        b => format!("{b}-second interval"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_shards_tolerate_sampling_noise_but_not_real_excess() {
        assert_eq!(shards_for(0.0), 1);
        assert_eq!(shards_for(3.0), 3);
        assert_eq!(shards_for(3.0004), 3);
        assert_eq!(shards_for(3.05), 4);
        // Reference §12's worked numbers: 100 records/s of 35 KB is
        // 3,500 KiB/s, four shards.
        assert_eq!(shards_for(100.0 * 35.0 / 1_024.0), 4);
    }
}
