//! Sweeps, replications, SLO verdicts and `recommend`: points in the
//! documented order, the same bytes at any thread count, intervals that
//! cover the truth, exit codes a CI job can gate on, and a recommendation
//! the next smaller count confirms.

use std::fs;
use std::path::Path;

use shardsim::report::Point;
use shardsim::report::replicate::{Estimate, metrics};
use shardsim::sim::simulate;

use crate::common::{prices, shardsim};

/// Uniform keys at `rate` records/s of 1 KiB for `duration_s`, with extra
/// TOML appended.
fn uniform(rate: u32, duration_s: u32, extra: &str) -> String {
    format!(
        "[scenario]\nname = \"sweep\"\nseed = 9\nduration_s = {duration_s}\n\
         [stream]\nshard_count = 1\n\
         [[producers]]\nname = \"p\"\nrecords_per_s = {rate}\n\
         record_bytes = {{ dist = \"fixed\", bytes = 1024 }}\npartition_key = {{ dist = \"uniform\", keys = 10000 }}\n\
         {extra}"
    )
}

/// Runs `shardsim <command> FILE <args> --out DIR` on `text`; returns the
/// exit code, stdout, stderr and the folder.
fn cli(command: &str, text: &str, args: &[&str]) -> (Option<i32>, String, String, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.toml");
    fs::write(&path, text).unwrap();
    let out = shardsim().arg(command).arg(&path).args(args).arg("--out").arg(tmp.path().join("out")).output().unwrap();
    let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), s(&out.stdout), s(&out.stderr), tmp)
}

#[test]
fn a_shard_count_sweep_is_ordered_monotone_and_identical_at_any_thread_count() {
    let text = uniform(3_000, 20, "[sweep]\n\"stream.shard_count\" = [1, 2, 4, 8]\n");
    let (code1, json1, err1, dir1) = cli("run", &text, &["--threads", "1", "--format", "json"]);
    let (code2, json2, err2, dir2) = cli("run", &text, &["--threads", "2", "--format", "json"]);
    assert_eq!((code1, code2), (Some(0), Some(0)), "{err1}{err2}");
    assert!(json1 == json2, "report differs between 1 and 2 threads");
    let file = |d: &Path| fs::read(d.join("out/sweep/report.json")).unwrap();
    assert_eq!(file(dir1.path()), file(dir2.path()));
    let report: serde_json::Value = serde_json::from_str(&json1).unwrap();
    let points = report["points"].as_array().unwrap();
    let shards: Vec<u64> = points.iter().map(|p| p["parameters"]["stream.shard_count"].as_u64().unwrap()).collect();
    assert_eq!(shards, [1, 2, 4, 8]);
    assert!(points.iter().zip(&shards).all(|(p, &n)| p["stream"]["shard_count"] == n));
    let rates: Vec<f64> = points.iter().map(|p| p["producers"]["throttle_rate"].as_f64().unwrap()).collect();
    assert!(rates.windows(2).all(|w| w[1] <= w[0]), "{rates:?}");
    assert!(rates[0] > 0.5 && rates[3] == 0.0, "{rates:?}");
}

#[test]
fn two_axes_expand_first_axis_slowest_and_the_command_line_adds_one() {
    let text = uniform(100, 2, "[sweep]\n\"stream.shard_count\" = [1, 2]\n");
    let (code, json, err, _dir) = cli("run", &text, &["--sweep", "producers.0.client=sdk,kpl", "--format", "json"]);
    assert_eq!(code, Some(0), "{err}");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let pairs: Vec<(u64, String)> = report["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let q = &p["parameters"];
            (q["stream.shard_count"].as_u64().unwrap(), q["producers.0.client"].as_str().unwrap().to_string())
        })
        .collect();
    let expected = [(1, "sdk"), (1, "kpl"), (2, "sdk"), (2, "kpl")].map(|(n, c)| (n, c.to_string()));
    assert_eq!(pairs, expected);
}

#[test]
fn exit_codes_gate_ci_on_the_slo() {
    // 3,000 records/s of 1 KiB: 4 shards hold it, 2 do not.
    let slo = "[slo]\nmax_throttle_rate = 0.001\nmax_records_dropped = 0\n";
    let met = uniform(3_000, 10, slo).replace("shard_count = 1", "shard_count = 4");
    let (code, out, err, _d) = cli("run", &met, &[]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("SLO: met"), "{out}");
    let broken = met.replace("shard_count = 4", "shard_count = 2");
    let (code, out, _, _d) = cli("run", &broken, &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("SLO: BROKEN") && out.contains("max_throttle_rate"), "{out}");
    // A sweep fails only when no configuration meets the SLO.
    let (code, out, _, _d) = cli("run", &broken, &["--sweep", "stream.shard_count=1,2,4"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("meeting the SLO: stream.shard_count = 4"), "{out}");
    let (code, _, _, _d) = cli("run", &broken, &["--sweep", "stream.shard_count=1,2"]);
    assert_eq!(code, Some(1));
    // A bad sweep path is bad input, with the valid keys suggested.
    let typo = uniform(100, 2, "[sweep]\n\"stream.shard_cont\" = [1, 2]\n");
    let (code, _, err, _d) = cli("run", &typo, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("s.toml:13:1: stream.shard_cont: unknown key; did you mean `shard_count`?"), "{err}");
    let (code, _, err, _d) = cli("run", &uniform(100, 2, ""), &["--sweep", "stream.shard_count=1,zero"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("--sweep stream.shard_count=1,zero: stream.shard_count: expected a positive integer"),
        "{err}"
    );
}

#[test]
fn recommend_finds_the_bandwidth_bound_and_the_next_smaller_count_breaks() {
    // 3,500 records/s of 1 KiB (+ key) is 3.4 MiB/s: at least 4 shards.
    let text = uniform(3_500, 30, "[slo]\nmax_throttle_rate = 0.001\n");
    let (code, out, err, dir) = cli("recommend", &text, &[]);
    assert_eq!(code, Some(0), "{out}{err}");
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("out/sweep/recommend.json")).unwrap()).unwrap();
    let n = json["recommendation"]["shard_count"].as_u64().unwrap();
    assert!(n >= 4, "{n}");
    assert_eq!(json["recommendation"]["next_smaller"]["shard_count"].as_u64().unwrap(), n - 1);
    assert_eq!(json["recommendation"]["options"][0]["mode"], "provisioned");
    assert!(out.contains(&format!("smallest provisioned stream meeting the SLO: {n} shard(s)")), "{out}");
    assert!(out.contains(&format!("why not {} shard(s): max_throttle_rate", n - 1)), "{out}");
    // On-demand Standard was simulated too, as a new stream: its 4 MiB/s
    // carry the 3.4 MiB/s.
    let on_demand = json["recommendation"]["options"].as_array().unwrap().iter().find(|o| o["mode"] == "on_demand");
    assert_eq!(on_demand.unwrap()["slo"], "met");
    assert_eq!(json["on_demand"]["capacity"]["write_capacity_mib_s_start"], 4.0);
    assert!(out.contains("on-demand Standard, simulated as a new stream"), "{out}");
    // So was Advantage: with no warm throughput it is the same new stream,
    // which meets the SLO, so the search stops at 0 MiB/s.
    let advantage =
        json["recommendation"]["options"].as_array().unwrap().iter().find(|o| o["mode"] == "on_demand_advantage");
    let advantage = advantage.unwrap();
    assert_eq!((advantage["slo"].as_str(), advantage["warm_throughput_mib_s"].as_u64()), (Some("met"), Some(0)));
    assert_eq!(json["searched_warm_throughput"].as_array().unwrap().len(), 1);
    // Doubling then bisection: 1, 2, 4, … not every count.
    assert!(json["searched"].as_array().unwrap().len() <= 6);
    // The next smaller count, run on its own, breaks the SLO.
    let smaller = text.replace("shard_count = 1", &format!("shard_count = {}", n - 1));
    let (code, out, _, _d) = cli("run", &smaller, &[]);
    assert_eq!(code, Some(1), "{out}");
    // --format json prints recommend.json, even with --quiet.
    let (code, out, err, dir) = cli("recommend", &text, &["--format", "json", "--quiet"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
    assert_eq!(out, fs::read_to_string(dir.path().join("out/sweep/recommend.json")).unwrap());
    let (_, out, _, _d) = cli("recommend", &text, &["--format", "markdown", "--quiet"]);
    assert!(out.starts_with("## shardsim recommend: sweep\n\n```text\n") && out.ends_with("```\n"), "{out}");
    // Without an [slo] there is nothing to recommend.
    let (code, _, err, _d) = cli("recommend", &uniform(3_500, 5, ""), &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("recommend needs an [slo] table"), "{err}");
}

#[test]
fn recommend_simulates_an_on_demand_scenario_with_its_history_and_ranks_by_verdict() {
    // The same workload written as an on-demand stream that peaked at 4
    // MiB/s last month: it starts with room for 8 MiB/s, so the SLO holds
    // on-demand too, and the provisioned search still runs.
    let text = uniform(3_500, 30, "[slo]\nmax_throttle_rate = 0.001\n").replace(
        "shard_count = 1\n",
        "capacity_mode = \"on_demand\"\n[stream.on_demand]\nprevious_peak_write_mib_s = 4\n",
    );
    let (code, out, err, dir) = cli("recommend", &text, &[]);
    assert_eq!(code, Some(0), "{out}{err}");
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("out/sweep/recommend.json")).unwrap()).unwrap();
    let options = json["recommendation"]["options"].as_array().unwrap();
    let slo = |mode: &str| options.iter().find(|o| o["mode"] == mode).unwrap()["slo"].clone();
    assert_eq!((slo("on_demand"), slo("provisioned")), ("met".into(), "met".into()), "{json}");
    assert_eq!(json["on_demand"]["capacity"]["write_capacity_mib_s_start"], 8.0);
    assert_eq!(json["on_demand_previous_peak_write_mib_s"], 4.0);
    // Options that met the SLO come first, cheapest first.
    let met: Vec<f64> =
        options.iter().filter(|o| o["slo"] == "met").map(|o| o["usd_per_hour"].as_f64().unwrap()).collect();
    assert!(met.windows(2).all(|w| w[0] <= w[1]) && options[0]["slo"] == "met");
    assert!(out.contains("simulated after a 30-day peak of 4 MiB/s"), "{out}");
}

/// `replications` runs of a Poisson workload with master seed `seed`;
/// the estimate of its user-record count.
fn arrivals(seed: u64, replications: u32) -> Estimate {
    let text = uniform(1_000, 10, "").replace("seed = 9", &format!("seed = {seed}"));
    let plan = shardsim::scenario::load_plan("t.toml", &text, &[], &[], Some(replications)).unwrap();
    let s = &plan.points[0].scenario;
    let runs: Vec<Vec<(String, f64)>> =
        (0..replications).map(|r| metrics(&Point::of_run(s, &simulate(s, s.seed, r), &prices(s)))).collect();
    let first = Point::of_run(s, &simulate(s, s.seed, 0), &prices(s));
    let p = Point::combine(first, runs, Default::default(), s);
    p.estimates["producers.user_records"].clone()
}

#[test]
fn intervals_cover_the_true_mean_and_shrink_with_replications() {
    // 1,000 records/s for 10 s: the true mean count is 10,000 (Poisson, so
    // the standard deviation is 100). A 95 % interval should miss in about
    // one seed of twenty; over 10 fixed seeds at least 8 must cover.
    let covered = (1..=10)
        .filter(|&seed| {
            let e = arrivals(seed, 20);
            assert_eq!(e.n, 20);
            e.ci95_low <= 10_000.0 && 10_000.0 <= e.ci95_high
        })
        .count();
    assert!(covered >= 8, "{covered} of 10");
    // Width ∝ 1/√R: 5 → 20 replications should roughly halve it.
    let (narrow, wide) = (arrivals(1, 20).half_width(), arrivals(1, 5).half_width());
    assert!(narrow < wide * 0.75, "{narrow} vs {wide}");
    // And the standard deviation estimates the Poisson 100.
    let sd = arrivals(2, 20).std_dev;
    assert!((60.0..150.0).contains(&sd), "{sd}");
}

#[test]
fn common_random_numbers_give_every_point_the_same_workloads() {
    // Replication r draws the same arrivals whatever the shard count.
    let text = uniform(500, 5, "[sweep]\n\"stream.shard_count\" = [1, 2]\nreplications = 3\n");
    let plan = shardsim::scenario::load_plan("t.toml", &text, &[], &[], None).unwrap();
    assert_eq!((plan.points.len(), plan.replications), (2, 3));
    let users = |p: usize, r: u32| {
        let s = &plan.points[p].scenario;
        simulate(s, s.seed, r).producers[0].user_records
    };
    for r in 0..3 {
        assert_eq!(users(0, r), users(1, r));
    }
    assert_ne!(users(0, 0), users(0, 1));
}
