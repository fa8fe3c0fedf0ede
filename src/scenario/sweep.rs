//! Sweeps: the `[sweep]` table (dotted scenario paths, as `--set` writes
//! them, each mapped to a list of values, plus `replications`) and
//! `--sweep PATH=V1,V2,…`, expanded into one scenario per combination.
//!
//! Expansion is the Cartesian product in a fixed order: axes in the order
//! written (file first, then command line), the first axis varying slowest,
//! like nested loops. Each combination is applied to the scenario's tree like
//! `--set` overrides and validated on its own, so a swept value gets exactly
//! the checks a written one gets, reported at the sweep entry.

use serde_json::Value as Json;

use super::errors::Sink;
use super::tree::{Entry, Node, Origin, Value, key_path, parse_override_value, quote, set_path};

/// Most runs (points × replications) one plan may hold.
pub const MAX_RUNS: u64 = 100_000;
/// Most replications of one point.
pub const MAX_REPLICATIONS: u32 = 10_000;

/// One swept path and its values.
#[derive(Clone, Debug)]
pub(crate) struct Axis {
    /// As written: `stream.shard_count`.
    pub path: String,
    /// Where it was written (problems about the path itself go here).
    pub origin: Origin,
    /// The values, in order.
    pub values: Vec<Node>,
}

/// `[sweep]` removed from `root` and read: its axes and its
/// `replications`. Problems go to `sink`.
pub(crate) fn take_sweep_table(root: &mut Node, sink: &Sink) -> (Vec<Axis>, Option<(u32, Origin)>) {
    let Value::Table(entries) = &mut root.value else { return (Vec::new(), None) };
    let Some(i) = entries.iter().position(|e| e.key == "sweep") else { return (Vec::new(), None) };
    let sweep = entries.remove(i);
    let Value::Table(items) = sweep.node.value else {
        sink.report(sweep.node.origin, "sweep", format!("expected a table, got {}", sweep.node.value.describe()));
        return (Vec::new(), None);
    };
    let mut axes = Vec::new();
    let mut replications = None;
    for Entry { key, key_origin, node } in items {
        let path = key_path("sweep", &key);
        if key == "replications" {
            match node.value {
                Value::Int(n) if (1..=MAX_REPLICATIONS as i128).contains(&n) => {
                    replications = Some((n as u32, node.origin));
                }
                _ => sink.report(
                    node.origin,
                    path,
                    format!("must be an integer between 1 and {MAX_REPLICATIONS}, got {}", node.value.describe()),
                ),
            }
            continue;
        }
        if !key.contains('.') {
            sink.report(
                key_origin,
                path,
                "expected `replications` or a dotted scenario path in quotes, e.g. \"stream.shard_count\" = [4, 8]",
            );
            continue;
        }
        match node.value {
            Value::Array(values) if !values.is_empty() => axes.push(Axis { path: key, origin: key_origin, values }),
            Value::Array(_) => {
                sink.report(node.origin, path, "expected a non-empty array of values, got an empty array")
            }
            other => sink.report(
                node.origin,
                path,
                format!("expected a non-empty array of values, got {}", other.describe()),
            ),
        }
    }
    (axes, replications)
}

/// `--sweep PATH=V1,V2,…` (argument number `index` among the command
/// line's `--set` and `--sweep`): values split at commas, or one TOML array
/// (`PATH=[{ … }, { … }]`) when values contain commas themselves.
pub(crate) fn parse_sweep_argument(argument: &str, index: usize, sink: &Sink) -> Option<Axis> {
    let origin = Origin::Set(index);
    let Some((path, raw)) = argument.split_once('=') else {
        sink.report(origin, "", "expected PATH=V1,V2,… (e.g. stream.shard_count=4,8,16), found no `=`");
        return None;
    };
    let path = path.trim();
    if path.split('.').count() < 2 || path.split('.').any(str::is_empty) {
        sink.report(origin, "", format!("expected a dotted scenario path before `=`, got {}", quote(path)));
        return None;
    }
    let raw = raw.trim();
    let values = match parse_override_value(raw, index).value {
        Value::Array(items) if raw.starts_with('[') => items,
        _ => raw.split(',').map(|v| parse_override_value(v.trim(), index)).collect(),
    };
    if values.is_empty() {
        sink.report(origin, path, "expected at least one value");
        return None;
    }
    Some(Axis { path: path.to_string(), origin, values })
}

/// One combination: the value of each axis, by index.
pub(crate) fn combinations(axes: &[Axis]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new()];
    for axis in axes {
        out =
            out.into_iter().flat_map(|c| (0..axis.values.len()).map(move |i| [c.clone(), vec![i]].concat())).collect();
    }
    out
}

/// `root` with combination `choice` of `axes` applied, or `None` having
/// reported why a path cannot be set.
pub(crate) fn apply(root: &Node, axes: &[Axis], choice: &[usize], sink: &Sink) -> Option<Node> {
    let mut tree = root.clone();
    for (axis, &i) in axes.iter().zip(choice) {
        let segments: Vec<&str> = axis.path.split('.').collect();
        if let Err((path, message)) = set_path(&mut tree, &segments, axis.values[i].clone(), axis.origin) {
            sink.report(axis.origin, path, message);
            return None;
        }
    }
    Some(tree)
}

/// A swept value as the report shows it.
pub(crate) fn to_json(node: &Node) -> Json {
    match &node.value {
        Value::Int(n) => i64::try_from(*n).map_or_else(|_| Json::String(n.to_string()), Json::from),
        Value::Float(x) => serde_json::Number::from_f64(*x).map_or_else(|| Json::String(x.to_string()), Json::Number),
        Value::Str(s) => Json::String(s.clone()),
        Value::Bool(b) => Json::Bool(*b),
        Value::Other(d) => Json::String(d.clone()),
        Value::Array(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Table(entries) => Json::Object(entries.iter().map(|e| (e.key.clone(), to_json(&e.node))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(n: usize) -> Axis {
        Axis {
            path: "a.b".into(),
            origin: Origin::WholeFile,
            values: vec![Node { origin: Origin::WholeFile, value: Value::Int(0) }; n],
        }
    }

    #[test]
    fn the_first_axis_varies_slowest() {
        assert_eq!(
            combinations(&[axis(2), axis(3)]),
            vec![vec![0, 0], vec![0, 1], vec![0, 2], vec![1, 0], vec![1, 1], vec![1, 2]]
        );
        assert_eq!(combinations(&[]), vec![Vec::<usize>::new()]);
    }

    #[test]
    fn command_line_sweeps_split_at_commas_or_take_an_array() {
        let sink = Sink::default();
        let a = parse_sweep_argument("stream.shard_count=4, 8,16", 0, &sink).unwrap();
        let values: Vec<Json> = a.values.iter().map(to_json).collect();
        assert_eq!(values, vec![Json::from(4), Json::from(8), Json::from(16)]);
        let b = parse_sweep_argument("producers.0.client=sdk,kpl", 1, &sink).unwrap();
        assert_eq!(b.values.iter().map(to_json).collect::<Vec<_>>(), vec![Json::from("sdk"), Json::from("kpl")]);
        let c = parse_sweep_argument(
            "producers.0.partition_key=[{ dist = \"uniform\", keys = 10 }, { dist = \"unique\" }]",
            2,
            &sink,
        )
        .unwrap();
        assert_eq!(c.values.len(), 2);
        assert!(sink.is_empty());
        assert!(parse_sweep_argument("shard_count=4", 3, &sink).is_none());
        assert!(parse_sweep_argument("stream.shard_count", 4, &sink).is_none());
        assert_eq!(sink.into_problems().len(), 2);
    }
}
