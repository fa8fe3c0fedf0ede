//! deploy/: the container image and the scheduler manifests that split a
//! sweep over array jobs. Nothing here runs a scheduler; the tests read the
//! files as the schedulers would (YAML, JSON, sbatch directives) and check
//! that they agree with each other and with the CLI: one pod, child or task
//! per partition, results written where the merge reads them, and every
//! `shardsim` command line using flags that exist.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use saphyr::{LoadableYamlNode, Scalar, Yaml};
use serde_json::{Value, json};

use crate::common::{shardsim, shell_words};

/// Slices per sweep in every manifest (deploy/README.md says 50).
const PARTITIONS: u64 = 50;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Files under `deploy/` ending in `ext`, sorted.
fn deploy_files(ext: &str) -> Vec<String> {
    fn walk(dir: &Path, ext: &str, out: &mut Vec<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, ext, out);
            } else if path.to_string_lossy().ends_with(ext) {
                out.push(path.strip_prefix(repo()).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(&repo().join("deploy"), ext, &mut out);
    out.sort();
    out
}

// ---------------------------------------------------------------- reading

/// A YAML node as JSON, so YAML and JSON manifests are read alike.
fn yaml_to_json(node: &Yaml) -> Value {
    match node {
        Yaml::Value(Scalar::Null) => Value::Null,
        Yaml::Value(Scalar::Boolean(b)) => Value::Bool(*b),
        Yaml::Value(Scalar::Integer(i)) => json!(i),
        Yaml::Value(Scalar::FloatingPoint(f)) => json!(f.into_inner()),
        Yaml::Value(Scalar::String(s)) => Value::String(s.to_string()),
        Yaml::Sequence(items) => Value::Array(items.iter().map(yaml_to_json).collect()),
        Yaml::Mapping(map) => Value::Object(
            map.iter()
                .map(|(k, v)| match k {
                    Yaml::Value(Scalar::String(s)) => (s.to_string(), yaml_to_json(v)),
                    other => panic!("mapping key is not a string: {other:?}"),
                })
                .collect(),
        ),
        other => panic!("unexpected YAML node (tag, alias or bad value): {other:?}"),
    }
}

/// The documents of a YAML file.
fn yaml_docs(path: &str) -> Vec<Value> {
    let text = read(path);
    let docs = Yaml::load_from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    docs.iter().map(yaml_to_json).collect()
}

fn json_file(path: &str) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The Kubernetes object of `kind` named `name` in a manifest.
fn k8s_object(path: &str, kind: &str, name: &str) -> Value {
    yaml_docs(path)
        .into_iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("{path}: no {kind} {name}"))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap_or_else(|| panic!("not a string: {s}")).to_string())
        .collect()
}

/// The value of `--flag V` or `--flag=V` in a command line.
fn flag_value<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    let eq = format!("{flag}=");
    args.iter().enumerate().find_map(
        |(i, a)| {
            if a == flag { args.get(i + 1).map(String::as_str) } else { a.strip_prefix(&eq) }
        },
    )
}

/// Every value of a repeatable flag, in order.
fn flag_values(args: &[String], flag: &str) -> Vec<String> {
    let eq = format!("{flag}=");
    let mut out = Vec::new();
    for (i, a) in args.iter().enumerate() {
        if a == flag {
            out.push(args[i + 1].clone());
        } else if let Some(v) = a.strip_prefix(&eq) {
            out.push(v.to_string());
        }
    }
    out
}

/// One `shardsim SUBCOMMAND ARGS...` found in a file.
#[derive(Clone, Debug)]
struct Invocation {
    /// Where: the file, and the object or line.
    place: String,
    subcommand: String,
    args: Vec<String>,
}

impl Invocation {
    fn new(place: String, words: &[String]) -> Invocation {
        Invocation { place, subcommand: words[0].clone(), args: words[1..].to_vec() }
    }
}

/// Words that end a command on a shell line.
fn ends_command(word: &str) -> bool {
    matches!(word, "|" | "||" | "&&" | ";" | ")") || word.starts_with('>') || word.starts_with("2>")
}

/// The `shardsim` command lines of a shell-like text: continued lines
/// joined; in code, every `shardsim WORD`; in comments (`#` lines, where
/// prose says "shardsim runs ..."), only those naming a known subcommand.
fn shell_invocations(path: &str, text: &str, known: &BTreeSet<String>) -> Vec<Invocation> {
    let joined = text.replace("\\\n", " ");
    let mut out = Vec::new();
    for (n, line) in joined.lines().enumerate() {
        let trimmed = line.trim_start();
        let (code, comment) = match trimmed.strip_prefix('#') {
            Some(_) if trimmed.starts_with("#!") || trimmed.starts_with("#SBATCH") => continue,
            Some(rest) => (rest, true),
            None => (line, false),
        };
        let words = shell_words(code);
        for (i, w) in words.iter().enumerate() {
            let Some(sub) = words.get(i + 1) else { continue };
            let is_word = !sub.is_empty() && sub.chars().all(|c| c.is_ascii_lowercase());
            if w != "shardsim" || !is_word || (comment && !known.contains(sub)) {
                continue;
            }
            let rest: Vec<String> = words[i + 1..].iter().take_while(|w| !ends_command(w)).cloned().collect();
            out.push(Invocation::new(format!("{path}: line {} ({})", n + 1, line.trim()), &rest));
        }
    }
    out
}

/// Shell code blocks of a Markdown file, as one text.
fn markdown_code(text: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside;
            out.push('\n');
        } else {
            out.push_str(if inside { line } else { "" });
            out.push('\n');
        }
    }
    out
}

// ------------------------------------------------------- the manifests' runs

/// The sweep Job's container and its arguments (the image's entrypoint is
/// `shardsim`, so `args` start at the subcommand).
fn k8s_sweep() -> (Value, Vec<String>) {
    let job = k8s_object("deploy/kubernetes/sweep-job.yaml", "Job", "shardsim-sweep");
    let container = shardsim_container(&job);
    let args = strings(&container["args"]);
    (job, args)
}

fn shardsim_container(job: &Value) -> Value {
    let containers = job["spec"]["template"]["spec"]["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 1, "{job}");
    assert!(containers[0].get("command").is_none(), "command would replace the image's entrypoint");
    containers[0].clone()
}

fn batch_definition() -> Value {
    json_file("deploy/aws-batch/job-definition.json")
}

fn batch_sweep_args() -> Vec<String> {
    strings(&batch_definition()["containerProperties"]["command"])
}

/// Every `shardsim` command line in deploy/: the manifests' structured
/// arguments, the scripts, the Dockerfile's comments and the README's code.
fn all_invocations(known: &BTreeSet<String>) -> Vec<Invocation> {
    let mut out = Vec::new();
    for path in deploy_files(".yaml") {
        for doc in yaml_docs(&path) {
            let kind = doc["kind"].as_str().unwrap_or("").to_string();
            let name = doc["metadata"]["name"].as_str().unwrap_or("").to_string();
            let spec = if kind == "Job" { &doc["spec"]["template"]["spec"] } else { &doc["spec"] };
            for c in spec["containers"].as_array().into_iter().flatten() {
                if c["image"].as_str().is_some_and(|i| i.contains("shardsim")) {
                    out.push(Invocation::new(format!("{path}: {kind} {name}"), &strings(&c["args"])));
                }
            }
        }
    }
    out.push(Invocation::new("deploy/aws-batch/job-definition.json".into(), &batch_sweep_args()));
    let merge = json_file("deploy/aws-batch/submit-merge.json");
    out.push(Invocation::new(
        "deploy/aws-batch/submit-merge.json".into(),
        &strings(&merge["containerOverrides"]["command"]),
    ));
    let texts = deploy_files(".sh").into_iter().chain(deploy_files(".sbatch")).chain(["deploy/Dockerfile".into()]);
    for path in texts {
        out.extend(shell_invocations(&path, &read(&path), known));
    }
    out.extend(shell_invocations("deploy/README.md", &markdown_code(&read("deploy/README.md")), known));
    out
}

// ------------------------------------------------------------- the CLI

fn help(args: &[&str]) -> String {
    let out = shardsim().args(args).arg("--help").output().unwrap();
    assert!(out.status.success(), "shardsim {args:?} --help: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Subcommands listed by `shardsim --help`.
fn subcommands() -> BTreeSet<String> {
    let text = help(&[]);
    let list = text.split("Commands:").nth(1).expect("no Commands: in --help");
    list.lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// Flags listed by `shardsim SUBCOMMAND --help` (long and short).
fn flags(subcommand: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in help(&[subcommand]).lines().map(str::trim_start).filter(|l| l.starts_with('-')) {
        for word in line.split([' ', ',']).take_while(|w| w.starts_with('-') || w.is_empty()) {
            if !word.is_empty() {
                out.insert(word.to_string());
            }
        }
    }
    out
}

/// Checks each invocation's subcommand and flags against `--help`.
/// Returns the problems.
fn unknown_flags(invocations: &[Invocation]) -> Vec<String> {
    let subs = subcommands();
    let mut flag_cache: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    for inv in invocations {
        let sub = inv.subcommand.as_str();
        if !subs.contains(sub) {
            problems.push(format!("{}: no subcommand {sub:?}", inv.place));
            continue;
        }
        let known = flag_cache.entry(sub.to_string()).or_insert_with(|| flags(sub));
        for arg in inv.args.iter().filter(|a| a.starts_with('-') && a.len() > 1) {
            let flag = arg.split('=').next().unwrap();
            if !known.contains(flag) {
                problems.push(format!("{}: `shardsim {sub}` has no flag {flag}", inv.place));
            }
        }
    }
    problems
}

// ------------------------------------------------------------------ tests

#[test]
fn every_yaml_manifest_parses_into_named_kubernetes_objects() {
    let files = deploy_files(".yaml");
    assert!(files.len() >= 3, "{files:?}");
    for path in files {
        let docs = yaml_docs(&path);
        assert!(!docs.is_empty(), "{path}: no document");
        for doc in docs {
            for key in ["apiVersion", "kind"] {
                assert!(doc[key].is_string(), "{path}: a document without {key}: {doc}");
            }
            assert!(doc["metadata"]["name"].is_string(), "{path}: a document without metadata.name");
        }
    }
}

#[test]
fn kubernetes_sweep_is_an_indexed_job_with_one_pod_per_partition() {
    let path = "deploy/kubernetes/sweep-job.yaml";
    let (job, args) = k8s_sweep();
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    let partitions: u64 = flag_value(&args, "--partitions").expect("--partitions").parse().unwrap();
    assert_eq!(spec["completions"].as_u64(), Some(partitions), "completions vs --partitions {partitions}");
    assert_eq!(partitions, PARTITIONS);
    let parallelism = spec["parallelism"].as_u64().expect("parallelism");
    assert!((1..=partitions).contains(&parallelism), "parallelism {parallelism}");
    assert_eq!(flag_value(&args, "--partition"), Some("auto"), "{args:?}");
    assert_eq!(args[0], "run");

    let pod = &spec["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Never", "an Indexed Job's failed index is retried as a new pod");
    let container = shardsim_container(&job);
    let mounts = container["volumeMounts"].as_array().unwrap();
    let volumes = pod["volumes"].as_array().unwrap();
    let volume =
        |name: &Value| volumes.iter().find(|v| &v["name"] == name).unwrap_or_else(|| panic!("no volume {name}"));

    // --out is the mount point of a volume backed by the file's own
    // ReadWriteMany claim.
    let out = flag_value(&args, "--out").expect("--out");
    let mount = mounts.iter().find(|m| m["mountPath"] == out).unwrap_or_else(|| panic!("no volume mounted at {out}"));
    assert_ne!(mount["readOnly"], true);
    let claim = &volume(&mount["name"])["persistentVolumeClaim"]["claimName"];
    let pvc = k8s_object(path, "PersistentVolumeClaim", claim.as_str().expect("--out is not a claim"));
    assert!(strings(&pvc["spec"]["accessModes"]).contains(&"ReadWriteMany".to_string()), "{pvc}");

    // The scenario is a file of the ConfigMap mounted above it.
    let scenario = Path::new(&args[1]);
    let mount = mounts
        .iter()
        .find(|m| scenario.starts_with(m["mountPath"].as_str().unwrap()))
        .unwrap_or_else(|| panic!("the scenario {} is on no mount", args[1]));
    let map_name =
        volume(&mount["name"])["configMap"]["name"].as_str().expect("scenario volume is a ConfigMap").to_string();
    let map = k8s_object(path, "ConfigMap", &map_name);
    let key = scenario.file_name().unwrap().to_str().unwrap();
    assert!(map["data"][key].is_string(), "ConfigMap {map_name} has no {key}");

    // One thread per requested core.
    let threads = flag_value(&args, "--threads").expect("--threads");
    assert_eq!(container["resources"]["requests"]["cpu"].as_str(), Some(threads));
}

#[test]
fn kubernetes_scenario_is_the_shipped_shard_sweep() {
    let map = k8s_object("deploy/kubernetes/sweep-job.yaml", "ConfigMap", "shardsim-scenario");
    let text = map["data"]["shard-sweep.toml"].as_str().unwrap();
    let in_map: toml::Value = toml::from_str(text).unwrap();
    let shipped: toml::Value = toml::from_str(&read("scenarios/shard-sweep.toml")).unwrap();
    assert_eq!(in_map, shipped, "the ConfigMap's scenario differs from scenarios/shard-sweep.toml");
}

#[test]
fn kubernetes_merge_reads_the_folder_the_sweep_writes() {
    let (sweep, args) = k8s_sweep();
    let merge = k8s_object("deploy/kubernetes/merge-job.yaml", "Job", "shardsim-merge");
    let container = shardsim_container(&merge);
    let merge_args = strings(&container["args"]);
    let out = flag_value(&args, "--out").unwrap();
    assert_eq!(merge_args[0], "merge");
    assert_eq!(merge_args[1], format!("{out}/shard-sweep"), "parts are in <--out>/<scenario name>");
    assert_eq!(merge["spec"]["backoffLimit"], 0, "exit 1 (SLO) and 2 (parts) do not change on a retry");

    // Same claim, mounted at the same path.
    let claim_at = |job: &Value, c: &Value| -> Vec<(String, String)> {
        let volumes = job["spec"]["template"]["spec"]["volumes"].as_array().unwrap();
        c["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| {
                let v = volumes.iter().find(|v| v["name"] == m["name"])?;
                let claim = v["persistentVolumeClaim"]["claimName"].as_str()?;
                Some((claim.to_string(), m["mountPath"].as_str()?.to_string()))
            })
            .collect()
    };
    assert_eq!(claim_at(&merge, &container), claim_at(&sweep, &shardsim_container(&sweep)));
    assert_eq!(container["image"], shardsim_container(&sweep)["image"]);
}

/// RegisterJobDefinition's and SubmitJob's request members (AWS Batch API,
/// 2016-08-10), and ContainerProperties' members used here: a misspelt key
/// is refused by `aws batch ... --cli-input-json`.
const BATCH_REGISTER_KEYS: &[&str] = &[
    "jobDefinitionName",
    "type",
    "parameters",
    "schedulingPriority",
    "containerProperties",
    "nodeProperties",
    "retryStrategy",
    "propagateTags",
    "timeout",
    "tags",
    "platformCapabilities",
    "eksProperties",
    "ecsProperties",
];
const BATCH_SUBMIT_KEYS: &[&str] = &[
    "jobName",
    "jobQueue",
    "shareIdentifier",
    "schedulingPriorityOverride",
    "arrayProperties",
    "dependsOn",
    "jobDefinition",
    "parameters",
    "containerOverrides",
    "nodeOverrides",
    "retryStrategy",
    "propagateTags",
    "timeout",
    "tags",
];
const BATCH_CONTAINER_KEYS: &[&str] = &[
    "image",
    "command",
    "jobRoleArn",
    "executionRoleArn",
    "volumes",
    "environment",
    "mountPoints",
    "readonlyRootFilesystem",
    "ulimits",
    "user",
    "resourceRequirements",
    "linuxParameters",
    "logConfiguration",
    "secrets",
    "networkConfiguration",
    "fargatePlatformConfiguration",
];

fn keys_within(v: &Value, allowed: &[&str], what: &str) {
    for key in v.as_object().unwrap_or_else(|| panic!("{what}: not an object")).keys() {
        assert!(allowed.contains(&key.as_str()), "{what}: {key:?} is not an AWS Batch field");
    }
}

#[test]
fn aws_batch_array_job_runs_one_child_per_partition() {
    let def = batch_definition();
    let sweep = json_file("deploy/aws-batch/submit-sweep.json");
    let merge = json_file("deploy/aws-batch/submit-merge.json");
    keys_within(&def, BATCH_REGISTER_KEYS, "job-definition.json");
    keys_within(&def["containerProperties"], BATCH_CONTAINER_KEYS, "job-definition.json containerProperties");
    keys_within(&sweep, BATCH_SUBMIT_KEYS, "submit-sweep.json");
    keys_within(&merge, BATCH_SUBMIT_KEYS, "submit-merge.json");
    assert_eq!(def["type"], "container");

    // The array's size is the slice count: --partition auto reads it from
    // AWS_BATCH_JOB_ARRAY_SIZE, so a --partitions, if any, must agree.
    let args = batch_sweep_args();
    assert_eq!(args[0], "run");
    assert_eq!(flag_value(&args, "--partition"), Some("auto"));
    let size = sweep["arrayProperties"]["size"].as_u64().expect("arrayProperties.size");
    assert_eq!(size, PARTITIONS);
    if let Some(n) = flag_value(&args, "--partitions") {
        assert_eq!(n.parse::<u64>().unwrap(), size);
    }
    assert!((2..=10_000).contains(&size), "AWS Batch arrays have 2 to 10,000 children");

    // --out is an EFS volume's mount point; the merge reads <out>/<name>.
    let container = &def["containerProperties"];
    let out = flag_value(&args, "--out").unwrap();
    let mount = container["mountPoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["containerPath"] == out)
        .unwrap_or_else(|| panic!("nothing mounted at {out}"));
    assert_eq!(mount["readOnly"], false);
    let volume = container["volumes"].as_array().unwrap().iter().find(|v| v["name"] == mount["sourceVolume"]).unwrap();
    assert!(volume["efsVolumeConfiguration"]["fileSystemId"].is_string(), "{volume}");
    let merge_args = strings(&merge["containerOverrides"]["command"]);
    assert_eq!(merge_args[..2], ["merge".to_string(), format!("{out}/shard-sweep")]);

    // Both submissions use the definition and one queue; the merge's
    // dependency is added by submit.sh, with the array job's id.
    for submit in [&sweep, &merge] {
        assert_eq!(submit["jobDefinition"], def["jobDefinitionName"]);
        assert_eq!(submit["jobQueue"], sweep["jobQueue"]);
    }
    assert!(merge.get("dependsOn").is_none() && merge.get("arrayProperties").is_none());
    let script = read("deploy/aws-batch/submit.sh");
    for needle in [
        "aws batch register-job-definition --cli-input-json file://job-definition.json",
        "aws batch submit-job --cli-input-json file://submit-sweep.json",
        "aws batch submit-job --cli-input-json file://submit-merge.json",
        "--depends-on \"jobId=$sweep_id\"",
        "--query jobId --output text",
    ] {
        assert!(script.contains(needle), "submit.sh lacks {needle:?}");
    }
}

/// The `#SBATCH --array=` range of a script: (first, last).
fn slurm_array(path: &str) -> (u64, u64) {
    let text = read(path);
    let spec = text
        .lines()
        .find_map(|l| l.strip_prefix("#SBATCH --array="))
        .unwrap_or_else(|| panic!("{path}: no #SBATCH --array="));
    // A %N suffix only limits how many run at once.
    let range = spec.split('%').next().unwrap().trim();
    let (first, last) = range.split_once('-').unwrap_or_else(|| panic!("{path}: {range} is not A-B"));
    (first.parse().unwrap(), last.parse().unwrap())
}

#[test]
fn slurm_array_has_one_task_per_partition_and_the_merge_waits_for_it() {
    let (first, last) = slurm_array("deploy/slurm/sweep.sbatch");
    assert_eq!(first, 0, "--array=0-N-1, as the README writes it (SLURM_ARRAY_TASK_MIN handles others)");
    assert_eq!(last - first + 1, PARTITIONS);

    let known = subcommands();
    let sweep = shell_invocations("sweep.sbatch", &read("deploy/slurm/sweep.sbatch"), &known);
    let [run] = &sweep[..] else { panic!("one shardsim run expected: {sweep:?}") };
    assert_eq!(run.subcommand, "run");
    assert_eq!(flag_value(&run.args, "--partition"), Some("auto"));
    assert_eq!(flag_value(&run.args, "--partitions"), None, "the count comes from SLURM_ARRAY_TASK_COUNT");
    let out = flag_value(&run.args, "--out").unwrap();
    let merge = shell_invocations("merge.sbatch", &read("deploy/slurm/merge.sbatch"), &known);
    let [merge] = &merge[..] else { panic!("one shardsim merge expected: {merge:?}") };
    assert_eq!(merge.subcommand, "merge");
    assert_eq!(merge.args[0], format!("{out}/shard-sweep"));

    let submit = read("deploy/slurm/submit.sh");
    for needle in
        ["sbatch --parsable \"$here/sweep.sbatch\"", "--dependency=\"afterok:$sweep\"", "\"$here/merge.sbatch\""]
    {
        assert!(submit.contains(needle), "submit.sh lacks {needle:?}");
    }
}

#[test]
fn the_three_schedulers_run_the_same_1000_configuration_sweep() {
    let known = subcommands();
    let slurm = shell_invocations("sweep.sbatch", &read("deploy/slurm/sweep.sbatch"), &known).remove(0);
    let slurm: Vec<String> = [slurm.subcommand].into_iter().chain(slurm.args).collect();
    let k8s = k8s_sweep().1;
    let batch = batch_sweep_args();
    let sweeps = flag_values(&k8s, "--sweep");
    assert_eq!(sweeps.len(), 2, "{k8s:?}");
    for (name, args) in [("AWS Batch", &batch), ("Slurm", &slurm)] {
        assert_eq!(flag_values(args, "--sweep"), sweeps, "{name} sweeps other values than Kubernetes");
        let file = |a: &[String]| Path::new(&a[1]).file_name().unwrap().to_owned();
        assert_eq!(file(args), file(&k8s), "{name} runs another scenario");
    }

    // Checked as written: 20 shard counts x 50 rates.
    let mut cmd = shardsim();
    cmd.args(["check", "scenarios/shard-sweep.toml"]);
    for s in &sweeps {
        cmd.args(["--sweep", s]);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("1000 configurations"), "{stdout}");
}

#[test]
fn every_shardsim_command_line_uses_flags_that_exist() {
    let invocations = all_invocations(&subcommands());
    // Each source is read: a scanner that found nothing would pass silently.
    for source in [
        "sweep-job.yaml",
        "merge-job.yaml",
        "job-definition.json",
        "submit-merge.json",
        "sweep.sbatch",
        "merge.sbatch",
        "Dockerfile",
        "deploy/README.md",
    ] {
        assert!(invocations.iter().any(|i| i.place.contains(source)), "no shardsim command found in {source}");
    }
    let problems = unknown_flags(&invocations);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The top-level folders of the files `src/` embeds with `include_str!` or
/// `include_bytes!` outside its unit tests (which the image never builds).
fn embedded_folders() -> BTreeSet<String> {
    fn walk(dir: &Path, out: &mut BTreeSet<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
                continue;
            }
            let text = fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap();
            for part in code.split("include_str!(\"").skip(1).chain(code.split("include_bytes!(\"").skip(1)) {
                let rel = part.split('"').next().unwrap();
                let file = path.parent().unwrap().join(rel);
                let mut parts = Vec::new();
                for c in file.strip_prefix(repo()).unwrap().components() {
                    match c {
                        std::path::Component::ParentDir => drop(parts.pop()),
                        c => parts.push(c.as_os_str().to_string_lossy().to_string()),
                    }
                }
                out.insert(parts[0].clone());
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(&repo().join("src"), &mut out);
    out
}

#[test]
fn dockerfile_builds_in_one_stage_and_runs_in_another() {
    // Instructions, continuation lines joined, comments dropped.
    let text = read("deploy/Dockerfile").replace("\\\n", " ");
    let lines: Vec<(String, String)> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, rest) = l.split_once(char::is_whitespace).unwrap();
            (k.to_uppercase(), rest.trim().to_string())
        })
        .collect();
    let stages: Vec<usize> = lines.iter().enumerate().filter(|(_, (k, _))| k == "FROM").map(|(i, _)| i).collect();
    assert_eq!(stages.len(), 2, "a build stage and a runtime stage");
    let (build, runtime) = (&lines[stages[0]..stages[1]], &lines[stages[1]..]);

    // Every folder the binary embeds at compile time is copied in before
    // the build.
    let copied: Vec<&str> =
        build.iter().filter(|(k, _)| k == "COPY").filter_map(|(_, r)| r.split_whitespace().next()).collect();
    for folder in embedded_folders() {
        assert!(copied.contains(&folder.as_str()), "the build stage does not COPY {folder}/, which src embeds");
    }

    // rust:<version>..., at or above the crate's rust-version.
    let from: Vec<&str> = build[0].1.split_whitespace().collect();
    let [image, as_kw, name] = from[..] else { panic!("FROM rust:... AS name, got {from:?}") };
    assert!(as_kw.eq_ignore_ascii_case("as"));
    let version = image.strip_prefix("rust:").expect("the official rust image");
    let version: Vec<u64> = version.split('-').next().unwrap().split('.').map(|p| p.parse().unwrap()).collect();
    let manifest: toml::Value = toml::from_str(&read("Cargo.toml")).unwrap();
    let needed: Vec<u64> =
        manifest["package"]["rust-version"].as_str().unwrap().split('.').map(|p| p.parse().unwrap()).collect();
    assert!(version >= needed, "rust {version:?} is older than rust-version {needed:?}");
    assert!(version.len() == 3, "pin the patch version: {image}");

    // Where the build stage leaves the binary: its WORKDIR joined with the
    // destination of the `cp` that follows `cargo build`.
    let workdir = build.iter().rev().find(|(k, _)| k == "WORKDIR").map(|(_, w)| w.clone()).unwrap();
    let run =
        build.iter().find(|(k, r)| k == "RUN" && r.contains("cargo build")).expect("a RUN with cargo build").1.clone();
    assert!(run.contains("cargo build --release --locked --bin shardsim"), "{run}");
    let cp = shell_words(&run.replace("&&", " && "));
    let at = cp.iter().position(|w| w == "cp").expect("the RUN copies the binary out of the target dir");
    let (src, dest) = (&cp[at + 1], &cp[at + 2]);
    assert!(src.ends_with("/release/shardsim"), "{src}");
    let built = format!("{workdir}/{}", dest.trim_end_matches('/'));

    let copies: Vec<&String> = runtime.iter().filter(|(k, _)| k == "COPY").map(|(_, r)| r).collect();
    let from_build = format!("--from={name} ");
    let copy = copies.iter().find(|r| r.starts_with(&from_build)).expect("COPY --from=<build stage>");
    let words: Vec<&str> = copy.split_whitespace().collect();
    assert_eq!(words[1], built, "the runtime copies what the build stage wrote");
    assert_eq!(words[2], "/usr/local/bin/shardsim");
    assert!(copies.iter().any(|r| r.as_str() == "scenarios /opt/shardsim/scenarios"), "{copies:?}");
    assert!(read("deploy/dockerfile-as-script.sh").contains("scenarios_in_image=/opt/shardsim/scenarios"));

    let last = |kw: &str| runtime.iter().rev().find(|(k, _)| k == kw).map(|(_, r)| r.as_str());
    assert_eq!(last("ENTRYPOINT"), Some(r#"["shardsim"]"#));
    let user = last("USER").expect("a USER in the runtime stage");
    let uid = user.split(':').next().unwrap();
    assert!(uid.parse::<u32>().is_ok_and(|u| u != 0), "a numeric non-root user, got {user}");
    assert!(last("WORKDIR").is_some(), "a WORKDIR for outputs");

    let dockerignore = read(".dockerignore");
    let ignored: Vec<&str> = dockerignore.lines().map(str::trim).collect();
    for entry in ["target/", "reports/", ".git"] {
        assert!(ignored.contains(&entry), ".dockerignore lacks {entry}");
    }
}

fn dockerfile_as_script(dockerfile: Option<&Path>) -> std::process::Output {
    let mut cmd = Command::new("bash");
    cmd.arg(repo().join("deploy/dockerfile-as-script.sh")).arg("--print");
    if let Some(path) = dockerfile {
        cmd.env("DOCKERFILE", path);
    }
    cmd.output().unwrap()
}

#[test]
fn dockerfile_translates_into_a_valid_script() {
    // CI runs the script itself (.ci/run); here, the translation alone.
    let out = dockerfile_as_script(None);
    let script = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for needle in [
        "sh -c 'cargo build --release --locked --bin shardsim",
        "copy_in \"$stages/0\"'/src/out/shardsim' \"$stages/1\"'/usr/local/bin/shardsim' 0",
        "check \"$scenarios/quickstart.toml\"",
    ] {
        assert!(script.contains(needle), "missing {needle:?} in:\n{script}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("generated.sh");
    fs::write(&path, &script).unwrap();
    let syntax = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(syntax.status.success(), "{}", String::from_utf8_lossy(&syntax.stderr));
}

#[test]
fn dockerfile_script_refuses_what_it_cannot_run_safely() {
    let tmp = tempfile::tempdir().unwrap();
    for (dockerfile, needle) in [
        ("FROM x\nRUN cp a /etc/a\n", "absolute path"),
        ("FROM x\nADD a.tar /\n", "ADD is not translated"),
        ("FROM x\nCOPY ../secret /s\n", "outside the build context"),
    ] {
        let path = tmp.path().join("Dockerfile");
        fs::write(&path, dockerfile).unwrap();
        let out = dockerfile_as_script(Some(&path));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{dockerfile}: {stderr}");
        assert!(stderr.contains(needle), "{dockerfile}: {stderr}");
    }
}

// ------------------------------------------------- the parts and the merge

/// A small sweep for the partition tests: 2 shard counts x 2 replications,
/// ~1 s in all. Its SLO is broken at both counts.
const SMALL_SWEEP: &[&str] =
    &["scenarios/shard-sweep.toml", "--sweep", "stream.shard_count=3,4", "--replications", "2"];

/// Runs `shardsim run SMALL_SWEEP --out OUT` plus `extra`, outside any
/// scheduler; returns the exit code.
fn run_small(out: &Path, extra: &[&str]) -> i32 {
    let mut cmd = crate::common::shardsim_outside_a_scheduler();
    cmd.arg("run").args(SMALL_SWEEP).arg("--out").arg(out).args(extra).arg("--quiet");
    let out = cmd.output().unwrap();
    out.status.code().unwrap_or_else(|| panic!("killed: {}", String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn parts_merge_into_the_single_machine_report_and_the_merge_gives_the_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let (single, parts, merged) = (tmp.path().join("single"), tmp.path().join("parts"), tmp.path().join("merged"));
    assert_eq!(run_small(&single, &[]), 1, "the small sweep breaks its SLO");
    // A part exits 0 once written, whatever the SLO: the schedulers start
    // the merge only when every part succeeded (afterok, dependsOn, wait).
    for k in 1..=3 {
        assert_eq!(run_small(&parts, &["--partition", &format!("{k}/3")]), 0, "part {k}/3");
        assert!(parts.join(format!("shard-sweep/report.part-{k}-of-3.json")).is_file());
    }
    let status = shardsim().arg("merge").arg(parts.join("shard-sweep")).arg("--out").arg(&merged).output().unwrap();
    assert_eq!(status.status.code(), Some(1), "merge: SLO broken; {}", String::from_utf8_lossy(&status.stderr));
    let a = fs::read(single.join("shard-sweep/report.json")).unwrap();
    let b = fs::read(merged.join("shard-sweep/report.json")).unwrap();
    assert!(a == b, "the merged report.json differs from the single-machine one");

    // A missing part is exit 2.
    fs::remove_file(parts.join("shard-sweep/report.part-2-of-3.json")).unwrap();
    let status = shardsim().arg("merge").arg(parts.join("shard-sweep")).arg("--out").arg(&merged).output().unwrap();
    assert_eq!(status.status.code(), Some(2));
}
