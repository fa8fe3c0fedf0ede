//! `--export-csv` and `--export-markdown`: the configurations of one or
//! more reports, a row each, for a spreadsheet or a pull request (as
//! hyperfine exports its results). The CSV has each report's scenario, its
//! swept parameters (the union over the reports, empty where a report has
//! none), and the headline figures with their 95 % intervals across
//! replications (the value itself three times for one replication).

use super::table::{Flavour, render};
use super::{Point, Report};

/// The figures exported, each as `(column, report path, value)`.
fn figures(p: &Point) -> Vec<(&'static str, String, f64)> {
    let t = &p.producers.total;
    let mut out = vec![
        ("throttle_rate", "producers.throttle_rate".to_string(), t.throttle_rate),
        ("records_dropped", "producers.records_dropped".to_string(), t.records_dropped as f64),
    ];
    let (path, p99) = p.worst_p99().unwrap_or_default();
    out.push(("worst_p99_ms", path, p99));
    for (mode, cost) in p.cost.modes.modes() {
        let column = match mode {
            "on_demand" => "on_demand_usd_per_hour",
            "on_demand_advantage" => "on_demand_advantage_usd_per_hour",
            _ => "provisioned_usd_per_hour",
        };
        out.push((column, format!("cost.{mode}.usd_per_hour"), cost.usd_per_hour));
    }
    out
}

/// The CSV of every configuration of `reports`.
pub fn configurations_csv(reports: &[&Report]) -> Result<String, String> {
    let mut params: Vec<&String> = Vec::new();
    for p in reports.iter().flat_map(|r| &r.points) {
        for k in p.parameters.keys() {
            if !params.contains(&k) {
                params.push(k);
            }
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = vec!["scenario".into()];
    header.extend(params.iter().map(|k| k.to_string()));
    header.extend(["replications", "shards"].map(String::from));
    let sample = reports.iter().flat_map(|r| &r.points).next();
    for (column, ..) in sample.map(figures).unwrap_or_default() {
        header.extend([column.to_string(), format!("{column}_ci95_low"), format!("{column}_ci95_high")]);
    }
    header.extend(["cheapest_mode", "slo"].map(String::from));
    w.write_record(&header).map_err(|e| e.to_string())?;
    for r in reports {
        for p in &r.points {
            let mut row = vec![r.scenario.name.clone()];
            row.extend(params.iter().map(|k| p.parameters.get(*k).map_or(String::new(), value_text)));
            row.extend([p.replications.to_string(), p.stream.shard_count.to_string()]);
            for (_, path, value) in figures(p) {
                let (low, mean, high) = p.interval(&path, value);
                row.extend([mean, low, high].map(|x| x.to_string()));
            }
            row.push(p.cost.cheapest.to_string());
            row.push(p.slo.as_ref().map_or(String::new(), |v| if v.met { "met" } else { "broken" }.to_string()));
            w.write_record(&row).map_err(|e| e.to_string())?;
        }
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

/// A swept value as written: strings bare, anything else as JSON.
fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The Markdown of `reports`, one after another.
pub fn markdown(reports: &[&Report]) -> String {
    reports.iter().map(|r| render(r, Flavour::Markdown)).collect::<Vec<_>>().join("\n")
}
