//! Charts, `timeseries.csv` and `index.html`: valid PNGs of the stated
//! size for the charts a scenario exercises, chart data that adds up to the
//! report, identical bytes when drawn twice, and a page whose links all
//! resolve.

use std::fs;
use std::path::Path;

use shardsim::report::charts::{self, SIZE, heatmap_grid, per_minute_view, throughput_series};

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
        assert!(x.png == y.png, "{} differs", x.file);
    }
}

#[test]
fn index_html_links_only_to_files_that_exist_and_shows_the_verdicts() {
    let text = with_consumers() + "[slo]\nmax_throttle_rate = 0.001\nmax_end_to_end_latency_ms_p99 = 100\n";
    let (_tmp, dir) = run_cli(&text, &[]);
    let html = fs::read_to_string(dir.join("index.html")).unwrap();
    let mut links = 0;
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            let target = part.split('"').next().unwrap();
            assert!(!target.contains("://"), "external link {target}");
            assert!(Path::new(&dir).join(target).exists(), "{target} does not exist");
            links += 1;
        }
    }
    assert_eq!(links, 8, "6 charts, report.json, timeseries.csv");
    assert!(html.contains("<h1>c</h1>"));
    assert!(html.contains("max_throttle_rate") && html.contains("<td>met</td>"));
    // The polling reader's p99 is far above 100 ms.
    assert!(html.contains("max_end_to_end_latency_ms_p99 (poll)") && html.contains("BROKEN"));
    assert!(html.contains("records_per_s = 300"), "the scenario text");
    assert!(!html.contains("<script"));
}

#[test]
fn the_readme_gallery_is_what_shardsim_draws_today() {
    // docs/gallery/regenerate.sh rewrites these; a change in the charts
    // that is not regenerated fails here.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("scenarios/hot-key.toml");
    let s = shardsim::scenario::load("hot-key.toml", &fs::read_to_string(&path).unwrap(), &[]).unwrap();
    let prices = shardsim::app::prices_for(&s, &path).unwrap();
    let r = shardsim::report::Report::single(&s, s.seed, &shardsim::sim::simulate(&s, s.seed, 0), &prices);
    let drawn = charts::render(&r).unwrap();
    for (file, gallery) in [("heatmap.png", "hot-key-heatmap.png"), ("per-minute.png", "hot-key-per-minute.png")] {
        let chart = drawn.iter().find(|c| c.file == file).unwrap();
        let committed = fs::read(root.join("docs/gallery").join(gallery)).unwrap();
        assert!(chart.png == committed, "docs/gallery/{gallery} is stale: run docs/gallery/regenerate.sh");
    }
}
