//! Rate traces: records (and optionally bytes) per second over time, from
//! a CSV `time_s,records_per_s[,bytes_per_s]` or from CloudWatch JSON.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::cloudwatch::{BYTES, Export, RECORDS, Series, Want};
use super::{DataError, first_char, json, table, without_bom};

/// Which file format a trace came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceFormat {
    /// `time_s,records_per_s[,bytes_per_s]`.
    Csv,
    /// `aws cloudwatch get-metric-data`.
    GetMetricData,
    /// `aws cloudwatch get-metric-statistics`.
    GetMetricStatistics,
}

/// The CloudWatch statistic a `get-metric-statistics` datapoint is read by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Statistic {
    /// `Sum`: the period's total.
    Sum,
    /// `Average` × `SampleCount`: the same total, from an export that
    /// asked for those two.
    Average,
}

/// How to read a trace file.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceOptions {
    /// The `Id` or `Label` of the records series (CloudWatch only); `None`:
    /// the one named `IncomingRecords`, or the only one.
    pub records: Option<String>,
    /// The `Id` or `Label` of the bytes series (CloudWatch only); `None`:
    /// the one named `IncomingBytes`, if any.
    pub bytes: Option<String>,
    /// How `get-metric-statistics` datapoints are read.
    pub statistic: Statistic,
    /// Seconds each point covers; `None`: the smallest spacing between
    /// consecutive points (60 with a single point).
    pub period_s: Option<f64>,
    /// Whether a CloudWatch `StatusCode` other than `Complete` is an
    /// error rather than a warning.
    pub strict: bool,
}

/// One point of a trace: the rates over `[t_s, t_s + period_s)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TracePoint {
    /// Seconds after the first point (the first is 0).
    pub t_s: f64,
    /// Mean records per second over the period (CloudWatch: `Sum / period`).
    pub records_per_s: f64,
    /// Mean data bytes per second, when the file gives bytes.
    pub bytes_per_s: Option<f64>,
}

/// A parsed trace: points sorted by time, no two at one instant.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    /// The format read.
    pub format: TraceFormat,
    /// Seconds each point covers.
    pub period_s: f64,
    /// In time order.
    pub points: Vec<TracePoint>,
    /// Things worth saying that are not errors (e.g. a `PartialData`
    /// status without `strict`).
    pub warnings: Vec<String>,
}

/// Parses a trace from `text`; `bytes_text` is an optional second file
/// holding the bytes series alone (a `get-metric-statistics` export of
/// `IncomingBytes`), matched to the records by timestamp.
pub fn parse(text: &str, bytes_text: Option<&str>, options: &TraceOptions) -> Result<Trace, DataError> {
    if let Some(period_s) = options.period_s
        && !(period_s.is_finite() && period_s > 0.0)
    {
        return Err(DataError::whole(format!("period_s must be a number of seconds > 0, not {period_s}")));
    }
    let text = without_bom(text);
    match first_char(text) {
        Some('{' | '[') => from_cloudwatch(text, bytes_text, options),
        _ => from_csv(text, bytes_text, options),
    }
}

/// One point before the period is known: seconds after some origin, the
/// records, and the bytes (rates for a CSV, period totals for CloudWatch).
type Sample = (f64, f64, Option<f64>);

/// A CSV trace: rates per second, rows in any order.
fn from_csv(text: &str, bytes_text: Option<&str>, options: &TraceOptions) -> Result<Trace, DataError> {
    if bytes_text.is_some() {
        return Err(DataError::whole("a CSV trace carries its bytes in a bytes_per_s column; give no bytes file"));
    }
    if options.records.is_some() || options.bytes.is_some() {
        return Err(DataError::whole("records/bytes select a CloudWatch series; a CSV has one"));
    }
    if options.statistic == Statistic::Average {
        return Err(DataError::whole(
            "statistic = \"Average\" applies to get-metric-statistics exports; a CSV holds rates per second",
        ));
    }
    let rows = table::rows(text, csv::Trim::All).collect::<Result<Vec<_>, _>>()?;
    let Some((header, rows)) = rows.split_first() else {
        return Err(DataError::whole("the file is empty; a CSV trace starts with the header time_s,records_per_s"));
    };
    let names: Vec<&str> = header.fields.iter().collect();
    let width = match names.as_slice() {
        ["time_s", "records_per_s"] => 2,
        ["time_s", "records_per_s", "bytes_per_s"] => 3,
        _ => {
            return Err(DataError::at(
                header.at(text, 0),
                format!(
                    "expected the header `time_s,records_per_s` or `time_s,records_per_s,bytes_per_s`, found `{}`",
                    names.join(",")
                ),
            ));
        }
    };
    let mut read = Vec::with_capacity(rows.len());
    for row in rows {
        let fields = row.fields.len();
        if fields != width {
            return Err(DataError::at(
                row.at(text, width.min(fields)),
                format!("this row has {fields} fields and the header {width}"),
            ));
        }
        let number = |i: usize| {
            table::amount(&row.fields[i]).map_err(|why| DataError::at(row.at(text, i), format!("{}: {why}", names[i])))
        };
        let bytes = if width == 3 { Some(number(2)?) } else { None };
        read.push(((number(0)?, number(1)?, bytes), row));
    }
    read.sort_by(|a, b| a.0.0.total_cmp(&b.0.0));
    for pair in read.windows(2) {
        let [(earlier, first), (later, second)] = pair else { continue };
        if earlier.0 == later.0 {
            let (first, second) = if first.line < second.line { (first, second) } else { (second, first) };
            return Err(DataError::at(
                second.at(text, 0),
                format!(
                    "time_s {} is on line {} and again on line {}; each time needs one row",
                    later.0, first.line, second.line
                ),
            ));
        }
    }
    let samples = read.into_iter().map(|(sample, _)| sample).collect();
    finish(TraceFormat::Csv, samples, false, options, Vec::new())
}

/// A CloudWatch trace: the records series of `text`, and the bytes series
/// of `text` or of `bytes_text`.
fn from_cloudwatch(text: &str, bytes_text: Option<&str>, options: &TraceOptions) -> Result<Trace, DataError> {
    let root = json::parse(text)?;
    let export = Export::open(&root, options.statistic)?;
    let records_want =
        Want { key: "records", name: options.records.as_deref(), default: RECORDS, other: BYTES, required: true };
    let bytes_want =
        Want { key: "bytes", name: options.bytes.as_deref(), default: BYTES, other: RECORDS, required: false };
    let records = export.series(&records_want)?.ok_or_else(|| DataError::whole("the file holds no records series"))?;
    let bytes = match bytes_text {
        None => {
            let bytes = export.series(&bytes_want)?;
            if let Some(bytes) = &bytes
                && bytes.name == records.name
            {
                return Err(DataError::whole(format!(
                    "the records and the bytes would both be {}; name the other series with records = \"…\" or \
                     bytes = \"…\"",
                    records.name
                )));
            }
            bytes
        }
        Some(bytes_text) => {
            // `bytes` names the series of the bytes file then.
            let own = Want { name: None, ..bytes_want };
            if let Some(own) = export.series(&own)? {
                return Err(DataError::whole(format!(
                    "the records file holds a bytes series too ({}) and a bytes file was given; give the bytes in \
                     one place",
                    own.name
                )));
            }
            Some(
                bytes_file(bytes_text, options)
                    .map_err(|err| DataError { message: format!("in the bytes file: {}", err.message), ..err })?,
            )
        }
    };
    let mut warnings = Vec::new();
    for series in std::iter::once(&records).chain(&bytes) {
        if let Some(problem) = &series.incomplete {
            if options.strict {
                return Err(problem.clone());
            }
            warnings.push(problem.to_string());
        }
    }
    let Some(first) = records.totals.first().map(|t| t.at) else {
        return Err(DataError::whole(format!("{} has no points", records.name)));
    };
    let mut bytes_by_time: BTreeMap<Timestamp, f64> =
        bytes.iter().flat_map(|b| &b.totals).map(|t| (t.at, t.value)).collect();
    let samples = records
        .totals
        .iter()
        .map(|t| {
            let since_ns = t.at.as_nanosecond() - first.as_nanosecond();
            (since_ns as f64 / 1e9, t.value, bytes_by_time.remove(&t.at))
        })
        .collect();
    let unmatched = bytes_by_time.len();
    if unmatched > 0 {
        let s = if unmatched == 1 { "" } else { "s" };
        warnings.push(format!("left out {unmatched} bytes point{s} at times the records series has no point"));
    }
    finish(export.format(), samples, true, options, warnings)
}

/// The bytes series of a second CloudWatch file.
fn bytes_file(text: &str, options: &TraceOptions) -> Result<Series, DataError> {
    let text = without_bom(text);
    if !matches!(first_char(text), Some('{')) {
        return Err(DataError::whole("expected get-metric-statistics or get-metric-data JSON output"));
    }
    let root = json::parse(text)?;
    let want = Want { key: "bytes", name: options.bytes.as_deref(), default: BYTES, other: RECORDS, required: true };
    Export::open(&root, options.statistic)?.series(&want)?.ok_or_else(|| DataError::whole("no bytes series"))
}

/// The trace from time-sorted `samples`, rates divided by the period when
/// they are `totals`.
fn finish(
    format: TraceFormat,
    samples: Vec<Sample>,
    totals: bool,
    options: &TraceOptions,
    warnings: Vec<String>,
) -> Result<Trace, DataError> {
    let Some(&(origin_s, _, _)) = samples.first() else {
        return Err(DataError::whole("the trace has no points"));
    };
    let period_s = options.period_s.unwrap_or_else(|| {
        let spacings = samples.windows(2).map(|pair| pair[1].0 - pair[0].0).filter(|dt| *dt > 0.0);
        spacings.reduce(f64::min).unwrap_or(DEFAULT_PERIOD_S)
    });
    let per_s = if totals { period_s } else { 1.0 };
    let points = samples
        .into_iter()
        .map(|(t_s, records, bytes)| TracePoint {
            t_s: t_s - origin_s,
            records_per_s: records / per_s,
            bytes_per_s: bytes.map(|b| b / per_s),
        })
        .collect();
    Ok(Trace { format, period_s, points, warnings })
}

/// The period of a single point: CloudWatch's one-minute resolution,
/// which Kinesis metrics are pushed at.
const DEFAULT_PERIOD_S: f64 = 60.0;

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> TraceOptions {
        TraceOptions { records: None, bytes: None, statistic: Statistic::Sum, period_s: None, strict: false }
    }

    fn named(records: Option<&str>, bytes: Option<&str>) -> TraceOptions {
        TraceOptions { records: records.map(str::to_string), bytes: bytes.map(str::to_string), ..options() }
    }

    fn error(text: &str, bytes_text: Option<&str>, options: &TraceOptions) -> (Option<String>, String) {
        let err = parse(text, bytes_text, options).unwrap_err();
        (err.location, err.message)
    }

    fn point(t_s: f64, records_per_s: f64, bytes_per_s: Option<f64>) -> TracePoint {
        TracePoint { t_s, records_per_s, bytes_per_s }
    }

    /// Minutes 0, 1 and 3 (minute 2 missing) at 100, 110 and 90 records/s
    /// of 600 bytes.
    fn twin_points() -> Vec<TracePoint> {
        vec![point(0.0, 100.0, Some(60_000.0)), point(60.0, 110.0, Some(66_000.0)), point(180.0, 90.0, Some(54_000.0))]
    }

    const TWIN_CSV: &str = "time_s,records_per_s,bytes_per_s\n0,100,60000\n60,110,66000\n180,90,54000\n";

    /// The same minutes as `TWIN_CSV`, newest first as the CLI prints them.
    const TWIN_METRIC_DATA: &str = r#"{"MetricDataResults": [
        {"Id": "m1", "Label": "IncomingRecords", "StatusCode": "Complete", "Messages": [],
         "Timestamps": ["2024-09-29T22:13:00+00:00", "2024-09-29T22:11:00+00:00", "2024-09-29T22:10:00+00:00"],
         "Values": [5400.0, 6600.0, 6000.0]},
        {"Id": "m2", "Label": "IncomingBytes", "StatusCode": "Complete", "Messages": [],
         "Timestamps": ["2024-09-29T22:13:00+00:00", "2024-09-29T22:11:00+00:00", "2024-09-29T22:10:00+00:00"],
         "Values": [3240000.0, 3960000.0, 3600000.0]}],
        "Messages": []}"#;

    #[test]
    fn csv_and_both_cloudwatch_exports_give_the_same_points() {
        let csv = parse(TWIN_CSV, None, &options()).unwrap();
        assert_eq!((csv.format, csv.period_s, &csv.points), (TraceFormat::Csv, 60.0, &twin_points()));

        let data = parse(TWIN_METRIC_DATA, None, &options()).unwrap();
        assert_eq!((data.format, data.period_s, &data.points), (TraceFormat::GetMetricData, 60.0, &twin_points()));
        assert!(data.warnings.is_empty(), "{:?}", data.warnings);

        let records = r#"{"Label": "IncomingRecords", "Datapoints": [
            {"Timestamp": "2024-09-29T22:11:00Z", "Sum": 6600.0, "SampleCount": 52.0, "Unit": "Count"},
            {"Timestamp": "2024-09-29T22:13:00Z", "Sum": 5400.0, "SampleCount": 50.0, "Unit": "Count"},
            {"Timestamp": "2024-09-29T22:10:00Z", "Sum": 6000.0, "SampleCount": 49.0, "Unit": "Count"}]}"#;
        let bytes = r#"{"Label": "IncomingBytes", "Datapoints": [
            {"Timestamp": "2024-09-29T22:13:00Z", "Sum": 3240000.0, "Unit": "Bytes"},
            {"Timestamp": "2024-09-29T22:10:00Z", "Sum": 3600000.0, "Unit": "Bytes"},
            {"Timestamp": "2024-09-29T22:11:00Z", "Sum": 3960000.0, "Unit": "Bytes"}]}"#;
        let statistics = parse(records, Some(bytes), &options()).unwrap();
        assert_eq!(statistics.format, TraceFormat::GetMetricStatistics);
        assert_eq!((statistics.period_s, &statistics.points), (60.0, &twin_points()));
    }

    #[test]
    fn csv_rows_come_in_any_order_with_spaces_and_blank_lines() {
        let text = " time_s , records_per_s \n60, 2.5\n0,1\n\n\n";
        let trace = parse(text, None, &options()).unwrap();
        assert_eq!(trace.points, vec![point(0.0, 1.0, None), point(60.0, 2.5, None)]);
    }

    #[test]
    fn csv_times_are_relative_to_the_first() {
        let trace = parse("time_s,records_per_s\n1000,1\n1010,2\n", None, &options()).unwrap();
        assert_eq!(trace.points, vec![point(0.0, 1.0, None), point(10.0, 2.0, None)]);
        assert_eq!(trace.period_s, 10.0);
    }

    #[test]
    fn timestamps_in_every_form_the_cli_prints() {
        // 1727647800 is 2024-09-29T22:10:00Z.
        let text = r#"{"Label": "IncomingRecords", "Datapoints": [
            {"Timestamp": "2024-09-29T22:10:00Z", "Sum": 60},
            {"Timestamp": "2024-09-29T22:11:00+00:00", "Sum": 60},
            {"Timestamp": "2024-09-29T22:12:00.000Z", "Sum": 60},
            {"Timestamp": "2024-09-30T00:13:00+02:00", "Sum": 60},
            {"Timestamp": 1727648040, "Sum": 60},
            {"Timestamp": "1727648100", "Sum": 60},
            {"Timestamp": 1727648160.0, "Sum": 60},
            {"Timestamp": "2024-09-29T22:17:00.5Z", "Sum": 60}]}"#;
        let trace = parse(text, None, &options()).unwrap();
        let times: Vec<f64> = trace.points.iter().map(|p| p.t_s).collect();
        assert_eq!(times, [0.0, 60.0, 120.0, 180.0, 240.0, 300.0, 360.0, 420.5]);
    }

    #[test]
    fn bad_timestamps_are_refused_where_they_are() {
        for bad in [r#""2024-09-29T22:10:00""#, r#""yesterday""#, r#""2024-13-01T00:00:00Z""#, "true"] {
            let text = format!(r#"{{"Label": "IncomingRecords", "Datapoints": [{{"Timestamp": {bad}, "Sum": 1}}]}}"#);
            let (at, message) = error(&text, None, &options());
            assert_eq!(at.as_deref(), Some("$.Datapoints[0].Timestamp"), "{bad}");
            assert!(message.contains("timestamp"), "{bad}: {message}");
        }
        let text = r#"{"Label": "IncomingRecords", "Datapoints": [{"Timestamp": "yesterday", "Sum": 1}]}"#;
        assert!(error(text, None, &options()).1.contains("`yesterday`"));
    }

    #[test]
    fn unnamed_series_must_be_told_apart() {
        let text = r#"{"MetricDataResults": [
            {"Id": "m1", "Label": "PutRecords.Records", "Timestamps": [], "Values": [], "StatusCode": "Complete"},
            {"Id": "m2", "Label": "WriteProvisionedThroughputExceeded", "Timestamps": [], "Values": [],
             "StatusCode": "Complete"}]}"#;
        let listing = "Id `m1` (Label `PutRecords.Records`), Id `m2` (Label `WriteProvisionedThroughputExceeded`)";
        assert_eq!(
            error(text, None, &options()),
            (None, format!("which series are the records? the file holds: {listing}; name one with records = \"…\""))
        );
        assert_eq!(
            error(text, None, &named(Some("IncomingRecords"), None)).1,
            format!(
                "no series has Id or Label `IncomingRecords`; the file holds: {listing}; name one with records = \"…\""
            )
        );
        assert_eq!(
            error(text, None, &named(Some("m1"), Some("Nope"))).1,
            format!("no series has Id or Label `Nope`; the file holds: {listing}; name one with bytes = \"…\"")
        );
    }

    #[test]
    fn series_are_found_by_id_label_or_being_alone() {
        let text = r#"{"MetricDataResults": [
            {"Id": "a", "Label": "PutRecords.Records", "Timestamps": [0], "Values": [60], "StatusCode": "Complete"},
            {"Id": "b", "Label": "PutRecords.Bytes", "Timestamps": [0], "Values": [600], "StatusCode": "Complete"}]}"#;
        let by_label = parse(text, None, &named(Some("PutRecords.Records"), Some("PutRecords.Bytes"))).unwrap();
        assert_eq!(by_label.points, vec![point(0.0, 1.0, Some(10.0))]);
        let by_id = parse(text, None, &named(Some("b"), None)).unwrap();
        assert_eq!(by_id.points, vec![point(0.0, 10.0, None)]);

        let alone = r#"{"MetricDataResults": [{"Id": "q", "Timestamps": [0], "Values": [120]}]}"#;
        assert_eq!(parse(alone, None, &options()).unwrap().points, vec![point(0.0, 2.0, None)]);

        // A lone IncomingBytes series is not taken for the records.
        let bytes_only = r#"{"MetricDataResults": [{"Id": "b", "Label": "IncomingBytes", "Timestamps": [0],
            "Values": [1]}]}"#;
        assert!(error(bytes_only, None, &options()).1.starts_with("which series are the records?"));

        let twice = r#"{"MetricDataResults": [
            {"Id": "s0", "Label": "IncomingRecords", "Timestamps": [], "Values": []},
            {"Id": "s1", "Label": "IncomingRecords", "Timestamps": [], "Values": []}]}"#;
        assert_eq!(
            error(twice, None, &options()).1,
            "several series could be the records: Id `s0` (Label `IncomingRecords`), Id `s1` (Label \
             `IncomingRecords`); name one by its Id with records = \"…\""
        );
    }

    #[test]
    fn partial_data_warns_or_fails_under_strict() {
        let text = r#"{"MetricDataResults": [{"Id": "r", "Label": "IncomingRecords",
            "Timestamps": ["2024-09-29T22:10:00Z"], "Values": [60], "StatusCode": "PartialData",
            "Messages": [{"Code": "MaxMetricsExceeded", "Value": "Too many"}]}]}"#;
        let trace = parse(text, None, &options()).unwrap();
        assert_eq!(
            trace.warnings,
            ["$.MetricDataResults[0].StatusCode: Id `r` (Label `IncomingRecords`) has StatusCode `PartialData` \
              (MaxMetricsExceeded: Too many): CloudWatch did not return all of it"]
        );
        let strict = TraceOptions { strict: true, ..options() };
        assert_eq!(error(text, None, &strict).0.as_deref(), Some("$.MetricDataResults[0].StatusCode"));
    }

    #[test]
    fn pages_of_one_id_are_merged_and_overlaps_kept_once() {
        // The CLI concatenates pages: earlier ones say PartialData.
        let text = r#"{"MetricDataResults": [
            {"Id": "r", "Label": "IncomingRecords", "Timestamps": [180, 120], "Values": [60, 120],
             "StatusCode": "PartialData"},
            {"Id": "r", "Label": "IncomingRecords", "Timestamps": [120, 60], "Values": [120, 180],
             "StatusCode": "Complete"}]}"#;
        let trace = parse(text, None, &options()).unwrap();
        assert_eq!(trace.points, vec![point(0.0, 3.0, None), point(60.0, 2.0, None), point(120.0, 1.0, None)]);
        assert!(trace.warnings.is_empty(), "{:?}", trace.warnings);
    }

    #[test]
    fn a_timestamp_with_two_values_is_refused_naming_both() {
        let text = r#"{"MetricDataResults": [{"Id": "r", "Timestamps": [60, 0, 60], "Values": [1, 2, 3]}]}"#;
        let (at, message) = error(text, None, &options());
        assert_eq!(at.as_deref(), Some("$.MetricDataResults[0].Values[2]"));
        assert!(message.contains("3 here and 1 at $.MetricDataResults[0].Values[0]"), "{message}");
    }

    #[test]
    fn get_metric_data_errors_are_located() {
        let cases = [
            (r#"{"MetricDataResults": [{"Id": "r", "Timestamps": [0, 60], "Values": [1]}]}"#, "$.MetricDataResults[0]"),
            (
                r#"{"MetricDataResults": [{"Id": "r", "Timestamps": [0], "Values": [-1]}]}"#,
                "$.MetricDataResults[0].Values[0]",
            ),
            (
                r#"{"MetricDataResults": [{"Id": "r", "Timestamps": [0], "Values": ["1"]}]}"#,
                "$.MetricDataResults[0].Values[0]",
            ),
            (r#"{"MetricDataResults": [{"Timestamps": [0], "Values": [1]}]}"#, "$.MetricDataResults[0]"),
            (r#"{"MetricDataResults": [{"Id": 7, "Timestamps": [0], "Values": [1]}]}"#, "$.MetricDataResults[0].Id"),
            (r#"{"MetricDataResults": {}}"#, "$.MetricDataResults"),
            (r#"{"MetricDataResults": []}"#, "$.MetricDataResults"),
        ];
        for (text, path) in cases {
            assert_eq!(error(text, None, &options()).0.as_deref(), Some(path), "{text}");
        }
        let (_, message) = error(cases[0].0, None, &options());
        assert!(message.contains("Timestamps has 2 entries and Values has 1"), "{message}");
    }

    #[test]
    fn get_metric_data_has_no_statistic_to_choose() {
        let average = TraceOptions { statistic: Statistic::Average, ..options() };
        assert_eq!(
            error(TWIN_METRIC_DATA, None, &average).1,
            "get-metric-data values are whatever Stat the query asked; statistic = \"Average\" applies to \
             get-metric-statistics exports"
        );
    }

    #[test]
    fn get_metric_statistics_reads_sum_or_average_times_count() {
        let text = r#"{"Label": "IncomingRecords", "Datapoints": [
            {"Timestamp": "2024-09-29T22:10:00Z", "Average": 12.5, "SampleCount": 480, "Unit": "Count"}]}"#;
        let average = TraceOptions { statistic: Statistic::Average, ..options() };
        assert_eq!(parse(text, None, &average).unwrap().points, vec![point(0.0, 100.0, None)]);
        let (at, message) = error(text, None, &options());
        assert_eq!(at.as_deref(), Some("$.Datapoints[0]"));
        assert!(message.starts_with("this datapoint has no Sum (it holds Average, SampleCount)"), "{message}");
        assert!(message.contains("--statistics Sum"), "{message}");

        let sum_only = r#"{"Label": "IncomingRecords", "Datapoints": [{"Timestamp": 0, "Sum": 1},
            {"Timestamp": 60, "Sum": 1, "Maximum": 3}]}"#;
        let (at, message) = error(sum_only, None, &average);
        assert_eq!(at.as_deref(), Some("$.Datapoints[0]"));
        assert!(message.contains("holds Sum;"), "{message}");
    }

    #[test]
    fn get_metric_statistics_must_hold_the_named_metric() {
        let bytes = r#"{"Label": "IncomingBytes", "Datapoints": [{"Timestamp": 0, "Sum": 1}]}"#;
        assert_eq!(
            error(bytes, None, &options()),
            (
                Some("$.Label".to_string()),
                "this file holds IncomingBytes; the records file must hold IncomingRecords, or name its label with \
                 records = \"IncomingBytes\""
                    .to_string()
            )
        );
        assert_eq!(parse(bytes, None, &named(Some("IncomingBytes"), None)).unwrap().points.len(), 1);
        let lower = r#"{"Label": "incomingrecords", "Datapoints": [{"Timestamp": 0, "Sum": 1}]}"#;
        assert_eq!(parse(lower, None, &options()).unwrap().points.len(), 1);
        let records = r#"{"Label": "IncomingRecords", "Datapoints": [{"Timestamp": 0, "Sum": 1}]}"#;
        let (_, message) = error(records, Some(records), &options());
        assert!(message.starts_with("in the bytes file: this file holds IncomingRecords; the bytes file"), "{message}");
    }

    #[test]
    fn bytes_come_from_one_place() {
        let bytes = r#"{"Label": "IncomingBytes", "Datapoints": [{"Timestamp": 0, "Sum": 1}]}"#;
        let (at, message) = error(TWIN_METRIC_DATA, Some(bytes), &options());
        assert_eq!(at, None);
        assert!(message.contains("holds a bytes series too (Id `m2` (Label `IncomingBytes`))"), "{message}");
        assert_eq!(
            error(TWIN_CSV, Some(bytes), &options()).1,
            "a CSV trace carries its bytes in a bytes_per_s column; give no bytes file"
        );
        assert_eq!(
            error(TWIN_CSV, None, &named(Some("IncomingRecords"), None)).1,
            "records/bytes select a CloudWatch series; a CSV has one"
        );
        assert!(
            error(TWIN_CSV, None, &TraceOptions { statistic: Statistic::Average, ..options() }).1.contains("rates")
        );
    }

    #[test]
    fn bytes_without_records_at_their_time_are_counted_in_a_warning() {
        let records = r#"{"Label": "IncomingRecords", "Datapoints": [{"Timestamp": 0, "Sum": 60},
            {"Timestamp": 60, "Sum": 60}]}"#;
        let bytes = r#"{"MetricDataResults": [{"Id": "b", "Label": "IncomingBytes",
            "Timestamps": [120, 60, 30], "Values": [6, 600, 6]}]}"#;
        let trace = parse(records, Some(bytes), &options()).unwrap();
        assert_eq!(trace.points, vec![point(0.0, 1.0, None), point(60.0, 1.0, Some(10.0))]);
        assert_eq!(trace.warnings, ["left out 2 bytes points at times the records series has no point"]);
    }

    #[test]
    fn json_that_is_no_cloudwatch_export_says_what_it_holds() {
        assert_eq!(
            error(r#"{"Shards": [], "NextToken": null}"#, None, &options()),
            (
                Some("$".to_string()),
                "expected get-metric-data output (with `MetricDataResults`) or get-metric-statistics output (with \
                 `Datapoints`); this object has `NextToken`, `Shards`"
                    .to_string()
            )
        );
        assert_eq!(error("[1, 2]", None, &options()).0.as_deref(), Some("$"));
        let (at, message) = error("{\n  \"Datapoints\": [,]\n}", None, &options());
        assert_eq!(at.as_deref(), Some("2:18"));
        assert!(message.starts_with("this is not valid JSON"), "{message}");
    }

    #[test]
    fn an_export_without_points_is_refused() {
        let empty = r#"{"Label": "IncomingRecords", "Datapoints": []}"#;
        assert_eq!(error(empty, None, &options()), (None, "Label `IncomingRecords` has no points".to_string()));
    }

    #[test]
    fn csv_errors_are_located() {
        let cases = [
            ("0,100\n", "1:1", "expected the header"),
            ("time_s,records\n0,1\n", "1:1", "found `time_s,records`"),
            ("time_s,records_per_s\n0,-5\n", "2:3", "records_per_s: expected a number >= 0, found -5"),
            ("time_s,records_per_s\n0,NaN\n", "2:3", "records_per_s: expected a finite number, found `NaN`"),
            ("time_s,records_per_s\n0,inf\n", "2:3", "finite"),
            ("time_s,records_per_s\n0,many\n", "2:3", "found `many`"),
            ("time_s,records_per_s\n0, \n", "2:3", "records_per_s: expected a finite number, found an empty field"),
            ("time_s,records_per_s\n-60,5\n", "2:1", "time_s: expected a number >= 0"),
            ("time_s,records_per_s,bytes_per_s\n0,1,-2\n", "2:5", "bytes_per_s"),
            ("time_s,records_per_s\n0,1\n60,1,2\n", "3:6", "this row has 3 fields and the header 2"),
            ("time_s,records_per_s,bytes_per_s\n0,1\n", "2:4", "this row has 2 fields and the header 3"),
            ("time_s,records_per_s\n0,1\n60,2\n0,3\n", "4:1", "time_s 0 is on line 2 and again on line 4"),
        ];
        for (text, at, message) in cases {
            let (location, full) = error(text, None, &options());
            assert_eq!(location.as_deref(), Some(at), "{text}");
            assert!(full.contains(message), "{text}: {full}");
        }
        assert_eq!(error("time_s,records_per_s\n", None, &options()), (None, "the trace has no points".to_string()));
        assert_eq!(error("", None, &options()).0, None);
    }

    #[test]
    fn the_period_is_given_or_the_smallest_spacing() {
        let gappy = "time_s,records_per_s\n0,1\n180,1\n120,1\n";
        assert_eq!(parse(gappy, None, &options()).unwrap().period_s, 60.0);
        let single = "time_s,records_per_s\n42,1\n";
        assert_eq!(parse(single, None, &options()).unwrap().period_s, 60.0);
        let given = TraceOptions { period_s: Some(300.0), ..options() };
        assert_eq!(parse(gappy, None, &given).unwrap().period_s, 300.0);
        // A CloudWatch sum is spread over the period given.
        let sums = r#"{"Label": "IncomingRecords", "Datapoints": [{"Timestamp": 0, "Sum": 600}]}"#;
        assert_eq!(parse(sums, None, &given).unwrap().points, vec![point(0.0, 2.0, None)]);
        for bad in [0.0, -60.0, f64::NAN, f64::INFINITY] {
            let options = TraceOptions { period_s: Some(bad), ..options() };
            assert!(error(gappy, None, &options).1.starts_with("period_s must be"), "{bad}");
        }
    }

    #[test]
    fn the_sample_exports_agree() {
        let json = parse(include_str!("../../scenarios/data/orders-metrics.json"), None, &options()).unwrap();
        let csv = parse(include_str!("../../scenarios/data/orders-metrics.csv"), None, &options()).unwrap();
        assert_eq!((json.format, json.period_s, json.points.len()), (TraceFormat::GetMetricData, 60.0, 1440 - 6));
        assert!(json.warnings.is_empty(), "{:?}", json.warnings);
        assert_eq!(json.points, csv.points);
        assert_eq!(json.points.last().map(|p| p.t_s), Some(1439.0 * 60.0));
        let records: f64 = json.points.iter().map(|p| p.records_per_s).sum();
        let bytes: f64 = json.points.iter().filter_map(|p| p.bytes_per_s).sum();
        assert!((1300.0..1350.0).contains(&(records / 1434.0)), "mean {}", records / 1434.0);
        assert!((590.0..620.0).contains(&(bytes / records)), "record size {}", bytes / records);
        assert!(json.points.iter().all(|p| p.bytes_per_s.is_some()));
    }
}
