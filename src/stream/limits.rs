//! Kinesis Data Streams limits and defaults used by the stream and producer
//! models, each citing its section of `reference/kinesis-facts.md` (the
//! project's compiled list of AWS sources).

/// One mebibyte; AWS's API reference and the KPL count limits in MiB.
pub const MIB: u64 = 1_048_576;

/// Records per second one shard accepts (§1.1, PutRecord/PutRecords docs).
pub const SHARD_WRITE_RECORDS_PER_S: u64 = 1_000;
/// Bytes per second one shard accepts, data blob plus partition key (§1.1).
pub const SHARD_WRITE_BYTES_PER_S: u64 = MIB;

/// Largest data blob of one record, default stream setting (§1.3).
pub const MAX_RECORD_DATA_BYTES: u64 = MIB;
/// Records in one PutRecords call (§1.4).
pub const PUT_RECORDS_MAX_RECORDS: u32 = 500;
/// Bytes in one PutRecords call, data plus partition keys, at the default
/// 1 MiB record size (§1.4; 10 MiB only on streams opted into large records).
pub const PUT_RECORDS_MAX_BYTES: u64 = 5 * MIB;

/// Partition keys are 1 to 256 Unicode characters (§2).
pub const PARTITION_KEY_MAX_CHARS: usize = 256;

/// Retention defaults to 24 h and ranges from 24 h to 8,760 h (§7).
pub const RETENTION_DEFAULT_HOURS: u32 = 24;
/// Shortest retention (§7).
pub const RETENTION_MIN_HOURS: u32 = 24;
/// Longest retention, 365 days (§7).
pub const RETENTION_MAX_HOURS: u32 = 8_760;

/// Shards in one stream beyond which UpdateShardCount refuses to scale (§6);
/// shardsim uses it as the largest shard count it accepts.
pub const MAX_SHARDS_PER_STREAM: u32 = 10_000;

/// GetRecords calls per second per shard, shared by all polling consumers
/// (§3).
pub const SHARD_READ_CALLS_PER_S: u32 = 5;
/// Bytes per second per shard returned by GetRecords, shared by all polling
/// consumers (§3).
pub const SHARD_READ_BYTES_PER_S: u64 = 2 * MIB;
/// Most records one GetRecords call returns; also the default `Limit` (§3).
pub const GET_RECORDS_MAX_RECORDS: u32 = 10_000;
/// Most bytes one GetRecords call returns (§3).
pub const GET_RECORDS_MAX_BYTES: u64 = 10 * MIB;
/// KCL 2.x/3.x default wait between GetRecords calls of one shard (§9.1,
/// `idleTimeBetweenReadsInMillis`).
pub const IDLE_TIME_BETWEEN_READS_DEFAULT_MS: f64 = 1_500.0;
