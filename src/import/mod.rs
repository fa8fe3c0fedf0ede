//! Reading users' exports: rate traces (a CSV, or CloudWatch's
//! `get-metric-data` / `get-metric-statistics` JSON as the AWS CLI prints
//! it), partition-key frequency tables (CSV, or the Kinesis Hot Shard
//! Advisor's JSON) and shard maps (`aws kinesis list-shards` /
//! `describe-stream` JSON). Pure: each parser takes the file's text and
//! returns the data, or the first problem located by line and column (text
//! formats) or JSON path. Reading the files is the caller's job.

pub mod keys;
pub mod shards;
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

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(at) => write!(f, "{at}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}
