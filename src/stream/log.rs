//! A shard's stored records, in sequence order, for its readers. Only what
//! some consumer has not read yet (and retention has not expired) is kept,
//! so memory follows the unread backlog, not the simulated duration.

use std::collections::VecDeque;

use crate::time::SimTime;

/// A record's size (data plus partition key, below 16 MiB) and its key tag
/// (the low byte of its partition key's MD5 hash), packed in 32 bits so
/// records in flight and in the log stay 16 bytes. The tag is what spreads
/// one shard's keys over a Lambda mapping's concurrent batches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SizeTag(u32);

/// Bits of [`SizeTag`] holding the size.
const SIZE_BITS: u32 = 24;
const _: () = assert!(crate::stream::limits::MAX_RECORD_DATA_BYTES + 256 < 1 << SIZE_BITS);

impl SizeTag {
    /// `bytes` (< 2²⁴) with key tag `tag`.
    #[inline]
    pub fn new(bytes: u32, tag: u8) -> Self {
        debug_assert!(bytes < 1 << SIZE_BITS);
        SizeTag(bytes | (tag as u32) << SIZE_BITS)
    }

    /// Data plus partition key bytes.
    #[inline]
    pub fn bytes(self) -> u32 {
        self.0 & ((1 << SIZE_BITS) - 1)
    }

    /// The key tag, uniform over 0..=255 across distinct keys.
    #[inline]
    pub fn tag(self) -> u8 {
        (self.0 >> SIZE_BITS) as u8
    }
}

/// One stored record, 16 bytes (the log is the simulator's largest memory
/// stream): when the shard accepted it, how long before that its producer's
/// application created it, and its size and key tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogRec {
    /// When the shard accepted the record (ApproximateArrivalTimestamp).
    pub put: SimTime,
    /// Producer-side delay (buffering, back-off, retries) in microseconds,
    /// saturating at about 71 minutes.
    producer_delay_us: u32,
    /// Size and key tag.
    pub size: SizeTag,
}

impl LogRec {
    /// A record accepted at `put`, created at `created` (<= `put`).
    #[inline]
    pub fn new(put: SimTime, created: SimTime, size: SizeTag) -> Self {
        let delay_us = (put - created).as_nanos() / 1_000;
        LogRec { put, producer_delay_us: delay_us.min(u32::MAX as u64) as u32, size }
    }

    /// Data plus partition key bytes.
    #[inline]
    pub fn bytes(&self) -> u32 {
        self.size.bytes()
    }

    /// When the application created the record (to the microsecond).
    #[inline]
    pub fn created(&self) -> SimTime {
        self.put - SimTime(self.producer_delay_us as u64 * 1_000)
    }
}

/// The retained records of one shard; sequence numbers count from 0.
#[derive(Clone, Debug, Default)]
pub struct ShardLog {
    first_seq: u64,
    recs: VecDeque<LogRec>,
}

impl ShardLog {
    /// Appends an accepted record.
    #[inline]
    pub fn push(&mut self, rec: LogRec) {
        self.recs.push_back(rec);
    }

    /// Sequence number of the oldest record still stored.
    pub fn first_seq(&self) -> u64 {
        self.first_seq
    }

    /// Sequence number the next accepted record will get.
    pub fn end_seq(&self) -> u64 {
        self.first_seq + self.recs.len() as u64
    }

    /// The stored records from `seq` on (empty if `seq` is past the end).
    pub fn from_seq(&self, seq: u64) -> impl Iterator<Item = &LogRec> {
        let skip = seq.saturating_sub(self.first_seq) as usize;
        self.recs.range(skip.min(self.recs.len())..)
    }

    /// Drops records accepted before `cutoff` (expired by retention) and
    /// records before `read_by_all` (no reader needs them any more).
    pub fn trim(&mut self, cutoff: SimTime, read_by_all: u64) {
        // Both conditions hold for a prefix: puts are in order.
        let read = read_by_all.saturating_sub(self.first_seq).min(self.recs.len() as u64) as usize;
        let expired = self.recs.partition_point(|r| r.put < cutoff);
        let drop = read.max(expired);
        self.recs.drain(..drop);
        self.first_seq += drop as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(put_s: u64) -> LogRec {
        LogRec::new(SimTime::from_secs(put_s), SimTime::ZERO, SizeTag::new(1, 0))
    }

    #[test]
    fn records_are_16_bytes_and_keep_creation_to_the_microsecond() {
        assert_eq!(std::mem::size_of::<LogRec>(), 16);
        let r = LogRec::new(SimTime(5_000_000_999), SimTime(1_000_000_000), SizeTag::new(1_048_832, 255));
        assert_eq!(r.created(), SimTime(1_000_000_999));
        assert_eq!((r.bytes(), r.size.tag()), (1_048_832, 255));
    }

    #[test]
    fn trim_drops_expired_and_fully_read_records_only() {
        let mut log = ShardLog::default();
        (0..10).for_each(|s| log.push(rec(s)));
        log.trim(SimTime::from_secs(3), 0);
        assert_eq!((log.first_seq(), log.end_seq()), (3, 10));
        log.trim(SimTime::ZERO, 5);
        assert_eq!(log.first_seq(), 5);
        assert_eq!(log.from_seq(8).count(), 2);
        assert_eq!(log.from_seq(1).count(), 5, "expired records are gone");
        assert_eq!(log.from_seq(20).count(), 0);
    }
}
