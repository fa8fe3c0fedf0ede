//! CloudWatch exports as the AWS CLI prints them: `get-metric-data`
//! (`MetricDataResults`: any number of series, pages merged by `Id`) and
//! `get-metric-statistics` (one `Label`, unordered `Datapoints`). A series
//! is read as period totals by timestamp, sorted, with pagination overlaps
//! merged; dividing by the period is the trace's job.

use jiff::Timestamp;
use serde_json::Value;

use super::DataError;
use super::json::{self, Node};
use super::trace::{Statistic, TraceFormat};

/// The stream metric that counts records.
pub(super) const RECORDS: &str = "IncomingRecords";
/// The stream metric that counts data bytes.
pub(super) const BYTES: &str = "IncomingBytes";

/// One value of a series: the period's total at `at`, found at `path`.
#[derive(Clone, Debug)]
pub(super) struct Total {
    pub at: Timestamp,
    pub value: f64,
    pub path: String,
}

/// A series read from an export.
#[derive(Debug)]
pub(super) struct Series {
    /// How messages name it (`Id `m1` (Label `IncomingRecords`)`); unique
    /// within a file.
    pub name: String,
    /// In time order, one per timestamp.
    pub totals: Vec<Total>,
    /// Why CloudWatch may not have returned all of it (a `StatusCode`
    /// other than `Complete`), where the file says so.
    pub incomplete: Option<DataError>,
}

/// Which series to take from a file.
pub(super) struct Want<'n> {
    /// The option that names it: `records` or `bytes`.
    pub key: &'static str,
    /// That option's value.
    pub name: Option<&'n str>,
    /// The metric taken when `name` is `None`.
    pub default: &'static str,
    /// The other role's metric: never taken as this one's only series.
    pub other: &'static str,
    /// Whether the file must hold it. A get-metric-statistics file holds
    /// one metric, so it gives only what is required of it.
    pub required: bool,
}

/// A CloudWatch export, its format told apart.
pub(super) enum Export<'a> {
    Data { results: Vec<MetricResult>, next_token: Option<Node<'a>> },
    Statistics { label: Node<'a>, datapoints: Vec<Node<'a>>, statistic: Statistic },
}

/// One `MetricDataResults` series, its pages merged.
pub(super) struct MetricResult {
    id: String,
    label: Option<String>,
    totals: Vec<Total>,
    /// The last page's: earlier pages of a complete series say
    /// `PartialData` by design.
    status: Status,
}

/// A result's `StatusCode`, where it is, and its `Messages`.
struct Status {
    code: String,
    path: String,
    messages: String,
}

impl<'a> Export<'a> {
    /// Tells the format of `root` apart and reads its outline.
    pub fn open(root: &'a Value, statistic: Statistic) -> Result<Self, DataError> {
        let root = Node::root(root);
        let object = root.object()?;
        if object.contains_key("MetricDataResults") {
            if statistic == Statistic::Average {
                return Err(DataError::whole(
                    "get-metric-data values are whatever Stat the query asked; statistic = \"Average\" applies to \
                     get-metric-statistics exports",
                ));
            }
            let next_token = root.get("NextToken")?;
            Ok(Export::Data { results: metric_results(&root.field("MetricDataResults")?)?, next_token })
        } else if object.contains_key("Datapoints") {
            let datapoints = root.field("Datapoints")?.items()?;
            Ok(Export::Statistics { label: root.field("Label")?, datapoints, statistic })
        } else {
            Err(root.error(format!(
                "expected get-metric-data output (with `MetricDataResults`) or get-metric-statistics output (with \
                 `Datapoints`); this object has {}",
                json::key_list(object)
            )))
        }
    }

    /// The format read.
    pub fn format(&self) -> TraceFormat {
        match self {
            Export::Data { .. } => TraceFormat::GetMetricData,
            Export::Statistics { .. } => TraceFormat::GetMetricStatistics,
        }
    }

    /// The series `want` asks for; `None` only when it is not required.
    pub fn series(&self, want: &Want) -> Result<Option<Series>, DataError> {
        match self {
            Export::Data { results, next_token } => {
                let Some(result) = select(results, want)? else { return Ok(None) };
                let name = result.name();
                let Status { code, path, messages } = &result.status;
                let incomplete = if let Some(token) = next_token {
                    Some(token.error(format!(
                        "{name} may be incomplete: the export continues behind NextToken; export all pages (leave \
                         out --max-items)"
                    )))
                } else if code != "Complete" {
                    Some(DataError::at(
                        path.clone(),
                        format!("{name} has StatusCode `{code}` ({messages}): CloudWatch did not return all of it"),
                    ))
                } else {
                    None
                };
                Ok(Some(Series { totals: in_order(&name, result.totals.clone())?, name, incomplete }))
            }
            Export::Statistics { label, datapoints, statistic } => {
                if !want.required {
                    // One metric per file: a records file holds no bytes.
                    return Ok(None);
                }
                let text = label.str()?;
                let fits = match want.name {
                    Some(name) => text == name,
                    None => text.eq_ignore_ascii_case(want.default),
                };
                if !fits {
                    let wanted = want.name.unwrap_or(want.default);
                    return Err(label.error(format!(
                        "this file holds {text}; the {key} file must hold {wanted}, or name its label with {key} = \
                         \"{text}\"",
                        key = want.key
                    )));
                }
                let totals =
                    datapoints.iter().map(|point| statistic_total(point, *statistic)).collect::<Result<_, _>>()?;
                let name = format!("Label `{text}`");
                Ok(Some(Series { totals: in_order(&name, totals)?, name, incomplete: None }))
            }
        }
    }
}

/// The results of a get-metric-data export, pages of one `Id` merged (the
/// CLI concatenates the pages of a paginated call).
fn metric_results(list: &Node) -> Result<Vec<MetricResult>, DataError> {
    let mut results: Vec<MetricResult> = Vec::new();
    for node in list.items()? {
        let id = node.field("Id")?.str()?.to_string();
        let label = node.get("Label")?.map(|l| l.str().map(str::to_string)).transpose()?;
        let timestamps = node.field("Timestamps")?.items()?;
        let values = node.field("Values")?.items()?;
        if timestamps.len() != values.len() {
            return Err(node.error(format!(
                "Timestamps has {} entries and Values has {}; they pair up by position, so they must be as long",
                timestamps.len(),
                values.len()
            )));
        }
        let mut totals = Vec::with_capacity(values.len());
        for (at, value) in timestamps.iter().zip(&values) {
            totals.push(Total { at: timestamp(at)?, value: value.amount()?, path: value.path.clone() });
        }
        let status = match node.get("StatusCode")? {
            Some(code) => Status { code: code.str()?.to_string(), path: code.path, messages: messages(&node)? },
            // The CLI always prints it; a hand-made file may leave it out.
            None => Status { code: "Complete".to_string(), path: node.path.clone(), messages: String::new() },
        };
        match results.iter_mut().find(|r| r.id == id) {
            Some(earlier) => {
                earlier.totals.extend(totals);
                earlier.label = earlier.label.take().or(label);
                earlier.status = status;
            }
            None => results.push(MetricResult { id, label, totals, status }),
        }
    }
    if results.is_empty() {
        return Err(list.error("MetricDataResults is empty: the export holds no series"));
    }
    Ok(results)
}

/// A result's `Messages` as `Code: Value; …` for a warning.
fn messages(result: &Node) -> Result<String, DataError> {
    let Some(list) = result.get("Messages")? else { return Ok("no messages".to_string()) };
    let mut texts = Vec::new();
    for message in list.items()? {
        let part = |key| -> Result<String, DataError> {
            Ok(message.get(key)?.map(|v| v.str().map(str::to_string)).transpose()?.unwrap_or_default())
        };
        texts.push(format!("{}: {}", part("Code")?, part("Value")?));
    }
    Ok(if texts.is_empty() { "no messages".to_string() } else { texts.join("; ") })
}

impl MetricResult {
    /// How messages name this series.
    fn name(&self) -> String {
        match &self.label {
            Some(label) => format!("Id `{}` (Label `{label}`)", self.id),
            None => format!("Id `{}`", self.id),
        }
    }
}

/// The result `want` names: an exact `Id`, else an exact `Label`; with no
/// name, the one called `want.default` (any case), else the only one.
fn select<'r>(results: &'r [MetricResult], want: &Want) -> Result<Option<&'r MetricResult>, DataError> {
    let named = |r: &MetricResult, name: &str| {
        r.id.eq_ignore_ascii_case(name) || r.label.as_deref().is_some_and(|l| l.eq_ignore_ascii_case(name))
    };
    let matches: Vec<&MetricResult> = match want.name {
        Some(name) => {
            let by_id: Vec<_> = results.iter().filter(|r| r.id == name).collect();
            if by_id.is_empty() { results.iter().filter(|r| r.label.as_deref() == Some(name)).collect() } else { by_id }
        }
        None => results.iter().filter(|r| named(r, want.default)).collect(),
    };
    let listing = |list: &[&MetricResult]| list.iter().map(|r| r.name()).collect::<Vec<_>>().join(", ");
    let all: Vec<&MetricResult> = results.iter().collect();
    let key = want.key;
    match (matches.as_slice(), want.name, all.as_slice()) {
        ([one], _, _) => Ok(Some(one)),
        ([], Some(name), _) => Err(DataError::whole(format!(
            "no series has Id or Label `{name}`; the file holds: {}; name one with {key} = \"…\"",
            listing(&all)
        ))),
        ([], None, [only]) if want.required && !named(only, want.other) => Ok(Some(only)),
        ([], None, _) if want.required => Err(DataError::whole(format!(
            "which series are the {key}? the file holds: {}; name one with {key} = \"…\"",
            listing(&all)
        ))),
        ([], None, _) => Ok(None),
        (several, _, _) => Err(DataError::whole(format!(
            "several series could be the {key}: {}; name one by its Id with {key} = \"…\"",
            listing(several)
        ))),
    }
}

/// A get-metric-statistics datapoint's period total by `statistic`.
fn statistic_total(point: &Node, statistic: Statistic) -> Result<Total, DataError> {
    let at = timestamp(&point.field("Timestamp")?)?;
    let held = || {
        let names = ["Sum", "Average", "SampleCount", "Minimum", "Maximum", "ExtendedStatistics"];
        let held: Vec<&str> =
            names.into_iter().filter(|name| point.value.get(name).is_some_and(|v| !v.is_null())).collect();
        if held.is_empty() { "no statistics".to_string() } else { held.join(", ") }
    };
    let value = match statistic {
        Statistic::Sum => match point.get("Sum")? {
            Some(sum) => sum.amount()?,
            None => {
                return Err(point.error(format!(
                    "this datapoint has no Sum (it holds {}); export with --statistics Sum, or read Average × \
                     SampleCount with statistic = \"Average\"",
                    held()
                )));
            }
        },
        Statistic::Average => match (point.get("Average")?, point.get("SampleCount")?) {
            (Some(average), Some(count)) => average.amount()? * count.amount()?,
            _ => {
                return Err(point.error(format!(
                    "statistic = \"Average\" needs Average and SampleCount, and this datapoint holds {}; export \
                     with --statistics Average SampleCount, or read the Sum with statistic = \"Sum\"",
                    held()
                )));
            }
        },
    };
    Ok(Total { at, value, path: point.path.clone() })
}

/// `totals` sorted by time. A timestamp given twice with one value is a
/// pagination overlap and kept once; with two values the file contradicts
/// itself.
fn in_order(name: &str, mut totals: Vec<Total>) -> Result<Vec<Total>, DataError> {
    totals.sort_by_key(|t| t.at);
    let mut kept: Vec<Total> = Vec::with_capacity(totals.len());
    for total in totals {
        if let Some(last) = kept.last()
            && last.at == total.at
        {
            if last.value == total.value {
                continue;
            }
            return Err(DataError::at(
                total.path.clone(),
                format!(
                    "{name} has two values at {}: {} here and {} at {}; a timestamp may repeat only with the same \
                     value",
                    total.at, total.value, last.value, last.path
                ),
            ));
        }
        kept.push(total);
    }
    Ok(kept)
}

/// A timestamp: RFC 3339 text with `Z` or an offset, optional fractional
/// seconds (the AWS CLI v1 and v2 print both forms), or epoch seconds as a
/// number or numeric text.
fn timestamp(node: &Node) -> Result<Timestamp, DataError> {
    let (text, parsed) = match node.value {
        Value::Number(number) => (number.to_string(), number.as_f64().and_then(epoch)),
        Value::String(text) => {
            let parsed = match text.trim().parse::<f64>() {
                Ok(seconds) => epoch(seconds),
                Err(_) => text.parse::<Timestamp>().ok(),
            };
            (text.clone(), parsed)
        }
        other => return Err(node.error(format!("expected a timestamp, found {}", json::kind(other)))),
    };
    parsed.ok_or_else(|| {
        node.error(format!(
            "`{text}` is not a timestamp: expected RFC 3339 with Z or ±hh:mm such as 2024-09-29T22:10:00+00:00, or \
             epoch seconds"
        ))
    })
}

/// Epoch seconds as a timestamp, if finite and within jiff's years.
fn epoch(seconds: f64) -> Option<Timestamp> {
    if !seconds.is_finite() {
        return None;
    }
    // `as` saturates out-of-range floats; jiff then refuses them.
    if seconds.fract() == 0.0 {
        Timestamp::from_second(seconds as i64).ok()
    } else {
        Timestamp::from_nanosecond((seconds * 1e9).round() as i128).ok()
    }
}
