//! `index.html`: one static, self-contained page per report — the SLO
//! verdict, the summary tables, the charts (relative links to the PNGs
//! beside it), the scenario as written, the seed and the version. No
//! scripts, no network: open it from disk or attach it to a ticket.

use super::Report;
use super::table::{Flavour, objective_value, render, thousands};

/// The page for `report`, showing `charts` (file, title) and the scenario
/// file's `text` with the command-line `arguments` it ran with.
pub fn index(report: &Report, charts: &[(&str, &str)], text: &str, arguments: &[String], csv: bool) -> String {
    let s = &report.scenario;
    let mut out = String::new();
    out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(&format!("<title>shardsim · {}</title>\n", esc(&s.name)));
    out.push_str(STYLE);
    out.push_str("</head>\n<body>\n");
    out.push_str(&format!("<h1>{}</h1>\n", esc(&s.name)));
    out.push_str(&format!(
        "<p class=\"meta\">shardsim {} · seed {} · {} s simulated · {} configuration(s)</p>\n",
        esc(&report.shardsim_version),
        s.seed,
        s.duration_s,
        report.points.len()
    ));
    headline(&mut out, report);
    slo(&mut out, report);
    // The first chart (the heatmap, or the sweep) answers at a glance;
    // the tables and the other charts follow.
    let figure = |(file, title): &(&str, &str)| {
        format!(
            "<figure><img src=\"{file}\" alt=\"{t}\" width=\"1200\" height=\"700\"><figcaption>{t}</figcaption></figure>\n",
            t = esc(title)
        )
    };
    if let Some(first) = charts.first() {
        out.push_str(&figure(first));
    }
    out.push_str("<h2>Summary</h2>\n<pre class=\"table\">");
    out.push_str(&esc(&render(report, Flavour::Text)));
    out.push_str("</pre>\n");
    if charts.len() > 1 {
        out.push_str("<h2>Charts</h2>\n");
        charts[1..].iter().for_each(|c| out.push_str(&figure(c)));
    }
    out.push_str("<h2>Scenario</h2>\n");
    if !arguments.is_empty() {
        out.push_str(&format!("<p>run with <code>{}</code></p>\n", esc(&arguments.join(" "))));
    }
    out.push_str(&format!("<pre class=\"scenario\">{}</pre>\n", esc(text)));
    out.push_str("<p class=\"files\"><a href=\"report.json\">report.json</a>");
    if csv {
        out.push_str(" · <a href=\"timeseries.csv\">timeseries.csv</a>");
    }
    out.push_str("</p>\n</body>\n</html>\n");
    out
}

/// One sentence on what matters most in a single run: hot shards and
/// throttling.
fn headline(out: &mut String, report: &Report) {
    let [p] = report.points.as_slice() else { return };
    let hot: Vec<String> = p
        .shards
        .iter()
        .filter(|s| s.hot)
        .map(|s| format!("{} ({:.0} % of traffic; {})", s.shard_id, s.traffic_share * 100.0, s.hot_reasons.join(", ")))
        .collect();
    let text = match hot.len() {
        0 => "No hot shard.".to_string(),
        n if n <= 4 => format!("Hot: {}.", hot.join("; ")),
        n => format!("{n} of {} shards are hot.", p.shards.len()),
    };
    out.push_str(&format!(
        "<p class=\"headline\">{} Write throttle rate {:.2} %; {} records dropped.</p>\n",
        esc(&text),
        p.producers.total.throttle_rate * 100.0,
        thousands(p.producers.total.records_dropped)
    ));
}

/// The SLO verdict of every point, met or broken objective by objective.
fn slo(out: &mut String, report: &Report) {
    let judged: Vec<(usize, &super::slo::SloReport)> =
        report.points.iter().enumerate().filter_map(|(i, p)| p.slo.as_ref().map(|v| (i, v))).collect();
    if judged.is_empty() {
        return;
    }
    out.push_str("<h2>SLO</h2>\n<table class=\"slo\">\n<tr><th>configuration</th><th>objective</th><th>limit</th><th>measured</th><th>verdict</th></tr>\n");
    for (i, v) in judged {
        let p = &report.points[i];
        let config = if p.parameters.is_empty() {
            "this run".to_string()
        } else {
            p.parameters.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", ")
        };
        for o in &v.objectives {
            let class = if o.met { "met" } else { "broken" };
            let at = o.consumer.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
            out.push_str(&format!(
                "<tr class=\"{class}\"><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                esc(&config),
                o.name,
                esc(&at),
                esc(&objective_value(o.name, o.limit)),
                esc(&objective_value(o.name, o.measured)),
                if o.met { "met" } else { "BROKEN" }
            ));
        }
    }
    out.push_str("</table>\n");
    if report.points.iter().any(|p| !p.estimates.is_empty()) {
        out.push_str("<p>With replications, <em>measured</em> is the upper end of the 95 % confidence interval.</p>\n");
    }
}

/// Text made safe for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const STYLE: &str = "<style>
body { font-family: sans-serif; margin: 2em auto; max-width: 1260px; color: #222; }
h1 { margin-bottom: 0.2em; }
.meta, .files { color: #555; }
.headline { font-size: 1.2em; background: #fff4d6; padding: 0.6em 0.9em; border-left: 5px solid #c8141e; }
pre { background: #f6f6f4; padding: 1em; overflow-x: auto; font-size: 13px; }
figure { margin: 1.5em 0; }
img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { color: #444; margin-top: 0.3em; }
table.slo { border-collapse: collapse; margin: 1em 0; }
table.slo th, table.slo td { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: left; }
tr.met td:last-child { font-weight: bold; }
tr.broken td { background: #fbe3e3; font-weight: bold; }
</style>
";
