//! Sweeps across machines: `run --partition K/N` in separate processes,
//! then `merge`, gives the very folder a single `run` writes (report.json
//! byte for byte); a missing, duplicated or foreign part is refused with
//! exit 2; `--partition auto` reads each scheduler's variables; and every
//! shipped scenario's report survives JSON → Report → JSON unchanged.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use shardsim::report::{Point, Report, json::to_json, replicate::metrics};
use shardsim::sim::simulate;

use crate::common::shardsim_outside_a_scheduler;

/// The shard sweep cut short: 6 configurations × 3 replications.
const SWEEP: [&str; 9] = [
    "scenarios/shard-sweep.toml",
    "--sweep",
    "stream.shard_count=1,2,3,4,5,6",
    "--replications",
    "3",
    "--set",
    "scenario.duration_s=8",
    "--seed",
    "5",
];

/// The hot key's single configuration, 5 replications.
const REPLICATED: [&str; 6] =
    ["scenarios/hot-key.toml", "--replications", "5", "--set", "scenario.duration_s=8", "--quiet"];

/// What a command left: exit code, stdout, stderr.
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// `shardsim <args>` with no scheduler variables in its environment.
fn shardsim_clean(args: &[&str], env: &[(&str, &str)]) -> Outcome {
    let mut cmd = shardsim_outside_a_scheduler();
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let o = Outcome { code: out.status.code(), stdout: text(&out.stdout), stderr: text(&out.stderr) };
    assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
    o
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `run ARGS --out out`, expecting a report (exit 0 or 1).
fn run(args: &[&str], out: &Path) -> Outcome {
    let o = shardsim_clean(&[&["run"], args, &["--out", path(out)]].concat(), &[]);
    assert!(matches!(o.code, Some(0 | 1)), "{}", o.stderr);
    o
}

/// Runs slices 1..=n of `args`, each into its own folder under `dir`
/// (as on n machines); returns the folders.
fn run_parts(args: &[&str], n: u32, dir: &Path) -> Vec<PathBuf> {
    (1..=n)
        .map(|k| {
            let out = dir.join(format!("machine-{k}"));
            let slice = format!("{k}/{n}");
            let o = shardsim_clean(&[&["run"], args, &["--partition", &slice, "--out", path(&out)]].concat(), &[]);
            assert_eq!(o.code, Some(0), "{}", o.stderr);
            out
        })
        .collect()
}

/// `merge INPUTS --out out`.
fn merge(inputs: &[&Path], out: &Path, extra: &[&str]) -> Outcome {
    let mut args = vec!["merge"];
    args.extend(inputs.iter().map(|p| path(p)));
    args.extend(["--out", path(out)]);
    args.extend(extra);
    shardsim_clean(&args, &[])
}

/// Every file of a report folder, by name.
fn folder(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), fs::read(e.path()).unwrap())
        })
        .collect()
}

/// Asserts that folders `a` and `b` hold the same files, byte for byte.
fn same_folder(a: &Path, b: &Path) {
    let (a, b) = (folder(a), folder(b));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs");
    }
}

#[test]
fn a_sweep_in_four_parts_merges_into_the_single_runs_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = run(&SWEEP, &tmp.path().join("whole"));
    let machines = run_parts(&SWEEP, 4, tmp.path());
    // Each machine wrote its part and nothing else.
    for (k, m) in machines.iter().enumerate() {
        let files: Vec<String> = folder(&m.join("shard-sweep")).into_keys().collect();
        assert_eq!(files, [format!("report.part-{}-of-4.json", k + 1)]);
    }
    let merged = merge(&[tmp.path()], &tmp.path().join("merged"), &[]);
    assert_eq!(merged.code, whole.code, "{}", merged.stderr);
    let read = |dir: &str| fs::read(tmp.path().join(dir).join("shard-sweep/report.json")).unwrap();
    assert!(read("whole") == read("merged"), "report.json differs");
    same_folder(&tmp.path().join("whole/shard-sweep"), &tmp.path().join("merged/shard-sweep"));
    assert!(tmp.path().join("merged/shard-sweep/index.html").exists());
    assert!(tmp.path().join("merged/shard-sweep/sweep.png").exists());
    // The same tables on standard output, but for the folder's name.
    let (w, m) = (path(&tmp.path().join("whole")).to_string(), path(&tmp.path().join("merged")).to_string());
    assert_eq!(merged.stdout.replace(&m, &w), whole.stdout);
}

#[test]
fn replications_of_one_configuration_merge_with_their_timeseries() {
    let tmp = tempfile::tempdir().unwrap();
    run(&REPLICATED, &tmp.path().join("whole"));
    run_parts(&REPLICATED, 3, tmp.path());
    let merged = merge(&[tmp.path()], &tmp.path().join("merged"), &["--quiet"]);
    assert!(matches!(merged.code, Some(0 | 1)), "{}", merged.stderr);
    assert!(merged.stdout.is_empty() && merged.stderr.is_empty(), "--quiet");
    let (whole, merged) = (tmp.path().join("whole/hot-key"), tmp.path().join("merged/hot-key"));
    for file in ["report.json", "timeseries.csv", "index.html", "heatmap.png"] {
        assert!(fs::read(whole.join(file)).unwrap() == fs::read(merged.join(file)).unwrap(), "{file} differs");
    }
    same_folder(&whole, &merged);
}

#[test]
fn empty_slices_and_several_scenarios_merge_into_one_folder_each() {
    // Two files of one run each, cut into 3: one slice holds no job of
    // either, and still writes both parts.
    let tmp = tempfile::tempdir().unwrap();
    let args = ["scenarios/quickstart.toml", "scenarios/lambda.toml", "--set", "scenario.duration_s=5", "--no-charts"];
    let whole = run(&args, &tmp.path().join("whole"));
    let sliced = &args[..4];
    let machines = run_parts(sliced, 3, tmp.path());
    for name in ["quickstart", "lambda"] {
        assert!(machines[2].join(name).join("report.part-3-of-3.json").exists(), "{name}: the empty part");
    }
    let parts: Vec<&Path> = machines.iter().map(PathBuf::as_path).collect();
    let merged = merge(&parts, &tmp.path().join("merged"), &["--no-charts"]);
    assert_eq!(merged.code, whole.code, "{}", merged.stderr);
    for name in ["quickstart", "lambda"] {
        same_folder(&tmp.path().join("whole").join(name), &tmp.path().join("merged").join(name));
    }
    let (w, m) = (path(&tmp.path().join("whole")).to_string(), path(&tmp.path().join("merged")).to_string());
    assert_eq!(merged.stdout.replace(&m, &w), whole.stdout, "files in the run's order");
}

/// Runs the sweep's four parts under `dir`; returns their files.
fn sweep_parts(dir: &Path) -> [PathBuf; 4] {
    run_parts(&SWEEP, 4, dir);
    [1, 2, 3, 4].map(|k| dir.join(format!("machine-{k}/shard-sweep/report.part-{k}-of-4.json")))
}

/// Asserts exit 2 with every needle on stderr.
fn refused(o: &Outcome, needles: &[&str]) {
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    for n in needles {
        assert!(o.stderr.contains(n), "missing {n:?} in: {}", o.stderr);
    }
}

#[test]
fn missing_duplicated_and_foreign_parts_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let [p1, p2, p3, p4] = sweep_parts(&tmp.path().join("good"));
    let out = tmp.path().join("merged");

    let o = merge(&[&p1, &p2, &p4], &out, &[]);
    refused(&o, &["missing part 3 of 4", "shard-sweep"]);

    let copy = tmp.path().join("copy/report.part-2-of-4.json");
    fs::create_dir_all(copy.parent().unwrap()).unwrap();
    fs::copy(&p2, &copy).unwrap();
    let o = merge(&[&p1, &p2, &p3, &p4, &copy], &out, &[]);
    refused(&o, &["duplicate part 2 of 4", path(&p2), path(&copy)]);
    // A file named twice is one file.
    let o = merge(&[&p1, &p2, &p2, &p3, &p4], &tmp.path().join("twice"), &["--quiet"]);
    assert!(matches!(o.code, Some(0 | 1)), "{}", o.stderr);

    // Another seed.
    let other_seed: Vec<&str> = SWEEP.iter().map(|a| if *a == "5" { "6" } else { a }).collect();
    let seeded = tmp.path().join("seeded");
    let o = shardsim_clean(&[&["run"], &other_seed[..], &["--partition", "3/4", "--out", path(&seeded)]].concat(), &[]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let foreign = seeded.join("shard-sweep/report.part-3-of-4.json");
    let o = merge(&[&p1, &p2, &foreign, &p4], &out, &[]);
    refused(&o, &["foreign part", path(&foreign), "seeds"]);

    // Another sweep of as many configurations.
    let other_sweep: Vec<&str> = SWEEP
        .iter()
        .map(|a| if a.starts_with("stream.shard_count=") { "stream.shard_count=1,2,3,4,5,7" } else { a })
        .collect();
    let swept = tmp.path().join("swept");
    let o = shardsim_clean(&[&["run"], &other_sweep[..], &["--partition", "4/4", "--out", path(&swept)]].concat(), &[]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let foreign = swept.join("shard-sweep/report.part-4-of-4.json");
    let o = merge(&[&p1, &p2, &p3, &foreign], &out, &[]);
    refused(&o, &["foreign part", path(&foreign), "scenario digest"]);

    // Cut into another N.
    let halves = tmp.path().join("halves");
    let o = shardsim_clean(&[&["run"], &SWEEP[..], &["--partition", "2/2", "--out", path(&halves)]].concat(), &[]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let o = merge(&[&p1, &halves.join("shard-sweep/report.part-2-of-2.json")], &out, &[]);
    refused(&o, &["foreign part", "N (the number of parts)"]);

    // Nothing to merge, or not a part.
    refused(&merge(&[&tmp.path().join("copy/nothing")], &out, &[]), &["cannot read"]);
    let empty = tmp.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    refused(&merge(&[&empty], &out, &[]), &["no report.part-K-of-N.json"]);
    let bogus = tmp.path().join("report.part-1-of-1.json");
    fs::write(&bogus, "{\"points\": []}").unwrap();
    refused(&merge(&[&bogus], &out, &[]), &["not a shardsim part file"]);
    assert!(!out.exists(), "nothing written when refused");
}

#[test]
fn bad_partition_arguments_are_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let base = ["run", "scenarios/quickstart.toml", "--out", path(tmp.path()), "--partition"];
    for (bad, why) in [
        ("0/4", "K must be between 1 and 4"),
        ("5/4", "K must be between 1 and 4"),
        ("1/0", "N must be at least 1"),
        ("two/4", "not a whole number"),
        ("1-4", "expected K/N"),
    ] {
        refused(&shardsim_clean(&[&base[..], &[bad]].concat(), &[]), &[&format!("--partition {bad}"), why]);
    }
    refused(&shardsim_clean(&[&base[..], &["1/4", "--partitions", "4"]].concat(), &[]), &["only goes with"]);
    refused(&shardsim_clean(&[&base[..], &["1/4", "--format", "json"]].concat(), &[]), &["--format"]);
    refused(&shardsim_clean(&["run", "scenarios/quickstart.toml", "--partitions", "4"], &[]), &["--partition"]);
    assert!(fs::read_dir(tmp.path()).unwrap().next().is_none(), "nothing written");
}

#[test]
fn partition_auto_reads_each_schedulers_variables() {
    let tmp = tempfile::tempdir().unwrap();
    let args = ["run", "scenarios/quickstart.toml", "--set", "scenario.duration_s=3", "--replications", "4"];
    let explicit = tmp.path().join("explicit");
    for k in 1..=4 {
        let slice = format!("{k}/4");
        let o = shardsim_clean(&[&args[..], &["--partition", &slice, "--out", path(&explicit)]].concat(), &[]);
        assert_eq!(o.code, Some(0), "{}", o.stderr);
    }
    let part = |dir: &Path, k: u32| fs::read(dir.join(format!("quickstart/report.part-{k}-of-4.json"))).unwrap();
    // (case, environment, extra arguments, the K it gives)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str], u32);
    let cases: [Case; 5] = [
        ("k8s-flag", &[("JOB_COMPLETION_INDEX", "1")], &["--partitions", "4"], 2),
        ("k8s-var", &[("JOB_COMPLETION_INDEX", "0"), ("SHARDSIM_PARTITIONS", "4")], &[], 1),
        ("aws", &[("AWS_BATCH_JOB_ARRAY_INDEX", "3"), ("AWS_BATCH_JOB_ARRAY_SIZE", "4")], &[], 4),
        (
            "slurm",
            &[("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "4")],
            &[],
            3,
        ),
        ("slurm-0", &[("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_COUNT", "4")], &[], 1),
    ];
    for (name, env, extra, k) in cases {
        let out = tmp.path().join(name);
        let o = shardsim_clean(&[&args[..], &["--partition", "auto", "--out", path(&out)], extra].concat(), env);
        assert_eq!(o.code, Some(0), "{name}: {}", o.stderr);
        assert!(o.stdout.contains(&format!("part {k} of 4")), "{name}: {}", o.stdout);
        assert!(part(&out, k) == part(&explicit, k), "{name}: part {k} differs from --partition {k}/4");
    }
    let auto = [&args[..], &["--partition", "auto", "--out", path(tmp.path())]].concat();
    refused(&shardsim_clean(&auto, &[]), &["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "SLURM_ARRAY_TASK_ID"]);
    refused(&shardsim_clean(&auto, &[("JOB_COMPLETION_INDEX", "2")]), &["--partitions N", "SHARDSIM_PARTITIONS"]);
    refused(
        &shardsim_clean(&auto, &[("AWS_BATCH_JOB_ARRAY_INDEX", "4"), ("AWS_BATCH_JOB_ARRAY_SIZE", "4")]),
        &["AWS_BATCH_JOB_ARRAY_INDEX=4", "out of range"],
    );
    refused(
        &shardsim_clean(&auto, &[("SLURM_ARRAY_TASK_ID", "x"), ("SLURM_ARRAY_TASK_COUNT", "4")]),
        &["SLURM_ARRAY_TASK_ID=\"x\" is not a whole number"],
    );
}

#[test]
fn every_shipped_report_survives_a_json_round_trip() {
    for file in crate::common::shipped_scenarios() {
        let text = fs::read_to_string(&file).unwrap();
        let load = |overrides: &[String]| {
            let data = std::rc::Rc::new(shardsim::app::data_files(&file, false));
            shardsim::scenario::load_plan_with(&file.display().to_string(), &text, overrides, &[], Some(2), data)
                .unwrap_or_else(|e| panic!("{}:\n{e}", file.display()))
        };
        let plan = load(&crate::common::short_horizon(&load(&[]).points.swap_remove(0).scenario));
        // Two replications of every configuration: estimates and SLO
        // verdicts are read back too.
        let points: Vec<Point> = plan
            .points
            .iter()
            .map(|pp| {
                let s = &pp.scenario;
                let prices = shardsim::app::prices_for(s, &file).unwrap();
                let runs: Vec<Point> = (0..2).map(|r| Point::of_run(s, &simulate(s, s.seed, r), &prices)).collect();
                let per_run = runs.iter().map(metrics).collect();
                let parameters = pp.parameters.iter().cloned().collect();
                Point::combine(runs.into_iter().next().unwrap(), per_run, parameters, s)
            })
            .collect();
        let first = &plan.points[0].scenario;
        let written = to_json(&Report::new(first, first.seed, points));
        let read: Report = serde_json::from_str(&written).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(to_json(&read) == written, "{}: JSON → Report → JSON changed the text", file.display());
    }
}
