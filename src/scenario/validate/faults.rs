//! `[[faults]]`: windows of service trouble, each read by its `kind`, then
//! checked against the run (a window must start within it) and the stream
//! (a shard it names must be one of the stream's, or, for a stream that
//! can reshard, one a resharding may create).

use super::{Interval, TableReader, Val};
use crate::scenario::model::{Fault, FaultKind, ShardSet, StreamSpec};
use crate::scenario::tree::{Value, fmt_float, index_path, key_path, quote};
use crate::stream::hash::shard_id;
use crate::stream::limits;
use crate::time::SimTime;

/// `[[faults]]`: an array of tables, each read by its `kind`.
pub(super) fn faults(v: Val<'_>) -> Option<Vec<Fault>> {
    let Value::Array(items) = &v.node.value else {
        v.expected("an array of tables ([[faults]])");
        return None;
    };
    let variants: [(&str, super::VariantReader<Fault>); 4] = [
        ("internal_failure", internal_failure),
        ("service_unavailable", service_unavailable),
        ("latency", latency),
        ("read_failure", read_failure),
    ];
    let read: Vec<Option<Fault>> =
        items.iter().enumerate().map(|(i, item)| v.item(i, item).tagged("kind", &variants)).collect();
    read.into_iter().collect()
}

/// A probability a fault fails a record or call with: `0 < rate <= 1`.
const RATE: Interval = Interval { max: 1.0, max_open: false, ..Interval::POSITIVE };

/// `from_s` and `to_s`, `to_s` after `from_s`.
fn window(t: &mut TableReader<'_>) -> Option<(SimTime, SimTime)> {
    let from = t.req("from_s", |v| v.secs(Interval::NON_NEGATIVE));
    let to = t.req("to_s", |v| v.secs(Interval::POSITIVE));
    let (from, to) = (from?, to?);
    t.ordered(("to_s", to.as_secs_f64()), ("from_s", from.as_secs_f64()), ("after", "s")).then_some((from, to))
}

fn rate(t: &mut TableReader<'_>) -> Option<f64> {
    t.req("rate", |v| v.float(RATE))
}

/// `shards`: `"all"` (the default) or a non-empty list of shard ids.
fn shards(t: &mut TableReader<'_>) -> Option<ShardSet> {
    t.opt("shards", ShardSet::All, |v| match &v.node.value {
        Value::Str(s) if s == "all" => Some(ShardSet::All),
        Value::Array(items) if !items.is_empty() => {
            let read: Vec<Option<u32>> =
                items.iter().enumerate().map(|(i, n)| super::reshard::shard_index(v.item(i, n))).collect();
            let mut ids = read.into_iter().collect::<Option<Vec<u32>>>()?;
            ids.sort_unstable();
            ids.dedup();
            Some(ShardSet::Only(ids))
        }
        _ => {
            v.expected("\"all\" or a non-empty array of shard ids like [\"shardId-000000000003\"]");
            None
        }
    })
}

fn internal_failure(t: &mut TableReader<'_>) -> Option<Fault> {
    let w = window(t);
    let (rate, shards) = (rate(t), shards(t));
    let (from, to) = w?;
    Some(Fault { kind: FaultKind::InternalFailure { rate: rate?, shards: shards? }, from, to })
}

fn service_unavailable(t: &mut TableReader<'_>) -> Option<Fault> {
    let w = window(t);
    let rate = rate(t);
    let (from, to) = w?;
    Some(Fault { kind: FaultKind::ServiceUnavailable { rate: rate? }, from, to })
}

fn latency(t: &mut TableReader<'_>) -> Option<Fault> {
    let w = window(t);
    let range = Interval { min: 1.0, min_open: false, max: limits::FAULT_LATENCY_FACTOR_MAX, max_open: false };
    let factor = t.req("factor", |v| v.float(range));
    let (from, to) = w?;
    Some(Fault { kind: FaultKind::Latency { factor: factor? }, from, to })
}

fn read_failure(t: &mut TableReader<'_>) -> Option<Fault> {
    let w = window(t);
    let (rate, shards) = (rate(t), shards(t));
    let (from, to) = w?;
    Some(Fault { kind: FaultKind::ReadFailure { rate: rate?, shards: shards? }, from, to })
}

/// Checks `faults` against the run's `duration` and the `stream`, turning
/// imported shard ids into indices; reports at the entry in `t` (the top
/// table).
pub(super) fn check(faults: &mut [Fault], duration: SimTime, stream: &StreamSpec, t: &TableReader<'_>) -> bool {
    let node = t.node("faults");
    let names = stream.shard_names();
    // Without resharding, the stream's shards are its first ones; with
    // it, any id a resharding may give.
    let fixed = !stream.reshards() && stream.mode_switches.is_empty();
    let mut ok = true;
    for (i, f) in faults.iter_mut().enumerate() {
        let path = index_path("faults", i);
        if f.from >= duration {
            let message = format!(
                "the window starts at {} s, after the run ends ({} s): it would never take effect",
                fmt_float(f.from.as_secs_f64()),
                fmt_float(duration.as_secs_f64())
            );
            t.sink.report(t.entry_origin(node, i, "from_s"), key_path(&path, "from_s"), message);
            ok = false;
        }
        let (FaultKind::InternalFailure { shards: ShardSet::Only(ids), .. }
        | FaultKind::ReadFailure { shards: ShardSet::Only(ids), .. }) = &mut f.kind
        else {
            continue;
        };
        for id in ids.iter_mut() {
            let index = names.index_of_number(u64::from(*id)).filter(|&n| !fixed || n < stream.shard_count);
            match index {
                Some(n) => *id = n,
                None => {
                    let open: Vec<String> = (0..stream.shard_count).map(|n| quote(&names.id(n))).collect();
                    let shown = match open.len() {
                        0..=8 => open.join(", "),
                        n => format!("{} … {} ({n} shards)", open[..3].join(", "), open[n - 1]),
                    };
                    let message =
                        format!("{} is not a shard of this stream (its shards: {shown})", quote(&shard_id(*id)));
                    t.sink.report(t.entry_origin(node, i, "shards"), key_path(&path, "shards"), message);
                    ok = false;
                }
            }
        }
        ids.sort_unstable();
    }
    ok
}
