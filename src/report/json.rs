//! `report.json`: the report as pretty-printed JSON with a trailing newline.
//! Struct fields serialize in declaration order and maps are ordered, so the
//! bytes depend only on the report's contents.

use super::Report;

/// The report as JSON text.
pub fn to_json(report: &Report) -> String {
    // Serializing plain structs of numbers, strings and ordered maps cannot
    // fail.
    let mut s = serde_json::to_string_pretty(report).expect("report serializes");
    s.push('\n');
    s
}
