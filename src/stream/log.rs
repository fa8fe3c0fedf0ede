//! A shard's stored records, in sequence order, for its readers. Only what
//! some consumer has not read yet (and retention has not expired) is kept,
//! so memory follows the unread backlog, not the simulated duration.

use std::collections::VecDeque;

use crate::time::SimTime;

/// One stored record, 16 bytes (the log is the simulator's largest memory
/// stream): when the shard accepted it, how long before that its producer's
/// application created it, and its size (data + partition key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogRec {
    /// When the shard accepted the record (ApproximateArrivalTimestamp).
    pub put: SimTime,
    /// Producer-side delay (buffering, back-off, retries) in microseconds,
    /// saturating at about 71 minutes.
    producer_delay_us: u32,
    /// Data plus partition key bytes.
    pub bytes: u32,
}

impl LogRec {
    /// A record accepted at `put`, created at `created` (<= `put`).
    #[inline]
    pub fn new(put: SimTime, created: SimTime, bytes: u32) -> Self {
        let delay_us = (put - created).as_nanos() / 1_000;
        LogRec { put, producer_delay_us: delay_us.min(u32::MAX as u64) as u32, bytes }
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
        LogRec::new(SimTime::from_secs(put_s), SimTime::ZERO, 1)
    }

    #[test]
    fn records_are_16_bytes_and_keep_creation_to_the_microsecond() {
        assert_eq!(std::mem::size_of::<LogRec>(), 16);
        let r = LogRec::new(SimTime(5_000_000_999), SimTime(1_000_000_000), 9);
        assert_eq!(r.created(), SimTime(1_000_000_999));
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
