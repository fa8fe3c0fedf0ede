//! `[stream]` in an on-demand mode: `[stream.on_demand]`, how the stream
//! starts and how the service grows it, and (Advantage only) its warm
//! throughput and `[[stream.warm_throughput]]` changes; and the rule that
//! each mode's keys are refused in the others (a key that would be read and
//! ignored is an error).

use super::{Interval, TableReader, Val};
use crate::scenario::model::{CapacityMode, ModeSwitch, OnDemandSpec, StreamSpec, WarmThroughputChange};
use crate::scenario::tree::{Value, fmt_float, index_path, key_path};
use crate::stream::limits;
use crate::time::SimTime;

/// `[stream]` keys only a provisioned stream reads: how it reshards.
/// (`shard_count` is read by both: on-demand, it is the count a stream
/// keeps when it comes from provisioned mode.)
pub(super) const PROVISIONED_ONLY: [&str; 6] = [
    "reshard",
    "autoscaling",
    "reshard_op_s",
    "update_shard_count_per_24h",
    "scale_down_rounding",
    "scale_limit_exception",
];

/// `[stream.on_demand]` keys about a new on-demand stream.
const START_KEYS: [&str; 3] = ["initial_shards", "previous_peak_write_mib_s", "previous_peak_records_per_s"];

/// `[stream.on_demand]` keys only Advantage reads.
const ADVANTAGE_ONLY: [&str; 2] = ["warm_throughput_mib_s", "warm_throughput_delay_s"];

/// Refuses, where written, the `[stream]` keys of a mode the stream is
/// never in (it starts in `mode`; `visits` says whether it is ever
/// provisioned, and ever on-demand, counting `[[stream.mode_switch]]`):
/// the provisioned keys, `[stream.on_demand]`, and warm throughput, which
/// only Advantage has.
pub(super) fn refuse_other_modes_keys(t: &mut TableReader<'_>, mode: CapacityMode, visits: (bool, bool)) {
    let (provisioned, on_demand) = visits;
    if !provisioned {
        refuse_written(t, &PROVISIONED_ONLY, |key| {
            format!(
                "`{key}` applies to capacity_mode = \"provisioned\" only; an on-demand stream's shards are split by \
                 the service (tune it in [stream.on_demand])"
            )
        });
    }
    if !on_demand {
        refuse_written(t, &["on_demand"], |_| {
            "[stream.on_demand] applies to capacity_mode = \"on_demand\" or \"on_demand_advantage\" only".into()
        });
    }
    if mode != CapacityMode::OnDemandAdvantage {
        refuse_written(t, &["warm_throughput"], |_| advantage_only("[[stream.warm_throughput]]"));
    }
}

/// Refuses each of `keys` written in `t`, where it is written, saying
/// `message(key)`; the key counts as read, so it is not also unknown.
fn refuse_written(t: &mut TableReader<'_>, keys: &[&'static str], message: impl Fn(&str) -> String) {
    for &key in keys {
        if t.has(key) {
            let _ = t.take(key);
            t.fail_at(&[key], message(key));
        }
    }
}

fn advantage_only(what: &str) -> String {
    format!("{what} is an on-demand Advantage feature: it needs capacity_mode = \"on_demand_advantage\"")
}

/// The largest warm throughput, MiB/s ("up to 10 GiBps").
const WARM_MAX_MIB_S: u64 = limits::ON_DEMAND_MAX_WRITE_MIB_S_MAX;

/// `[stream.on_demand]` (absent: all defaults) of a stream on-demand at
/// some point, with warm throughput when `advantage`; a stream switched to
/// on-demand keeps its shards, so its start keys (`initial_shards`, the
/// previous peaks) are refused unless it `starts_on_demand`.
pub(super) fn on_demand(t: &mut TableReader<'_>, advantage: bool, starts_on_demand: bool) -> Option<OnDemandSpec> {
    if !starts_on_demand {
        refuse_written(t, &START_KEYS, |key| {
            format!(
                "`{key}` sets how a new on-demand stream starts; this stream starts provisioned and keeps its shards \
                 when it switches (AWS: it \"initially retains whatever shard count it had\")"
            )
        });
    }
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
    let merge_below = t.opt("merge_below_kib_s", 0, |v| v.int(0, 1 << 30));
    let (warm, warm_delay) = match advantage {
        true => (
            t.opt("warm_throughput_mib_s", 0, |v| v.int(0, WARM_MAX_MIB_S)),
            t.opt("warm_throughput_delay_s", d.warm_throughput_delay, |v| v.secs(Interval::NON_NEGATIVE)),
        ),
        false => {
            refuse_written(t, &ADVANTAGE_ONLY, |key| advantage_only(&format!("`{key}`")));
            (Some(0), Some(d.warm_throughput_delay))
        }
    };
    let spec = OnDemandSpec {
        initial_shards: initial?,
        previous_peak_bytes_per_s: (peak_mib? * mib as f64).round() as u64,
        previous_peak_records_per_s: peak_records?,
        split_trigger_bytes_per_s: trigger_kib? * 1_024,
        split_trigger_records_per_s: trigger_records?,
        split_delay: delay?,
        max_write_bytes_per_s: max_mib? * mib,
        warm_throughput_bytes_per_s: warm? * mib,
        warm_throughput_delay: warm_delay?,
        warm_throughput_changes: Vec::new(),
        merge_below_bytes_per_s: merge_below? * 1_024,
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
    if spec.merge_below_bytes_per_s > spec.split_trigger_bytes_per_s {
        t.fail_at(
            &["merge_below_kib_s", "split_trigger_kib_s"],
            format!(
                "merge_below_kib_s = {} is above split_trigger_kib_s = {}: a merged shard would be split again",
                spec.merge_below_bytes_per_s / 1_024,
                spec.split_trigger_bytes_per_s / 1_024
            ),
        );
        return None;
    }
    if spec.warm_throughput_bytes_per_s > spec.max_write_bytes_per_s {
        t.fail_at(
            &["warm_throughput_mib_s", "max_write_mib_s"],
            format!(
                "warm_throughput_mib_s = {} is above max_write_mib_s = {}: warm throughput cannot pass the stream's \
                 write ceiling",
                spec.warm_throughput_bytes_per_s / mib,
                spec.max_write_bytes_per_s / mib
            ),
        );
        return None;
    }
    Some(spec)
}

/// An on-demand stream given `shard_count = kept`: it starts with those
/// shards, as a provisioned stream switched to on-demand "initially retains
/// whatever shard count it had" (AWS) — in place of `initial_shards`, which
/// may then not be written too.
pub(super) fn keep_shards(t: &TableReader<'_>, spec: OnDemandSpec, kept: u32) -> Option<OnDemandSpec> {
    let written = t.node("on_demand").and_then(|n| n.get("initial_shards")).is_some();
    if written {
        t.fail_at(
            &["shard_count"],
            "give either shard_count (the shards kept from provisioned mode) or [stream.on_demand] initial_shards (a \
             new stream's), not both"
                .into(),
        );
        return None;
    }
    let most = spec.max_shards(limits::SHARD_WRITE_BYTES_PER_S);
    if kept > most {
        t.fail_at(
            &["shard_count"],
            format!("shard_count = {kept} is more than max_write_mib_s allows ({most} shards)"),
        );
        return None;
    }
    Some(OnDemandSpec { initial_shards: kept, ..spec })
}

/// `[[stream.mode_switch]]`: `{ at_s, to }` entries, in file order, of a
/// stream starting in `mode` (not Advantage, whose switches shardsim does
/// not model: AWS requires removing warm throughput first).
pub(super) fn mode_switches(v: Val<'_>, mode: Option<CapacityMode>) -> Option<Vec<ModeSwitch>> {
    let Value::Array(items) = &v.node.value else {
        v.expected("an array of tables ([[stream.mode_switch]])");
        return None;
    };
    if mode == Some(CapacityMode::OnDemandAdvantage) && !items.is_empty() {
        v.error(
            "switching an on-demand Advantage stream's mode is not modelled (AWS requires removing its warm \
                 throughput first); switch between \"provisioned\" and \"on_demand\"",
        );
        return None;
    }
    array_of_tables(&v, |t| {
        let at = t.req("at_s", |v| v.secs(Interval::NON_NEGATIVE));
        let to = t.req("to", |v| {
            v.choice(
                &[("provisioned", CapacityMode::Provisioned), ("on_demand", CapacityMode::OnDemand)],
                &[("on_demand_advantage", "switching to on-demand Advantage is not modelled")],
            )
        });
        Some(ModeSwitch { at: at?, to: to? })
    })
}

/// The mode switches against the run: each `at_s` within it, no two at one
/// instant, none to the mode the stream is already in then. Reports at the
/// entry; returns whether all is well.
pub(super) fn check_mode_switches(stream: &StreamSpec, duration: SimTime, t: &TableReader<'_>) -> bool {
    let node = t.node("stream").and_then(|n| n.get("mode_switch"));
    let mut problems: Vec<(usize, &str, String)> = Vec::new();
    let switches = &stream.mode_switches;
    let secs = |at: SimTime| fmt_float(at.as_secs_f64());
    for (i, s) in switches.iter().enumerate() {
        if s.at >= duration {
            problems.push((i, "at_s", format!("must be < duration_s ({} s), got {}", secs(duration), secs(s.at))));
        } else if let Some(j) = switches[..i].iter().position(|e| e.at == s.at) {
            problems.push((i, "at_s", format!("entry {j} is already at {} s: one switch per instant", secs(s.at))));
        }
    }
    if problems.is_empty() {
        // In time order, each switch must change the mode.
        let mut order: Vec<usize> = (0..switches.len()).collect();
        order.sort_by_key(|&i| switches[i].at);
        let mut mode = stream.capacity_mode;
        for i in order {
            let to = switches[i].to;
            if to == mode {
                problems.push((i, "to", format!("the stream is already {} at {} s", to.label(), secs(switches[i].at))));
            }
            mode = to;
        }
    }
    for (i, key, message) in &problems {
        let path = key_path(&index_path("stream.mode_switch", *i), key);
        t.sink.report(t.entry_origin(node, *i, key), path, message.clone());
    }
    problems.is_empty()
}

/// `[[stream.warm_throughput]]`: `{ at_s, mib_s }` entries, in file order.
pub(super) fn warm_schedule(v: Val<'_>) -> Option<Vec<WarmThroughputChange>> {
    if !matches!(v.node.value, Value::Array(_)) {
        v.expected("an array of tables ([[stream.warm_throughput]])");
        return None;
    }
    array_of_tables(&v, |t| {
        let at = t.req("at_s", |v| v.secs(Interval::NON_NEGATIVE));
        let mib_s = t.req("mib_s", |v| v.int(0, WARM_MAX_MIB_S));
        Some(WarmThroughputChange { at: at?, bytes_per_s: mib_s? * limits::MIB })
    })
}

/// Each table of the array `v` (checked to be an array) read with `read`.
fn array_of_tables<T>(v: &Val<'_>, read: impl Fn(&mut TableReader<'_>) -> Option<T>) -> Option<Vec<T>> {
    let Value::Array(items) = &v.node.value else { return None };
    let read: Vec<Option<T>> = items.iter().enumerate().map(|(i, item)| v.item(i, item).read_table(&read)).collect();
    read.into_iter().collect()
}

/// The warm-throughput schedule against the run and the ceiling: each
/// `at_s` within the run, no two at one instant, none above
/// `max_write_mib_s`. Reports at the entry; returns whether all is well.
pub(super) fn check_warm_schedule(stream: &StreamSpec, duration: SimTime, t: &TableReader<'_>) -> bool {
    let Some(spec) = &stream.on_demand else { return true };
    let node = t.node("stream").and_then(|n| n.get("warm_throughput"));
    let origin = |i: usize, key: &str| t.entry_origin(node, i, key);
    let mut ok = true;
    let mut report = |i: usize, key: &str, message: String| {
        t.sink.report(origin(i, key), key_path(&index_path("stream.warm_throughput", i), key), message);
        ok = false;
    };
    for (i, c) in spec.warm_throughput_changes.iter().enumerate() {
        if c.at >= duration {
            let (d, at) = (fmt_float(duration.as_secs_f64()), fmt_float(c.at.as_secs_f64()));
            report(i, "at_s", format!("must be < duration_s ({d} s), got {at}"));
        } else if let Some(j) = spec.warm_throughput_changes[..i].iter().position(|e| e.at == c.at) {
            report(
                i,
                "at_s",
                format!("entry {j} is already at {} s: one change per instant", fmt_float(c.at.as_secs_f64())),
            );
        }
        if c.bytes_per_s > spec.max_write_bytes_per_s {
            let mib = limits::MIB;
            let message = format!(
                "{} MiB/s is above [stream.on_demand] max_write_mib_s = {}",
                c.bytes_per_s / mib,
                spec.max_write_bytes_per_s / mib
            );
            report(i, "mib_s", message);
        }
    }
    ok
}
