//! Kinesis Data Streams limits and defaults used by the stream, producer and
//! consumer models (including the KCL's and Lambda's), each citing its section of `reference/kinesis-facts.md` (the
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

/// Enhanced fan-out consumers one provisioned (or on-demand Standard) stream
/// may register (§4).
pub const EFO_MAX_CONSUMERS_PER_STREAM: usize = 20;
/// Bytes per second pushed to each enhanced fan-out consumer per shard (§4).
pub const EFO_READ_BYTES_PER_S: u64 = 2 * MIB;
/// A SubscribeToShard subscription delivers events for at most 5 minutes,
/// then must be renewed (§4).
pub const EFO_SUBSCRIPTION_S: u64 = 300;

/// KCL `parentShardPollIntervalMillis` default: how often a child shard's
/// processor re-checks that its parents reached SHARD_END (scaling-facts §4).
pub const KCL_PARENT_SHARD_POLL_INTERVAL_DEFAULT_MS: f64 = 10_000.0;

/// One internal split or merge of a resharding, seconds: shardsim's default.
/// AWS publishes no per-step figure; the scaling utility's code waits "around
/// 30 seconds" per mutation, and the seeds' "1000 shards → 2000 in 30k
/// seconds" implies the same (scaling-facts §1, §3).
pub const RESHARD_OP_DEFAULT_S: f64 = 30.0;
/// UpdateShardCount calls per stream per rolling 24 h (scaling-facts §3).
pub const UPDATE_SHARD_COUNT_PER_24H: u32 = 10;
/// Shards per stream, AWS's default quota as the FAQ phrases it
/// (scaling-facts §3); UpdateShardCount refuses to go beyond it.
pub const SHARD_QUOTA_DEFAULT: u32 = 10_000;

/// KCL `failoverTimeMillis` default: a lease not renewed for this long is
/// taken by another worker (§9.1).
pub const KCL_FAILOVER_TIME_DEFAULT_MS: f64 = 10_000.0;
/// The KCL renews its leases every `failoverTimeMillis / 3 − epsilon`
/// (epsilon 25 ms: 3,308 ms by default), and its lease taker scans the
/// lease table every `(failoverTimeMillis + epsilon) × 2` (20,050 ms)
/// (§9.1, `DynamoDBLeaseCoordinator`, `CommonCalculations`).
pub const KCL_EPSILON_MS: f64 = 25.0;
/// A read unit covers 4 KB read strongly consistent; the lease taker's
/// scan is eventually consistent (`DynamoDBLeaseRefresher` leaves
/// `consistentRead` unset), half a unit per 4 KB of the items' sizes summed.
pub const DYNAMODB_READ_UNIT_BYTES: f64 = 4_096.0;
/// Bytes of one lease item: leaseKey, checkpoint and its sub-sequence
/// number, leaseCounter, leaseOwner, ownerSwitchesSinceCheckpoint,
/// parentShardId, childShardIds and the hash key range (§9.2) with their
/// attribute names, about 400 bytes (shardsim's estimate); under 1 KB, so
/// each write is one write unit.
pub const KCL_LEASE_ITEM_BYTES: f64 = 400.0;
/// DynamoDB keeps up to 300 seconds of unused provisioned capacity for
/// bursts (the DynamoDB developer guide, "Burst capacity").
pub const DYNAMODB_BURST_S: f64 = 300.0;
/// Most capacity units one provisioned table may have by default (the
/// per-table quota, 40,000 read and 40,000 write units).
pub const DYNAMODB_TABLE_MAX_CAPACITY_UNITS: u32 = 40_000;
/// The AWS SDK for Java 2.x retries a DynamoDB call up to 8 times
/// (`DynamoDbRetryPolicy`, `MAX_ERROR_RETRY`), a throttled one after the
/// SDK's throttling back-off ("equal jitter" from 500 ms up to 20 s).
pub const DYNAMODB_SDK_MAX_RETRIES: u32 = 8;

/// Lambda event-source mapping `BatchSize`: default and maximum (§10).
pub const LAMBDA_BATCH_SIZE_DEFAULT: u32 = 100;
pub const LAMBDA_BATCH_SIZE_MAX: u32 = 10_000;
/// `MaximumBatchingWindowInSeconds` maximum (§10).
pub const LAMBDA_MAXIMUM_BATCHING_WINDOW_MAX_S: f64 = 300.0;
/// `ParallelizationFactor` maximum: concurrent batches per shard (§10).
pub const LAMBDA_PARALLELIZATION_FACTOR_MAX: u32 = 10;
/// `MaximumRetryAttempts` maximum (§10).
pub const LAMBDA_MAXIMUM_RETRY_ATTEMPTS_MAX: u32 = 10_000;
/// Synchronous invocation payload limit, 6 MB, read as 6 MiB (§10).
pub const LAMBDA_PAYLOAD_MAX_BYTES: u64 = 6 * MIB;
/// Lambda's base polling rate of a shard with a standard iterator: once
/// per second (§10).
pub const LAMBDA_POLL_INTERVAL_MS: f64 = 1_000.0;

/// Firehose buffering hints (`BufferingHints` in the Firehose API
/// reference): `IntervalInSeconds` default 300, valid 0..=900;
/// `SizeInMBs` default 5, valid 1..=128.
pub const FIREHOSE_BUFFERING_INTERVAL_DEFAULT_S: u64 = 300;
pub const FIREHOSE_BUFFERING_INTERVAL_MAX_S: u64 = 900;
pub const FIREHOSE_BUFFERING_SIZE_DEFAULT_MIB: u32 = 5;
pub const FIREHOSE_BUFFERING_SIZE_MIN_MIB: u32 = 1;
pub const FIREHOSE_BUFFERING_SIZE_MAX_MIB: u32 = 128;

/// KPL `AggregationMaxCount` default and maximum (§8.1).
pub const KPL_AGGREGATION_MAX_COUNT_DEFAULT: u64 = 4_294_967_295;
pub const KPL_AGGREGATION_MAX_COUNT_MAX: u64 = i64::MAX as u64;
/// KPL `AggregationMaxSize` default and range, bytes (§8.1).
pub const KPL_AGGREGATION_MAX_SIZE_DEFAULT_BYTES: u64 = 51_200;
pub const KPL_AGGREGATION_MAX_SIZE_MIN_BYTES: u64 = 64;
pub const KPL_AGGREGATION_MAX_SIZE_MAX_BYTES: u64 = 10 * MIB;
/// KPL `CollectionMaxCount` default and maximum: Kinesis records per
/// PutRecords (§8.1).
pub const KPL_COLLECTION_MAX_COUNT_DEFAULT: u64 = 500;
/// KPL `CollectionMaxSize` default and range, bytes (§8.1).
pub const KPL_COLLECTION_MAX_SIZE_DEFAULT_BYTES: u64 = 5 * MIB;
pub const KPL_COLLECTION_MAX_SIZE_MIN_BYTES: u64 = 52_224;
pub const KPL_COLLECTION_MAX_SIZE_MAX_BYTES: u64 = i64::MAX as u64;
/// KPL `RateLimit` default and maximum, percent of a shard's limits (§8.1).
pub const KPL_RATE_LIMIT_DEFAULT_PERCENT: u64 = 150;
pub const KPL_RATE_LIMIT_MAX_PERCENT: u64 = i64::MAX as u64;
/// KPL `RecordMaxBufferedTime` default (§8.1).
pub const KPL_RECORD_MAX_BUFFERED_TIME_DEFAULT_MS: f64 = 100.0;
/// KPL `RecordTtl` default and minimum (§8.1).
pub const KPL_RECORD_TTL_DEFAULT_MS: f64 = 30_000.0;
pub const KPL_RECORD_TTL_MIN_MS: f64 = 100.0;
/// KPL `MaxConnections` default and range (§8.1).
pub const KPL_MAX_CONNECTIONS_DEFAULT: u32 = 24;
pub const KPL_MAX_CONNECTIONS_MAX: u32 = 256;
/// KPL `RequestTimeout` default and range, ms (§8.1).
pub const KPL_REQUEST_TIMEOUT_DEFAULT_MS: f64 = 6_000.0;
pub const KPL_REQUEST_TIMEOUT_MIN_MS: f64 = 100.0;
pub const KPL_REQUEST_TIMEOUT_MAX_MS: f64 = 600_000.0;
/// The AWS SDK for Java 2.x's socket read timeout, which bounds a put
/// call's wait for its response (`SdkHttpConfigurationOption`
/// `DEFAULT_SOCKET_READ_TIMEOUT`, 30 s), ms.
pub const SDK_REQUEST_TIMEOUT_DEFAULT_MS: f64 = 30_000.0;
/// Default put request round trip, ms: lognormal with this median and 99th
/// percentile. AWS publishes no figure; shardsim's choice (docs/model.md,
/// *Put requests*).
pub const REQUEST_LATENCY_MEDIAN_MS: f64 = 25.0;
pub const REQUEST_LATENCY_P99_MS: f64 = 100.0;
/// Longest round trip a latency distribution draws, ms (one hour): a
/// lognormal's tail is cut there.
pub const REQUEST_LATENCY_MAX_MS: f64 = 3_600_000.0;
/// The Kinesis Agent's defaults (awslabs/amazon-kinesis-agent `Constants`,
/// `KinesisConstants`, `AgentConfiguration`): a buffer is sent one minute
/// after its first record at the latest; the publisher backs off from
/// 100 ms up to 10 s.
pub const AGENT_MAX_BUFFER_AGE_DEFAULT_MS: f64 = 60_000.0;
pub const AGENT_RETRY_INITIAL_BACKOFF_MS: f64 = 100.0;
pub const AGENT_RETRY_MAX_BACKOFF_MS: f64 = 10_000.0;
/// Sending threads: the agent's default is 12 per core
/// (`maxSendingThreadsPerCore`), at least 2; shardsim assumes a 2-vCPU
/// host (its choice: the agent runs beside the log-writing service).
pub const AGENT_MAX_SENDING_THREADS_DEFAULT: u32 = 24;
pub const AGENT_MAX_SENDING_THREADS_MAX: u32 = 10_000;
/// The AWS SDK for Java 1.x socket timeout the agent keeps by default
/// (`ClientConfiguration.DEFAULT_SOCKET_TIMEOUT`, 50 s), ms.
pub const AGENT_SOCKET_TIMEOUT_DEFAULT_MS: f64 = 50_000.0;
/// Length of the agent's random partition key, `"" + nextDouble(1000000)`
/// (a Java double printed in full, e.g. `483726.12345678912`): 17 bytes on
/// average (mean of 200,000 shortest round-trip spellings of such draws).
pub const AGENT_RANDOM_KEY_BYTES: u16 = 17;
/// Length of the agent's deterministic key: an MD5 digest in hex.
pub const AGENT_DETERMINISTIC_KEY_BYTES: u16 = 32;
/// Largest `[[faults]]` latency `factor` (shardsim's bound: a thousandfold
/// slowdown already turns a 25 ms round trip into 25 s).
pub const FAULT_LATENCY_FACTOR_MAX: f64 = 1_000.0;
/// Most requests one SDK instance may have in flight.
pub const SDK_MAX_CONCURRENT_REQUESTS_MAX: u32 = 10_000;
/// The KPL limiter's buckets per shard: 1,000 records and 10 MiB deep,
/// refilled at `RateLimit` % of 1,000 records/s and 1 MiB/s, starting empty
/// (§8.4).
pub const KPL_LIMITER_RECORDS_DEPTH: u64 = 1_000;
pub const KPL_LIMITER_BYTES_DEPTH: u64 = 10 * MIB;
pub const KPL_LIMITER_RECORDS_PER_S: u64 = 1_000;
pub const KPL_LIMITER_BYTES_PER_S: u64 = MIB;
/// The KPL limiter drains its queues every 25 ms (§8.4).
pub const KPL_LIMITER_DRAIN_INTERVAL_MS: f64 = 25.0;
/// The KPL collector sends a PutRecords early once one shard's Kinesis
/// records in it reach 256 KiB (§8.2).
pub const KPL_COLLECTOR_SHARD_FLUSH_BYTES: u64 = 256 * 1_024;
/// Aggregated record framing: 4 magic bytes and a 16-byte MD5 (§8.3).
pub const KPL_AGGREGATE_FIXED_OVERHEAD_BYTES: u64 = 4 + 16;
/// The partition key of an aggregated record (§8.3).
pub const KPL_AGGREGATE_PARTITION_KEY: &str = "a";

/// On-demand (Standard): a new stream's write capacity, 4 MB/s and 4,000
/// records/s [FAQ], as 4 shards' worth. AWS does not state the initial
/// shard count; 4 is shardsim's choice (`[stream.on_demand]
/// initial_shards`), the count whose per-shard limits give that capacity.
pub const ON_DEMAND_INITIAL_SHARDS_DEFAULT: u32 = 4;
/// On-demand: "When the incoming traffic exceeds 500 KB/s per shard, it
/// splits the shard within 15 minutes" [DG:how-do-i-size-a-stream]. KB read
/// as KiB, as the shard limit's MB is MiB (shardsim's reading).
pub const ON_DEMAND_SPLIT_TRIGGER_KIB_S: u64 = 500;
/// On-demand: a records/s trigger AWS does not document; half the shard's
/// 1,000 records/s, as the bytes trigger is about half its 1 MiB/s
/// (shardsim's choice, so small-record streams also split).
pub const ON_DEMAND_SPLIT_TRIGGER_RECORDS_PER_S: u64 = 500;
/// On-demand: "within 15 minutes"; shardsim takes the whole 15 minutes
/// by default, which also gives AWS's "exceptions for about 15 minutes"
/// after traffic more than doubles [DG:how-do-i-size-a-stream].
pub const ON_DEMAND_SPLIT_DELAY_DEFAULT_S: f64 = 900.0;
/// On-demand: how often the service's trigger is judged, on one-minute
/// averages (shardsim's choice: CloudWatch's shard-level period).
pub const ON_DEMAND_CHECK_INTERVAL_S: u64 = 60;
/// On-demand: the default write ceiling, 200 MB/s and 200,000 records/s
/// per stream [FAQ]; 10 GB/s in us-east-1, us-west-2 and eu-west-1
/// [DG:service-sizes-and-limits].
pub const ON_DEMAND_MAX_WRITE_MIB_S_DEFAULT: u64 = 200;
/// UpdateStreamMode: "twice within 24 hours" per stream [DG:how-do-i-size-a-stream].
pub const MODE_SWITCHES_PER_24H: usize = 2;
/// UpdateStreamMode: how long the stream stays UPDATING; AWS gives no
/// figure (shardsim's choice, as one resharding step).
pub const MODE_SWITCH_DEFAULT_S: f64 = 30.0;
/// On-demand Advantage: how long UpdateStreamWarmThroughput takes; AWS says
/// "could take a few minutes" (shardsim's choice: 5).
pub const WARM_THROUGHPUT_DELAY_DEFAULT_S: f64 = 300.0;
/// On-demand Advantage: enhanced fan-out consumers per stream (20 otherwise).
pub const EFO_MAX_CONSUMERS_ADVANTAGE: usize = 50;
/// On-demand: the largest write ceiling any Region offers, 10 GiB/s.
pub const ON_DEMAND_MAX_WRITE_MIB_S_MAX: u64 = 10_240;
