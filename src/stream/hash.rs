//! Partition key → 128-bit hash key → shard, as Kinesis does it: MD5 of the
//! key's UTF-8 bytes read as a big-endian unsigned integer (reference §2),
//! looked up in the shards' inclusive hash-key ranges, which for a new
//! stream of N shards split the space as `w = floor(2^128 / N)`, shard i =
//! `[i·w, (i+1)·w − 1]`, the last shard ending at `2^128 − 1` (§2.1).

use md5::{Digest, Md5};

/// The largest hash key, `2^128 − 1` (§2).
pub const MAX_HASH_KEY: u128 = u128::MAX;

/// The hash key of a partition key.
#[inline]
pub fn hash_key(partition_key: &[u8]) -> u128 {
    let digest: [u8; 16] = Md5::digest(partition_key).into();
    u128::from_be_bytes(digest)
}

/// An inclusive range of hash keys owned by one shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashRange {
    /// First hash key of the shard.
    pub start: u128,
    /// Last hash key of the shard (inclusive).
    pub end: u128,
}

impl HashRange {
    /// Whether `hash` lies in the range.
    #[inline]
    pub fn contains(&self, hash: u128) -> bool {
        self.start <= hash && hash <= self.end
    }
}

/// The ranges AWS gives a new stream of `n >= 1` shards (§2.1).
pub fn initial_ranges(n: u32) -> Vec<HashRange> {
    assert!(n >= 1, "a stream has at least one shard");
    if n == 1 {
        return vec![HashRange { start: 0, end: MAX_HASH_KEY }];
    }
    let n = n as u128;
    // floor(2^128 / n) computed without 2^128: (2^128 − 1) / n is the same
    // unless n divides 2^128, i.e. n is a power of two, where it is one less.
    let w = if n.is_power_of_two() { (MAX_HASH_KEY >> n.trailing_zeros()) + 1 } else { MAX_HASH_KEY / n };
    (0..n).map(|i| HashRange { start: i * w, end: if i + 1 == n { MAX_HASH_KEY } else { (i + 1) * w - 1 } }).collect()
}

/// The open shards' ranges, sorted by start, covering the whole hash space,
/// with each one's shard index.
#[derive(Clone, Debug)]
pub struct ShardMap {
    starts: Vec<u128>,
    shards: Vec<u32>,
}

impl ShardMap {
    /// A map over contiguous ranges sorted by start, shard `i` owning
    /// `ranges[i]` (a new stream).
    pub fn new(ranges: &[HashRange]) -> Self {
        ShardMap::of(ranges.iter().enumerate().map(|(i, r)| (i as u32, *r)))
    }

    /// A map over the open shards `(index, range)`, contiguous and sorted
    /// by start.
    pub fn of(open: impl Iterator<Item = (u32, HashRange)>) -> Self {
        let (starts, shards) = open.map(|(i, r)| (r.start, i)).unzip();
        ShardMap { starts, shards }
    }

    /// The open shards and their ranges, in hash-key order (what
    /// ListShards with `AT_LATEST` returns).
    pub fn ranges(&self) -> impl Iterator<Item = (u32, HashRange)> + '_ {
        let ends = self.starts.iter().skip(1).map(|&s| s - 1).chain(std::iter::once(MAX_HASH_KEY));
        self.shards.iter().zip(self.starts.iter().zip(ends)).map(|(&i, (&start, end))| (i, HashRange { start, end }))
    }

    /// Index of the shard whose range contains `hash`.
    #[inline]
    pub fn shard_of(&self, hash: u128) -> u32 {
        self.shards[self.starts.partition_point(|&s| s <= hash) - 1]
    }
}

/// The AWS shard id of shard `index`: `shardId-` and 12 zero-padded digits.
pub fn shard_id(index: u32) -> String {
    format!("shardId-{index:012}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_of_two_widths_are_exact() {
        let r = initial_ranges(4);
        assert_eq!(r[1].start, 85_070_591_730_234_615_865_843_651_857_942_052_864);
        assert_eq!(r[3].end, MAX_HASH_KEY);
        assert_eq!(initial_ranges(1), vec![HashRange { start: 0, end: MAX_HASH_KEY }]);
    }

    #[test]
    fn shard_map_finds_boundaries() {
        let r = initial_ranges(3);
        let m = ShardMap::new(&r);
        assert_eq!(m.shard_of(0), 0);
        assert_eq!(m.shard_of(r[0].end), 0);
        assert_eq!(m.shard_of(r[1].start), 1);
        assert_eq!(m.shard_of(MAX_HASH_KEY), 2);
        assert_eq!(shard_id(7), "shardId-000000000007");
        let listed: Vec<(u32, HashRange)> = m.ranges().collect();
        assert_eq!(listed, r.iter().enumerate().map(|(i, r)| (i as u32, *r)).collect::<Vec<_>>());
    }
}
