//! `shardsim recommend`: runs the shard-count search of
//! [`crate::recommend`] (each count with the scenario's replications, in
//! parallel), prices the winning workload in every capacity mode, prints the
//! cheapest configuration meeting the `[slo]`, the runner-up and why the
//! next smaller count fails, and writes `recommend.json`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use serde::Serialize;

use super::{EXIT_SLO_BROKEN, Job, Loaded, load_all, pool, refuse_absurd, reports, run_jobs, write_file};
use crate::cli::RecommendArgs;
use crate::cost::Costs;
use crate::recommend::{Step, Stop, Trial, next};
use crate::report::slo::Objective;
use crate::report::table::{objective_value, usd};
use crate::report::{Point, ScenarioInfo, json};
use crate::scenario::model::{Plan, PlanPoint, Scenario};

const SHARD_COUNT: &str = "stream.shard_count";

/// `recommend.json`.
#[derive(Debug, Serialize)]
struct RecommendReport {
    shardsim_version: String,
    scenario: ScenarioInfo,
    /// Runs per shard count tried.
    replications: u32,
    /// Shard counts in the order tried, with their verdicts.
    searched: Vec<Searched>,
    /// The outcome.
    recommendation: Recommendation,
    /// Each count tried, by shard count.
    points: Vec<Point>,
}

#[derive(Debug, Serialize)]
struct Searched {
    shard_count: u32,
    slo_met: bool,
}

#[derive(Debug, Serialize)]
struct Recommendation {
    /// The smallest shard count meeting the SLO, if any.
    shard_count: Option<u32>,
    /// Why none was found: `at_limit` or `no_improvement`.
    #[serde(skip_serializing_if = "Option::is_none")]
    not_found: Option<&'static str>,
    /// Every option, cheapest first.
    options: Vec<Choice>,
    /// The largest count tried that fails, and which objectives it breaks.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_smaller: Option<Smaller>,
}

/// One configuration that can carry the workload.
#[derive(Debug, Serialize)]
struct Choice {
    /// `provisioned`, `on_demand` or `on_demand_advantage`.
    mode: &'static str,
    /// Shards (provisioned only).
    #[serde(skip_serializing_if = "Option::is_none")]
    shard_count: Option<u32>,
    usd_per_hour: f64,
    usd_per_month: f64,
    /// `simulated`: a run met the SLO; `not_simulated`: priced for the same
    /// traffic, but on-demand capacity is not simulated.
    slo: &'static str,
}

#[derive(Debug, Serialize)]
struct Smaller {
    shard_count: u32,
    broken: Vec<Objective>,
    hot_shards: Vec<String>,
}

pub(super) fn run(args: &RecommendArgs) -> Result<ExitCode, String> {
    let mut loaded = load_all(&args.load)?;
    if loaded.len() != 1 {
        return Err("recommend takes one scenario file".into());
    }
    let l = loaded.remove(0);
    let name = l.path.display().to_string();
    if let Some((path, _)) = l.plan.points.iter().flat_map(|p| &p.parameters).find(|(path, _)| path != SHARD_COUNT) {
        return Err(format!(
            "{name}: recommend searches {SHARD_COUNT} itself and cannot also sweep `{path}`; fix it with --set"
        ));
    }
    let base = l.first().clone();
    if base.slo.is_none() {
        return Err(format!(
            "{name}: recommend needs an [slo] table (e.g. `[slo]` with `max_throttle_rate = 0.001`) to know what \"meets\" means"
        ));
    }
    refuse_absurd(std::slice::from_ref(&l))?;
    let pool = pool(&args.parallel)?;
    let replications = l.plan.replications;
    let evaluate = |shards: u32| -> Point {
        let mut scenario = base.clone();
        scenario.stream.shard_count = shards;
        let one = Loaded {
            path: l.path.clone(),
            plan: Plan {
                points: vec![PlanPoint { parameters: vec![(SHARD_COUNT.into(), shards.into())], scenario }],
                replications,
            },
            prices: vec![l.prices[0].clone()],
            text: String::new(),
        };
        let jobs: Vec<Job> = (0..replications).map(|replication| Job { file: 0, point: 0, replication }).collect();
        let results = run_jobs(std::slice::from_ref(&one), &jobs, &pool, args.parallel.quiet);
        reports(std::slice::from_ref(&one), results).remove(0).points.remove(0)
    };

    let mut tried: BTreeMap<u32, Trial> = BTreeMap::new();
    let mut points: BTreeMap<u32, Point> = BTreeMap::new();
    let mut order = Vec::new();
    let mut formula_shards = 1;
    let end = loop {
        match next(&tried, args.max_shards, formula_shards) {
            Step::Try(n) => {
                let p = evaluate(n);
                let verdict = p.slo.as_ref().expect("the scenario has an [slo]");
                tried.insert(
                    n,
                    Trial { met: verdict.met, measured: verdict.objectives.iter().map(|o| o.measured).collect() },
                );
                formula_shards = formula_shards.max(p.sizing.needed_shards() as u32);
                order.push(Searched { shard_count: n, slo_met: verdict.met });
                points.insert(n, p);
            }
            end => break end,
        }
    };
    let (found, not_found) = match end {
        Step::Found(n) => (Some(n), None),
        Step::NotFound(Stop::AtLimit) => (None, Some("at_limit")),
        Step::NotFound(Stop::NoImprovement) => (None, Some("no_improvement")),
        Step::Try(_) => unreachable!("the loop only ends on a result"),
    };
    let next_smaller =
        tried.iter().filter(|(_, t)| !t.met).map(|(&n, _)| n).filter(|&n| found.is_none_or(|f| n < f)).max();
    let recommendation = Recommendation {
        shard_count: found,
        not_found,
        options: found.map(|n| options(n, &points[&n])).unwrap_or_default(),
        next_smaller: next_smaller.map(|n| smaller(n, &points[&n])),
    };
    let report = RecommendReport {
        shardsim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: ScenarioInfo::new(&base, base.seed),
        replications,
        searched: order,
        recommendation,
        points: points.into_values().collect(),
    };
    let text = json::to_json(&report);
    let path = write_file(&args.out, &base.name, "recommend.json", &text)?;
    if !args.parallel.quiet {
        print!("{}", summary(&base, &report));
        println!("\nreport: {}", path.display());
    }
    Ok(if found.is_some() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_SLO_BROKEN) })
}

/// The three ways to carry the workload of the passing `shards` run, cheapest
/// first.
fn options(shards: u32, p: &Point) -> Vec<Choice> {
    let mut out: Vec<Choice> = p
        .cost
        .modes
        .modes()
        .into_iter()
        .map(|(mode, c)| Choice {
            mode,
            shard_count: (mode == "provisioned").then_some(shards),
            usd_per_hour: c.usd_per_hour,
            usd_per_month: c.usd_per_month,
            slo: if mode == "provisioned" { "simulated" } else { "not_simulated" },
        })
        .collect();
    // Stable: on a tie, the simulated option stays first.
    out.sort_by(|a, b| a.usd_per_hour.total_cmp(&b.usd_per_hour));
    out
}

fn smaller(shards: u32, p: &Point) -> Smaller {
    let broken = p.slo.as_ref().map(|v| v.objectives.iter().filter(|o| !o.met).cloned().collect()).unwrap_or_default();
    let hot_shards = p.shards.iter().filter(|s| s.hot).map(|s| s.shard_id.clone()).collect();
    Smaller { shard_count: shards, broken, hot_shards }
}

/// The terminal summary.
fn summary(s: &Scenario, r: &RecommendReport) -> String {
    let mut out = format!(
        "shardsim {} · recommend · scenario {} · seed {} · {} replication(s) per count\n",
        r.shardsim_version, s.name, s.seed, r.replications
    );
    let searched: Vec<String> =
        r.searched.iter().map(|t| format!("{} {}", t.shard_count, if t.slo_met { "meets" } else { "fails" })).collect();
    out.push_str(&format!("searched shard counts: {}\n", searched.join(" · ")));
    let rec = &r.recommendation;
    match rec.shard_count {
        Some(n) => {
            out.push_str(&format!("\nsmallest provisioned stream meeting the SLO: {n} shard(s)\n\n"));
            for (i, o) in rec.options.iter().enumerate() {
                let what = match o.shard_count {
                    Some(n) => format!("provisioned, {n} shard(s)"),
                    None => Costs::label(o.mode).to_string(),
                };
                let rank = match i {
                    0 => "cheapest",
                    1 => "runner-up",
                    _ => "",
                };
                let slo = if o.slo == "simulated" { "SLO met in simulation" } else { "SLO not simulated" };
                out.push_str(&format!(
                    "  {rank:<10} {what:<26} {:>10} USD/hour {:>12} USD/month  {slo}\n",
                    usd(o.usd_per_hour),
                    usd(o.usd_per_month)
                ));
            }
            out.push_str(
                "  (on-demand is priced for the traffic the provisioned run carried; its own scaling is not simulated:\n   \
                 it throttles traffic that more than doubles its previous peak within 15 minutes)\n",
            );
        }
        None => {
            let why = match rec.not_found {
                Some("no_improvement") => {
                    "more shards stopped helping (two doublings past AWS's formula changed nothing)"
                }
                _ => "not even the largest count allowed (--max-shards) meets it",
            };
            out.push_str(&format!("\nno shard count meets the SLO: {why}\n"));
        }
    }
    if let Some(sm) = &rec.next_smaller {
        let broken: Vec<String> = sm
            .broken
            .iter()
            .map(|o| {
                let at = o.consumer.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
                format!(
                    "{}{at}: {} > {}",
                    o.name,
                    objective_value(o.name, o.measured),
                    objective_value(o.name, o.limit)
                )
            })
            .collect();
        out.push_str(&format!("\nwhy not {} shard(s): {}", sm.shard_count, broken.join("; ")));
        match sm.hot_shards.len() {
            0 => out.push('\n'),
            n if n <= 4 => out.push_str(&format!(" · hot: {}\n", sm.hot_shards.join(", "))),
            n => out.push_str(&format!(" · {n} hot shards\n")),
        }
    }
    out
}
