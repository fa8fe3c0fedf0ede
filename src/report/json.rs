//! `report.json` (and `recommend.json`): a report as pretty-printed JSON
//! with a trailing newline. Struct fields serialize in declaration order and
//! maps are ordered, so the bytes depend only on the report's contents.

use serde::Serialize;

/// The report as JSON text.
pub fn to_json(report: &impl Serialize) -> String {
    // Serializing plain structs of numbers, strings and ordered maps cannot
    // fail.
    let mut s = serde_json::to_string_pretty(report).expect("report serializes");
    s.push('\n');
    s
}
