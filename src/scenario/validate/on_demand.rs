//! `[stream]` in on-demand mode: `[stream.on_demand]`, how the stream starts
//! and how the service grows it; and the rule that each mode's keys are
//! refused in the other (a key that would be read and ignored is an error).

use super::{Interval, TableReader};
use crate::scenario::model::OnDemandSpec;
use crate::stream::limits;

/// `[stream]` keys only a provisioned stream reads: its shard count and how
/// it reshards.
pub(super) const PROVISIONED_ONLY: [&str; 7] = [
    "shard_count",
    "reshard",
    "autoscaling",
    "reshard_op_s",
    "update_shard_count_per_24h",
    "scale_down_rounding",
    "scale_limit_exception",
];

/// Refuses, where written, the `[stream]` keys that do not apply to the
/// stream's mode (on-demand: the provisioned keys; provisioned:
/// `[stream.on_demand]`).
pub(super) fn refuse_other_modes_keys(t: &mut TableReader<'_>, on_demand: bool) {
    let foreign: Vec<&'static str> = match on_demand {
        true => PROVISIONED_ONLY.iter().copied().filter(|k| t.has(k)).collect(),
        false => ["on_demand"].into_iter().filter(|k| t.has(k)).collect(),
    };
    for &key in &foreign {
        // Read, so it is not also reported as unknown.
        let _ = t.take(key);
        let message = match on_demand {
            true => format!(
                "`{key}` applies to capacity_mode = \"provisioned\" only; an on-demand stream's shards are split by \
                 the service (tune it in [stream.on_demand])"
            ),
            false => "[stream.on_demand] applies to capacity_mode = \"on_demand\" only".to_string(),
        };
        t.fail_at(&[key], message);
    }
}

/// `[stream.on_demand]` (absent: all defaults).
pub(super) fn on_demand(t: &mut TableReader<'_>) -> Option<OnDemandSpec> {
    let mib = limits::MIB;
    let d = OnDemandSpec::default();
    let max_mib =
        t.opt("max_write_mib_s", d.max_write_bytes_per_s / mib, |v| v.int(1, limits::ON_DEMAND_MAX_WRITE_MIB_S_MAX));
    let initial = t.opt("initial_shards", d.initial_shards, |v| v.int(1, limits::MAX_SHARDS_PER_STREAM));
    let peak_mib = t.opt("previous_peak_write_mib_s", 0.0, |v| {
        v.float(Interval { max: limits::ON_DEMAND_MAX_WRITE_MIB_S_MAX as f64, ..Interval::NON_NEGATIVE })
    });
    let peak_records = t.opt("previous_peak_records_per_s", 0, |v| v.int(0, u64::MAX / 4));
    let trigger_kib = t.opt("split_trigger_kib_s", d.split_trigger_bytes_per_s / 1_024, |v| v.int(1, 1 << 30));
    let trigger_records = t.opt("split_trigger_records_per_s", d.split_trigger_records_per_s, |v| v.int(1, u64::MAX));
    let delay = t.opt("split_delay_s", d.split_delay, |v| v.secs(Interval::NON_NEGATIVE));
    let spec = OnDemandSpec {
        initial_shards: initial?,
        previous_peak_bytes_per_s: (peak_mib? * mib as f64).round() as u64,
        previous_peak_records_per_s: peak_records?,
        split_trigger_bytes_per_s: trigger_kib? * 1_024,
        split_trigger_records_per_s: trigger_records?,
        split_delay: delay?,
        max_write_bytes_per_s: max_mib? * mib,
    };
    let most = spec.max_shards(limits::SHARD_WRITE_BYTES_PER_S);
    if spec.initial_shards > most {
        t.fail_at(
            &["initial_shards", "max_write_mib_s"],
            format!(
                "initial_shards = {} is more than max_write_mib_s allows ({most} shards of 1 MiB/s)",
                spec.initial_shards
            ),
        );
        return None;
    }
    Some(spec)
}
