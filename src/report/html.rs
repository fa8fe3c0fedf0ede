//! `index.html`: one static, self-contained page per report, read top to
//! bottom — the verdict (hot shards, throttling, the SLO per configuration,
//! sweep configurations named by their swept values), a table of contents,
//! the charts as SVG (crisp when zoomed; each links its PNG), every summary
//! table as an HTML table, the scenario as written, the seed and the
//! version. No network and no external file but the charts beside it: open
//! it from disk or attach the folder to a ticket. A few lines of inline
//! script sort a table by the column whose header is clicked; without
//! them the page reads the same.
//!
//! The layout fits the window: tables wider than it scroll inside their own
//! box, the scenario's long lines wrap, images shrink — the page itself
//! never scrolls sideways, at 1,280 px or on a phone.

use super::charts::Chart;
use super::table::{configuration_name, objective_value, report_sections, thousands, usd};
use super::{Point, Report};
use crate::cost::Costs;

/// The page for `report`, showing `charts` and the scenario file's `text`
/// with the command-line `arguments` it ran with; `csv` says whether
/// `timeseries.csv` is beside it.
pub fn index(report: &Report, charts: &[Chart], text: &str, arguments: &[String], csv: bool) -> String {
    let s = &report.scenario;
    let sections = report_sections(report);
    let mut out = String::new();
    out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!("<title>shardsim · {}</title>\n", esc(&s.name)));
    out.push_str(STYLE);
    out.push_str("</head>\n<body>\n<header>\n");
    out.push_str(&format!("<h1>{}</h1>\n", esc(&s.name)));
    out.push_str(&format!(
        "<p class=\"meta\">shardsim {} · seed {} · {} s simulated · {}</p>\n</header>\n",
        esc(&report.shardsim_version),
        s.seed,
        s.duration_s,
        match report.points.len() {
            1 => "one configuration".to_string(),
            n => format!("{n} configurations"),
        }
    ));
    out.push_str("<section id=\"verdict\">\n<h2>Verdict</h2>\n");
    verdict(&mut out, report);
    slo(&mut out, report);
    out.push_str("</section>\n");
    // Contents: the verdict is above it, everything else below.
    out.push_str("<nav class=\"toc\" aria-label=\"Contents\">\n<h2>Contents</h2>\n<ol>\n");
    if !charts.is_empty() {
        out.push_str("<li><a href=\"#charts\">Charts</a><ol>\n");
        for c in charts {
            out.push_str(&format!("<li><a href=\"#{}\">{}</a></li>\n", chart_id(c), esc(&c.title)));
        }
        out.push_str("</ol></li>\n");
    }
    out.push_str("<li><a href=\"#figures\">Figures</a><ol>\n");
    for (heading, _, _) in &sections {
        out.push_str(&format!("<li><a href=\"#{}\">{}</a></li>\n", slug(heading), esc(heading)));
    }
    out.push_str("</ol></li>\n<li><a href=\"#scenario\">Scenario</a></li>\n");
    out.push_str("<li><a href=\"#files\">Files</a></li>\n</ol>\n</nav>\n");
    if !charts.is_empty() {
        out.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n");
        charts.iter().for_each(|c| out.push_str(&figure(c)));
        out.push_str("</section>\n");
    }
    out.push_str("<section id=\"figures\">\n<h2>Figures</h2>\n");
    for (heading, grid, note) in &sections {
        out.push_str(&format!("<h3 id=\"{}\">{}</h3>\n", slug(heading), esc(heading)));
        out.push_str("<div class=\"scroll\">\n");
        out.push_str(&grid.to_html(esc));
        out.push_str("</div>\n");
        if let Some(n) = note {
            out.push_str("<ul class=\"notes\">\n");
            n.lines().for_each(|line| out.push_str(&format!("<li>{}</li>\n", esc(line))));
            out.push_str("</ul>\n");
        }
    }
    out.push_str("</section>\n<section id=\"scenario\">\n<h2>Scenario</h2>\n");
    if !arguments.is_empty() {
        out.push_str(&format!("<p>Run with <code>{}</code></p>\n", esc(&arguments.join(" "))));
    }
    out.push_str(&format!("<pre class=\"scenario\">{}</pre>\n</section>\n", esc(text)));
    out.push_str("<footer id=\"files\">\n<h2>Files</h2>\n<p><a href=\"report.json\">report.json</a>");
    if csv {
        out.push_str(" · <a href=\"timeseries.csv\">timeseries.csv</a>");
    }
    for c in charts {
        out.push_str(&format!(" · <a href=\"{}\">{}</a>", c.file, c.file));
    }
    out.push_str("</p>\n</footer>\n");
    out.push_str(SORT_SCRIPT);
    out.push_str("</body>\n</html>\n");
    out
}

/// A chart as a figure: the SVG, linking to itself (zoom), its title and
/// what to look at, and its PNG.
fn figure(c: &Chart) -> String {
    let (w, h) = super::charts::SIZE;
    format!(
        "<figure id=\"{id}\">\n<a href=\"{svg}\"><img src=\"{svg}\" alt=\"{t}\" width=\"{w}\" height=\"{h}\"></a>\n\
         <figcaption><strong>{t}.</strong> {caption} <a href=\"{png}\">PNG</a></figcaption>\n</figure>\n",
        id = chart_id(c),
        svg = c.svg_file(),
        png = c.file,
        t = esc(&c.title),
        caption = esc(&c.caption),
    )
}

fn chart_id(c: &Chart) -> String {
    format!("chart-{}", c.file.trim_end_matches(".png"))
}

/// The verdict: for a single run, hot shards and throttling; for a sweep,
/// how many configurations meet the SLO and the cheapest that does.
fn verdict(out: &mut String, report: &Report) {
    let text = match report.points.as_slice() {
        [p] => single_verdict(p),
        points => sweep_verdict(points),
    };
    out.push_str(&format!("<p class=\"headline\">{}</p>\n", esc(&text)));
}

fn single_verdict(p: &Point) -> String {
    let hot: Vec<String> = p
        .shards
        .iter()
        .filter(|s| s.hot)
        .map(|s| format!("{} ({:.0} % of traffic; {})", s.shard_id, s.traffic_share * 100.0, s.hot_reasons.join(", ")))
        .collect();
    let shards = match hot.len() {
        0 => "No hot shard.".to_string(),
        n if n <= 4 => format!("Hot: {}.", hot.join("; ")),
        n => format!("{n} of {} shards are hot.", p.shards.len()),
    };
    let slo = match &p.slo {
        Some(v) if v.met => " SLO met.".to_string(),
        Some(_) => " SLO BROKEN.".to_string(),
        None => String::new(),
    };
    format!(
        "{shards} Write throttle rate {:.2} %; {} records dropped.{slo}",
        p.producers.total.throttle_rate * 100.0,
        thousands(p.producers.total.records_dropped)
    )
}

fn sweep_verdict(points: &[Point]) -> String {
    let judged = points.iter().filter(|p| p.slo.is_some()).count();
    let cheapest_cost = |p: &Point| p.cost.modes.mode(p.cost.cheapest).map(|c| (p.cost.cheapest, c.usd_per_hour));
    let candidates: Vec<&Point> = match judged {
        0 => points.iter().collect(),
        _ => points.iter().filter(|p| p.slo.as_ref().is_some_and(|v| v.met)).collect(),
    };
    let best =
        candidates.iter().filter_map(|p| cheapest_cost(p).map(|c| (*p, c))).min_by(|a, b| a.1.1.total_cmp(&b.1.1));
    let head = match judged {
        0 => format!("{} configurations, no [slo] to judge them.", points.len()),
        _ => format!("{} of {} configurations meet the SLO.", candidates.len(), points.len()),
    };
    match best {
        Some((p, (mode, usd_per_hour))) => format!(
            "{head} Cheapest{}: {} at {} USD/h ({}).",
            if judged > 0 { " that does" } else { "" },
            configuration_name(p),
            usd(usd_per_hour),
            Costs::label(mode)
        ),
        None => head,
    }
}

/// The SLO verdict of every point, met or broken objective by objective:
/// a row per objective for one configuration, a row per configuration
/// (named by its swept values) and a column per objective for a sweep.
fn slo(out: &mut String, report: &Report) {
    let judged: Vec<&Point> = report.points.iter().filter(|p| p.slo.is_some()).collect();
    if judged.is_empty() {
        return;
    }
    if report.points.len() > 1 {
        sweep_slo(out, &judged);
    } else {
        single_slo(out, &judged);
    }
    if report.points.iter().any(|p| !p.estimates.is_empty()) {
        out.push_str("<p>With replications, <em>measured</em> is the upper end of the 95 % confidence interval.</p>\n");
    }
}

/// An objective's column header: its key, the consumer it is about.
fn objective_header(o: &super::slo::Objective) -> String {
    let at = o.consumer.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
    format!("{}{at}", o.name)
}

/// A sweep's SLO: a row per configuration, its measured value under each
/// objective (the limit in the header, or beside the value where a sweep
/// changed it), broken values marked.
fn sweep_slo(out: &mut String, judged: &[&Point]) {
    fn objectives(p: &Point) -> &[super::slo::Objective] {
        p.slo.as_ref().map_or(&[], |v| v.objectives.as_slice())
    }
    let first = objectives(judged[0]);
    // Per objective: whether every configuration has the same limit (a
    // sweep may change one), so the header can say it once.
    let same_limit: Vec<bool> = (0..first.len())
        .map(|k| judged.iter().all(|p| objectives(p).get(k).is_some_and(|o| o.limit == first[k].limit)))
        .collect();
    out.push_str("<div class=\"scroll\">\n<table class=\"slo\">\n<thead><tr><th scope=\"col\">configuration</th>");
    for (o, &same) in first.iter().zip(&same_limit) {
        let limit = if same { format!(" ≤ {}", objective_value(o.name, o.limit)) } else { String::new() };
        out.push_str(&format!("<th scope=\"col\" class=\"num\">{}{}</th>", esc(&objective_header(o)), esc(&limit)));
    }
    out.push_str("<th scope=\"col\">verdict</th></tr></thead>\n<tbody>\n");
    for p in judged {
        let met = p.slo.as_ref().is_some_and(|v| v.met);
        out.push_str(&format!(
            "<tr class=\"{}\"><td>{}</td>",
            if met { "met" } else { "broken" },
            esc(&configuration_name(p))
        ));
        for (k, o) in objectives(p).iter().enumerate() {
            let mut value = objective_value(o.name, o.measured);
            if !same_limit.get(k).copied().unwrap_or(false) {
                value = format!("{value} (limit {})", objective_value(o.name, o.limit));
            }
            let class = if o.met { "num" } else { "num miss" };
            out.push_str(&format!("<td class=\"{class}\">{}</td>", esc(&value)));
        }
        out.push_str(&format!("<td>{}</td></tr>\n", if met { "met" } else { "BROKEN" }));
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
}

/// One configuration's SLO: a row per objective.
fn single_slo(out: &mut String, judged: &[&Point]) {
    out.push_str("<div class=\"scroll\">\n<table class=\"slo\">\n<thead><tr><th scope=\"col\">objective</th><th scope=\"col\" class=\"num\">limit</th><th scope=\"col\" class=\"num\">measured</th><th scope=\"col\">verdict</th></tr></thead>\n<tbody>\n");
    for o in judged.iter().flat_map(|p| p.slo.iter().flat_map(|v| &v.objectives)) {
        let class = if o.met { "met" } else { "broken" };
        out.push_str(&format!(
            "<tr class=\"{class}\"><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
            esc(&objective_header(o)),
            esc(&objective_value(o.name, o.limit)),
            esc(&objective_value(o.name, o.measured)),
            if o.met { "met" } else { "BROKEN" }
        ));
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
}

/// A heading as a fragment identifier: lower case, words joined by `-`.
fn slug(heading: &str) -> String {
    let words: Vec<String> =
        heading.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    format!("t-{}", words.join("-"))
}

/// Text made safe for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const STYLE: &str = "<style>
*, *::before, *::after { box-sizing: border-box; }
body { font-family: system-ui, sans-serif; line-height: 1.45; margin: 0 auto; padding: 1em 16px 3em;
       max-width: 1240px; color: #222; overflow-wrap: anywhere; }
h1 { margin: 0.2em 0; }
h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
h3 { margin: 1.4em 0 0.4em; }
.meta, footer { color: #555; }
.headline { font-size: 1.15em; background: #fff4d6; padding: 0.6em 0.9em; border-left: 5px solid #c8141e; }
.toc ol { margin: 0.2em 0; padding-left: 1.4em; }
.toc > ol > li { margin: 0.2em 0; }
.toc ol ol { display: flex; flex-wrap: wrap; gap: 0.1em 1.4em; padding-left: 0; list-style: none; }
.scroll { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; margin: 0.4em 0; font-size: 14px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d4d4d4; padding: 0.25em 0.6em; text-align: left; vertical-align: top;
         overflow-wrap: normal; }
thead th { background: #f3f3f1; cursor: pointer; }
tbody th { background: #fafaf8; font-weight: normal; color: #444; white-space: nowrap; }
.num { text-align: right; white-space: nowrap; }
tr.met td:last-child { font-weight: bold; }
tr.broken td { background: #fbe3e3; font-weight: bold; }
table.slo td.miss { color: #a40d16; }
table.slo td:first-child { white-space: nowrap; }
ul.notes { color: #444; margin-top: 0.3em; }
figure { margin: 1.2em 0 2em; }
img { display: block; max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { color: #333; margin-top: 0.4em; }
pre { background: #f6f6f4; padding: 1em; font-size: 13px; white-space: pre-wrap; overflow-wrap: anywhere; }
code { overflow-wrap: anywhere; }
@media (max-width: 640px) {
  body { padding: 0.5em 10px 2em; }
  table { font-size: 13px; }
  .headline { font-size: 1.05em; }
}
</style>
";

/// Sorts a table by the column whose header is clicked (again: the other
/// way), numbers by value. The page reads the same without it.
const SORT_SCRIPT: &str = "<script>
document.querySelectorAll('thead th').forEach(function (th) {
  th.title = 'sort by this column';
  th.addEventListener('click', function () {
    var table = th.closest('table'), body = table.tBodies[0], col = th.cellIndex;
    var ascending = th.dataset.order !== 'ascending';
    th.dataset.order = ascending ? 'ascending' : 'descending';
    var key = function (row) {
      var text = row.cells[col] ? row.cells[col].textContent : '';
      var n = parseFloat(text.replace(/[\\s,]/g, ''));
      return isNaN(n) ? text : n;
    };
    Array.from(body.rows).sort(function (a, b) {
      var x = key(a), y = key(b);
      var c = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y));
      return ascending ? c : -c;
    }).forEach(function (row) { body.appendChild(row); });
  });
});
</script>
";
