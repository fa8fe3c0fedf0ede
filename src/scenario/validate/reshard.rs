//! `[stream]`'s resharding keys: the limits and timing of resharding calls,
//! and the `[[stream.reshard]]` schedule — each entry read by its `op`, then
//! the whole schedule replayed on a shard-less copy of the stream (the
//! shape of a static schedule does not depend on traffic) so that a shard id
//! that does not exist when it is named, or a hash key outside the shard it
//! splits, is reported with its place in the file.

use super::{Interval, TableReader, Val};
use crate::scenario::model::{
    HalfRounding, ImportedShards, ReshardLimits, ReshardRequest, ScheduledReshard, SplitKey, StreamSpec,
};
use crate::scenario::tree::{Node, Value, fmt_float, index_path, key_path, quote};
use crate::stream::hash::shard_id;
use crate::stream::limits;
use crate::stream::names::ShardNames;
use crate::stream::topology::{MAX_SHARD_INDICES, Rejection, Topology};
use crate::time::SimTime;

/// Largest `shard_quota` accepted: beyond any account's quota.
const MAX_SHARD_QUOTA: u32 = 1_000_000;

/// The exceptions `scale_limit_exception` may name: those the emulators
/// disagree on (scaling-facts §3, UNCONFIRMED).
const SCALE_LIMIT_EXCEPTIONS: [(&str, &str); 2] =
    [("LimitExceededException", "LimitExceededException"), ("InvalidArgumentException", "InvalidArgumentException")];

/// The resharding keys of `[stream]`.
pub(super) fn reshard_limits(t: &mut TableReader<'_>) -> Option<ReshardLimits> {
    let op = SimTime::from_secs_f64(limits::RESHARD_OP_DEFAULT_S);
    let op_time = t.opt("reshard_op_s", op, |v| v.secs(Interval::POSITIVE));
    let quota = t.opt("shard_quota", limits::SHARD_QUOTA_DEFAULT, |v| v.int(1, MAX_SHARD_QUOTA));
    let per_day = t.opt("update_shard_count_per_24h", limits::UPDATE_SHARD_COUNT_PER_24H, |v| v.int(1, u32::MAX));
    let rounding = t.opt("scale_down_rounding", HalfRounding::Up, |v| {
        v.choice(&[("up", HalfRounding::Up), ("down", HalfRounding::Down)], &[])
    });
    let exception =
        t.opt("scale_limit_exception", SCALE_LIMIT_EXCEPTIONS[0].1, |v| v.choice(&SCALE_LIMIT_EXCEPTIONS, &[]));
    let switch = mode_switch_time(t);
    Some(ReshardLimits {
        op_time: op_time?,
        shard_quota: quota?,
        updates_per_24h: per_day?,
        half_rounding: rounding?,
        scale_limit_exception: exception?,
        mode_switch_time: switch?,
    })
}

/// `mode_switch_s`.
fn mode_switch_time(t: &mut TableReader<'_>) -> Option<SimTime> {
    let default = SimTime::from_secs_f64(limits::MODE_SWITCH_DEFAULT_S);
    t.opt("mode_switch_s", default, |v| v.secs(Interval::NON_NEGATIVE))
}

/// The resharding keys of a stream that is never provisioned:
/// `shard_quota` and `mode_switch_s`.
pub(super) fn quota_only(t: &mut TableReader<'_>) -> Option<ReshardLimits> {
    let quota = t.opt("shard_quota", limits::SHARD_QUOTA_DEFAULT, |v| v.int(1, MAX_SHARD_QUOTA));
    let switch = mode_switch_time(t);
    Some(ReshardLimits { shard_quota: quota?, mode_switch_time: switch?, ..ReshardLimits::default() })
}

/// `[[stream.reshard]]`: an array of tables, each read by its `op`.
pub(super) fn schedule(v: Val<'_>) -> Option<Vec<ScheduledReshard>> {
    let Value::Array(items) = &v.node.value else {
        v.expected("an array of tables ([[stream.reshard]])");
        return None;
    };
    let variants: [(&str, super::VariantReader<ScheduledReshard>); 3] =
        [("update_shard_count", update_shard_count), ("split", split), ("merge", merge)];
    let read: Vec<Option<ScheduledReshard>> =
        items.iter().enumerate().map(|(i, item)| v.item(i, item).tagged("op", &variants)).collect();
    read.into_iter().collect()
}

fn at(t: &mut TableReader<'_>) -> Option<SimTime> {
    t.req("at_s", |v| v.secs(Interval::NON_NEGATIVE))
}

fn update_shard_count(t: &mut TableReader<'_>) -> Option<ScheduledReshard> {
    let at = at(t);
    let target = t.req("target", |v| v.int(1, MAX_SHARD_QUOTA));
    Some(ScheduledReshard { at: at?, request: ReshardRequest::UpdateShardCount { target: target? } })
}

fn split(t: &mut TableReader<'_>) -> Option<ScheduledReshard> {
    let at = at(t);
    let shard = t.req("shard", shard_index);
    let key = t.req("new_starting_hash_key", split_key);
    Some(ScheduledReshard { at: at?, request: ReshardRequest::Split { shard: shard?, new_starting_hash_key: key? } })
}

fn merge(t: &mut TableReader<'_>) -> Option<ScheduledReshard> {
    let at = at(t);
    let shard = t.req("shard", shard_index);
    let adjacent = t.req("adjacent", shard_index);
    Some(ScheduledReshard { at: at?, request: ReshardRequest::Merge { shard: shard?, adjacent: adjacent? } })
}

/// A shard id as AWS spells it: `shardId-` and 12 digits.
pub(super) fn shard_index(v: Val<'_>) -> Option<u32> {
    let text = v.text(64)?;
    let index = text
        .strip_prefix("shardId-")
        .filter(|d| d.len() == 12 && d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse::<u32>().ok());
    match index {
        Some(i) if i < MAX_SHARD_INDICES => Some(i),
        _ => {
            v.error(format!(
                "expected a shard id like \"shardId-000000000003\" (`shardId-` and 12 digits, below {}), got {}",
                shard_id(MAX_SHARD_INDICES),
                quote(&text)
            ));
            None
        }
    }
}

/// Turns the schedule's shard numbers into shard indices: the same for a
/// new stream; for an imported map, by the imported ids (a number none of
/// them has, below the next new one, names a shard closed before the
/// export), reported at the entry's key in `t` (the `[stream]` table).
pub(super) fn name_shards(
    t: &TableReader<'_>,
    mut schedule: Vec<ScheduledReshard>,
    imported: Option<&ImportedShards>,
) -> Option<Vec<ScheduledReshard>> {
    let Some(imported) = imported else { return Some(schedule) };
    let names = ShardNames::imported(imported.table.shards.iter().map(|s| s.id.clone()).collect());
    let node = t.node("reshard");
    let mut ok = true;
    for (i, op) in schedule.iter_mut().enumerate() {
        let mut index = |key: &str, number: &mut u32| match names.index_of_number(u64::from(*number)) {
            Some(n) => *number = n,
            None => {
                let message = format!(
                    "shardId-{number:012} is not an open shard of {} (its open shards: {})",
                    imported.file.path,
                    imported.table.shards.iter().map(|s| s.id.as_str()).collect::<Vec<_>>().join(", ")
                );
                t.sink.report(t.entry_origin(node, i, key), key_path(&index_path("stream.reshard", i), key), message);
                ok = false;
            }
        };
        match &mut op.request {
            ReshardRequest::Split { shard, .. } => index("shard", shard),
            ReshardRequest::Merge { shard, adjacent } => {
                index("shard", shard);
                index("adjacent", adjacent);
            }
            _ => {}
        }
    }
    ok.then_some(schedule)
}

/// `"middle"`, or a hash key in decimal (a string: TOML integers stop at
/// 2^63) below 2^128; a small key may also be an integer.
fn split_key(v: Val<'_>) -> Option<SplitKey> {
    let parsed = match &v.node.value {
        Value::Str(s) if s == "middle" => return Some(SplitKey::Middle),
        Value::Str(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse::<u128>().ok(),
        Value::Int(n) => u128::try_from(*n).ok(),
        _ => None,
    };
    if parsed.is_none() {
        v.error(format!(
            "expected \"middle\" or a hash key as a decimal string from \"0\" to \"{}\" (2^128 − 1), got {}",
            u128::MAX,
            v.node.value.describe()
        ));
    }
    parsed.map(SplitKey::Key)
}

/// Replays `stream`'s schedule on its shards alone: every call must fall
/// within the run, and every shard it names must exist (and contain the
/// split's hash key) when it is called. Calls AWS would refuse for other
/// reasons are not errors — the run reports them — see [`warnings`].
pub(super) fn check_schedule(stream: &StreamSpec, duration: SimTime, node: Option<&Node>, t: &TableReader<'_>) -> bool {
    let mut ok = true;
    let origin = |i: usize, key: &str| t.entry_origin(node, i, key);
    for (i, op) in stream.reshard.iter().enumerate() {
        if op.at >= duration {
            t.sink.report(
                origin(i, "at_s"),
                key_path(&index_path("stream.reshard", i), "at_s"),
                format!(
                    "must be < duration_s ({} s), got {}",
                    fmt_float(duration.as_secs_f64()),
                    fmt_float(op.at.as_secs_f64())
                ),
            );
            ok = false;
        }
    }
    if !ok {
        return false;
    }
    replay(stream, |i, (key, message)| {
        t.sink.report(origin(i, key), key_path(&index_path("stream.reshard", i), key), message);
        ok = false;
    });
    ok
}

/// The static schedule's calls AWS would refuse, in time order: (index of
/// the call in the file, exception name, message).
pub fn warnings(stream: &StreamSpec, name: &str) -> Vec<(usize, &'static str, String)> {
    let mut out = Vec::new();
    let mut t = Topology::of_spec(stream, name);
    run_schedule(stream, &mut t, |_, _, _| (), |k, r| out.push((k, r.error, r.message)));
    out
}

/// Replays the schedule, reporting to `problem` each named shard that does
/// not exist at its call, or a split key outside its shard.
fn replay(stream: &StreamSpec, mut problem: impl FnMut(usize, (&'static str, String))) {
    let mut t = Topology::of_spec(stream, "check");
    let names = stream.shard_names();
    let before = |k: usize, op: &ScheduledReshard, t: &Topology| {
        let exists = |i: u32| (i as usize) < t.shards.len();
        let missing = |key: &'static str, i: u32| {
            let when = fmt_float(op.at.as_secs_f64());
            (key, format!("{} does not exist at {when} s: the stream has {} by then", names.id(i), existing(t, &names)))
        };
        match op.request {
            ReshardRequest::Split { shard, .. } if !exists(shard) => problem(k, missing("shard", shard)),
            ReshardRequest::Split { shard, new_starting_hash_key: SplitKey::Key(key) } => {
                let r = t.shards[shard as usize].range;
                if key <= r.start || key > r.end {
                    let message = format!(
                        "{key} is not inside {} after its first key: valid from {} to {}",
                        names.id(shard),
                        r.start + 1,
                        r.end
                    );
                    problem(k, ("new_starting_hash_key", message));
                }
            }
            ReshardRequest::Merge { shard, adjacent } => {
                for (key, i) in [("shard", shard), ("adjacent", adjacent)] {
                    if !exists(i) {
                        problem(k, missing(key, i));
                    }
                }
            }
            _ => {}
        }
    };
    run_schedule(stream, &mut t, before, |_, _| ());
}

/// Runs the whole schedule on `t` in time order (calls at one instant in
/// file order, resharding before mode switches, as the run's event queue
/// takes them), calling `before` ahead of each resharding call and passing
/// each of their refusals to `refused`, each with the call's index in the
/// file. Steps completing by a call's instant complete first, as in a run;
/// mode switches are made too, so a call while on-demand is refused. Once
/// the stream has been on-demand, its shards depend on its traffic: later
/// calls are checked only for the mode they are made in.
fn run_schedule(
    stream: &StreamSpec,
    t: &mut Topology,
    mut before: impl FnMut(usize, &ScheduledReshard, &Topology),
    mut refused: impl FnMut(usize, Rejection),
) {
    // (when, whether a mode switch, index in its list)
    let mut order: Vec<(SimTime, bool, usize)> = (stream.reshard.iter().enumerate().map(|(k, op)| (op.at, false, k)))
        .chain(stream.mode_switches.iter().enumerate().map(|(k, s)| (s.at, true, k)))
        .collect();
    order.sort_by_key(|&(at, switch, _)| (at, switch));
    let mut step_at: Option<SimTime> = None;
    let mut been_on_demand = false;
    for (at, switch, k) in order {
        while let Some(due) = step_at.filter(|s| *s <= at) {
            step_at = t.complete_step(due).next_step_at;
        }
        been_on_demand |= t.mode().is_on_demand();
        if switch {
            let request = ReshardRequest::UpdateStreamMode { to: stream.mode_switches[k].to };
            if let Ok(done) = t.request(at, request, "schedule") {
                step_at = Some(done);
            }
            continue;
        }
        let op = &stream.reshard[k];
        if !been_on_demand {
            before(k, op, t);
        }
        match t.request(op.at, op.request, "schedule") {
            Ok(first) => step_at = Some(first),
            Err(r) if !been_on_demand || r.error == "ValidationException" => refused(k, r),
            Err(_) => {}
        }
    }
}

/// "shardId-000000000000 to shardId-000000000007" or "no such shard".
fn existing(t: &Topology, names: &ShardNames) -> String {
    match t.shards.len() {
        1 => names.id(0),
        n if names.is_imported() => (0..n as u32).map(|i| names.id(i)).collect::<Vec<_>>().join(", "),
        n => format!("{} to {}", names.id(0), names.id(n as u32 - 1)),
    }
}
