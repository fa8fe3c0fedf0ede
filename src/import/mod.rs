//! Reading users' exports: rate traces (a CSV, or CloudWatch's
//! `get-metric-data` / `get-metric-statistics` JSON as the AWS CLI prints
//! it), partition-key frequency tables (CSV, or the Kinesis Hot Shard
//! Advisor's field names and reports) and shard maps (`aws kinesis
//! list-shards` / `describe-stream` JSON). Pure: each parser takes the file's text and
//! returns the data, or the first problem located by line and column (text
//! formats) or JSON path. Reading the files is the caller's job.

mod cloudwatch;
mod json;
pub mod keys;
pub mod shards;
mod table;
pub mod trace;

use std::fmt;

/// A problem in a data file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataError {
    /// `line:column` (1-based, columns in characters) for text formats, a
    /// JSON path such as `$.Shards[3].HashKeyRange.StartingHashKey` for
    /// JSON, or `None` for the file as a whole.
    pub location: Option<String>,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl DataError {
    /// A problem at `location`.
    pub fn at(location: impl Into<String>, message: impl Into<String>) -> Self {
        DataError { location: Some(location.into()), message: message.into() }
    }

    /// A problem with the file as a whole.
    pub fn whole(message: impl Into<String>) -> Self {
        DataError { location: None, message: message.into() }
    }
}

impl DataError {
    /// The problem as `file:line:column: message` (text formats) or
    /// `file: $.path: message` (JSON), the way compilers name places.
    pub fn in_file(&self, file: &str) -> String {
        match &self.location {
            Some(at) if at.starts_with(|c: char| c.is_ascii_digit()) => format!("{file}:{at}: {}", self.message),
            Some(at) => format!("{file}: {at}: {}", self.message),
            None => format!("{file}: {}", self.message),
        }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(at) => write!(f, "{at}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// `text` without a leading byte-order mark, which spreadsheet programs
/// write and which is no part of the data.
fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// The first character that is not whitespace, which tells the formats
/// apart (`{` or `[` opens JSON, `<` HTML, anything else a CSV).
fn first_char(text: &str) -> Option<char> {
    text.chars().find(|c| !c.is_whitespace())
}

/// `line:column` (1-based, columns in characters) of byte `at` of `text`.
fn location(text: &str, at: usize) -> String {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    format!("{line}:{column}")
}

/// The largest hash key, 2^128 − 1, as AWS writes it.
const MAX_HASH_KEY_TEXT: &str = "340282366920938463463374607431768211455";

/// A decimal hash key (0 to 2^128 − 1), or why `text` is not one.
fn hash_key(text: &str) -> Result<u128, String> {
    // `u128::from_str` would also take a leading `+`, which AWS never writes.
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("expected a decimal number from 0 to {MAX_HASH_KEY_TEXT}, found `{text}`"));
    }
    text.parse().map_err(|_| format!("`{text}` is above the largest hash key, 2^128 − 1 = {MAX_HASH_KEY_TEXT}"))
}
