//! A shard's stored records, in sequence order, for its readers. Only what
//! some consumer has not read yet (and retention has not expired) is kept,
//! so memory follows the unread backlog, not the simulated duration.
//!
//! Every accepted record is written here once and read once per consumer,
//! so the layout is chosen for that: 16 bytes per record (put time,
//! creation delay, size and key tag) appended with one store, and readers
//! take what they read as at most two slices (either side of the ring's
//! wrap). On a stream of thousands of shards a put call sends most shards
//! one record, so keeping put times per run of records accepted at one
//! instant would cost a second store (and cache line) per record, and
//! reading run by run a call per record.

use crate::cpu::prefetch;
use crate::time::SimTime;

/// A record's size (data plus partition key, below 8 MiB), whether it
/// continues an aggregated Kinesis record, and its key tag (the low byte of
/// its partition key's MD5 hash), packed in 32 bits so records in the log
/// stay 8 bytes. The tag is what spreads one shard's keys over a Lambda
/// mapping's concurrent batches.
///
/// A KPL aggregate is one Kinesis record holding many user records. The log
/// stores each user record (each has its own creation time, so its own
/// latency): the first carries the whole Kinesis record's size, the others
/// are *continuations* of size 0. Readers count Kinesis records (what
/// GetRecords `Limit` and Lambda's batch size count) as the entries that
/// are not continuations, and never split an aggregate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SizeTag(u32);

/// Bits of [`SizeTag`] holding the size.
const SIZE_BITS: u32 = 23;
/// The continuation flag, just above the size.
const CONTINUATION: u32 = 1 << SIZE_BITS;
/// Where the key tag starts.
const TAG_SHIFT: u32 = 24;
const _: () = assert!(crate::stream::limits::MAX_RECORD_DATA_BYTES + 256 < 1 << SIZE_BITS);

impl SizeTag {
    /// `bytes` (< 2²³) with key tag `tag`.
    #[inline]
    pub fn new(bytes: u32, tag: u8) -> Self {
        debug_assert!(bytes < 1 << SIZE_BITS);
        SizeTag(bytes | (tag as u32) << TAG_SHIFT)
    }

    /// A user record after the first in an aggregated Kinesis record whose
    /// key tag is `tag`: no bytes of its own.
    #[inline]
    pub fn continuation(tag: u8) -> Self {
        SizeTag(CONTINUATION | (tag as u32) << TAG_SHIFT)
    }

    /// Data plus partition key bytes (0 for a continuation).
    #[inline]
    pub fn bytes(self) -> u32 {
        self.0 & (CONTINUATION - 1)
    }

    /// Whether this user record continues the Kinesis record before it.
    #[inline]
    pub fn is_continuation(self) -> bool {
        self.0 & CONTINUATION != 0
    }

    /// The key tag, uniform over 0..=255 across distinct keys.
    #[inline]
    pub fn tag(self) -> u8 {
        (self.0 >> TAG_SHIFT) as u8
    }
}

/// A record as readers see it: when the shard accepted it, how long before
/// that its producer's application created it, and its size and key tag.
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

    /// Microseconds from the record's creation to `at` (not before its put).
    #[inline]
    pub fn latency_us(&self, at: SimTime) -> u64 {
        (at - self.put).as_nanos() / 1_000 + self.producer_delay_us as u64
    }
}

/// A record as the log keeps it: a [`LogRec`] laid out in 16 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stored {
    put: SimTime,
    producer_delay_us: u32,
    size: SizeTag,
}

/// Consecutive stored records, accepted at non-decreasing instants.
#[derive(Clone, Copy, Debug)]
pub struct Chunk<'a> {
    /// Sequence number of the first.
    pub first_seq: u64,
    recs: &'a [Stored],
}

impl<'a> Chunk<'a> {
    /// How many records.
    pub fn len(&self) -> usize {
        self.recs.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.recs.is_empty()
    }

    /// The first `n` records (all if fewer).
    #[inline]
    pub fn prefix(self, n: usize) -> Self {
        Chunk { recs: &self.recs[..n.min(self.recs.len())], ..self }
    }

    /// The records accepted at or before `until`: a prefix, since puts
    /// are in order.
    #[inline]
    pub fn accepted_by(self, until: SimTime) -> Self {
        match self.recs.last() {
            Some(last) if last.put > until => self.prefix(self.recs.partition_point(|r| r.put <= until)),
            _ => self,
        }
    }

    /// When the last record was accepted.
    #[inline]
    pub fn last_put(&self) -> Option<SimTime> {
        self.recs.last().map(|r| r.put)
    }

    /// How many Kinesis records start in this chunk.
    #[inline]
    pub fn kinesis_len(&self) -> u64 {
        self.recs.iter().filter(|p| !p.size.is_continuation()).count() as u64
    }

    /// The records of the first `n` Kinesis records (all if fewer), with
    /// how many Kinesis records that is: an aggregate's continuations stay
    /// with its first record.
    #[inline]
    pub fn kinesis_prefix(self, n: u64) -> (Self, u64) {
        let all = self.kinesis_len();
        if all <= n {
            return (self, all);
        }
        let mut starts = self.recs.iter().enumerate().filter(|(_, p)| !p.size.is_continuation());
        let cut = starts.nth(n as usize).map_or(self.recs.len(), |(i, _)| i);
        (self.prefix(cut), n)
    }

    /// How many leading records continue a Kinesis record begun before
    /// this chunk (an aggregate split by the ring's wrap).
    #[inline]
    pub fn leading_continuations(&self) -> usize {
        self.recs.iter().take_while(|p| p.size.is_continuation()).count()
    }

    /// The records from sequence number `seq` on.
    #[inline]
    pub fn from_seq(self, seq: u64) -> Self {
        let skip = (seq.saturating_sub(self.first_seq) as usize).min(self.recs.len());
        Chunk { first_seq: self.first_seq + skip as u64, recs: &self.recs[skip..] }
    }

    /// The longest prefix within `budget` bytes: its length and bytes.
    /// Continuations weigh nothing, so an aggregate is taken whole or not.
    #[inline]
    pub fn fit(&self, budget: u64) -> (usize, u64) {
        let all: u64 = self.recs.iter().map(|p| p.size.bytes() as u64).sum();
        if all <= budget {
            return (self.recs.len(), all);
        }
        let mut taken = 0;
        for (n, p) in self.recs.iter().enumerate() {
            if taken + p.size.bytes() as u64 > budget {
                return (n, taken);
            }
            taken += p.size.bytes() as u64;
        }
        unreachable!("the whole chunk exceeds the budget")
    }

    /// The records, in order.
    #[inline]
    pub fn iter(self) -> impl Iterator<Item = LogRec> + 'a {
        self.recs.iter().map(|p| LogRec { put: p.put, producer_delay_us: p.producer_delay_us, size: p.size })
    }

    /// Each record's latency in microseconds if delivered at `at`
    /// (see [`LogRec::latency_us`]).
    #[inline]
    pub fn latencies_us(self, at: SimTime) -> impl Iterator<Item = u64> + 'a {
        self.recs.iter().map(move |p| (at - p.put).as_nanos() / 1_000 + p.producer_delay_us as u64)
    }
}

/// A ring buffer: appends at the back, drops from the front, and reuses
/// its memory in place, so the log's footprint is its largest backlog
/// plus at most a half. It grows by half rather than doubling to a power
/// of two: on a stream of thousands of evenly loaded shards every log's
/// largest backlog is about the same, and when that is just past a power
/// of two, doubling wastes half of every log (`big-uniform`: the logs were
/// 123 MB of the run's 133 MB heap peak; growing by half, peak RSS fell
/// from 156 to 130 MiB). Growing by a quarter saved 3 MiB more but copied
/// far more often as the first backlog built up.
#[derive(Clone, Debug)]
struct Ring<T> {
    slots: Vec<T>,
    head: usize,
    len: usize,
}

impl<T> Default for Ring<T> {
    fn default() -> Self {
        Ring { slots: Vec::new(), head: 0, len: 0 }
    }
}

impl<T: Copy> Ring<T> {
    /// Slot of the item `i` places after the front (`i` <= the slots).
    #[inline]
    fn slot(&self, i: usize) -> usize {
        let at = self.head + i;
        if at >= self.slots.len() { at - self.slots.len() } else { at }
    }

    /// Appends `item`, and asks for the slot 16 places on unless `TAIL_ASKED`
    /// (the caller asked for this slot ahead of time: see
    /// [`ShardLog::prefetch_tail`]). Asking 16 on keeps a small stream's log
    /// tails in cache (without it, the reference scenario with a consumer ran
    /// 25 % longer); on a stream of thousands of shards that slot is evicted
    /// before its turn, and asking only fills the line-fill buffers the
    /// caller's own requests need (big-zipf on two threads, median of 5
    /// runs: 11.03 M records/s with it, 12.15 without; runs of the two
    /// binaries in turn differed by less than their spread).
    #[inline(always)]
    fn push<const TAIL_ASKED: bool>(&mut self, item: T) {
        if self.len == self.slots.len() {
            self.grow(item);
        }
        let i = self.slot(self.len);
        self.slots[i] = item;
        self.len += 1;
        if !TAIL_ASKED {
            let ahead = if i + 16 < self.slots.len() { i + 16 } else { 0 };
            prefetch(self.slots.as_ptr().wrapping_add(ahead));
        }
    }

    /// Adds half to the slots (at least 64, in whole cache lines of
    /// 16-byte records), unwrapping the items to the start.
    #[cold]
    fn grow(&mut self, fill: T) {
        let (front, back) = self.as_slices();
        let size = (self.slots.len() + self.slots.len() / 2).next_multiple_of(4).max(64);
        let mut slots = Vec::with_capacity(size);
        slots.extend_from_slice(front);
        slots.extend_from_slice(back);
        slots.resize(size, fill);
        (self.slots, self.head) = (slots, 0);
    }

    /// The items in order: up to the end of the slots, then from their start.
    #[inline]
    fn as_slices(&self) -> (&[T], &[T]) {
        let first = self.len.min(self.slots.len() - self.head);
        (&self.slots[self.head..self.head + first], &self.slots[..self.len - first])
    }

    /// Asks for the slot the next push writes.
    #[inline]
    fn prefetch_back(&self) {
        if !self.slots.is_empty() {
            prefetch(self.slots.as_ptr().wrapping_add(self.slot(self.len)));
        }
    }

    #[inline]
    fn get(&self, i: usize) -> T {
        self.slots[self.slot(i)]
    }

    /// Index of the first item for which `pred` is false (items must be
    /// partitioned by it).
    fn partition_point(&self, pred: impl Fn(&T) -> bool) -> usize {
        let (front, back) = self.as_slices();
        match front.partition_point(&pred) {
            n if n < front.len() => n,
            n => n + back.partition_point(pred),
        }
    }

    fn drop_front(&mut self, n: usize) {
        let n = n.min(self.len);
        self.head = if self.slots.is_empty() { 0 } else { self.slot(n) };
        self.len -= n;
    }
}

/// The retained records of one shard; sequence numbers count from 0.
/// What a push touches comes first (`repr(C)` keeps the order) and the log
/// starts a cache line, so a push reads one line of the header.
#[derive(Clone, Debug, Default)]
#[repr(C, align(64))]
pub struct ShardLog {
    recs: Ring<Stored>,
    keyed: bool,
    first_seq: u64,
    /// Each record's key fingerprint, aligned with `recs`, when `keyed`.
    keys: Ring<u32>,
    /// KPL aggregates stored here although predicted for another shard, in
    /// sequence order; rare (only after a resharding), and kept for the
    /// whole run so a Lambda lane can look a record up after the log let
    /// it go.
    misrouted: Vec<Misrouted>,
    /// Runs of records stored a second time because the request that
    /// stored them first timed out on the client (see `producer::request`),
    /// in sequence order; kept for the whole run, like `misrouted`.
    timeout_copies: Vec<CopyRun>,
}

/// Consecutive sequence numbers holding stored copies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct CopyRun {
    first_seq: u64,
    records: u64,
}

/// Why a reader delivers a stored record a second time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoredCopy {
    /// The KPL sent it again with error "Wrong Shard" (see [`Misrouted`]).
    WrongShard,
    /// Its first put timed out on the client, which sent it again.
    Timeout,
}

/// A KPL aggregate a shard accepted for a stale prediction (see
/// `producer::kpl`): its records from `first_seq`, the first `retried` of
/// which count as the copies the KPL's "Wrong Shard" retry stores again
/// (which ones does not matter, only how many), and whether it holds a
/// record whose key lies outside this shard's range — the KCL's
/// deaggregator then drops the whole aggregate (`AggregatorUtil`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Misrouted {
    /// Sequence number of its first user record.
    pub first_seq: u64,
    /// Its user records.
    pub records: u32,
    /// Of those, how many the KPL sent again.
    pub retried: u32,
    /// Whether a record's key lies outside the shard's range.
    pub foreign_keys: bool,
}

/// What a read of a range of sequence numbers holds of misrouted
/// aggregates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MisroutedCounts {
    /// Records of aggregates holding a foreign key (the KCL drops them).
    pub in_foreign_aggregates: u64,
    /// Retried copies in the other aggregates (every reader delivers them
    /// a second time).
    pub retried_copies: u64,
    /// Retried copies in aggregates holding a foreign key.
    pub retried_in_foreign: u64,
}

impl ShardLog {
    /// An empty log that also keeps each record's key fingerprint (32 bits
    /// of its hash key) when `keyed`: what a reader needs to tell whether
    /// records of one partition key arrive in order across a resharding.
    /// Off, it costs nothing.
    pub fn keyed(keyed: bool) -> Self {
        ShardLog { keyed, ..ShardLog::default() }
    }

    /// Appends the key fingerprint of the record just pushed.
    #[inline]
    pub fn push_key(&mut self, fingerprint: u32) {
        debug_assert!(self.keyed && self.keys.len + 1 == self.recs.len);
        self.keys.push::<false>(fingerprint);
    }

    /// The key fingerprints of records `from..to` (stored ones only), in
    /// order; empty unless keyed.
    pub fn keys(&self, from: u64, to: u64) -> impl Iterator<Item = u32> + '_ {
        let (from, to) = (from.max(self.first_seq), to.min(self.end_seq()));
        let n = if self.keyed { to.saturating_sub(from) as usize } else { 0 };
        let skip = from.saturating_sub(self.first_seq) as usize;
        (skip..skip + n).map(|i| self.keys.get(i))
    }

    /// Asks for the slot the next push writes.
    #[inline]
    pub fn prefetch_tail(&self) {
        self.recs.prefetch_back();
    }

    /// Appends an accepted record.
    #[inline]
    pub fn push(&mut self, rec: LogRec) {
        self.push_after::<false>(rec);
    }

    /// Appends an accepted record; `TAIL_ASKED` says whether the caller
    /// asked for its slot ahead (see [`Ring::push`]).
    #[inline(always)]
    pub fn push_after<const TAIL_ASKED: bool>(&mut self, rec: LogRec) {
        self.recs.push::<TAIL_ASKED>(Stored { put: rec.put, producer_delay_us: rec.producer_delay_us, size: rec.size });
    }

    /// Notes that the aggregate just pushed, `records` user records from
    /// `first_seq`, was misrouted (see [`Misrouted`]).
    pub fn note_misrouted(&mut self, m: Misrouted) {
        debug_assert!(m.first_seq + m.records as u64 == self.end_seq());
        self.misrouted.push(m);
    }

    /// Misrouted records among sequence numbers `from..to`, counting each
    /// aggregate's overlap with the range (a read may end inside one).
    #[inline]
    pub fn misrouted_in(&self, from: u64, to: u64) -> MisroutedCounts {
        let mut c = MisroutedCounts::default();
        if self.misrouted.is_empty() {
            return c;
        }
        let overlap = |a: u64, b: u64| b.min(to).saturating_sub(a.max(from));
        let first = self.misrouted.partition_point(|m| m.first_seq + m.records as u64 <= from);
        for m in self.misrouted[first..].iter().take_while(|m| m.first_seq < to) {
            let retried = overlap(m.first_seq, m.first_seq + m.retried as u64);
            if m.foreign_keys {
                c.in_foreign_aggregates += overlap(m.first_seq, m.first_seq + m.records as u64);
                c.retried_in_foreign += retried;
            } else {
                c.retried_copies += retried;
            }
        }
        c
    }

    /// Notes that stored record `seq` (at or after the last one noted) is
    /// a copy of one already stored (its first put timed out on the
    /// client).
    pub fn note_timeout_copy(&mut self, seq: u64) {
        debug_assert!(
            seq < self.end_seq() && self.timeout_copies.last().is_none_or(|r| r.first_seq + r.records <= seq)
        );
        match self.timeout_copies.last_mut() {
            Some(run) if run.first_seq + run.records == seq => run.records += 1,
            _ => self.timeout_copies.push(CopyRun { first_seq: seq, records: 1 }),
        }
    }

    /// Timeout copies among sequence numbers `from..to`.
    #[inline]
    pub fn timeout_copies_in(&self, from: u64, to: u64) -> u64 {
        if self.timeout_copies.is_empty() {
            return 0;
        }
        let first = self.timeout_copies.partition_point(|r| r.first_seq + r.records <= from);
        let runs = self.timeout_copies[first..].iter().take_while(|r| r.first_seq < to);
        runs.map(|r| (r.first_seq + r.records).min(to).saturating_sub(r.first_seq.max(from))).sum()
    }

    /// Whether record `seq` is a stored copy, and why.
    pub fn copy_at(&self, seq: u64) -> Option<StoredCopy> {
        if self.timeout_copies_in(seq, seq + 1) > 0 {
            return Some(StoredCopy::Timeout);
        }
        let m = self.misrouted_in(seq, seq + 1);
        (m.retried_copies + m.retried_in_foreign > 0).then_some(StoredCopy::WrongShard)
    }

    /// Whether any record among `from..to` is a stored copy.
    #[inline]
    pub fn holds_copy(&self, from: u64, to: u64) -> bool {
        if self.misrouted.is_empty() && self.timeout_copies.is_empty() {
            return false;
        }
        let m = self.misrouted_in(from, to);
        m.retried_copies + m.retried_in_foreign + self.timeout_copies_in(from, to) > 0
    }

    /// Sequence number of the oldest record still stored.
    pub fn first_seq(&self) -> u64 {
        self.first_seq
    }

    /// Sequence number the next accepted record will get.
    pub fn end_seq(&self) -> u64 {
        self.first_seq + self.recs.len as u64
    }

    /// Calls `visit` with the stored records from `seq` on, in at most two
    /// chunks (either side of the ring's wrap), until it returns `false`.
    #[inline]
    pub fn chunks_from(&self, seq: u64, mut visit: impl FnMut(Chunk<'_>) -> bool) {
        let (front, back) = self.recs.as_slices();
        let mut skip = (seq.max(self.first_seq) - self.first_seq) as usize;
        let mut first_seq = self.first_seq;
        for slice in [front, back] {
            let from = skip.min(slice.len());
            if from < slice.len() && !visit(Chunk { first_seq: first_seq + from as u64, recs: &slice[from..] }) {
                return;
            }
            skip -= from;
            first_seq += slice.len() as u64;
        }
    }

    /// Drops records accepted before `cutoff` (expired by retention) and
    /// records before `read_by_all` (no reader needs them any more).
    pub fn trim(&mut self, cutoff: SimTime, read_by_all: u64) {
        // Both conditions hold for a prefix: puts are in order. Mostly
        // nothing has expired, which the oldest record tells.
        let expired = match self.recs.len {
            0 => self.first_seq,
            _ if self.recs.get(0).put >= cutoff => self.first_seq,
            _ => self.first_seq + self.recs.partition_point(|r| r.put < cutoff) as u64,
        };
        let drop_to = read_by_all.max(expired).min(self.end_seq());
        if drop_to <= self.first_seq {
            return;
        }
        self.recs.drop_front((drop_to - self.first_seq) as usize);
        if self.keyed {
            self.keys.drop_front((drop_to - self.first_seq) as usize);
        }
        self.first_seq = drop_to;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(put_s: u64) -> LogRec {
        LogRec::new(SimTime::from_secs(put_s), SimTime::ZERO, SizeTag::new(1, 0))
    }

    /// Sequence numbers and put seconds of the records from `seq` on.
    fn stored_from(log: &ShardLog, seq: u64) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        log.chunks_from(seq, |c| {
            out.extend(c.iter().zip(c.first_seq..).map(|(r, s)| (s, r.put.whole_secs())));
            true
        });
        out
    }

    #[test]
    fn timeout_copies_are_counted_by_their_overlap_with_the_read() {
        let mut log = ShardLog::default();
        for seq in 0..20u64 {
            log.push(rec(0));
            // Copies at 3, 4, 5 (one run), 9 and 15.
            if [3, 4, 5, 9, 15].contains(&seq) {
                log.note_timeout_copy(seq);
            }
        }
        assert_eq!(log.timeout_copies.len(), 3);
        let c = |from, to| log.timeout_copies_in(from, to);
        assert_eq!((c(0, 20), c(0, 4), c(4, 9), c(4, 10), c(10, 15), c(16, 20)), (5, 1, 2, 3, 0, 0));
        assert_eq!(log.copy_at(9), Some(StoredCopy::Timeout));
        assert_eq!(log.copy_at(10), None);
        assert!(log.holds_copy(15, 16) && !log.holds_copy(16, 20));
    }

    #[test]
    fn records_keep_creation_to_the_microsecond_in_16_bytes() {
        assert_eq!(std::mem::size_of::<Stored>(), 16);
        let r = LogRec::new(SimTime(5_000_000_999), SimTime(1_000_000_000), SizeTag::new(1_048_832, 255));
        // Created at 1.000000999 s: the delay keeps whole microseconds.
        assert_eq!(r.latency_us(SimTime(6_000_000_000)), 4_999_999, "floor of 4,999,999,001 ns");
        assert_eq!(r.latency_us(SimTime(5_000_000_999)), 4_000_000);
        assert_eq!((r.bytes(), r.size.tag()), (1_048_832, 255));
    }

    #[test]
    fn records_keep_their_put_times_across_the_ring_wrap() {
        let mut log = ShardLog::default();
        // Three records per put instant; 60 fill most of the first 64 slots.
        let put_s = |seq: u64| seq / 3;
        (0..60).for_each(|seq| log.push(rec(put_s(seq))));
        log.trim(SimTime::ZERO, 41);
        (60..90).for_each(|seq| log.push(rec(put_s(seq))));
        assert_eq!(log.recs.slots.len(), 64, "no growth: 49 records stored");
        assert!(!log.recs.as_slices().1.is_empty(), "the ring wrapped");
        let want: Vec<(u64, u64)> = (41..90).map(|seq| (seq, put_s(seq))).collect();
        assert_eq!(stored_from(&log, 0), want);
        assert_eq!(stored_from(&log, 70), want[29..]);
        let mut chunks = Vec::new();
        log.chunks_from(0, |c| {
            chunks.push((c.first_seq, c.len(), c.last_put().map(|t| t.whole_secs())));
            true
        });
        // Records 41..64 before the wrap, 64..90 after it.
        assert_eq!(chunks, vec![(41, 23, Some(21)), (64, 26, Some(29))]);
        let visible = |until_s| {
            let mut n = 0;
            log.chunks_from(0, |c| {
                n += c.accepted_by(SimTime::from_secs(until_s)).len();
                true
            });
            n
        };
        assert_eq!((visible(13), visible(21), visible(22), visible(99)), (1, 25, 28, 49));
        log.trim(SimTime::ZERO, 90);
        assert_eq!(log.recs.len, 0);
        assert_eq!(stored_from(&log, 0), vec![]);
        log.push(rec(29));
        assert_eq!(stored_from(&log, 0), vec![(90, 29)], "a new run after everything was read");
    }

    #[test]
    fn the_ring_matches_a_queue_through_growth_and_wraps() {
        // Pushes and drops in an irregular pattern that wraps the ring at
        // each of its sizes (64, 96, 144, ...), checked against VecDeque.
        let mut ring: Ring<u32> = Ring::default();
        let mut model = std::collections::VecDeque::new();
        let (mut next, mut largest) = (0u32, 0);
        for step in 0..4_000u32 {
            for _ in 0..(step % 7) {
                ring.push::<false>(next);
                model.push_back(next);
                next += 1;
            }
            largest = largest.max(model.len());
            let drop = (step % 5) as usize;
            ring.drop_front(drop);
            model.drain(..drop.min(model.len()));
            assert_eq!(ring.len, model.len());
            let (front, back) = ring.as_slices();
            assert!(front.iter().chain(back).eq(model.iter()), "step {step}");
            if let Some(k) = model.len().checked_sub(1) {
                assert_eq!(ring.get(k), model[k]);
            }
        }
        // Growth is by half, so the slots stay within 1.5x the largest
        // backlog (rounded to 4 slots), far from doubling's 2x.
        assert!(ring.slots.len() >= largest && ring.slots.len() <= largest * 3 / 2 + 4, "{}", ring.slots.len());
    }

    #[test]
    fn chunks_cut_by_count_bytes_and_sequence_number() {
        let mut log = ShardLog::default();
        for b in [100, 200, 300] {
            log.push(LogRec::new(SimTime::from_secs(1), SimTime::ZERO, SizeTag::new(b, 0)));
        }
        let mut visits = 0;
        log.chunks_from(0, |c| {
            visits += 1;
            assert_eq!(c.fit(u64::MAX), (3, 600));
            assert_eq!(c.fit(350), (2, 300));
            assert_eq!(c.fit(99), (0, 0));
            assert_eq!(c.prefix(1).len(), 1);
            let rest = c.from_seq(1);
            assert_eq!((rest.first_seq, rest.len()), (1, 2));
            assert_eq!(rest.latencies_us(SimTime::from_secs(2)).collect::<Vec<_>>(), vec![2_000_000; 2]);
            false
        });
        assert_eq!(visits, 1, "one slice, and `false` stops the walk");
    }

    #[test]
    fn misrouted_counts_are_each_aggregates_overlap_with_the_read() {
        let mut log = ShardLog::default();
        (0..10).for_each(|s| log.push(rec(s)));
        // Records 10..20: 6 of them sent again, all keys in range.
        (0..10).for_each(|_| log.push(rec(10)));
        log.note_misrouted(Misrouted { first_seq: 10, records: 10, retried: 6, foreign_keys: false });
        // Records 20..24: a foreign key; 2 sent again.
        (0..4).for_each(|_| log.push(rec(11)));
        log.note_misrouted(Misrouted { first_seq: 20, records: 4, retried: 2, foreign_keys: true });
        let c = |from, to| log.misrouted_in(from, to);
        assert_eq!(c(0, 10), MisroutedCounts::default());
        assert_eq!(c(0, 30), MisroutedCounts { in_foreign_aggregates: 4, retried_copies: 6, retried_in_foreign: 2 });
        // A read ending inside the first aggregate, and the next one.
        assert_eq!(c(0, 13).retried_copies, 3);
        let rest = c(13, 21);
        assert_eq!((rest.retried_copies, rest.in_foreign_aggregates, rest.retried_in_foreign), (3, 1, 1));
        assert_eq!(c(21, 24).in_foreign_aggregates, 3);
    }

    #[test]
    fn trim_drops_expired_and_fully_read_records_only() {
        let mut log = ShardLog::default();
        (0..10).for_each(|s| log.push(rec(s)));
        log.trim(SimTime::from_secs(3), 0);
        assert_eq!((log.first_seq(), log.end_seq()), (3, 10));
        log.trim(SimTime::ZERO, 5);
        assert_eq!(log.first_seq(), 5);
        assert_eq!(stored_from(&log, 8).len(), 2);
        assert_eq!(stored_from(&log, 1).len(), 5, "expired records are gone");
        assert_eq!(stored_from(&log, 20).len(), 0);
    }
}
