//! A shard's stored records, in sequence order, for its readers. Only what
//! some consumer has not read yet (and retention has not expired) is kept,
//! so memory follows the unread backlog, not the simulated duration.

use std::collections::VecDeque;

use crate::time::SimTime;

/// One stored record: when the shard accepted it, when its producer's
/// application created it, and its size (data + partition key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogRec {
    /// When the shard accepted the record (ApproximateArrivalTimestamp).
    pub put: SimTime,
    /// When the application handed the record to its client.
    pub created: SimTime,
    /// Data plus partition key bytes.
    pub bytes: u32,
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
        while let Some(front) = self.recs.front() {
            if front.put < cutoff || self.first_seq < read_by_all {
                self.recs.pop_front();
                self.first_seq += 1;
            } else {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(put_s: u64) -> LogRec {
        LogRec { put: SimTime::from_secs(put_s), created: SimTime::ZERO, bytes: 1 }
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
