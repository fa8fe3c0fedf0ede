//! Charts, `timeseries.csv` and `index.html`: valid PNGs of the stated
//! size for the charts a scenario exercises, chart data that adds up to the
//! report (capacity that follows the open shards, resharding calls as the
//! report has them, heatmap cells blank where no shard existed), identical
//! bytes when drawn twice, and a page whose links all resolve.

use std::fs;
use std::path::Path;

use shardsim::report::Report;
use shardsim::report::charts::{
    self, SIZE, capacity_series, heatmap_grid, operation_marks, per_minute_view, shard_records_per_s, throughput_series,
};

use crate::common::{consumer, consumer_scenario, report, shardsim};

/// Width and height of a PNG, if `bytes` is one.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let signature = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    if bytes.len() < 24 || bytes[..8] != signature || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    Some((be(16), be(20)))
}

/// Two shards, 300 records/s for 90 s, one polling and one EFO consumer.
fn with_consumers() -> String {
    consumer_scenario(2, 300, 90, "", &(consumer("polling", "poll", "") + &consumer("efo", "push", "")))
}

/// `scenarios/<file>` run with its own seed and reported through the
/// library, as `shardsim run` does.
fn bundled(file: &str) -> Report {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(file);
    let s = shardsim::scenario::load(file, &fs::read_to_string(&path).unwrap(), &[]).unwrap();
    let prices = shardsim::app::prices_for(&s, &path).unwrap();
    Report::single(&s, s.seed, &shardsim::sim::simulate(&s, s.seed, 0), &prices)
}

fn run_cli(text: &str, args: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.toml");
    fs::write(&path, text).unwrap();
    let out = shardsim().arg("run").arg(&path).args(args).arg("--out").arg(tmp.path().join("out")).output().unwrap();
    assert!(out.status.code().is_some_and(|c| c < 2), "{}", String::from_utf8_lossy(&out.stderr));
    let dir = tmp.path().join("out/c");
    (tmp, dir)
}

#[test]
fn a_run_writes_every_chart_it_exercises_as_a_png_of_the_stated_size() {
    let (_tmp, dir) = run_cli(&with_consumers(), &[]);
    for file in
        ["heatmap.png", "throughput.png", "shard-share.png", "per-minute.png", "latency.png", "iterator-age.png"]
    {
        let bytes = fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(png_size(&bytes), Some(SIZE), "{file}");
    }
    let csv = fs::read_to_string(dir.join("timeseries.csv")).unwrap();
    assert!(csv.starts_with(shardsim::report::csv::HEADER));
    // --no-charts: no PNG at all, the rest still written.
    let (_tmp, dir) = run_cli(&with_consumers(), &["--no-charts"]);
    let pngs =
        fs::read_dir(&dir).unwrap().filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "png"));
    assert_eq!(pngs.count(), 0);
    assert!(dir.join("index.html").exists() && dir.join("report.json").exists());
}

#[test]
fn a_sweep_writes_the_sweep_chart() {
    let text = with_consumers() + "[sweep]\n\"stream.shard_count\" = [1, 2]\n";
    let (_tmp, dir) = run_cli(&text, &[]);
    assert_eq!(png_size(&fs::read(dir.join("sweep.png")).unwrap()), Some(SIZE));
    assert!(!dir.join("heatmap.png").exists());
}

#[test]
fn chart_series_add_up_to_the_report() {
    let r = report(&with_consumers());
    let p = &r.points[0];
    // Heatmap cells (one per shard and second here) sum to each shard's
    // incoming records, and mark exactly the shards that throttled.
    let g = heatmap_grid(p);
    assert_eq!((g.shards_per_row, g.cells_per_column, g.column_s), (1, 1, 1));
    assert_eq!(g.cells.len(), p.shards.len());
    for (row, shard) in g.incoming_records.iter().zip(&p.shards) {
        assert_eq!(row.iter().sum::<u64>(), shard.incoming_records);
    }
    // The throughput line, times its bucket width, is the stream's total.
    let total: f64 = throughput_series(p).iter().map(|s| s.1 * p.timeseries.bucket_s as f64).sum();
    assert_eq!(total as u64, p.stream.incoming_records);
    // The per-minute view is the mean of the per-second series.
    let (hot, per_second, per_minute) = per_minute_view(p).unwrap();
    assert_eq!(per_minute.len(), per_second.len().div_ceil(60));
    assert!((per_minute[0] - per_second[..60].iter().sum::<f64>() / 60.0).abs() < 1e-12);
    let peak = per_second.iter().fold(0.0f64, |a, &b| a.max(b));
    assert!((peak - p.shards[hot].write_utilization_max).abs() < 1e-6, "{peak}");
    // Latency curves end at each consumer's maximum.
    for (curve, c) in p.charts.latency_curves.iter().zip(&p.consumers) {
        assert_eq!(curve.last().unwrap().1, c.end_to_end_latency_ms.max);
    }
}

#[test]
fn wide_runs_merge_cells_within_the_bound() {
    // 200 shards × 3,600 s is 720,000 shard-seconds: two-second cells.
    let text = consumer_scenario(200, 100, 3_600, "", "");
    let r = report(&text);
    let p = &r.points[0];
    assert_eq!(p.charts.cell_s, 2);
    assert!(
        p.charts.shard_cells.iter().map(Vec::len).sum::<usize>() as u64 <= shardsim::metrics::shard::MAX_SHARD_CELLS
    );
    let g = heatmap_grid(p);
    assert!(g.cells.len() <= 200 && g.cells[0].len() <= 1_000);
    assert_eq!(g.incoming_records.iter().flatten().sum::<u64>(), p.stream.incoming_records);
    assert!(per_minute_view(p).is_none(), "needs one-second cells");
}

#[test]
fn drawing_twice_gives_the_same_bytes() {
    let r = report(&with_consumers());
    let a = charts::render(&r).unwrap();
    let b = charts::render(&r).unwrap();
    assert_eq!(a.len(), 6);
    for (x, y) in a.iter().zip(&b) {
        assert!(x.png == y.png && x.svg == y.svg, "{} differs", x.file);
    }
}

#[test]
fn index_html_links_only_to_files_that_exist_and_shows_the_verdicts() {
    let text = with_consumers() + "[slo]\nmax_throttle_rate = 0.001\nmax_end_to_end_latency_ms_p99 = 100\n";
    let (_tmp, dir) = run_cli(&text, &[]);
    let html = fs::read_to_string(dir.join("index.html")).unwrap();
    let mut files = std::collections::BTreeSet::new();
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            let target = part.split('"').next().unwrap();
            assert!(!target.contains("://"), "external link {target}");
            match target.strip_prefix('#') {
                // Contents: every entry leads to a heading or figure.
                Some(id) => assert!(html.contains(&format!("id=\"{id}\"")), "no #{id} on the page"),
                None => {
                    assert!(Path::new(&dir).join(target).exists(), "{target} does not exist");
                    files.insert(target.to_string());
                }
            }
        }
    }
    let charts = ["heatmap", "throughput", "shard-share", "per-minute", "latency", "iterator-age"];
    let mut expected: std::collections::BTreeSet<String> =
        charts.iter().flat_map(|c| [format!("{c}.svg"), format!("{c}.png")]).collect();
    expected.extend(["report.json".to_string(), "timeseries.csv".to_string()]);
    assert_eq!(files, expected, "6 charts as SVG and PNG, report.json, timeseries.csv");
    // The page shows the SVGs; the PNGs are links.
    for part in html.split("<img src=\"").skip(1) {
        assert!(part.split('"').next().unwrap().ends_with(".svg"), "{part}");
    }
    // Verdicts first: the headline and the SLO before the charts and tables.
    let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("{needle} missing"));
    assert!(at("class=\"headline\"") < at("<table class=\"slo\"") && at("<table class=\"slo\"") < at("id=\"charts\""));
    assert!(at("id=\"charts\"") < at("id=\"figures\"") && at("id=\"figures\"") < at("id=\"scenario\""));
    assert!(html.contains("<h1>c</h1>"));
    assert!(html.contains("max_throttle_rate") && html.contains("<td>met</td>"));
    // The polling reader's p99 is far above 100 ms.
    assert!(html.contains("max_end_to_end_latency_ms_p99 (poll)") && html.contains("BROKEN"));
    assert!(html.contains("records_per_s = 300"), "the scenario text");
    // The summary is HTML tables (numbers right-aligned), not terminal text.
    assert!(!html.contains("<pre class=\"table\">"));
    assert!(html.matches("<table>").count() >= 5 && html.contains("<td class=\"num\">"));
    // Inline script only (sorting): nothing fetched.
    assert!(!html.contains("<script src"));
    // Each chart has a caption saying what to look at.
    assert_eq!(html.matches("<figcaption>").count(), 6);
}

#[test]
fn a_sweep_page_names_configurations_by_their_values() {
    let text = with_consumers() + "[slo]\nmax_throttle_rate = 0.001\n[sweep]\n\"stream.shard_count\" = [1, 4]\n";
    let (_tmp, dir) = run_cli(&text, &[]);
    let html = fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(html.contains("<td>stream.shard_count = 4</td>"), "the SLO table names rows by their values");
    assert!(html.contains(">max_throttle_rate ≤ 0.10 %</th>"), "a column per objective, its limit in the header");
    assert!(html.contains("Cheapest that does: stream.shard_count = "), "the verdict names the configuration");
    assert!(html.contains("meeting the SLO: stream.shard_count = "), "{html}");
    assert!(html.contains("<img src=\"sweep.svg\""));
    let svg = fs::read_to_string(dir.join("sweep.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("stream.shard_count (shards)"), "the x axis carries its unit");
}

#[test]
fn every_chart_is_also_an_svg_with_its_caption() {
    let r = report(&with_consumers());
    for c in charts::render(&r).unwrap() {
        assert!(c.svg.starts_with("<svg") && c.svg.trim_end().ends_with("</svg>"), "{}", c.file);
        assert!(c.svg.contains("width=\"1200\" height=\"700\""), "{}", c.file);
        // The caption is drawn under the chart (as text in the SVG).
        let words = c.caption.split(' ').take(3).collect::<Vec<_>>().join(" ");
        assert!(c.svg.contains(&words.replace('&', "&amp;")), "{}: caption {words:?}", c.file);
        assert!(c.svg.len() < 1_500_000, "{}: {} bytes", c.file, c.svg.len());
    }
}

#[test]
fn the_readme_gallery_is_what_shardsim_draws_today() {
    // docs/gallery/regenerate.sh rewrites these; a change in the charts
    // that is not regenerated fails here.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let drawn = charts::render(&bundled("hot-key.toml")).unwrap();
    for (file, gallery) in [("heatmap.png", "hot-key-heatmap.png"), ("per-minute.png", "hot-key-per-minute.png")] {
        let chart = drawn.iter().find(|c| c.file == file).unwrap();
        let committed = fs::read(root.join("docs/gallery").join(gallery)).unwrap();
        assert!(chart.png == committed, "docs/gallery/{gallery} is stale: run docs/gallery/regenerate.sh");
    }
}

#[test]
fn capacity_follows_the_open_shards_through_a_doubling() {
    // reshard-double: 8 shards, UpdateShardCount to 16 at 60 s, one split
    // completing every 30 s from 90 s to 300 s.
    let r = bundled("reshard-double.toml");
    let p = &r.points[0];
    let per_shard = r.scenario.shard_write_records_per_s;
    assert_eq!((shard_records_per_s(p), per_shard), (1_000, 1_000));
    let b = p.timeseries.bucket_s as f64;
    let capacity = capacity_series(p);
    assert_eq!(capacity.len(), throughput_series(p).len());
    // Per bucket: the most shards open in it times the per-shard limit.
    for (i, (&(t, c), &open)) in capacity.iter().zip(&p.timeseries.open_shards).enumerate() {
        assert_eq!((t, c), (i as f64 * b, (open as u64 * per_shard) as f64), "bucket {i}");
    }
    // 8 shards until the first split completes at 90 s, 9 from its bucket.
    assert!(capacity.iter().filter(|c| c.0 + b <= 90.0).all(|c| c.1 == 8_000.0));
    assert_eq!(capacity[(90.0 / b) as usize].1, 9_000.0);
    assert_eq!(capacity.last().unwrap().1, 16_000.0);
    assert!(capacity.windows(2).all(|w| w[0].1 <= w[1].1), "a doubling never lowers capacity");
}

#[test]
fn resharding_calls_are_marked_as_the_report_has_them() {
    let r = bundled("reshard-double.toml");
    let marks = operation_marks(&r.points[0]);
    assert_eq!(marks.len(), 2, "{marks:?}");
    let (doubling, refused) = (&marks[0], &marks[1]);
    assert_eq!(doubling.label, "UpdateShardCount → 16");
    assert_eq!((doubling.at_s, doubling.completed_at_s), (60.0, Some(300.0)));
    assert_eq!((doubling.status, doubling.error), ("completed", None));
    assert_eq!(refused.label, "UpdateShardCount → 12");
    assert_eq!((refused.at_s, refused.completed_at_s), (120.0, None));
    assert_eq!((refused.status, refused.error), ("rejected", Some("ResourceInUseException")));
    // Without resharding: nothing marked, capacity constant.
    let q = bundled("quickstart.toml");
    let p = &q.points[0];
    assert!(operation_marks(p).is_empty());
    assert!(capacity_series(p).iter().all(|c| c.1 == p.stream.capacity_records_per_s as f64));
}

#[test]
fn the_heatmap_is_blank_where_no_shard_existed() {
    let r = bundled("reshard-double.toml");
    let p = &r.points[0];
    let g = heatmap_grid(p);
    assert_eq!((g.shards_per_row, g.cells_per_column, g.column_s), (1, 1, 1));
    assert_eq!(g.cells.len(), 24, "rows: every shard that existed, parents and children");
    for (i, (row, shard)) in g.cells.iter().zip(&p.shards).enumerate() {
        // Column `col` is [col, col + 1) s: blank before the shard opened and
        // from the instant it closed, filled while it was open.
        for (col, cell) in row.iter().enumerate() {
            let t = col as f64;
            let absent = t + 1.0 <= shard.created_at_s || shard.closed_at_s.is_some_and(|c| t >= c);
            assert_eq!(cell.is_none(), absent, "{} at {t} s", shard.shard_id);
        }
        let (opened, closed) = (shard.created_at_s as usize, shard.closed_at_s.map(|c| c as usize));
        if i >= 8 {
            // A child: blank until its split completed, then drawn to the end.
            assert!(opened >= 90 && closed.is_none(), "{}", shard.shard_id);
            assert!(row[opened - 1].is_none() && row[opened].is_some());
            assert!(row.last().unwrap().is_some());
        } else {
            // A parent: drawn (throttling, as the stream was too small) until
            // its split completed, blank after.
            let closed = closed.unwrap();
            assert_eq!(opened, 0);
            assert!(row[closed - 1].is_some() && row[closed].is_none(), "{}", shard.shard_id);
            assert!(row[..closed].iter().flatten().any(|c| c.1), "{} throttled", shard.shard_id);
        }
    }
    // Blank cells hold no records: the rows still add up to the shards.
    for (row, shard) in g.incoming_records.iter().zip(&p.shards) {
        assert_eq!(row.iter().sum::<u64>(), shard.incoming_records);
    }
    // Without resharding every cell is drawn.
    let q = bundled("quickstart.toml");
    assert!(heatmap_grid(&q.points[0]).cells.iter().flatten().all(Option::is_some));
    // A shard without cells is a blank row; a point without any, no grid.
    let mut sparse = p.clone();
    sparse.charts.shard_cells[23].clear();
    let g = heatmap_grid(&sparse);
    assert_eq!(g.cells.len(), 24);
    assert!(g.cells[23].iter().all(Option::is_none) && g.cells[22].last().unwrap().is_some());
    sparse.charts.shard_cells.clear();
    assert!(heatmap_grid(&sparse).cells.is_empty());
}

#[test]
fn a_resharding_run_draws_its_charts() {
    let r = bundled("reshard-double.toml");
    let a = charts::render(&r).unwrap();
    for file in ["heatmap.png", "throughput.png"] {
        let chart = a.iter().find(|c| c.file == file).unwrap_or_else(|| panic!("{file} missing"));
        assert_eq!(png_size(&chart.png), Some(SIZE), "{file}");
    }
    let b = charts::render(&r).unwrap();
    assert!(a.iter().zip(&b).all(|(x, y)| x.png == y.png), "drawing is deterministic");
}

#[test]
fn the_throughput_chart_counts_mib_when_large_records_hit_the_bytes_limit_first() {
    // 4 KiB records: 1,000 records/s would be 4 MiB/s, four times a shard's
    // bytes limit, so the chart counts MiB; 200-byte records stay records.
    let big = "[scenario]\nname = \"b\"\nseed = 1\nduration_s = 20\n[stream]\nshard_count = 2\n\
               [[producers]]\nname = \"p\"\nrecords_per_s = 700\nrecord_bytes = { dist = \"fixed\", bytes = 4096 }\n";
    let r = report(big);
    let p = &r.points[0];
    assert_eq!(charts::binding_unit(p), charts::Unit::Mib);
    assert_eq!(charts::shard_limit_in(p, charts::Unit::Mib), 1.0);
    assert!(charts::capacity_in(p, charts::Unit::Mib).iter().all(|c| c.1 == 2.0));
    // Accepted MiB add up to the stream's incoming bytes.
    let series = charts::throughput_in(p, charts::Unit::Mib);
    let mib: f64 = series.iter().map(|s| s.1 * p.timeseries.bucket_s as f64).sum();
    assert!((mib * 1_048_576.0 - p.stream.incoming_bytes as f64).abs() < 1.0);
    // Throttled attempts at the mean record size.
    assert!(series.iter().any(|s| s.2 > 0.0), "700 records/s of 4 KiB (2.7 MiB/s) throttle on 2 MiB/s");
    let small = report(&consumer_scenario(2, 300, 20, "", ""));
    assert_eq!(charts::binding_unit(&small.points[0]), charts::Unit::Records);
}
