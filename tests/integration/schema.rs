//! The JSON Schemas in `schemas/`: they are what `shardsim schema` prints;
//! every shipped scenario and template, and the reports of bundled
//! scenarios, validate against them; broken scenarios do not; and the
//! scenario schema matches the validator key for key (every key validation
//! asks for is in the schema, and every key in the schema is asked for
//! somewhere), with the validator's defaults.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde_json::Value;
use shardsim::app::init::{TEMPLATES, file_name};
use shardsim::cli::SchemaDocument;
use shardsim::report::Report;
use shardsim::scenario::KeysRead;
use shardsim::sim::simulate;

use crate::common::{shardsim, shipped_plan, shipped_scenarios, short_horizon};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn shipped_schema(document: SchemaDocument) -> Value {
    let path = repo(shardsim::app::schema::shipped_path(document));
    serde_json::from_str(&read(&path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn validator(document: SchemaDocument) -> jsonschema::Validator {
    jsonschema::draft7::new(&shipped_schema(document)).unwrap_or_else(|e| panic!("{document:?} schema: {e}"))
}

/// Every problem `validator` finds in `instance`, one per line.
fn problems(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator.iter_errors(instance).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

/// A TOML document as the JSON value editors validate.
fn toml_to_json(text: &str) -> Value {
    let table: toml::Table = toml::from_str(text).unwrap_or_else(|e| panic!("{e}"));
    serde_json::to_value(table).unwrap()
}

/// The files a user starts from: the shipped scenarios and the templates
/// of `shardsim init`.
fn scenario_files() -> Vec<PathBuf> {
    let templates = TEMPLATES.iter().map(|t| repo(&format!("templates/{}", file_name(*t))));
    shipped_scenarios().into_iter().chain(templates).collect()
}

#[test]
fn the_shipped_schemas_are_what_the_command_prints() {
    for document in [SchemaDocument::Scenario, SchemaDocument::Report] {
        let path = shardsim::app::schema::shipped_path(document);
        let name = if document == SchemaDocument::Scenario { "scenario" } else { "report" };
        let out = shardsim().args(["schema", name]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let printed = String::from_utf8(out.stdout).unwrap();
        assert!(
            printed == read(&repo(path)),
            "{path} is not what `shardsim schema {name}` prints; regenerate it with\n  \
             cargo run -- schema {name} > {path}"
        );
        assert!(printed.ends_with("}\n") && printed.starts_with("{\n  \"$schema\""), "{name}");
    }
}

#[test]
fn every_scenario_file_names_the_schema_on_its_first_line() {
    for path in scenario_files() {
        let text = read(&path);
        let first = text.lines().next().unwrap_or_default();
        let depth = path.strip_prefix(repo("")).unwrap().components().count() - 1;
        let expected = format!("#:schema {}schemas/scenario.schema.json", "../".repeat(depth));
        assert_eq!(first, expected, "{}", path.display());
        let target = path.parent().unwrap().join(first.trim_start_matches("#:schema "));
        assert!(target.is_file(), "{}: {} does not exist", path.display(), target.display());
    }
}

#[test]
fn every_scenario_file_validates_against_the_scenario_schema() {
    let validator = validator(SchemaDocument::Scenario);
    for path in scenario_files() {
        let found = problems(&validator, &toml_to_json(&read(&path)));
        assert!(found.is_empty(), "{}:\n{}", path.display(), found.join("\n"));
    }
}

#[test]
fn broken_scenarios_fail_the_scenario_schema() {
    let validator = validator(SchemaDocument::Scenario);
    let base = read(&repo("templates/basic.toml"));
    assert!(validator.is_valid(&toml_to_json(&base)));
    let cases = [
        // An unknown key, a wrong type, a value outside the allowed strings
        // and a range.
        ("shard_count = 4", "shard_cout = 4", "shard_cout"),
        ("shard_count = 4", "shard_count = \"four\"", "\"four\""),
        ("client = \"sdk\"", "client = \"boto\"", "boto"),
        ("shard_count = 4", "shard_count = 0", "0"),
        ("duration_s = 300", "duration_s = 0", "0"),
        // A key of another variant, and a missing required key.
        ("{ dist = \"uniform\", keys = 10000 }", "{ dist = \"uniform\", keys = 10000, exponent = 1.1 }", "exponent"),
        ("kind = \"polling\"", "kind = \"lambda\"", "max_records"),
        ("name = \"basic\"", "title = \"basic\"", "name"),
        ("[[consumers]]\nname = \"reader\"", "[[consumers]]\nnom = \"reader\"", "nom"),
    ];
    for (from, to, needle) in cases {
        assert!(base.contains(from), "{from}");
        let broken = base.replacen(from, to, 1);
        let found = problems(&validator, &toml_to_json(&broken));
        assert!(!found.is_empty(), "{to} passed the schema");
        assert!(found.iter().any(|p| p.contains(needle)), "{to}: {found:?}");
        // shardsim refuses it too.
        assert!(shardsim::scenario::load_plan("x.toml", &broken, &[], &[], None).is_err(), "{to} passed check");
    }
}

#[test]
fn reports_validate_against_the_report_schema() {
    let validator = validator(SchemaDocument::Report);
    // Every top-level shipped scenario and template, on a short horizon.
    let files = scenario_files().into_iter().filter(|p| !p.parent().unwrap().ends_with("bench"));
    for path in files {
        let text = read(&path);
        let full = shipped_plan(&path, &text, &[]).points.swap_remove(0).scenario;
        let s = shipped_plan(&path, &text, &short_horizon(&full)).points.swap_remove(0).scenario;
        let prices = shardsim::app::prices_for(&s, &path).unwrap_or_else(|e| panic!("{e}"));
        let report = Report::single(&s, s.seed, &simulate(&s, s.seed, 0), &prices);
        let json: Value = serde_json::from_str(&shardsim::report::json::to_json(&report)).unwrap();
        let found = problems(&validator, &json);
        assert!(found.is_empty(), "{}:\n{}", path.display(), found.join("\n"));
    }
    // A sweep with replications, as `run` writes it.
    let out = tempfile::tempdir().unwrap();
    let run = shardsim()
        .args(["run", "templates/sweep.toml", "--set", "scenario.duration_s=5", "--quiet", "--no-charts", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(run.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&run.stderr));
    let json: Value = serde_json::from_str(&read(&out.path().join("sweep/report.json"))).unwrap();
    assert_eq!(json["points"].as_array().map(Vec::len), Some(5));
    let found = problems(&validator, &json);
    assert!(found.is_empty(), "sweep report.json:\n{}", found.join("\n"));
}

// ---------------------------------------------------------------------------
// The scenario schema against the validator

/// Scenarios that, with the shipped scenarios and templates, take every
/// branch of validation: each variant of every tagged table, each capacity
/// mode, each client and consumer kind. Paths are relative to `scenarios/`.
const VARIANTS: &[&str] = &[
    // On-demand Advantage, with warm throughput and every lease table.
    r#"
[scenario]
name = "advantage"
[stream]
capacity_mode = "on_demand_advantage"
[stream.on_demand]
warm_throughput_mib_s = 8
[[stream.warm_throughput]]
at_s = 10
mib_s = 16
[[producers]]
name = "p"
records_per_s = 100
record_bytes = { dist = "uniform", min = 100, max = 200 }
partition_key = { dist = "zipf", keys = 10, exponent = 1.1, salt = { keys = "hot", suffixes = 2 } }
rate_pattern = { kind = "step", at_s = 10, factor = 2 }
[[consumers]]
name = "a"
kind = "polling"
worker_failure = { worker = 0, at_s = 5 }
workers = 2
lease_table = { billing = "provisioned", wcu = 10, rcu = 10 }
[[consumers]]
name = "b"
kind = "efo"
workers = 2
worker_failure = { worker = 1, at_s = 5 }
lease_table = { billing = "provisioned", wcu = 10, rcu = 10 }
[[consumers]]
name = "c"
kind = "polling"
lease_table = { billing = "on_demand" }
[[consumers]]
name = "d"
kind = "efo"
lease_table = { billing = "on_demand" }
"#,
    // A provisioned stream switched to on-demand, with a spike, salted
    // keys of every distribution and a reshard of each kind.
    r#"
[scenario]
name = "switch"
duration_s = 100
[stream]
shard_count = 2
[[stream.mode_switch]]
at_s = 90
to = "on_demand"
[[stream.reshard]]
at_s = 1
op = "split"
shard = "shardId-000000000000"
new_starting_hash_key = "middle"
[[stream.reshard]]
at_s = 50
op = "merge"
shard = "shardId-000000000002"
adjacent = "shardId-000000000003"
[[stream.reshard]]
at_s = 60
op = "update_shard_count"
target = 4
[[producers]]
name = "uniform"
records_per_s = 10
rate_pattern = { kind = "spike", at_s = 1, duration_s = 1, factor = 3 }
partition_key = { dist = "uniform", keys = 10, salt = { keys = ["key-1"], suffixes = 2, separator = "/" } }
[producers.sdk]
request_latency_ms = { dist = "fixed", ms = 5 }
[producers.agent]
request_latency_ms = { dist = "fixed", ms = 5 }
[[producers]]
name = "hot"
records_per_s = 10
partition_key = { dist = "hot", keys = 10, hot_share = 0.5, salt = { keys = "all", suffixes = 2 } }
[producers.agent]
request_latency_ms = { dist = "lognormal", median = 5, p99 = 50 }
[[producers]]
name = "fixed"
records_per_s = 10
partition_key = { dist = "fixed", key = "k", salt = { keys = "all", suffixes = 2 } }
[producers.agent]
request_latency_ms = { dist = "discrete", ms = [5], weights = [1] }
[producers.kpl]
request_latency_ms = { dist = "discrete", ms = [5], weights = [1] }
[[producers]]
name = "unique"
records_per_s = 10
partition_key = { dist = "unique" }
[[producers]]
name = "hashed"
records_per_s = 10
partition_key = { dist = "random_hash" }
[producers.sdk]
request_latency_ms = { dist = "discrete", ms = [10, 100], weights = [9, 1] }
"#,
    // Step and target-tracking policies, every fault kind, a price table
    // file and an [slo].
    r#"
pricing = { file = "../pricing/us-east-1.toml" }
[scenario]
name = "policies"
duration_s = 100
[stream]
shard_count = 2
[stream.autoscaling]
policy = "step"
min_shards = 1
max_shards = 4
[[producers]]
name = "p"
records_per_s = 10
[producers.kpl]
request_latency_ms = { dist = "fixed", ms = 5 }
[[faults]]
kind = "internal_failure"
from_s = 1
to_s = 2
rate = 0.1
shards = ["shardId-000000000001"]
[[faults]]
kind = "service_unavailable"
from_s = 1
to_s = 2
rate = 0.1
[[faults]]
kind = "latency"
from_s = 1
to_s = 2
factor = 2
[[faults]]
kind = "read_failure"
from_s = 1
to_s = 2
rate = 0.1
[[consumers]]
name = "c"
kind = "lambda"
retrieval = "efo"
[slo]
max_throttle_rate = 0.5
max_end_to_end_latency_ms_p99 = 1000
max_records_dropped = 10
max_records_expired = 10
max_iterator_age_ms = 1000
[sweep]
"stream.autoscaling" = [
  { policy = "step", min_shards = 1, max_shards = 4 },
  { policy = "target_tracking", min_shards = 1, max_shards = 4, target_utilization_pct = 70 },
]
"#,
];

/// Every configuration's keys, for every scenario file and variant.
fn keys_read() -> Vec<(String, KeysRead)> {
    let mut out = Vec::new();
    let mut add = |name: String, path: &Path, text: &str| {
        let files = Rc::new(shardsim::app::data_files(path, false));
        let read = shardsim::scenario::keys_read(&name, text, &[], files).unwrap_or_else(|e| panic!("{e}"));
        out.extend(read.into_iter().map(|k| (name.clone(), k)));
    };
    for path in scenario_files() {
        add(path.display().to_string(), &path, &read(&path));
    }
    for (i, text) in VARIANTS.iter().enumerate() {
        add(format!("VARIANTS[{i}]"), &repo("scenarios/variants.toml"), text);
    }
    out
}

/// One step of a key path: a key or an array index.
enum Step {
    Key(String),
    Index(usize),
}

/// `producers[0].sdk.linger_ms` as steps.
fn steps(path: &str) -> Vec<Step> {
    let mut out = Vec::new();
    for part in path.split('.') {
        assert!(!part.contains('"'), "a quoted key in {path}");
        let mut pieces = part.split('[');
        out.push(Step::Key(pieces.next().unwrap().to_string()));
        for index in pieces {
            out.push(Step::Index(index.trim_end_matches(']').parse().unwrap()));
        }
    }
    out
}

/// Walks the scenario schema along key paths, choosing a tagged table's
/// variant by the document's tag; normalised paths have `[]` for indices
/// and `<tag=value>` for the variant chosen.
struct Walker<'s> {
    root: &'s Value,
}

/// A place in the schema: its subschema, the document's value there (if
/// any) and the normalised path to it.
type Place<'s, 'd> = (&'s Value, Option<&'d Value>, String);

impl<'s> Walker<'s> {
    /// `s` with references followed.
    fn deref(&self, mut s: &'s Value) -> &'s Value {
        loop {
            if let Some(r) = s.get("$ref").and_then(Value::as_str) {
                s = self.root.pointer(r.trim_start_matches('#')).unwrap_or_else(|| panic!("no {r}"));
            } else if let Some([single]) = s.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
                s = single;
            } else {
                return s;
            }
        }
    }

    /// The tables `s` may be for the document's `value`: itself, or the
    /// variants whose tag matches, each with its `<tag=value>`.
    fn tables(&self, s: &'s Value, value: Option<&Value>) -> Vec<(&'s Value, String)> {
        let s = self.deref(s);
        let alternatives = s.get("oneOf").or_else(|| s.get("anyOf")).and_then(Value::as_array);
        let Some(alternatives) = alternatives.filter(|_| s.get("properties").is_none()) else {
            return vec![(s, String::new())];
        };
        let mut out = Vec::new();
        for branch in alternatives.iter().map(|b| self.deref(b)) {
            let Some(properties) = branch.get("properties").and_then(Value::as_object) else { continue };
            let required: Vec<&str> = branch
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let tag = properties.iter().find(|(k, p)| p.get("const").is_some() && required.contains(&k.as_str()));
            match (tag, value) {
                (Some((key, p)), Some(v)) if v.get(key) != p.get("const") => continue,
                (Some((key, p)), _) => out.push((branch, format!("<{key}={}>", p["const"].as_str().unwrap()))),
                (None, _) => out.push((branch, String::new())),
            }
        }
        out
    }

    /// Where `path` leads in `document`'s schema: none if the schema has
    /// no such key.
    fn walk<'d>(&self, document: &'d Value, path: &str) -> Vec<Place<'s, 'd>> {
        let mut places: Vec<Place<'s, 'd>> = vec![(self.root, Some(document), String::new())];
        for step in steps(path) {
            let mut next = Vec::new();
            for (s, value, normalised) in places {
                match &step {
                    Step::Key(key) => {
                        for (table, variant) in self.tables(s, value) {
                            if let Some(p) = table.get("properties").and_then(|p| p.get(key)) {
                                let path = format!("{normalised}{variant}");
                                let path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                                next.push((p, value.and_then(|v| v.get(key)), path));
                            }
                        }
                    }
                    Step::Index(i) => {
                        if let Some(items) = self.deref(s).get("items") {
                            next.push((items, value.and_then(|v| v.get(i)), format!("{normalised}[]")));
                        }
                    }
                }
            }
            places = next;
        }
        places
    }

    /// Every key path of the schema, normalised.
    fn all_paths(&self, s: &'s Value, normalised: &str, out: &mut BTreeSet<String>) {
        let s = self.deref(s);
        if let Some(items) = s.get("items") {
            self.all_paths(items, &format!("{normalised}[]"), out);
        }
        for (table, variant) in self.tables(s, None) {
            for (key, p) in table.get("properties").and_then(Value::as_object).into_iter().flatten() {
                let path = format!("{normalised}{variant}");
                let path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                out.insert(path.clone());
                self.all_paths(p, &path, out);
            }
        }
    }
}

#[test]
fn every_key_validation_reads_is_in_the_scenario_schema_and_back() {
    let schema = shipped_schema(SchemaDocument::Scenario);
    let walker = Walker { root: &schema };
    let mut read_somewhere = BTreeSet::new();
    let mut missing = BTreeSet::new();
    for (name, keys) in keys_read() {
        for path in &keys.paths {
            let places = walker.walk(&keys.document, path);
            if places.is_empty() {
                missing.insert(format!("{path} (read in {name})"));
            }
            read_somewhere.extend(places.into_iter().map(|(_, _, normalised)| normalised));
        }
    }
    assert!(
        missing.is_empty(),
        "validation accepts keys the scenario schema lacks (add them to src/scenario/schema.rs):\n{}",
        missing.into_iter().collect::<Vec<_>>().join("\n")
    );
    let mut in_schema = BTreeSet::new();
    walker.all_paths(&schema, "", &mut in_schema);
    // `[sweep]` is read before validation, by the sweep expansion.
    let never_read: Vec<&String> =
        in_schema.iter().filter(|p| !read_somewhere.contains(*p) && !p.starts_with("sweep.")).collect();
    assert!(
        never_read.is_empty(),
        "the scenario schema has keys validation never asked for in the shipped scenarios, templates and \
         VARIANTS (a key validation does not accept, or a variant none of them uses):\n{}",
        never_read.iter().map(|p| p.as_str()).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_scenario_schema_defaults_are_the_validators() {
    let schema = shipped_schema(SchemaDocument::Scenario);
    let walker = Walker { root: &schema };
    // Keys accepted only beside another key's value: written at their
    // defaults they may be refused (`other_keys` without `other_share`,
    // `hot_above` without `keys = "hot"`, a `partition_key` for the
    // Kinesis Agent's random keys, batching keys for PutRecord, a new
    // on-demand stream's start for one switched from provisioned), but
    // never change the scenario.
    let conditional = [
        "other_keys",
        "hot_above",
        "partition_key",
        "batch_max_records",
        "linger_ms",
        "initial_shards",
        "previous_peak_write_mib_s",
        "previous_peak_records_per_s",
    ];
    let mut checked = 0;
    for (name, keys) in keys_read() {
        let text = toml::to_string(&keys.document).unwrap();
        let base = shardsim::scenario::load("x.toml", &text, &[]);
        let Ok(base) = base else { continue };
        let mut seen = BTreeSet::new();
        for path in &keys.paths {
            let places = walker.walk(&keys.document, path);
            let [(p, None, _)] = places.as_slice() else { continue };
            let Some(default) = walker.deref(p).get("default").or_else(|| p.get("default")) else { continue };
            if !seen.insert(path.clone()) {
                continue;
            }
            let set = format!(
                "{}={}",
                path.replace('[', ".").replace(']', ""),
                shardsim::scenario::schema::toml_value(default)
            );
            match shardsim::scenario::load("x.toml", &text, std::slice::from_ref(&set)) {
                Ok(s) => assert!(
                    s == base,
                    "{name}: --set {set} changes the scenario: the schema's default is not the validator's"
                ),
                Err(_) if conditional.iter().any(|k| path.ends_with(k)) => {}
                Err(e) => panic!("{name}: --set {set} is refused:\n{e}"),
            }
            checked += 1;
        }
    }
    assert!(checked > 200, "only {checked} defaults checked");
}
