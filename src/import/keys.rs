//! Partition-key frequency tables: a CSV `partition_key,count[,bytes]
//! [,hash_key]`, or the Kinesis Hot Shard Advisor's key counts.

use super::DataError;

/// One key and how often it was seen.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyCount {
    /// The partition key, 1..=256 characters.
    pub key: String,
    /// How many records had it, >= 0.
    pub count: f64,
    /// The data bytes of those records in total, when the table says.
    pub bytes: Option<f64>,
    /// The hash key its records were routed by, when the table gives one
    /// (`hash_key` column: an explicit hash key, decimal).
    pub hash_key: Option<u128>,
}

/// A parsed key table, in file order; keys distinct, total count > 0.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyTable {
    /// The keys.
    pub keys: Vec<KeyCount>,
}

/// Parses a key table from `text`.
pub fn parse(text: &str) -> Result<KeyTable, DataError> {
    let _ = text;
    Err(DataError::whole("key tables are not read yet"))
}
