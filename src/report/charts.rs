//! Charts: PNG and SVG images of one run (write-utilization heatmap, throughput
//! against capacity, traffic share per shard, latency percentiles, iterator
//! age, the per-minute view of the hottest shard) or of a sweep (cost, and
//! throttle rate and p99 latency, against the swept value). Each chart's
//! data series is computed by a plain function the tests check against the
//! report; drawing uses plotters with an embedded font, so the bytes are the
//! same on every machine. Pure: charts come back as bytes. Each chart is
//! drawn twice by the same code, once on a bitmap (the PNG, for tickets and
//! the README) and once as SVG (the page's, crisp when zoomed; its text is
//! text), and ends with a caption line saying what to look at.
//!
//! When the stream reshards, the throughput chart's capacity is a step line
//! of the shards open in each bucket (a right-hand axis reads it in
//! shards), and each resharding call is annotated: a line where it was
//! called, labelled with what it asked for, a grey band while the stream
//! was UPDATING and a dotted line when its last step completed, or a red
//! dashed line and cross with AWS's exception when it was refused. The
//! heatmap has a row for every shard that ever existed, its cells grey
//! before the shard opened and after it closed. A run without resharding
//! draws both charts as before. An on-demand stream's splits are marked
//! the same way, those decided at one check as one mark, the band then
//! the wait from decision to split (the stream is never UPDATING).
//!
//! The throughput chart counts records, or MiB when the mean record is
//! large enough that the bytes limit binds before the records limit (a
//! records/s capacity line would otherwise sit far above traffic that is
//! already throttled).

use std::sync::Once;

use image::ImageEncoder as _;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::colors::colormaps::ViridisRGB;

use super::table::thousands;
use super::{Point, Report, ShardReport};
use crate::cost::Costs;
use crate::metrics::shard::ShardCell;
use crate::stream::limits::MIB;

/// Chart size in pixels.
pub const SIZE: (u32, u32) = (1200, 700);
/// The embedded font (DejaVu Sans; licence in `assets/fonts`).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// Most heatmap columns and rows drawn; finer series are merged (maximum
/// utilization, any throttling) so a cell is at least a pixel.
const HEATMAP_MAX_COLUMNS: usize = 1_000;
const HEATMAP_MAX_ROWS: usize = 200;
/// The one-minute period of CloudWatch's metrics.
const MINUTE_S: usize = 60;

/// Series colours: distinct in hue and, in this order, in lightness, so
/// they survive a greyscale print; lines also differ in width and dashes.
const INK: [RGBColor; 4] =
    [RGBColor(31, 78, 160), RGBColor(214, 96, 18), RGBColor(40, 150, 60), RGBColor(120, 40, 140)];
const THROTTLED: RGBColor = RGBColor(200, 20, 30);
/// Heatmap cells where no shard existed: a light neutral grey, distinct
/// from the cream of an idle shard.
const NO_SHARD: RGBColor = RGBColor(228, 228, 228);
/// Resharding marks: the call's line and the UPDATING band behind it.
const RESHARD: RGBColor = RGBColor(90, 90, 90);

/// Height of the caption line under each chart, in pixels.
const CAPTION_PX: u32 = 34;
/// The SVG heatmap merges cells to at most this many columns and rows (a
/// rectangle element each, runs of one colour joined): the PNG's
/// resolution would make a page of tens of megabytes.
const SVG_HEATMAP_MAX: (usize, usize) = (400, 100);

/// A rendered chart.
pub struct Chart {
    /// PNG file name, e.g. `heatmap.png`; the SVG's is [`Chart::svg_file`].
    pub file: &'static str,
    /// What it shows (alt text and title in `index.html`).
    pub title: String,
    /// What to look at in it (under the chart, in the image and the page).
    pub caption: String,
    /// PNG bytes.
    pub png: Vec<u8>,
    /// The same chart as an SVG document.
    pub svg: String,
}

impl Chart {
    /// The SVG's file name: `heatmap.svg` beside `heatmap.png`.
    pub fn svg_file(&self) -> String {
        self.file.replace(".png", ".svg")
    }
}

type Draw<'a, DB> = DrawingArea<DB, Shift>;

/// The charts there are; each is drawn by [`draw`] on either backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Heatmap,
    Throughput,
    Share,
    PerMinute,
    Latency,
    IteratorAge,
    Sweep,
}

/// Every chart that applies to `report`: the run charts for a single
/// configuration, the sweep charts for several.
pub fn render(report: &Report) -> Result<Vec<Chart>, String> {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // The bytes are a valid TrueType font (a test draws with them).
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
    let kinds = if report.points.len() > 1 {
        vec![Kind::Sweep]
    } else {
        let p = &report.points[0];
        let mut kinds = vec![Kind::Heatmap, Kind::Throughput, Kind::Share];
        if per_minute_view(p).is_some() {
            kinds.push(Kind::PerMinute);
        }
        if p.charts.latency_curves.iter().any(|c| !c.is_empty()) {
            kinds.extend([Kind::Latency, Kind::IteratorAge]);
        }
        kinds
    };
    kinds.into_iter().map(|k| chart(k, report)).collect()
}

/// The file name and title of chart `kind`.
fn name(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Heatmap => ("heatmap.png", "Write utilization per shard and second (throttled seconds marked)"),
        Kind::Throughput => ("throughput.png", "Incoming and throttled writes per second against capacity"),
        Kind::Share => ("shard-share.png", "Share of write attempts per shard against an even share"),
        Kind::PerMinute => {
            ("per-minute.png", "The hottest shard: per-second load against CloudWatch's one-minute average")
        }
        Kind::Latency => ("latency.png", "End-to-end latency percentiles per consumer"),
        Kind::IteratorAge => ("iterator-age.png", "Iterator age over time per consumer"),
        Kind::Sweep => ("sweep.png", "Cost, throttling and latency across the sweep"),
    }
}

/// What to look at in chart `kind` of `report`: one line under it.
fn caption(kind: Kind, report: &Report) -> String {
    let hot = report.points[0].shards.iter().filter(|s| s.hot).count();
    let text = match kind {
        Kind::Heatmap if hot > 0 => {
            let shards = if hot == 1 { "1 hot shard".to_string() } else { format!("{hot} hot shards") };
            return format!(
                "{shards}: the rows that stay dark or turn red. Red cells are seconds with throttled writes."
            );
        }
        Kind::Heatmap => {
            "An even colour across rows means an even key spread; red cells are seconds with throttled \
                          writes."
        }
        Kind::Throughput => {
            "Throttling (red) while the blue line is under the dashed capacity means uneven shards, \
                             not too few: see the heatmap."
        }
        Kind::Share => {
            "Bars above the dashed even share take more than their part of the keys; red bars are hot \
                        shards."
        }
        Kind::PerMinute => {
            "Seconds above 100 % are throttled even where the one-minute average CloudWatch shows \
                            stays below the limit."
        }
        Kind::Latency => "Read each curve at 99 % for its p99; a curve far to the right is a consumer that reads late.",
        Kind::IteratorAge => {
            "A line that keeps rising is a consumer falling behind; at the retention period records \
                              expire unread."
        }
        Kind::Sweep => {
            "Take the cheapest configuration whose throttle rate and p99 stay under the dashed SLO limits; \
                        bars are 95 % intervals."
        }
    };
    text.to_string()
}

/// Chart `kind` of `report`, as a PNG and as an SVG.
fn chart(kind: Kind, report: &Report) -> Result<Chart, String> {
    let (file, title) = name(kind);
    let caption = caption(kind, report);
    let (w, h) = SIZE;
    let mut rgb = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
        draw(kind, &root, report, &caption, (HEATMAP_MAX_COLUMNS, HEATMAP_MAX_ROWS))?;
        root.present().map_err(err)?;
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&rgb, w, h, image::ColorType::Rgb8)
        .map_err(|e| format!("{file}: cannot encode PNG: {e}"))?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        draw(kind, &root, report, &caption, SVG_HEATMAP_MAX)?;
        root.present().map_err(err)?;
    }
    Ok(Chart { file, title: title.to_string(), caption, png, svg })
}

/// Draws chart `kind` of `report` on `root` (white, [`SIZE`]) with
/// `caption` under it; the heatmap keeps at most `heatmap_max` columns and
/// rows.
fn draw<DB: DrawingBackend>(
    kind: Kind,
    root: &Draw<'_, DB>,
    report: &Report,
    caption: &str,
    heatmap_max: (usize, usize),
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let (area, under) = root.split_vertically(SIZE.1 - CAPTION_PX);
    under.draw(&Text::new(caption.to_string(), (20, 6), font(15).color(&RGBColor(60, 60, 60)))).map_err(err)?;
    let p = &report.points[0];
    match kind {
        Kind::Heatmap => heatmap(&area, p, heatmap_max),
        Kind::Throughput => throughput(&area, p),
        Kind::Share => share(&area, p),
        Kind::PerMinute => per_minute(&area, p),
        Kind::Latency => latency(&area, p),
        Kind::IteratorAge => iterator_age(&area, p),
        Kind::Sweep => sweep(&area, report),
    }
}

fn err(e: impl std::fmt::Debug) -> String {
    format!("drawing a chart failed: {e:?}")
}

fn font(size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().into()
}

type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A full-size chart titled `title` over `x` × `y`, axes described by
/// `(x_desc, y_desc)`, mesh drawn, x ticks written by `x_tick`.
fn plot<'a, DB: DrawingBackend>(
    root: &'a Draw<'_, DB>,
    title: &str,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    (x_desc, y_desc): (&str, &str),
    x_tick: &dyn Fn(&f64) -> String,
) -> Result<Plot<'a, DB>, String> {
    let mut c = ChartBuilder::on(root)
        .caption(title, font(24))
        .margin(14)
        .x_label_area_size(45)
        .y_label_area_size(80)
        .build_cartesian_2d(x, y)
        .map_err(err)?;
    c.configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(x_tick)
        .y_label_formatter(&tick)
        .axis_desc_style(font(16))
        .label_style(font(14))
        .draw()
        .map_err(err)?;
    Ok(c)
}

/// An axis tick: a whole number with thousands set apart by spaces
/// (`12 000`, not `12000.0`: at tick size a comma reads as a decimal point),
/// anything else with the decimals it needs, up to three.
fn tick(v: &f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        let sign = if *v < -0.5 { "-" } else { "" };
        return format!("{sign}{}", super::table::thousands(v.abs().round() as u64).replace(',', " "));
    }
    let text = format!("{v:.3}");
    text.trim_end_matches('0').to_string()
}

/// A tick on an axis of whole counts (shards, configurations): none
/// between them.
fn whole_tick(v: &f64) -> String {
    if (v - v.round()).abs() < 1e-9 { tick(v) } else { String::new() }
}

// ---------------------------------------------------------------- data

/// The heatmap grid: `rows` × `columns` of (utilization, throttled),
/// merging shards and cells so neither exceeds the drawable maximum.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatmapGrid {
    /// Shards per row.
    pub shards_per_row: usize,
    /// Cells per column.
    pub cells_per_column: usize,
    /// Seconds per column.
    pub column_s: u64,
    /// `[row][column]`: highest utilization of a second, and whether any
    /// attempt was throttled; `None` where none of the row's shards existed
    /// during the column (before a resharding created them, or after one
    /// closed them), so the chart can tell "no shard" from "idle shard".
    pub cells: Vec<Vec<Option<(f32, bool)>>>,
    /// Records accepted per `[row][column]` (for checks).
    pub incoming_records: Vec<Vec<u64>>,
}

/// The heatmap grid of `p`. Cell `i` of a shard covers `[i × cell_s, (i + 1)
/// × cell_s)` from time 0 (warm-up cells are there, empty), as the shard
/// meters index them.
pub fn heatmap_grid(p: &Point) -> HeatmapGrid {
    heatmap_grid_within(p, (HEATMAP_MAX_COLUMNS, HEATMAP_MAX_ROWS))
}

/// [`heatmap_grid`] with at most `max_columns` and `max_rows`.
fn heatmap_grid_within(p: &Point, (max_columns, max_rows): (usize, usize)) -> HeatmapGrid {
    let shards = &p.charts.shard_cells;
    let n_cells = shards.iter().map(Vec::len).max().unwrap_or(0);
    let shards_per_row = shards.len().div_ceil(max_rows).max(1);
    let cells_per_column = n_cells.div_ceil(max_columns).max(1);
    let rows = shards.len().div_ceil(shards_per_row);
    let columns = n_cells.div_ceil(cells_per_column);
    let mut cells = vec![vec![None::<(f32, bool)>; columns]; rows];
    let mut incoming = vec![vec![0u64; columns]; rows];
    let w = p.charts.cell_s as f64;
    for (s, series) in shards.iter().enumerate() {
        // A shard the report does not describe is taken to have existed
        // throughout, as every shard did before resharding.
        let shard = p.shards.get(s);
        for (i, c) in series.iter().enumerate() {
            let (r, col) = (s / shards_per_row, i / cells_per_column);
            incoming[r][col] += c.incoming_records as u64;
            if shard.is_some_and(|x| !existed(x, i as f64 * w, (i + 1) as f64 * w)) {
                continue;
            }
            let cell = cells[r][col].get_or_insert((0.0, false));
            cell.0 = cell.0.max(c.write_utilization_max);
            cell.1 |= c.write_throttled > 0;
        }
    }
    HeatmapGrid {
        shards_per_row,
        cells_per_column,
        column_s: p.charts.cell_s * cells_per_column as u64,
        cells,
        incoming_records: incoming,
    }
}

/// Whether `shard` was open at some instant of `[start_s, end_s)`: it
/// opened before the end and had not closed by the start (a parent closes
/// at the instant its children open, so that instant is the children's).
fn existed(shard: &ShardReport, start_s: f64, end_s: f64) -> bool {
    shard.created_at_s < end_s && shard.closed_at_s.is_none_or(|c| c > start_s)
}

/// Stream totals per second over time: (start s, incoming/s, throttled/s).
pub fn throughput_series(p: &Point) -> Vec<(f64, f64, f64)> {
    throughput_in(p, Unit::Records)
}

/// What the throughput chart counts: records, or MiB when the records are
/// large enough that the bytes limit binds first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Records per second.
    Records,
    /// MiB per second.
    Mib,
}

/// The limit that binds first for `p`'s mean accepted record: MiB when
/// records/s at the records limit would pass the bytes limit.
pub fn binding_unit(p: &Point) -> Unit {
    let s = &p.stream;
    let per_record = s.write_limit_bytes as f64 / s.incoming_records.max(1) as f64;
    let records_at_limit_bytes = per_record * s.capacity_records_per_s as f64;
    if records_at_limit_bytes > s.capacity_bytes_per_s as f64 { Unit::Mib } else { Unit::Records }
}

/// [`throughput_series`] in `unit`: in MiB, accepted bytes as the write
/// limit charged them (comparable with its capacity), and throttled
/// attempts at the run's mean charged record size.
pub fn throughput_in(p: &Point, unit: Unit) -> Vec<(f64, f64, f64)> {
    let t = &p.timeseries;
    let b = t.bucket_s as f64;
    let mib = MIB as f64;
    let per_record = p.stream.write_limit_bytes as f64 / p.stream.incoming_records.max(1) as f64;
    (0..t.incoming_records.len())
        .map(|i| {
            let (ok, no) = match unit {
                Unit::Records => (t.incoming_records[i] as f64, t.write_throttled[i] as f64),
                Unit::Mib => (t.write_limit_bytes[i] as f64 / mib, t.write_throttled[i] as f64 * per_record / mib),
            };
            (i as f64 * b, ok / b, no / b)
        })
        .collect()
}

/// One shard's limit in `unit` (records/s or MiB/s).
pub fn shard_limit_in(p: &Point, unit: Unit) -> f64 {
    match unit {
        Unit::Records => shard_records_per_s(p) as f64,
        Unit::Mib => p.stream.capacity_bytes_per_s as f64 / p.stream.shard_count.max(1) as f64 / MIB as f64,
    }
}

/// The records/s limit of one shard: the stream's initial capacity over
/// its initial shard count (every shard, old or new, has the same limit).
pub fn shard_records_per_s(p: &Point) -> u64 {
    p.stream.capacity_records_per_s / u64::from(p.stream.shard_count.max(1))
}

/// The stream's records/s capacity over time, per `timeseries` bucket:
/// (start s, open shards × [`shard_records_per_s`]), with the most shards
/// open in the bucket — a step line that climbs as a resharding's children
/// open (constant without resharding).
pub fn capacity_series(p: &Point) -> Vec<(f64, f64)> {
    capacity_in(p, Unit::Records)
}

/// [`capacity_series`] in `unit`.
pub fn capacity_in(p: &Point, unit: Unit) -> Vec<(f64, f64)> {
    let t = &p.timeseries;
    let per_shard = shard_limit_in(p, unit);
    t.open_shards.iter().enumerate().map(|(i, &n)| ((i as u64 * t.bucket_s) as f64, n as f64 * per_shard)).collect()
}

/// One resharding call as the throughput chart marks it.
#[derive(Clone, Debug, PartialEq)]
pub struct OperationMark {
    /// When it was called (and, if accepted, when the stream went
    /// UPDATING).
    pub at_s: f64,
    /// When its last step completed (`None`: rejected, or still running
    /// when the run ended).
    pub completed_at_s: Option<f64>,
    /// `completed`, `in_progress` or `rejected`, as in the report.
    pub status: &'static str,
    /// What it asked for: `UpdateShardCount → 16`, `SplitShard shardId-…3`
    /// or `MergeShards shardId-…3 + …4`.
    pub label: String,
    /// AWS's exception name when rejected.
    pub error: Option<&'static str>,
}

/// Every resharding call of `p`, in call order; the on-demand service's
/// splits decided at one check are one mark.
pub fn operation_marks(p: &Point) -> Vec<OperationMark> {
    let ops = &p.reshard_operations;
    let mut marks = Vec::new();
    let mut i = 0;
    while i < ops.len() {
        let o = &ops[i];
        let batch = super::ReshardOperation::service_batch(&ops[i..]);
        if batch > 0 {
            marks.push(OperationMark {
                at_s: o.at_s,
                completed_at_s: o.completed_at_s,
                status: o.status,
                label: format!("on-demand: split {batch} shard{}", if batch == 1 { "" } else { "s" }),
                error: None,
            });
            i += batch;
            continue;
        }
        marks.extend(std::iter::once(o).map(|o| {
            let arg =
                |k: &str| o.requested.get(k).map_or_else(String::new, |v| v.as_str().map_or(v.to_string(), short_id));
            let label = match o.op {
                "update_shard_count" => format!("UpdateShardCount → {}", arg("target")),
                "split" => format!("SplitShard {}", arg("shard")),
                "merge" => format!("MergeShards {} + {}", arg("shard"), arg("adjacent").replace("shardId-", "")),
                other => other.to_string(),
            };
            OperationMark {
                at_s: o.started_at_s.unwrap_or(o.at_s),
                completed_at_s: o.completed_at_s,
                status: o.status,
                label,
                error: o.error,
            }
        }));
        i += 1;
    }
    marks
}

/// `shardId-000000000003` → `shardId-…3`: the index is what tells shards
/// apart, and twelve digits per label would crowd the chart.
fn short_id(id: &str) -> String {
    match id.strip_prefix("shardId-") {
        Some(n) => {
            let n = n.trim_start_matches('0');
            format!("shardId-…{}", if n.is_empty() { "0" } else { n })
        }
        None => id.to_string(),
    }
}

/// The hottest shard's per-second accepted load (fraction of its limit)
/// and the one-minute means CloudWatch would show, when cells are one
/// second wide: (shard index, per-second, per-minute means).
pub fn per_minute_view(p: &Point) -> Option<(usize, Vec<f64>, Vec<f64>)> {
    if p.charts.cell_s != 1 || p.shards.is_empty() {
        return None;
    }
    let (hot, _) = p.shards.iter().enumerate().max_by(|a, b| a.1.traffic_share.total_cmp(&b.1.traffic_share))?;
    let cells: &[ShardCell] = &p.charts.shard_cells[hot];
    let per_second: Vec<f64> = cells.iter().map(|c| c.write_utilization_max as f64).collect();
    let per_minute = per_second.chunks(MINUTE_S).map(|m| m.iter().sum::<f64>() / m.len() as f64).collect();
    Some((hot, per_second, per_minute))
}

// ---------------------------------------------------------------- drawing

/// Reversed, lightened viridis: idle is near white, 100 % is a deep teal.
fn utilization_colour(u: f32) -> RGBColor {
    let u = u.clamp(0.0, 1.0) as f64;
    let base = ViridisRGB::get_color(1.0 - 0.7 * u);
    let mix = 0.15 + 0.85 * u;
    let lerp = |c: u8| (255.0 + (c as f64 - 255.0) * mix).round() as u8;
    RGBColor(lerp(base.0), lerp(base.1), lerp(base.2))
}

/// A heatmap row as runs `(first column, column after the last, colour)`.
fn colour_runs(row: &[Option<(f32, bool)>]) -> Vec<(usize, usize, RGBColor)> {
    let mut runs: Vec<(usize, usize, RGBColor)> = Vec::new();
    for (col, cell) in row.iter().enumerate() {
        let colour = match *cell {
            None => NO_SHARD,
            Some((_, true)) => THROTTLED,
            Some((u, false)) => utilization_colour(u),
        };
        match runs.last_mut() {
            Some(run) if run.2 == colour => run.1 = col + 1,
            _ => runs.push((col, col + 1, colour)),
        }
    }
    runs
}

fn heatmap<DB: DrawingBackend>(root: &Draw<'_, DB>, p: &Point, max: (usize, usize)) -> Result<(), String> {
    let g = heatmap_grid_within(p, max);
    let rows = g.cells.len().max(1);
    let columns = g.cells.first().map_or(1, Vec::len).max(1);
    let (area, legend) = root.split_horizontally(SIZE.0 - 110);
    let height = root.dim_in_pixel().1 as i32;
    let mut c = ChartBuilder::on(&area)
        .caption("Write utilization per shard over time", font(24))
        .margin(14)
        .x_label_area_size(45)
        .y_label_area_size(110)
        .build_cartesian_2d(0f64..(columns as f64 * g.column_s as f64), -0.5f64..rows as f64 - 0.5)
        .map_err(err)?;
    let shards_per_row = g.shards_per_row;
    // A row is named by its (first) shard's number, which for an imported
    // map is the stream's own, not the row's index.
    let number = |i: usize| {
        let id = p.shards.get(i).map_or("", |s| s.shard_id.as_str());
        short_id(id).trim_start_matches("shardId-…").to_string()
    };
    c.configure_mesh()
        .disable_mesh()
        .x_desc(format!(
            "time (s){}",
            if g.column_s > 1 { format!(", {} s per column", g.column_s) } else { String::new() }
        ))
        .y_desc(if shards_per_row > 1 {
            format!("shard number ({shards_per_row} shards per row)")
        } else {
            "shard number".into()
        })
        .y_labels(rows.min(25))
        .y_label_formatter(&|y| {
            let r = rows as f64 - 1.0 - y.round();
            if (y - y.round()).abs() < 1e-6 && r >= 0.0 { number(r as usize * shards_per_row) } else { String::new() }
        })
        .x_label_formatter(&|x| format!("{x:.0}"))
        .axis_desc_style(font(16))
        .label_style(font(14))
        .draw()
        .map_err(err)?;
    let w = g.column_s as f64;
    // One rectangle per run of cells of one colour in a row: the same
    // pixels, far fewer SVG elements (idle and saturated shards are long
    // runs).
    c.draw_series(g.cells.iter().enumerate().flat_map(|(r, row)| {
        let y = (rows - 1 - r) as f64;
        colour_runs(row).into_iter().map(move |(from, to, colour)| {
            Rectangle::new([(from as f64 * w, y - 0.5), (to as f64 * w, y + 0.5)], colour.filled())
        })
    }))
    .map_err(err)?;
    // Legend: the colour scale, the throttled colour and, when a
    // resharding left cells without a shard, their colour (the scale moves
    // up to make room, so runs without resharding draw as they always did).
    let blanks = g.cells.iter().flatten().any(Option::is_none);
    let mut l = ChartBuilder::on(&legend)
        .margin_top(60)
        .margin_bottom(if blanks { 110 } else { 60 })
        .margin_right(10)
        .y_label_area_size(45)
        .build_cartesian_2d(0f64..1f64, 0f64..100f64)
        .map_err(err)?;
    l.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_desc("busiest second, % of limit")
        .y_label_formatter(&|v| format!("{v:.0}"))
        .axis_desc_style(font(14))
        .label_style(font(13))
        .draw()
        .map_err(err)?;
    l.draw_series((0..100).map(|v| {
        Rectangle::new([(0.0, v as f64), (1.0, v as f64 + 1.0)], utilization_colour(v as f32 / 100.0).filled())
    }))
    .map_err(err)?;
    legend.draw(&Rectangle::new([(10, height - 48), (30, height - 28)], THROTTLED.filled())).map_err(err)?;
    legend.draw(&Text::new("throttled", (34, height - 46), font(14))).map_err(err)?;
    if blanks {
        let top = height - 92;
        legend.draw(&Rectangle::new([(10, top), (30, top + 20)], NO_SHARD.filled())).map_err(err)?;
        // An outline, or the pale swatch would vanish on the white legend.
        legend.draw(&Rectangle::new([(10, top), (30, top + 20)], RGBColor(150, 150, 150))).map_err(err)?;
        legend.draw(&Text::new("shard did", (34, top - 6), font(14))).map_err(err)?;
        legend.draw(&Text::new("not exist", (34, top + 10), font(14))).map_err(err)?;
    }
    Ok(())
}

/// How the throughput chart names its unit: the y axis, one shard's
/// capacity, and the throttled line.
fn unit_text(p: &Point, unit: Unit) -> (&'static str, String, &'static str) {
    match unit {
        Unit::Records => {
            ("records per second", format!("{} records/s", thousands(shard_records_per_s(p))), "throttled attempts")
        }
        Unit::Mib => {
            ("MiB per second", format!("{} MiB/s", shard_limit_in(p, unit)), "throttled attempts (× mean record size)")
        }
    }
}

fn throughput<DB: DrawingBackend>(root: &Draw<'_, DB>, p: &Point) -> Result<(), String> {
    // Large records hit the bytes limit first: then the chart counts MiB.
    let unit = binding_unit(p);
    let series = throughput_in(p, unit);
    let marks = operation_marks(p);
    if !marks.is_empty() {
        return throughput_resharded(root, p, unit, &series, &marks);
    }
    let end = series.last().map_or(1.0, |s| s.0 + p.timeseries.bucket_s as f64);
    let capacity = shard_limit_in(p, unit) * p.stream.shard_count as f64;
    let top = series.iter().map(|s| s.1.max(s.2)).fold(capacity, f64::max) * 1.15;
    let (axis, per_shard, throttled) = unit_text(p, unit);
    let title = format!("Stream throughput (per second) against its {} capacity", axis.replace(" per second", "/s"));
    let mut c = plot(root, &title, 0.0..end, 0.0..top, ("time (s)", axis), &tick)?;
    flows(&mut c, &series, throttled)?;
    c.draw_series(DashedLineSeries::new(vec![(0.0, capacity), (end, capacity)], 10, 6, BLACK.stroke_width(2)))
        .map_err(err)?
        .label(format!("capacity ({per_shard} per shard)"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], BLACK.stroke_width(2)));
    legend(&mut c, SeriesLabelPosition::UpperRight)
}

/// The incoming and throttled lines of [`throughput_in`].
fn flows<'a, DB: DrawingBackend + 'a>(
    c: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    series: &[(f64, f64, f64)],
    throttled: &str,
) -> Result<(), String> {
    c.draw_series(LineSeries::new(series.iter().map(|s| (s.0, s.1)), INK[0].stroke_width(2)))
        .map_err(err)?
        .label("incoming (accepted)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], INK[0].stroke_width(2)));
    c.draw_series(LineSeries::new(series.iter().map(|s| (s.0, s.2)), THROTTLED.stroke_width(1)))
        .map_err(err)?
        .label(throttled)
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], THROTTLED.stroke_width(1)));
    Ok(())
}

/// The throughput chart of a run that resharded: capacity as a step line
/// of the open shards (read on the right-hand axis in shards), a grey band
/// while each accepted call kept the stream UPDATING (solid line at the
/// call, dotted at its last step), and refused calls as red dashed lines
/// with a cross, each labelled with what it asked for and when.
fn throughput_resharded<DB: DrawingBackend>(
    root: &Draw<'_, DB>,
    p: &Point,
    unit: Unit,
    series: &[(f64, f64, f64)],
    marks: &[OperationMark],
) -> Result<(), String> {
    let end = series.last().map_or(1.0, |s| s.0 + p.timeseries.bucket_s as f64);
    let capacity = capacity_in(p, unit);
    let per_shard = shard_limit_in(p, unit).max(f64::MIN_POSITIVE);
    let (axis, per_shard_text, throttled) = unit_text(p, unit);
    let high = series.iter().map(|s| s.1.max(s.2)).chain(capacity.iter().map(|c| c.1)).fold(1.0, f64::max);
    // The space above the data holds the calls' labels.
    let top = high * 1.5;
    let title = "Stream throughput (per second) against its capacity as shards open and close";
    let mut c = ChartBuilder::on(root)
        .caption(title, font(24))
        .margin(14)
        .x_label_area_size(45)
        .y_label_area_size(80)
        .right_y_label_area_size(70)
        .build_cartesian_2d(0.0..end, 0.0..top)
        .map_err(err)?
        // Capacity is open shards × the per-shard limit, so this axis reads
        // the capacity line as a shard count.
        .set_secondary_coord(0.0..end, 0.0..top / per_shard);
    c.configure_mesh()
        .x_desc("time (s)")
        .y_desc(axis)
        .axis_desc_style(font(16))
        .label_style(font(14))
        .draw()
        .map_err(err)?;
    c.configure_secondary_axes()
        .y_desc("open shards (capacity line)")
        .y_label_formatter(&|v| if (v - v.round()).abs() < 1e-9 { format!("{v:.0}") } else { String::new() })
        .axis_desc_style(font(16))
        .label_style(font(14))
        .draw()
        .map_err(err)?;
    let (accepted, refused): (Vec<&OperationMark>, Vec<&OperationMark>) = marks.iter().partition(|m| m.error.is_none());
    let capacity_label = format!("capacity (open shards × {per_shard_text})");
    // The on-demand service's splits wait out their delay; the stream is
    // never UPDATING.
    let (updating_label, call_label, refused_label) = match p.capacity.mode {
        "on_demand" | "on_demand_advantage" => {
            ("split pending (decided → split)", "on-demand split decided (dotted: done)", "")
        }
        _ => ("stream UPDATING (call → last step done)", "resharding call (dotted: done)", "refused call (✕, dashed)"),
    };
    let mut labels = vec!["incoming (accepted)", throttled, &capacity_label];
    if !accepted.is_empty() {
        labels.splice(0..0, [updating_label]);
        labels.push(call_label);
    }
    if !refused.is_empty() {
        labels.push(refused_label);
    }
    // Bands first, so that every line draws over them.
    let band = RESHARD.mix(0.12);
    let vertical = |x: f64| vec![(x, 0.0), (x, top)];
    let line = RESHARD.stroke_width(2);
    if !accepted.is_empty() {
        c.draw_series(
            accepted
                .iter()
                .map(|m| Rectangle::new([(m.at_s, 0.0), (m.completed_at_s.unwrap_or(end), top)], band.filled())),
        )
        .map_err(err)?
        .label(updating_label)
        .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 24, y + 6)], band.filled()));
    }
    flows(&mut c, series, throttled)?;
    let steps: Vec<(f64, f64)> = capacity
        .iter()
        .enumerate()
        .flat_map(|(i, &(t, v))| [(t, v), (capacity.get(i + 1).map_or(end, |n| n.0), v)])
        .collect();
    c.draw_series(DashedLineSeries::new(steps, 10, 6, BLACK.stroke_width(2)))
        .map_err(err)?
        .label(capacity_label.as_str())
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], BLACK.stroke_width(2)));
    if !accepted.is_empty() {
        c.draw_series(accepted.iter().map(|m| PathElement::new(vertical(m.at_s), line)))
            .map_err(err)?
            .label(call_label)
            .legend(move |(x, y)| PathElement::new(vec![(x + 12, y - 7), (x + 12, y + 7)], line));
    }
    for t in accepted.iter().filter_map(|m| m.completed_at_s) {
        c.draw_series(DashedLineSeries::new(vertical(t), 3, 4, RESHARD.stroke_width(1))).map_err(err)?;
    }
    let cross = THROTTLED.stroke_width(2);
    for m in &refused {
        c.draw_series(DashedLineSeries::new(vertical(m.at_s), 8, 5, cross)).map_err(err)?;
    }
    if !refused.is_empty() {
        c.draw_series(std::iter::empty::<PathElement<(f64, f64)>>())
            .map_err(err)?
            .label(refused_label)
            .legend(move |(x, y)| Cross::new((x + 12, y), 5, cross));
    }
    mark_labels(root, &c, marks, high, legend_size(&labels)?)?;
    legend(&mut c, SeriesLabelPosition::UpperRight)
}

/// Writes each call's label beside its line, in the highest free row of
/// the space above the data (`high`, in records/s) that keeps clear of the
/// legend (`legend_px`: its width and height at the upper right) and of
/// earlier labels; right of the line unless it would pass the edge. A
/// label that fits nowhere is left out: its line still shows the call.
fn mark_labels<'a, DB: DrawingBackend + 'a>(
    root: &Draw<'_, DB>,
    c: &ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    marks: &[OperationMark],
    high: f64,
    legend_px: (i32, i32),
) -> Result<(), String> {
    const ROW_PX: i32 = 20;
    const GAP_PX: i32 = 8;
    let style = font(14);
    let (x_px, y_px) = c.plotting_area().get_pixel_range();
    let data_top_px = c.backend_coord(&(0.0, high)).1;
    // Where plotters puts the legend (5 px in from the corner).
    let legend = (x_px.end - legend_px.0 - 5 - GAP_PX, y_px.start + 5 + legend_px.1 + GAP_PX);
    let rows = ((data_top_px - y_px.start - 6) / ROW_PX).max(1) as usize;
    let mut taken: Vec<Vec<(i32, i32)>> = vec![Vec::new(); rows];
    for m in marks {
        let text = match (m.error, m.completed_at_s) {
            // The cross and the colour say refused; the exception says why.
            (Some(e), _) => format!("{} at {} s: {e}", m.label, seconds(m.at_s)),
            (None, Some(done)) => format!("{} ({}–{} s)", m.label, seconds(m.at_s), seconds(done)),
            (None, None) => format!("{} ({} s, still running at the end)", m.label, seconds(m.at_s)),
        };
        let (w, h) = root.estimate_text_size(&text, &style).map_err(err)?;
        // A refused call's cross sits before its text.
        let cross = if m.error.is_some() { 14 } else { 0 };
        let width = cross + w as i32;
        let line_px = c.backend_coord(&(m.at_s, 0.0)).0;
        let spot = (0..rows).find_map(|row| {
            let y = y_px.start + 6 + row as i32 * ROW_PX;
            let right_px = if y < legend.1 { legend.0 } else { x_px.end };
            [line_px + 5, line_px - 5 - width]
                .into_iter()
                .filter(|&left| left >= x_px.start && left + width <= right_px)
                .find(|&left| taken[row].iter().all(|&(a, b)| left + width + GAP_PX <= a || b + GAP_PX <= left))
                .map(|left| (row, left, y))
        });
        let Some((row, left, y)) = spot else { continue };
        taken[row].push((left, left + width));
        let h = h as i32;
        root.draw(&Rectangle::new([(left - 3, y - 3), (left + width + 3, y + h + 3)], WHITE.filled())).map_err(err)?;
        let ink = if m.error.is_some() { THROTTLED } else { BLACK };
        if m.error.is_some() {
            root.draw(&Cross::new((left + 6, y + h / 2), 5, THROTTLED.stroke_width(2))).map_err(err)?;
        }
        root.draw(&Text::new(text, (left + cross, y), style.color(&ink))).map_err(err)?;
    }
    Ok(())
}

/// `60` for whole seconds, else one decimal: a label names an instant,
/// and nanosecond digits would only crowd it.
fn seconds(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.1}") }
}

/// Width and height in pixels of the legend [`legend`] draws for `labels`.
fn legend_size(labels: &[&str]) -> Result<(i32, i32), String> {
    let style = font(15);
    let mut text = MultiLineText::<_, &str>::new((0, 0), &style);
    labels.iter().for_each(|l| text.push_line(*l));
    let (w, h) = text.estimate_dimension().map_err(err)?;
    // plotters adds a 30-pixel swatch column and a 10-pixel margin all round.
    Ok((w + 30 + 20, h + 20))
}

fn legend<'a, DB: DrawingBackend + 'a, X: Ranged, Y: Ranged>(
    c: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    at: SeriesLabelPosition,
) -> Result<(), String> {
    c.configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(font(15))
        .position(at)
        .draw()
        .map_err(err)
}

fn share<DB: DrawingBackend>(root: &Draw<'_, DB>, p: &Point) -> Result<(), String> {
    let n = p.shards.len().max(1);
    let top = p.shards.iter().map(|s| s.traffic_share).fold(1.0 / n as f64, f64::max) * 100.0 * 1.15;
    let axes = ("shard index (0 = first shard in the report)", "% of all write attempts");
    let mut c = plot(root, "Share of write attempts per shard", 0.0..n as f64, 0.0..top, axes, &whole_tick)?;
    c.draw_series(p.shards.iter().enumerate().map(|(i, s)| {
        let colour = if s.hot { THROTTLED } else { INK[0] };
        Rectangle::new([(i as f64 + 0.1, 0.0), (i as f64 + 0.9, s.traffic_share * 100.0)], colour.mix(0.85).filled())
    }))
    .map_err(err)?
    .label("share (red: hot shard)")
    .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], INK[0].filled()));
    let even = 100.0 / n as f64;
    c.draw_series(DashedLineSeries::new(vec![(0.0, even), (n as f64, even)], 10, 6, BLACK.stroke_width(2)))
        .map_err(err)?
        .label(format!("even share ({even:.1} %)"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], BLACK.stroke_width(2)));
    legend(&mut c, SeriesLabelPosition::UpperRight)
}

fn per_minute<DB: DrawingBackend>(root: &Draw<'_, DB>, p: &Point) -> Result<(), String> {
    let Some((hot, per_second, per_minute)) = per_minute_view(p) else { return Ok(()) };
    let end = per_second.len() as f64;
    let top = per_second.iter().fold(1.0f64, |a, &b| a.max(b)) * 100.0 * 1.15;
    let title = format!("{}: per second vs one-minute average", p.shards[hot].shard_id);
    let axes = ("time (s, after warm-up)", "accepted load, % of the shard's limit");
    let mut c = plot(root, &title, 0.0..end, 0.0..top, axes, &tick)?;
    c.draw_series(LineSeries::new(
        per_second.iter().enumerate().map(|(i, u)| (i as f64, u * 100.0)),
        INK[1].stroke_width(1),
    ))
    .map_err(err)?
    .label("per second (what the limit sees)")
    .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], INK[1].stroke_width(1)));
    let steps = per_minute.iter().enumerate().flat_map(|(m, u)| {
        let (a, b) = ((m * MINUTE_S) as f64, (((m + 1) * MINUTE_S) as f64).min(end));
        [(a, u * 100.0), (b, u * 100.0)]
    });
    c.draw_series(LineSeries::new(steps, INK[0].stroke_width(4)))
        .map_err(err)?
        .label("one-minute average (what CloudWatch shows)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], INK[0].stroke_width(4)));
    c.draw_series(DashedLineSeries::new(vec![(0.0, 100.0), (end, 100.0)], 10, 6, BLACK.stroke_width(2)))
        .map_err(err)?
        .label("limit")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], BLACK.stroke_width(2)));
    legend(&mut c, SeriesLabelPosition::UpperRight)
}

fn latency<DB: DrawingBackend>(root: &Draw<'_, DB>, p: &Point) -> Result<(), String> {
    let curves = &p.charts.latency_curves;
    let max = curves.iter().flatten().map(|c| c.1).fold(1.0f64, f64::max) * 1.5;
    let min = curves.iter().flatten().map(|c| c.1).filter(|&v| v > 0.0).fold(max, f64::min).max(0.01) / 1.5;
    let mut c = ChartBuilder::on(root)
        .caption("End-to-end latency: percentile reached by each delay", font(24))
        .margin(14)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d((min..max).log_scale(), 0f64..100f64)
        .map_err(err)?;
    c.configure_mesh()
        .x_desc("latency (ms, log scale)")
        .y_desc("percentile (%)")
        .axis_desc_style(font(16))
        .label_style(font(14))
        .draw()
        .map_err(err)?;
    for (i, (curve, consumer)) in curves.iter().zip(&p.consumers).enumerate() {
        let ink = INK[i % INK.len()];
        let width = 1 + (i % 3) as u32;
        let pts: Vec<(f64, f64)> = curve.iter().map(|&(q, ms)| (ms.max(min), q * 100.0)).collect();
        c.draw_series(LineSeries::new(pts.clone(), ink.stroke_width(width)))
            .map_err(err)?
            .label(format!("{} (p99 {:.0} ms)", consumer.name, consumer.end_to_end_latency_ms.p99))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], ink.stroke_width(width)));
        c.draw_series(pts.iter().step_by(5).map(|&pt| Circle::new(pt, 3, ink.filled()))).map_err(err)?;
    }
    legend(&mut c, SeriesLabelPosition::LowerRight)
}

fn iterator_age<DB: DrawingBackend>(root: &Draw<'_, DB>, p: &Point) -> Result<(), String> {
    let b = p.timeseries.bucket_s as f64;
    let ages = &p.charts.consumer_ages_ms;
    let end = ages.first().map_or(1.0, |a| a.len() as f64 * b);
    let top = ages.iter().flatten().fold(1.0f64, |a, &v| a.max(v / 1_000.0)) * 1.15;
    let title = "Iterator age (how far behind each consumer reads)";
    let mut c = plot(root, title, 0.0..end, 0.0..top, ("time (s)", "largest iterator age (s)"), &tick)?;
    for (i, (series, consumer)) in ages.iter().zip(&p.consumers).enumerate() {
        let ink = INK[i % INK.len()];
        let width = 1 + (i % 3) as u32;
        let pts = series.iter().enumerate().filter(|(_, v)| **v > 0.0).map(|(k, &v)| (k as f64 * b, v / 1_000.0));
        c.draw_series(LineSeries::new(pts, ink.stroke_width(width)))
            .map_err(err)?
            .label(consumer.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], ink.stroke_width(width)));
    }
    legend(&mut c, SeriesLabelPosition::UpperRight)
}

/// The first swept parameter of each point as a number (its index when it
/// is not one), with its name.
pub fn sweep_axis(report: &Report) -> (String, Vec<f64>) {
    let name = report.points[0].parameters.keys().next().cloned().unwrap_or_else(|| "configuration".into());
    let xs = report
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| p.parameters.get(&name).and_then(|v| v.as_f64()).unwrap_or(i as f64))
        .collect();
    (name, xs)
}

/// A swept parameter's axis title with its unit, read from the key's name
/// (`…_ms`, `…_s`, `…_per_s`, `shard_count`, …).
fn parameter_axis(name: &str) -> String {
    let key = name.rsplit('.').next().unwrap_or(name);
    let suffixes = [
        ("_ms", "ms"),
        ("_per_s", "per second"),
        ("_mib_s", "MiB/s"),
        ("_s", "s"),
        ("_pct", "%"),
        ("_bytes", "bytes"),
        ("_records", "records"),
    ];
    let unit = match key {
        "shard_count" => Some("shards"),
        "instances" | "workers" | "keys" | "shards" => Some(key),
        _ => suffixes.iter().find(|(end, _)| key.ends_with(end)).map(|(_, unit)| *unit),
    };
    match unit {
        Some(unit) => format!("{name} ({unit})"),
        None => name.to_string(),
    }
}

fn sweep<DB: DrawingBackend>(root: &Draw<'_, DB>, report: &Report) -> Result<(), String> {
    let (name, xs) = sweep_axis(report);
    let (lo, hi) = xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
    let pad = ((hi - lo) * 0.05).max(0.5);
    let numeric = report.points.iter().all(|p| p.parameters.get(&name).is_some_and(|v| v.is_number()));
    let axis = match numeric {
        true => parameter_axis(&name),
        false => format!("{name} (configuration number, from 0)"),
    };
    let x = ((lo - pad)..(hi + pad), axis.as_str());
    let band = |label: &str, i: usize, value: &dyn Fn(&Point) -> (f64, f64, f64)| Band {
        label: label.to_string(),
        ink: INK[i],
        width: 2 + i as u32,
        points: xs.iter().zip(&report.points).map(|(&x, p)| (x, value(p))).collect(),
    };
    let (top, bottom) = root.split_vertically(root.dim_in_pixel().1 / 2);
    let costs: Vec<Band> = report.points[0]
        .cost
        .modes
        .modes()
        .iter()
        .enumerate()
        .map(|(i, (mode, _))| {
            let cost = |p: &Point| {
                let c = p.cost.modes.mode(mode).map_or(0.0, |c| c.usd_per_hour);
                p.interval(&format!("cost.{mode}.usd_per_hour"), c)
            };
            band(Costs::label(mode), i, &cost)
        })
        .collect();
    panel(&top, &format!("Cost per hour against {name}"), x.clone(), "USD per hour", &costs, None)?;
    let (left, right) = bottom.split_horizontally(SIZE.0 / 2);
    let throttle = |p: &Point| {
        let (l, m, h) = p.interval("producers.throttle_rate", p.producers.total.throttle_rate);
        (l * 100.0, m * 100.0, h * 100.0)
    };
    let mut t = band("throttle rate", 0, &throttle);
    t.ink = THROTTLED;
    let limit = slo_limit(report, "max_throttle_rate").map(|l| l * 100.0);
    panel(&left, "Write throttle rate", x.clone(), "% of attempts", &[t], limit)?;
    let p99 = |p: &Point| p.worst_p99().map_or((0.0, 0.0, 0.0), |(path, v)| p.interval(&path, v));
    let limit = slo_limit(report, "max_end_to_end_latency_ms_p99");
    panel(&right, "Worst consumer p99 latency", x, "ms", &[band("worst p99", 0, &p99)], limit)
}

/// One line of a sweep panel: per x, the (95 % low, mean, 95 % high) of a
/// metric.
struct Band {
    label: String,
    ink: RGBColor,
    width: u32,
    points: Vec<(f64, (f64, f64, f64))>,
}

/// A sweep panel: each band's means joined by a line, with error bars for
/// its intervals, and the SLO `limit` dashed. Labels show when there is
/// more than one line.
fn panel<DB: DrawingBackend>(
    area: &Draw<'_, DB>,
    caption: &str,
    (x, x_desc): (std::ops::Range<f64>, &str),
    y_desc: &str,
    bands: &[Band],
    limit: Option<f64>,
) -> Result<(), String> {
    let high = bands.iter().flat_map(|b| &b.points).map(|p| p.1.2).fold(limit.unwrap_or(0.0), f64::max);
    let mut c = ChartBuilder::on(area)
        .caption(caption, font(20))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(x.clone(), 0f64..high.max(0.01) * 1.15)
        .map_err(err)?;
    // Swept values that are all whole (shard counts, instances) get whole
    // ticks only.
    let whole = bands.iter().flat_map(|b| &b.points).all(|p| (p.0 - p.0.round()).abs() < 1e-9);
    let x_tick: &dyn Fn(&f64) -> String = if whole { &whole_tick } else { &tick };
    c.configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(x_tick)
        .y_label_formatter(&tick)
        .axis_desc_style(font(15))
        .label_style(font(13))
        .draw()
        .map_err(err)?;
    for b in bands {
        let (ink, width) = (b.ink, b.width);
        let line = c.draw_series(LineSeries::new(b.points.iter().map(|&(x, v)| (x, v.1)), ink.stroke_width(width)));
        let line = line.map_err(err)?;
        if bands.len() > 1 {
            line.label(b.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], ink.stroke_width(width)));
        }
        c.draw_series(b.points.iter().map(|&(x, v)| ErrorBar::new_vertical(x, v.0, v.1, v.2, ink.filled(), 8)))
            .map_err(err)?;
    }
    if let Some(limit) = limit {
        c.draw_series(DashedLineSeries::new(vec![(x.start, limit), (x.end, limit)], 8, 5, BLACK.stroke_width(2)))
            .map_err(err)?
            .label("SLO limit")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], BLACK.stroke_width(2)));
    }
    if bands.len() > 1 || limit.is_some() {
        legend(&mut c, SeriesLabelPosition::UpperRight)?;
    }
    Ok(())
}

/// The limit of `[slo]` objective `name`, if the sweep has it.
fn slo_limit(report: &Report, name: &str) -> Option<f64> {
    report
        .points
        .iter()
        .filter_map(|p| p.slo.as_ref())
        .flat_map(|v| &v.objectives)
        .find(|o| o.name == name)
        .map(|o| o.limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_read_as_numbers_people_write() {
        assert_eq!([12_000.0, 6.0, 0.0, -1_500.0].map(|v| tick(&v)), ["12 000", "6", "0", "-1 500"]);
        assert_eq!([0.25, 1.5, 0.0125].map(|v| tick(&v)), ["0.25", "1.5", "0.013"]);
        assert_eq!([6.0, 6.5].map(|v| whole_tick(&v)), ["6", ""]);
    }

    #[test]
    fn swept_parameters_carry_their_units() {
        assert_eq!(parameter_axis("stream.shard_count"), "stream.shard_count (shards)");
        assert_eq!(parameter_axis("producers.0.sdk.linger_ms"), "producers.0.sdk.linger_ms (ms)");
        assert_eq!(parameter_axis("producers.0.records_per_s"), "producers.0.records_per_s (per second)");
        assert_eq!(parameter_axis("producers.0.instances"), "producers.0.instances (instances)");
        assert_eq!(parameter_axis("scenario.duration_s"), "scenario.duration_s (s)");
        assert_eq!(parameter_axis("stream.capacity_mode"), "stream.capacity_mode");
    }
}
