//! `shardsim recommend`: runs the shard-count search of
//! [`crate::recommend`] (each count with the scenario's replications, in
//! parallel), runs the same workload on an on-demand Standard stream (the
//! scenario's `[stream.on_demand]` if it is on-demand, else a new stream),
//! prices each, prints the cheapest configuration meeting the `[slo]` in its
//! own simulation, the runner-up and why the next smaller count fails, and
//! writes `recommend.json`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use serde::Serialize;

use super::{EXIT_SLO_BROKEN, Job, Loaded, all_jobs, load_all, pool, refuse_absurd, reports, run_jobs, write_file};
use crate::cli::{Format, RecommendArgs};
use crate::cost::Costs;
use crate::recommend::{Step, Stop, Trial, next};
use crate::report::slo::Objective;
use crate::report::table::{objective_value, usd};
use crate::report::{Point, ScenarioInfo, json};
use crate::scenario::model::{CapacityMode, OnDemandSpec, Plan, PlanPoint, Scenario};
use crate::stream::limits::MIB;

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
    /// The same workload on an on-demand Standard stream.
    on_demand: Point,
    /// Warm throughputs (MiB/s) tried on an on-demand Advantage stream, in
    /// the order tried, with their verdicts.
    searched_warm_throughput: Vec<SearchedWarm>,
    /// Each warm throughput tried, by MiB/s.
    advantage_points: Vec<Point>,
    /// The 30-day peak that stream was given (`[stream.on_demand]` of an
    /// on-demand scenario; 0: a new stream).
    on_demand_previous_peak_write_mib_s: f64,
}

#[derive(Debug, Serialize)]
struct Searched {
    shard_count: u32,
    slo_met: bool,
}

#[derive(Debug, Serialize)]
struct SearchedWarm {
    warm_throughput_mib_s: u32,
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
    /// Warm throughput, MiB/s (Advantage only).
    #[serde(skip_serializing_if = "Option::is_none")]
    warm_throughput_mib_s: Option<u32>,
    usd_per_hour: f64,
    usd_per_month: f64,
    /// `met` or `broken` in this option's own simulation.
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
    super::print_warnings(&loaded, args.parallel.quiet);
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
    let mut base = l.first().clone();
    // The on-demand runs keep the scenario's own growth settings, if any.
    let on_demand_spec = base.stream.on_demand.take().unwrap_or_default();
    let named_warm_mib_s = match base.stream.capacity_mode {
        CapacityMode::OnDemandAdvantage => (on_demand_spec.warm_throughput_bytes_per_s / MIB) as u32,
        _ => 0,
    };
    let previous_peak_mib_s = on_demand_spec.previous_peak_bytes_per_s as f64 / MIB as f64;
    base.stream.capacity_mode = CapacityMode::Provisioned;
    if base.slo.is_none() {
        return Err(format!(
            "{name}: recommend needs an [slo] table (e.g. `[slo]` with `max_throttle_rate = 0.001`) to know what \"meets\" means"
        ));
    }
    refuse_absurd(std::slice::from_ref(&l), &all_jobs(std::slice::from_ref(&l)))?;
    if let Some(f) = base.stream.shards_file.as_ref().filter(|_| !args.parallel.quiet) {
        eprintln!(
            "note: {name}: recommend compares streams of even shards (as UpdateShardCount leaves them); \
             the uneven map of {} is not searched",
            f.file.path
        );
    }
    let pool = pool(&args.parallel)?;
    let replications = l.plan.replications;
    let simulate = |scenario: Scenario, parameters: Vec<(String, serde_json::Value)>| -> Point {
        let one = Loaded {
            path: l.path.clone(),
            plan: Plan { points: vec![PlanPoint { parameters, scenario }], replications },
            prices: vec![l.prices[0].clone()],
            text: String::new(),
            warnings: Vec::new(),
        };
        let jobs: Vec<Job> = (0..replications).map(|replication| Job { file: 0, point: 0, replication }).collect();
        let results = run_jobs(std::slice::from_ref(&one), &jobs, &pool, args.parallel.quiet);
        reports(std::slice::from_ref(&one), results).remove(0).points.remove(0)
    };
    let evaluate = |shards: u32| -> Point {
        let mut scenario = base.clone();
        // A searched count is a stream of even shards (as UpdateShardCount
        // would leave it), not the imported map.
        scenario.stream.shards_file = None;
        scenario.stream.shard_count = shards;
        simulate(scenario, vec![(SHARD_COUNT.into(), shards.into())])
    };
    // An on-demand stream in `mode`, with `warm` MiB/s of warm
    // throughput (Advantage).
    let on_demand_run = |mode: CapacityMode, warm_mib_s: u32| -> Point {
        let mut scenario = base.clone();
        let spec = OnDemandSpec {
            warm_throughput_bytes_per_s: warm_mib_s as u64 * MIB,
            warm_throughput_changes: match mode {
                CapacityMode::OnDemandAdvantage => on_demand_spec.warm_throughput_changes.clone(),
                _ => Vec::new(),
            },
            ..on_demand_spec.clone()
        };
        scenario.stream.capacity_mode = mode;
        scenario.stream.shards_file = None;
        scenario.stream.shard_count = spec.starting_shards(scenario.stream.write_limits());
        scenario.stream.reshard.clear();
        scenario.stream.autoscaling = None;
        scenario.stream.on_demand = Some(spec);
        let mut parameters = vec![("stream.capacity_mode".to_string(), mode.label().into())];
        if mode == CapacityMode::OnDemandAdvantage {
            parameters.push(("stream.on_demand.warm_throughput_mib_s".into(), warm_mib_s.into()));
        }
        simulate(scenario, parameters)
    };
    let on_demand = on_demand_run(CapacityMode::OnDemand, 0);

    let (tried, mut points, end) = search(args.max_shards, evaluate);
    let order = tried.iter().map(|&(n, met)| Searched { shard_count: n, slo_met: met }).collect();
    let tried: BTreeMap<u32, bool> = tried.into_iter().collect();
    // Advantage: the least warm throughput meeting the SLO — none at all
    // first, then the same doubling and bisection, in MiB/s — and the one
    // the scenario names, if it names one.
    let max_warm = (on_demand_spec.max_write_bytes_per_s / MIB) as u32;
    let mut advantage: BTreeMap<u32, Point> = BTreeMap::new();
    let mut warm_order = Vec::new();
    let cold = on_demand_run(CapacityMode::OnDemandAdvantage, 0);
    let cold_met = met(&cold);
    warm_order.push(SearchedWarm { warm_throughput_mib_s: 0, slo_met: cold_met });
    advantage.insert(0, cold);
    let least_warm = if cold_met {
        Some(0)
    } else {
        let (tried_warm, warm_points, warm_end) =
            search(max_warm, |w| on_demand_run(CapacityMode::OnDemandAdvantage, w));
        warm_order.extend(tried_warm.iter().map(|&(w, m)| SearchedWarm { warm_throughput_mib_s: w, slo_met: m }));
        advantage.extend(warm_points);
        match warm_end {
            Step::Found(w) => Some(w),
            _ => None,
        }
    };
    if named_warm_mib_s > 0 && !advantage.contains_key(&named_warm_mib_s) {
        let p = on_demand_run(CapacityMode::OnDemandAdvantage, named_warm_mib_s);
        warm_order.push(SearchedWarm { warm_throughput_mib_s: named_warm_mib_s, slo_met: met(&p) });
        advantage.insert(named_warm_mib_s, p);
    }
    let (found, not_found) = match end {
        Step::Found(n) => (Some(n), None),
        Step::NotFound(Stop::AtLimit) => (None, Some("at_limit")),
        Step::NotFound(Stop::NoImprovement) => (None, Some("no_improvement")),
        Step::Try(_) => unreachable!("the loop only ends on a result"),
    };
    let next_smaller =
        tried.iter().filter(|(_, met)| !**met).map(|(&n, _)| n).filter(|&n| found.is_none_or(|f| n < f)).max();
    // The Advantage options: the least warm throughput that meets the SLO
    // (or, if none does, the most tried), and the scenario's own.
    let mut warm_options: Vec<u32> = vec![least_warm.unwrap_or_else(|| advantage.keys().copied().max().unwrap_or(0))];
    if named_warm_mib_s > 0 && !warm_options.contains(&named_warm_mib_s) {
        warm_options.push(named_warm_mib_s);
    }
    let recommendation = Recommendation {
        shard_count: found,
        not_found,
        options: options(
            found.map(|n| (n, &points[&n])),
            &on_demand,
            warm_options.iter().map(|w| (*w, &advantage[w])).collect(),
        ),
        next_smaller: next_smaller.map(|n| smaller(n, &points[&n])),
    };
    let report = RecommendReport {
        shardsim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: ScenarioInfo::new(&base, base.seed),
        replications,
        searched: order,
        recommendation,
        points: std::mem::take(&mut points).into_values().collect(),
        on_demand,
        searched_warm_throughput: warm_order,
        advantage_points: advantage.into_values().collect(),
        on_demand_previous_peak_write_mib_s: previous_peak_mib_s,
    };
    let text = json::to_json(&report);
    let path = write_file(&args.out, &base.name, "recommend.json", &text)?;
    match (args.format, args.parallel.quiet) {
        (None, true) => {}
        (None | Some(Format::Table), _) => {
            print!("{}", summary(&base, &report));
            println!("\nreport: {}", path.display());
        }
        (Some(Format::Json), _) => print!("{text}"),
        (Some(Format::Markdown), _) => {
            print!("## shardsim recommend: {}\n\n```text\n{}```\n", base.name, summary(&base, &report));
        }
    }
    let met = report.recommendation.options.iter().any(|o| o.slo == "met");
    Ok(if met { ExitCode::SUCCESS } else { ExitCode::from(EXIT_SLO_BROKEN) })
}

/// Whether `p` met the `[slo]` in its simulation.
fn met(p: &Point) -> bool {
    p.slo.as_ref().is_some_and(|v| v.met)
}

/// The doubling-and-bisection search of [`crate::recommend`] up to `max`,
/// running `evaluate` on each value it asks for: the values tried, in
/// order, with their verdicts; each one's point; and how it ended.
fn search(max: u32, evaluate: impl Fn(u32) -> Point) -> (Vec<(u32, bool)>, BTreeMap<u32, Point>, Step) {
    let mut tried: BTreeMap<u32, Trial> = BTreeMap::new();
    let mut points = BTreeMap::new();
    let mut order = Vec::new();
    let mut formula = 1;
    loop {
        match next(&tried, max, formula) {
            Step::Try(n) => {
                let p = evaluate(n);
                let verdict = p.slo.as_ref().expect("the scenario has an [slo]");
                let measured = verdict.objectives.iter().map(|o| o.measured).collect();
                tried.insert(n, Trial { met: verdict.met, measured });
                // Shards and MiB/s of warm throughput are alike: one each
                // per MiB/s the formula asks for.
                formula = formula.max(p.sizing.needed_shards() as u32);
                order.push((n, verdict.met));
                points.insert(n, p);
            }
            end => return (order, points, end),
        }
    }
}

/// The ways to carry the workload, those meeting the SLO in their own
/// simulation first, each group cheapest first: the smallest passing
/// provisioned count (`found`), if any; on-demand Standard, `on_demand`;
/// and on-demand Advantage at each warm throughput of `advantage`.
fn options(found: Option<(u32, &Point)>, on_demand: &Point, advantage: Vec<(u32, &Point)>) -> Vec<Choice> {
    let verdict = |p: &Point| if met(p) { "met" } else { "broken" };
    let mut out = vec![Choice {
        mode: "on_demand",
        shard_count: None,
        warm_throughput_mib_s: None,
        usd_per_hour: on_demand.cost.modes.on_demand.usd_per_hour,
        usd_per_month: on_demand.cost.modes.on_demand.usd_per_month,
        slo: verdict(on_demand),
    }];
    for (warm, p) in advantage {
        let c = &p.cost.modes.on_demand_advantage;
        out.push(Choice {
            mode: "on_demand_advantage",
            shard_count: None,
            warm_throughput_mib_s: Some(warm),
            usd_per_hour: c.usd_per_hour,
            usd_per_month: c.usd_per_month,
            slo: verdict(p),
        });
    }
    if let Some((shards, p)) = found {
        let m = &p.cost.modes;
        out.push(Choice {
            mode: "provisioned",
            shard_count: Some(shards),
            warm_throughput_mib_s: None,
            usd_per_hour: m.provisioned.usd_per_hour,
            usd_per_month: m.provisioned.usd_per_month,
            slo: verdict(p),
        });
    }
    out.sort_by(|a, b| (a.slo != "met").cmp(&(b.slo != "met")).then(a.usd_per_hour.total_cmp(&b.usd_per_hour)));
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
        Some(n) => out.push_str(&format!("\nsmallest provisioned stream meeting the SLO: {n} shard(s)\n")),
        None => {
            let why = match rec.not_found {
                Some("no_improvement") => {
                    "more shards stopped helping (two doublings past AWS's formula changed nothing)"
                }
                _ => "not even the largest count allowed (--max-shards) meets it",
            };
            out.push_str(&format!("\nno provisioned shard count meets the SLO: {why}\n"));
        }
    }
    let on_demand = &r.on_demand;
    let history = match r.on_demand_previous_peak_write_mib_s {
        0.0 => "as a new stream".to_string(),
        peak => format!("after a 30-day peak of {peak} MiB/s"),
    };
    out.push_str(&format!(
        "on-demand Standard, simulated {history}: {} MiB/s of write capacity at the start, {} at the end, {:.2} % of \
         writes throttled\n",
        on_demand.capacity.write_capacity_mib_s_start,
        on_demand.capacity.write_capacity_mib_s_end,
        on_demand.producers.total.throttle_rate * 100.0
    ));
    let warm: Vec<String> = r
        .searched_warm_throughput
        .iter()
        .map(|t| format!("{} {}", t.warm_throughput_mib_s, if t.slo_met { "meets" } else { "fails" }))
        .collect();
    out.push_str(&format!("on-demand Advantage, warm throughput searched (MiB/s): {}\n\n", warm.join(" · ")));
    let mut ranked = 0;
    for o in &rec.options {
        let what = match (o.shard_count, o.warm_throughput_mib_s) {
            (Some(n), _) => format!("provisioned, {n} shard(s)"),
            (None, Some(w)) => format!("Advantage, warm {w} MiB/s"),
            (None, None) => Costs::label(o.mode).to_string(),
        };
        let rank = match (o.slo, ranked) {
            ("met", 0) => "cheapest",
            ("met", 1) => "runner-up",
            _ => "",
        };
        ranked += usize::from(o.slo == "met");
        let slo = if o.slo == "met" { "SLO met in simulation" } else { "SLO broken in simulation" };
        out.push_str(&format!(
            "  {rank:<10} {what:<28} {:>10} USD/hour {:>12} USD/month  {slo}\n",
            usd(o.usd_per_hour),
            usd(o.usd_per_month)
        ));
    }
    if r.on_demand_previous_peak_write_mib_s == 0.0 && rec.options.iter().any(|o| o.slo == "broken") {
        out.push_str(
            "  (for an on-demand stream that has carried this traffic before, write the scenario with capacity_mode = \
             \"on_demand\" and [stream.on_demand] previous_peak_write_mib_s)\n",
        );
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
