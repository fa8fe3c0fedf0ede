//! The human-readable report: a title, the stream summary, producers and
//! shards, as aligned terminal text or as Markdown. Long shard lists are cut
//! to the busiest shards (the JSON always has all of them).

use super::grid::{Align, Grid};
use super::{Point, Report, ShardReport};
use crate::cost::Costs;
use crate::stream::hash::MAX_HASH_KEY;

/// Shards listed in full up to this count; beyond it, the busiest ones.
const SHARD_ROWS_MAX: usize = 24;

/// Output flavour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    /// Aligned plain text for a terminal.
    Text,
    /// GitHub-flavoured Markdown.
    Markdown,
}

/// Renders the report.
pub fn render(report: &Report, flavour: Flavour) -> String {
    let s = &report.scenario;
    let shape = match report.points.len() {
        1 if s.capacity_mode != "provisioned" => format!("on-demand, {} shards at the start", s.shard_count),
        1 => match &s.shards_file {
            Some(file) => format!("{} shards from {file}", s.shard_count),
            None => format!("{} shards", s.shard_count),
        },
        n => format!("{n} configurations"),
    };
    let title = format!(
        "shardsim {} · scenario {} · seed {} · {} s simulated · {shape}, {}",
        report.shardsim_version, s.name, s.seed, s.duration_s, s.write_limit_model
    );
    let mut out = match flavour {
        Flavour::Text => format!("{title}\n"),
        Flavour::Markdown => format!("# {title}\n"),
    };
    for (heading, grid, note) in report_sections(report) {
        match flavour {
            Flavour::Text => {
                out.push_str(&format!("\n{heading}\n{}", grid.to_text("  ")));
                for line in note.iter().flat_map(|n| n.lines()) {
                    out.push_str(&format!("  {line}\n"));
                }
            }
            Flavour::Markdown => {
                out.push_str(&format!("\n## {heading}\n\n{}", grid.to_markdown()));
                if let Some(n) = note {
                    // One list item per note line, so they do not run together.
                    out.push('\n');
                    n.lines().for_each(|line| out.push_str(&format!("- {line}\n")));
                }
            }
        }
    }
    out
}

/// A heading, its table, and notes under it (one per line).
pub type Section = (String, Grid, Option<String>);

/// The report's sections: a sweep compares its points; a single point is
/// shown in full.
pub fn report_sections(report: &Report) -> Vec<Section> {
    match report.points.len() > 1 {
        true => vec![comparison_section(&report.points)],
        false => report.points.iter().flat_map(sections).collect(),
    }
}

/// A configuration named by its swept values (`stream.shard_count = 16`),
/// or "this run" when nothing was swept.
pub fn configuration_name(p: &Point) -> String {
    match p.parameters.is_empty() {
        true => "this run".to_string(),
        false => p.parameters.iter().map(|(k, v)| format!("{k} = {}", value_text(v))).collect::<Vec<_>>().join(", "),
    }
}

fn sections(p: &Point) -> Vec<Section> {
    let mut all = vec![stream_section(p)];
    if !p.reshard_operations.is_empty() {
        all.push(reshard_section(p));
    }
    all.extend([producer_section(p), shard_section(p)]);
    if !p.consumers.is_empty() {
        all.push(consumer_section(p));
    }
    all.push(cost_section(p));
    all.push(sizing_section(p));
    if !p.estimates.is_empty() {
        all.push(replication_section(p));
    }
    if p.slo.is_some() {
        all.push(slo_section(p));
    }
    all
}

/// One row per sweep point: its parameters and the figures that decide.
fn comparison_section(points: &[Point]) -> Section {
    let params: Vec<&String> = points[0].parameters.keys().collect();
    let consumers = !points[0].consumers.is_empty();
    // With on-demand points, each point's own mode is what it costs.
    let mixed = points.iter().any(|p| p.capacity.mode != "provisioned");
    let mut columns: Vec<(&str, Align)> = params.iter().map(|k| (k.as_str(), Align::Right)).collect();
    columns.extend([("shards", Align::Right), ("throttle rate", Align::Right)]);
    if consumers {
        columns.push(("worst p99 ms", Align::Right));
    }
    columns.extend([
        ("dropped", Align::Right),
        (if mixed { "simulated USD/h" } else { "provisioned USD/h" }, Align::Right),
        ("cheapest USD/h", Align::Right),
        ("SLO", Align::Left),
    ]);
    let mut g = Grid::new(&columns);
    for p in points {
        let mut row: Vec<String> = params.iter().map(|k| value_text(&p.parameters[*k])).collect();
        row.push(match p.stream.open_shards_max == p.stream.shard_count {
            true => p.stream.shard_count.to_string(),
            // A run that resharded: where it started and how high it went.
            false => format!("{} (max {})", p.stream.shard_count, p.stream.open_shards_max),
        });
        let t = &p.producers.total;
        row.push(with_interval(p, "producers.throttle_rate", percent(t.throttle_rate), percent));
        if consumers {
            row.push(
                p.worst_p99().map_or(String::new(), |(path, v)| {
                    with_interval(p, &path, format!("{v:.0}"), |x| format!("{x:.0}"))
                }),
            );
        }
        row.push(with_interval(p, "producers.records_dropped", thousands(t.records_dropped), |x| {
            thousands(x.round() as u64)
        }));
        let prov = &p.cost.modes.provisioned;
        match mixed {
            true => {
                let own = p.capacity.mode;
                let c = p.cost.modes.mode(own).unwrap_or(prov);
                let path = format!("cost.{own}.usd_per_hour");
                let shown = with_interval(p, &path, usd(c.usd_per_hour), usd);
                row.push(format!("{shown} ({})", Costs::label(own)));
            }
            false => row.push(with_interval(p, "cost.provisioned.usd_per_hour", usd(prov.usd_per_hour), usd)),
        }
        let (mode, cheapest) =
            p.cost.modes.mode(p.cost.cheapest).map_or(("provisioned", prov), |c| (p.cost.cheapest, c));
        row.push(format!("{} ({})", usd(cheapest.usd_per_hour), Costs::label(mode)));
        row.push(p.slo.as_ref().map_or(String::new(), slo_verdict));
        g.row(row);
    }
    let replications = points[0].replications;
    let mut notes = vec![format!(
        "{} configurations{}; report.json has every figure of each",
        points.len(),
        if replications > 1 {
            format!(" × {replications} replications (mean ± half the 95 % interval)")
        } else {
            String::new()
        }
    )];
    if points.iter().any(|p| p.slo.is_some()) {
        let meeting: Vec<String> =
            points.iter().filter(|p| p.slo.as_ref().is_some_and(|v| v.met)).map(configuration_name).collect();
        notes.push(match meeting.len() {
            0 => "no configuration meets the SLO".to_string(),
            _ => format!("meeting the SLO: {}", meeting.join("; ")),
        });
    }
    ("Sweep".to_string(), g, Some(notes.join("\n")))
}

/// A swept value as written in TOML, strings unquoted.
fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `text`, or with replications the mean ± half the interval of `path`.
fn with_interval(p: &Point, path: &str, text: String, fmt: impl Fn(f64) -> String) -> String {
    match p.estimates.get(path) {
        Some(e) => format!("{} ± {}", fmt(e.mean), fmt(e.half_width())),
        None => text,
    }
}

/// `met`, or `BROKEN: max_throttle_rate` naming the broken objectives.
fn slo_verdict(v: &super::slo::SloReport) -> String {
    if v.met {
        "met".to_string()
    } else {
        let broken: Vec<&str> = v.objectives.iter().filter(|o| !o.met).map(|o| o.name).collect();
        format!("BROKEN: {}", broken.join(", "))
    }
}

fn slo_section(p: &Point) -> Section {
    let v = p.slo.as_ref().expect("called with an SLO");
    let mut g = Grid::new(&[
        ("objective", Align::Left),
        ("limit", Align::Right),
        ("measured", Align::Right),
        ("", Align::Left),
    ]);
    for o in &v.objectives {
        let fmt = |x| objective_value(o.name, x);
        let at = o.consumer.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
        g.row(vec![
            format!("{}{at}", o.name),
            fmt(o.limit),
            fmt(o.measured),
            if o.met { "met".into() } else { "BROKEN".into() },
        ]);
    }
    let basis = if p.estimates.is_empty() {
        "measured in this run".to_string()
    } else {
        "measured = upper end of the 95 % interval over the replications".to_string()
    };
    (format!("SLO: {}", if v.met { "met" } else { "BROKEN" }), g, Some(basis))
}

/// A value of the `[slo]` objective `name`, in its unit.
pub fn objective_value(name: &str, x: f64) -> String {
    match name {
        "max_throttle_rate" => percent(x),
        "max_end_to_end_latency_ms_p99" | "max_iterator_age_ms" => format!("{x:.0} ms"),
        _ => thousands(x.round() as u64),
    }
}

fn replication_section(p: &Point) -> Section {
    let mut g = Grid::new(&[
        ("metric", Align::Left),
        ("mean", Align::Right),
        ("95 % interval", Align::Right),
        ("min", Align::Right),
        ("max", Align::Right),
    ]);
    for (name, e) in &p.estimates {
        let f = |x: f64| if x.abs() >= 100.0 { format!("{x:.0}") } else { format!("{x:.4}") };
        g.row(vec![name.clone(), f(e.mean), format!("{} – {}", f(e.ci95_low), f(e.ci95_high)), f(e.min), f(e.max)]);
    }
    let note =
        "the tables above show replication 0; the replications draw different workloads (seeds by replication index)";
    (format!("Replications ({})", p.replications), g, Some(note.to_string()))
}

fn cost_section(p: &Point) -> Section {
    let c = &p.cost;
    let mut g = Grid::new(&[
        ("mode", Align::Left),
        ("basis", Align::Left),
        ("USD/hour", Align::Right),
        ("USD/month", Align::Right),
        ("", Align::Left),
        ("items, USD per hour", Align::Left),
    ]);
    for (key, m) in c.modes.modes() {
        let label = Costs::label(key);
        let items: Vec<String> = m
            .line_items
            .iter()
            .filter(|i| i.usd > 0.0)
            .map(|i| format!("{} {}", i.item.replace('_', " "), usd(i.usd_per_hour)))
            .collect();
        g.row(vec![
            label.to_string(),
            m.basis.replace('_', "-"),
            usd(m.usd_per_hour),
            usd(m.usd_per_month),
            if key == c.cheapest { "← cheapest".into() } else { String::new() },
            items.join(" · "),
        ]);
    }
    let sim = &c.simulated;
    if sim.periods.len() > 1 {
        let stretches: Vec<String> = sim
            .periods
            .iter()
            .map(|p| format!("{} {}–{} s {}", Costs::label(p.mode), p.from_s, p.to_s, usd(p.usd_for_run)))
            .collect();
        g.row(vec![
            "as switched".to_string(),
            "simulated".to_string(),
            usd(sim.usd_per_hour),
            usd(sim.usd_per_month),
            String::new(),
            format!("USD for each stretch: {}", stretches.join(" · ")),
        ]);
    }
    let services = &c.services;
    if !services.line_items.is_empty() {
        // One figure per application (its items are in report.json).
        let mut per_consumer: Vec<(&str, f64)> = Vec::new();
        for i in &services.line_items {
            match per_consumer.last_mut() {
                Some((name, sum)) if *name == i.consumer => *sum += i.item.usd_per_hour,
                _ => per_consumer.push((&i.consumer, i.item.usd_per_hour)),
            }
        }
        let items: Vec<String> = per_consumer.iter().map(|(name, sum)| format!("{name} {}", usd(*sum))).collect();
        g.row(vec![
            "other services".to_string(),
            "besides".to_string(),
            usd(services.usd_per_hour),
            usd(services.usd_per_month),
            String::new(),
            items.join(" · "),
        ]);
    }
    let t = &c.price_table;
    let mut notes = vec![format!(
        "basis: \"simulated\" is the mode this run simulated; \"what-if\" prices the traffic it accepted in \
         another mode, without that mode's throttling"
    )];
    notes.push(format!(
        "prices: {} as of {} (version {}, from {}); month = {} h; GB = 2^30 bytes; line items in report.json",
        t.region, t.as_of, t.version, t.file, c.hours_per_month
    ));
    if !t.overridden.is_empty() {
        let changed: Vec<String> = t.overridden.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        notes.push(format!("changed by the scenario: {}", changed.join(", ")));
    }
    if !services.line_items.is_empty() {
        notes.push(
            "other services: the KCL applications' DynamoDB lease tables and Firehose streams' ingestion, billed \
             beside the stream in every mode (not in the modes' totals)"
                .into(),
        );
    }
    notes.extend(c.notes.iter().cloned());
    ("Cost".to_string(), g, Some(notes.join("\n")))
}

fn sizing_section(p: &Point) -> Section {
    let z = &p.sizing;
    let mut g = Grid::new(&[("", Align::Left), ("", Align::Left)]);
    let mut kv = |k: &str, v: String| g.row(vec![k.to_string(), v]);
    kv(
        "AWS formula",
        format!(
            "{} shard(s): {} records/s × {:.0} KB (mean {:.2} KB, rounded up) = {} KiB/s in ÷ 1,024; \
             × {} consumer(s) = {} KiB/s out ÷ 2,048",
            z.aws_formula_shards,
            thousands(z.user_records_per_s.round() as u64),
            z.record_kib_rounded,
            z.record_kib_mean,
            thousands(z.incoming_write_kib_per_s.round() as u64),
            z.consumers,
            thousands(z.outgoing_read_kib_per_s.round() as u64)
        ),
    );
    kv(
        "records/s limit",
        format!(
            "{} shard(s): {} Kinesis records/s ÷ 1,000",
            z.records_limit_shards,
            thousands(z.kinesis_records_per_s.round() as u64)
        ),
    );
    let shards = match z.resharded {
        true => format!(
            "{} → up to {} shards ({:.1} on average)",
            z.configured_shards, z.open_shards_max, z.open_shards_mean
        ),
        false => format!("{} shard(s)", z.configured_shards),
    };
    kv("simulated", format!("{shards}: {} of writes throttled", percent(z.throttle_rate)));
    kv("verdict", z.verdict.clone());
    let note =
        (!z.reasons.is_empty()).then(|| z.reasons.iter().map(|r| format!("why: {r}")).collect::<Vec<_>>().join("\n"));
    ("Sizing cross-check (reference §12)".to_string(), g, note)
}

fn consumer_section(p: &Point) -> Section {
    let mut g = Grid::new(&[
        ("consumer", Align::Left),
        ("kind", Align::Left),
        ("delivered", Align::Right),
        ("duplicates", Align::Right),
        ("read throttled", Align::Right),
        ("p50 ms", Align::Right),
        ("p99 ms", Align::Right),
        ("p99.9 ms", Align::Right),
        ("max ms", Align::Right),
        ("iterator age max", Align::Right),
        ("expired", Align::Right),
        ("unread", Align::Right),
    ]);
    for c in &p.consumers {
        let l = &c.end_to_end_latency_ms;
        g.row(vec![
            c.name.clone(),
            c.kind.to_string(),
            thousands(c.records_delivered),
            thousands(c.duplicates),
            thousands(c.read_throttled),
            format!("{:.0}", l.p50),
            format!("{:.0}", l.p99),
            format!("{:.0}", l.p999),
            format!("{:.0}", l.max),
            format!("{:.1} s", c.iterator_age_ms_max / 1_000.0),
            thousands(c.records_expired),
            thousands(c.records_unread),
        ]);
    }
    let mut notes = Vec::new();
    let lost: Vec<String> = p
        .consumers
        .iter()
        .flat_map(|c| {
            let expired = (c.records_expired > 0)
                .then(|| format!("{} lost {} records to retention", c.name, thousands(c.records_expired)));
            let dropped = (c.records_lost > 0).then(|| {
                format!(
                    "{} never receives {} records the KPL counted as put: its deaggregator dropped {} records of \
                     aggregates that landed on a shard not owning all their keys",
                    c.name,
                    thousands(c.records_lost),
                    thousands(c.records_discarded)
                )
            });
            expired.into_iter().chain(dropped)
        })
        .collect();
    if !lost.is_empty() {
        notes.push(format!("DATA LOSS: {}", lost.join("; ")));
    }
    for c in &p.consumers {
        if c.shards_unleased > 0 {
            notes.push(format!(
                "{}: {} shards have no worker (workers × max_leases_per_worker < shards); they are never read",
                c.name, c.shards_unleased
            ));
        }
        if c.duplicates > 0 {
            let d = &c.duplicates_by_cause;
            let causes = [
                (d.worker_failover, "re-read after a worker failover"),
                (d.lambda_retry, "in retried Lambda invocations"),
                (d.resharding, "stored twice by the KPL's \"Wrong Shard\" retries"),
                (d.request_timeout, "stored twice after a put timed out"),
            ];
            let listed: Vec<String> =
                causes.iter().filter(|(n, _)| *n > 0).map(|(n, why)| format!("{} {why}", thousands(*n))).collect();
            notes.push(format!("{}: duplicates: {}", c.name, listed.join(", ")));
        }
        if let Some(t) = c.lease_table.as_ref().filter(|t| t.wcu.is_some() || t.checkpoints_throttled > 0) {
            let capacity = match (t.wcu, t.rcu) {
                (Some(w), Some(r)) => format!("provisioned {w} WCU / {r} RCU"),
                _ => "on-demand".to_string(),
            };
            let mut line = format!(
                "{} lease table ({capacity}): {:.1} WCU/s mean, {:.1} in the busiest second · {:.2} RCU/s · {} \
                 checkpoints, {} throttled",
                c.name,
                t.write_units_per_s.mean,
                t.write_units_per_s.max,
                t.read_units_per_s.mean,
                thousands(t.checkpoints),
                thousands(t.checkpoints_throttled),
            );
            if t.checkpoints_throttled > 0 {
                line.push_str(&format!(
                    " (waiting {:.0} ms on average, {} never saved)",
                    t.checkpoint_wait_ms_mean,
                    thousands(t.checkpoints_failed)
                ));
            }
            if t.renewals_throttled > 0 {
                line.push_str(&format!(" · {} lease renewals throttled", thousands(t.renewals_throttled)));
            }
            notes.push(line);
        }
        if c.read_errors_by_code.internal_failure > 0 {
            notes.push(format!(
                "{}: {} reads failed with InternalFailure (GetRecords calls, or subscriptions ended)",
                c.name,
                thousands(c.read_errors_by_code.internal_failure)
            ));
        }
        if c.records_failed > 0 {
            notes.push(format!("{}: {} records failed after retries", c.name, thousands(c.records_failed)));
        }
        if c.out_of_order_records > 0 {
            notes.push(format!(
                "{}: {} records arrived before an earlier record of their partition key still unread in a parent \
                 shard (out of order: the reader ignores shard lineage)",
                c.name,
                thousands(c.out_of_order_records)
            ));
        }
        if c.invocations > 0 {
            notes.push(format!(
                "{}: {} invocations, {:.1} records each",
                c.name,
                thousands(c.invocations),
                (c.records_delivered + c.duplicates) as f64 / c.invocations as f64
            ));
        }
        if let Some(f) = &c.firehose {
            notes.push(format!(
                "{}: {} deliveries · data freshness at delivery p50 {:.1} s, max {:.1} s · each record waited \
                 {:.1} s in the buffer on average · {:.2} GB ingested as billed (5 KB per record at least)",
                c.name,
                thousands(f.deliveries),
                f.data_freshness_ms.p50 / 1_000.0,
                f.data_freshness_ms.max / 1_000.0,
                f.delivery_latency_ms.mean / 1_000.0,
                f.ingested_gb_billed
            ));
        }
    }
    let note = (!notes.is_empty()).then(|| notes.join("\n"));
    ("Consumers (end-to-end latency: producer's send → consumer's receipt)".to_string(), g, note)
}

fn stream_section(p: &Point) -> Section {
    let s = &p.stream;
    let mut g = Grid::new(&[("", Align::Left), ("", Align::Left)]);
    let mut kv = |k: &str, v: String| g.row(vec![k.to_string(), v]);
    let c = &p.capacity;
    let mode = match (c.mode, c.warm_throughput_mib_s) {
        ("on_demand", _) => "on-demand Standard, ".to_string(),
        ("on_demand_advantage", Some(w)) => format!("on-demand Advantage, warm throughput {w} MiB/s at the end, "),
        _ => String::new(),
    };
    let end = match c.write_capacity_mib_s_end == c.write_capacity_mib_s_start {
        true => String::new(),
        false => format!(" at the start; {:.2} MiB/s at the end", c.write_capacity_mib_s_end),
    };
    kv(
        "capacity",
        format!("{mode}{} records/s · {} MiB/s{end}", thousands(s.capacity_records_per_s), mib(s.capacity_bytes_per_s)),
    );
    kv(
        "incoming",
        format!(
            "{} records/s mean ({} of capacity) · busiest second {} records, {} MiB",
            thousands(s.incoming_records_per_s_mean.round() as u64),
            percent(s.write_utilization_mean),
            thousands(s.incoming_records_per_s_max),
            mib(s.incoming_bytes_per_s_max)
        ),
    );
    kv(
        "write throttled",
        format!(
            "{} record attempts ({}) · up to {} in one second",
            thousands(s.write_throttled),
            percent(p.producers.total.throttle_rate),
            thousands(s.write_throttled_per_s_max)
        ),
    );
    if !p.reshard_operations.is_empty() {
        let last = p.timeseries.open_shards.last().copied().unwrap_or(s.shard_count);
        kv(
            "open shards",
            format!(
                "{} at the start, {last} at the end · at most {} · {:.1} on average · {:.2} shard-hours",
                s.shard_count, s.open_shards_max, s.open_shards_mean, s.shard_hours
            ),
        );
    }
    let hot: Vec<&str> = p.shards.iter().filter(|x| x.hot).map(|x| x.shard_id.as_str()).collect();
    let hot_text = match hot.len() {
        0 => "none".to_string(),
        1..=6 => format!("{} of {}: {}", hot.len(), p.shards.len(), hot.join(", ")),
        n => format!("{n} of {}", p.shards.len()),
    };
    kv("hot shards", hot_text);
    ("Stream".to_string(), g, None)
}

/// Consecutive splits and merges by one caller shown as one row from this
/// many on (report.json lists each).
const WALK_ROWS: usize = 3;

/// Every resharding call: what it asked, and when it completed or why it
/// was refused.
fn reshard_section(p: &Point) -> Section {
    let mut g = Grid::new(&[
        ("at", Align::Right),
        ("by", Align::Left),
        ("call", Align::Left),
        ("outcome", Align::Left),
        ("shards", Align::Left),
    ]);
    let ops = &p.reshard_operations;
    let mut i = 0;
    while i < ops.len() {
        let o = &ops[i];
        // A run of completed splits and merges by one caller (the scaling
        // utility's fallback walks every shard) is one row.
        let walk = ops[i..]
            .iter()
            .take_while(|w| w.origin == o.origin && matches!(w.op, "split" | "merge") && w.completed_at_s.is_some())
            .count();
        // The on-demand service's splits decided at one check are one row;
        // they do not make the stream UPDATING.
        let batch = super::ReshardOperation::service_batch(&ops[i..]);
        let (call, outcome, rows) = if batch > 0 {
            let done = o.completed_at_s.unwrap_or(o.at_s);
            let call = format!("on_demand_split of {batch} shard{}", if batch == 1 { "" } else { "s" });
            (call, format!("split at {done} s ({} s after the decision)", done - o.at_s), &ops[i..i + batch])
        } else if walk >= WALK_ROWS {
            let last = &ops[i + walk - 1];
            let splits = ops[i..i + walk].iter().filter(|w| w.op == "split").count();
            let done = last.completed_at_s.unwrap_or(last.at_s);
            let call = format!("{splits} splits and {} merges, one at a time", walk - splits);
            (call, format!("completed at {done} s ({} s UPDATING)", done - o.at_s), &ops[i..i + walk])
        } else {
            let args: Vec<String> = o.requested.iter().map(|(k, v)| format!("{k} {}", value_text(v))).collect();
            let outcome = match o.completed_at_s {
                Some(done) => format!("{} ({} s UPDATING)", o.outcome(), done - o.at_s),
                None => o.outcome(),
            };
            (format!("{} {}", o.op, args.join(", ")), outcome, &ops[i..i + 1])
        };
        let closed: usize = rows.iter().map(|r| r.shards_closed.len()).sum();
        let created: usize = rows.iter().map(|r| r.shards_created.len()).sum();
        let shards = match (closed, created) {
            (0, 0) => String::new(),
            (closed, created) => format!("{closed} closed, {created} opened"),
        };
        g.row(vec![format!("{} s", o.at_s), o.origin.to_string(), call, outcome, shards]);
        i += rows.len();
    }
    // Each refusal's message once, with every time it was given.
    let mut messages: Vec<(Vec<String>, String)> = Vec::new();
    for o in ops {
        let (Some(error), Some(message)) = (o.error, o.message.as_deref()) else { continue };
        let text = format!("{error}: {message}");
        match messages.iter_mut().find(|(_, t)| *t == text) {
            Some((times, _)) => times.push(o.at_s.to_string()),
            None => messages.push((vec![o.at_s.to_string()], text)),
        }
    }
    let mut notes: Vec<String> =
        messages.into_iter().map(|(times, text)| format!("at {} s: {text}", times.join(", "))).collect();
    if let Some(a) = &p.autoscaling {
        let counts = |what: &str| a.decisions.iter().filter(|d| d.decision == what).count();
        notes.push(format!(
            "autoscaling ({}): {} decisions — {} scale_up, {} scale_down, {} split, {} merge (report.json has each \
             with the metric it saw)",
            a.policy,
            a.decisions.len(),
            counts("scale_up"),
            counts("scale_down"),
            counts("split"),
            counts("merge")
        ));
    }
    ("Resharding".to_string(), g, (!notes.is_empty()).then(|| notes.join("\n")))
}

fn producer_section(p: &Point) -> Section {
    let mut g = Grid::new(&[
        ("producer", Align::Left),
        ("client", Align::Left),
        ("user records", Align::Right),
        ("put", Align::Right),
        ("Kinesis records", Align::Right),
        ("throttled", Align::Right),
        ("throttle rate", Align::Right),
        ("retries", Align::Right),
        ("dropped", Align::Right),
        ("calls", Align::Right),
    ]);
    let mut notes = Vec::new();
    for r in &p.producers.per_producer {
        let f = &r.figures;
        g.row(vec![
            r.name.clone(),
            format!("{} {}", r.client, r.api),
            thousands(f.user_records),
            thousands(f.records_put),
            thousands(f.kinesis_records_put),
            thousands(f.write_throttled),
            percent(f.throttle_rate),
            thousands(f.retries),
            thousands(f.records_dropped),
            thousands(f.put_calls),
        ]);
        let (latency, wait) = (&r.requests.latency_ms, &r.requests.slot_wait_ms);
        let mut line = format!(
            "{} requests: round trip p50 {:.0} ms, p99 {:.0} ms · wait for a free slot p50 {:.0} ms, p99 {:.0} ms",
            r.name, latency.p50, latency.p99, wait.p50, wait.p99
        );
        if f.requests_timed_out > 0 || f.duplicates_put > 0 {
            line.push_str(&format!(
                " · {} timed out · {} records stored twice",
                thousands(f.requests_timed_out),
                thousands(f.duplicates_put)
            ));
        }
        let e = &f.errors_by_code;
        let failed = [(e.internal_failure, "InternalFailure"), (e.service_unavailable, "ServiceUnavailable")];
        let failed: Vec<String> =
            failed.iter().filter(|(n, _)| *n > 0).map(|(n, code)| format!("{} {code}", thousands(*n))).collect();
        if !failed.is_empty() {
            line.push_str(&format!(" · records failed: {}", failed.join(", ")));
        }
        notes.push(line);
        if let Some(k) = &r.kpl {
            let b = &k.buffering_time_ms;
            notes.push(format!(
                "{} (KPL): {:.1} user records per Kinesis record · {:.1} Kinesis records per PutRecords · \
                 buffering p50 {:.0} ms, p99 {:.0} ms · {:.2} retries per record · {} expired",
                r.name,
                k.user_records_per_kinesis_record,
                k.kinesis_records_per_put_records_request,
                b.p50,
                b.p99,
                k.retries_per_record,
                thousands(k.user_records_expired)
            ));
            if k.unpredicted_shard_records > 0 || k.shard_map_refreshes > 0 {
                notes.push(format!(
                    "{} (KPL) across the resharding: {} user records landed on a shard other than predicted, \
                     {} of them sent again (\"Wrong Shard\", each a duplicate stored) · {} shard-map refreshes",
                    r.name,
                    thousands(k.unpredicted_shard_records),
                    thousands(k.wrong_shard_retries),
                    thousands(k.shard_map_refreshes)
                ));
            }
        }
    }
    notes.push(format!(
        "records still buffered or awaiting a retry at the end: {}",
        thousands(p.producers.records_in_flight)
    ));
    ("Producers".to_string(), g, Some(notes.join("\n")))
}

fn shard_section(p: &Point) -> Section {
    let mut g = Grid::new(&[
        ("shard", Align::Left),
        ("hash range", Align::Left),
        ("incoming records", Align::Right),
        ("incoming MiB", Align::Right),
        ("throttled", Align::Right),
        ("share", Align::Right),
        ("peak util", Align::Right),
        ("peak demand", Align::Right),
        ("hot", Align::Left),
    ]);
    let shown = shown_shards(&p.shards);
    for x in &shown {
        g.row(vec![
            x.shard_id.clone(),
            hash_fraction(x),
            thousands(x.incoming_records),
            mib(x.incoming_bytes),
            thousands(x.write_throttled),
            percent(x.traffic_share),
            percent(x.write_utilization_max),
            percent(x.write_demand_max),
            if x.hot { format!("HOT ({})", x.hot_reasons.join(", ")) } else { String::new() },
        ]);
    }
    let note = (shown.len() < p.shards.len()).then(|| {
        format!("{} of {} shards shown (highest peak demand); report.json lists all", shown.len(), p.shards.len())
    });
    ("Shards".to_string(), g, note)
}

/// All shards when few; otherwise the busiest, in shard order.
fn shown_shards(shards: &[ShardReport]) -> Vec<&ShardReport> {
    if shards.len() <= SHARD_ROWS_MAX {
        return shards.iter().collect();
    }
    let mut idx: Vec<usize> = (0..shards.len()).collect();
    idx.sort_by(|&a, &b| shards[b].write_demand_max.total_cmp(&shards[a].write_demand_max).then(a.cmp(&b)));
    idx.truncate(SHARD_ROWS_MAX - 4);
    idx.sort_unstable();
    idx.into_iter().map(|i| &shards[i]).collect()
}

/// A shard's hash range as fractions of the hash space, e.g. `0.250–0.500`.
fn hash_fraction(x: &ShardReport) -> String {
    let f = |s: &str| s.parse::<u128>().map_or(0.0, |v| v as f64 / MAX_HASH_KEY as f64);
    format!("{:.3}–{:.3}", f(&x.hash_key_start), f(&x.hash_key_end))
}

/// `1234567` → `1,234,567`.
pub fn thousands(v: u64) -> String {
    let digits = v.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A fraction as a percentage with one decimal (two below 1 %).
pub fn percent(f: f64) -> String {
    let p = f * 100.0;
    if p > 0.0 && p < 1.0 { format!("{p:.2} %") } else { format!("{p:.1} %") }
}

/// US dollars (the column says so; no `$`, which Markdown renderers may
/// take for mathematics): cents from a dollar up, four decimals below.
pub fn usd(x: f64) -> String {
    if x >= 1.0 {
        let cents = (x * 100.0).round() as u64;
        format!("{}.{:02}", thousands(cents / 100), cents % 100)
    } else {
        format!("{x:.4}")
    }
}

/// Bytes as MiB with two decimals.
fn mib(bytes: u64) -> String {
    format!("{:.2}", bytes as f64 / 1_048_576.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(percent(0.5), "50.0 %");
        assert_eq!(percent(0.0012), "0.12 %");
        assert_eq!(mib(3 * 1_048_576 / 2), "1.50");
        assert_eq!(usd(0.07008), "0.0701");
        assert_eq!(usd(52.13952), "52.14");
        assert_eq!(usd(29_760.0), "29,760.00");
    }
}
