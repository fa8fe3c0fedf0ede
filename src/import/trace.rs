//! Rate traces: records (and optionally bytes) per second over time, from
//! a CSV `time_s,records_per_s[,bytes_per_s]` or from CloudWatch JSON.

use super::DataError;

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
    let _ = (text, bytes_text, options);
    Err(DataError::whole("trace files are not read yet"))
}
