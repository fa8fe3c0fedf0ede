//! A KCL application: workers holding shard leases, each worker a
//! sequential processor, reading its shards by GetRecords polling or by
//! enhanced fan-out.
//!
//! Every shard has one lease, held by at most one worker (reference §9.2);
//! leases go round-robin to the worker with the fewest, up to
//! `max_leases_per_worker` — shards beyond that stay unread, as they would.
//! A worker handles its shards one at a time — a GetRecords call or a push,
//! then processing the batch — so an overloaded application falls behind
//! and its iterator age grows; a shard whose turn comes while its worker is
//! busy waits for it. A polling shard loop is call → process → wait
//! `idle_time_between_reads`; an enhanced fan-out shard gets its next push
//! once the last is processed (flow control).
//!
//! A shard's checkpoint advances when a batch has been processed (at most
//! once per `checkpoint_interval_s`). When a worker fails, its batches in
//! progress are lost; after `failover_time_ms` its leases go to the
//! surviving workers (or to a replacement if none survives), which resume
//! from the checkpoint, so records delivered after it are delivered again:
//! counted as `duplicates`, not as new deliveries.
//!
//! Across a resharding (reference scaling-facts §4), a closed shard is read
//! to its end; processing its last batch checkpoints SHARD_END and releases
//! its lease. With `ordering = "parent_first"` (the KCL's behaviour) that is
//! when its children's leases are created (from the ChildShards of the last
//! read); a child's processor then starts by checking that every parent has
//! reached SHARD_END, and checks again every `parent_shard_poll_interval_ms`
//! until they have (`BlockOnParentShardTask`). With `"ignore_parents"` a
//! child's lease exists from the moment the shard opens and is read at
//! once, like a hand-written reader listing shards; a record it delivers
//! while an ancestor still holds an undelivered record of the same key
//! (compared by a 32-bit fingerprint of the hash key) counts as
//! `out_of_order_records`. Without a fixed `workers`, each lease gets a
//! worker of its own, new shards included.

use std::collections::HashSet;

use rand::RngExt;

use crate::consumer::efo::{Push, Subscription, push_interval};
use crate::consumer::lease_table::LeaseTable;
use crate::consumer::polling::{
    Read, SDK_MAX_ATTEMPTS, call_latency, get_records, sdk_error_delay, sdk_throttle_delay,
};
use crate::consumer::workers::Workers;
use crate::consumer::{ConsumerMeter, Processing, ShardView, Wake, skip_expired};
use crate::rng::SimRng;
use crate::scenario::model::{KclSpec, Ordering, PollingSpec, WorkerFailure};
use crate::stream::log::{Chunk, ShardLog, StoredCopy};
use crate::time::SimTime;

/// The pseudo-shard of events about the application rather than a shard.
pub const CONTROL: u32 = u32::MAX;
/// Control tag: the failing worker fails.
const FAIL: u32 = 0;
/// Control tag: its leases have expired and are taken.
const TAKE_LEASES: u32 = 1;

/// How the application reads.
#[derive(Clone, Copy, Debug)]
pub enum Source {
    /// GetRecords with `Limit` `limit`, `idle` between calls.
    Polling { limit: u64, idle: SimTime },
    /// SubscribeToShard.
    Efo,
}

impl Source {
    /// GetRecords polling with `spec`'s settings.
    pub fn polling(spec: &PollingSpec) -> Self {
        Source::Polling { limit: spec.max_records as u64, idle: spec.idle_time_between_reads }
    }
}

/// One shard's lease and read position.
#[derive(Clone, Debug, Default)]
struct Lease {
    owner: Option<u32>,
    /// Bumped when the lease changes hands; stale events carry an old one.
    epoch: u32,
    /// Next sequence number to read.
    cursor: u64,
    /// One past the highest sequence number ever delivered.
    delivered: u64,
    /// Where a new owner resumes.
    checkpoint: u64,
    /// Failed attempts (throttled or failed) of the GetRecords call in
    /// progress.
    failed_attempts: u32,
    checkpointed_at: SimTime,
    /// The batch being processed: when it ends (its checkpoint written),
    /// the position after it, and whether that position is saved then.
    in_progress: Option<(SimTime, u64, bool)>,
    sub: Subscription,
    /// Whether the lease exists (a child's is created when a parent ends,
    /// unless parents are ignored).
    created: bool,
    /// Whether the shard was read to its end and SHARD_END checkpointed.
    ended: bool,
    /// The shard's parents and children (by index).
    parents: Vec<u32>,
    children: Vec<u32>,
}

impl Lease {
    /// A lease that exists from the start.
    fn created() -> Self {
        Lease { created: true, ..Lease::default() }
    }

    /// Whether a worker should hold it.
    fn assignable(&self) -> bool {
        self.created && !self.ended
    }
}

/// A KCL application (`kind = "polling"` or `"efo"`).
#[derive(Debug)]
pub struct KclConsumer {
    source: Source,
    processing: Processing,
    checkpoint_interval: SimTime,
    parent_poll: SimTime,
    ordering: Ordering,
    /// `workers` absent: one worker per lease, growing with the shards.
    worker_per_lease: bool,
    failure: Option<WorkerFailure>,
    leases: Vec<Lease>,
    workers: Workers,
    rng: SimRng,
    /// Its DynamoDB lease table.
    lease_table: LeaseTable,
    /// What it observed.
    pub meter: ConsumerMeter,
}

impl KclConsumer {
    /// An application reading through `source`, with workers and leases
    /// as `kcl` says, treating children as `ordering` says, on `shards`
    /// shards, metering its lease table over `window`.
    pub fn new(
        source: Source,
        kcl: &KclSpec,
        (processing, ordering, window): (Processing, Ordering, (SimTime, SimTime)),
        shards: usize,
        rng: SimRng,
    ) -> Self {
        let workers = kcl.workers.unwrap_or(shards as u32).max(1);
        let mut app = KclConsumer {
            source,
            processing,
            checkpoint_interval: kcl.checkpoint_interval,
            parent_poll: kcl.parent_shard_poll_interval,
            ordering,
            worker_per_lease: kcl.workers.is_none(),
            failure: kcl.failure.clone(),
            leases: vec![Lease::created(); shards],
            workers: Workers::new(workers as usize, kcl.max_leases_per_worker.unwrap_or(u32::MAX)),
            rng,
            lease_table: LeaseTable::new(kcl.lease_table, kcl.failover_time, window),
            meter: ConsumerMeter::default(),
        };
        if let Some(f) = &app.failure {
            app.workers[f.worker as usize].fails_at = f.at;
        }
        for shard in 0..shards {
            app.assign(shard, SimTime::ZERO);
        }
        app
    }

    /// Shard `shard`, child of `parents`, opened at `now`.
    pub fn shard_opened(&mut self, shard: usize, parents: &[u32], now: SimTime, out: &mut Vec<Wake>) {
        debug_assert_eq!(shard, self.leases.len(), "shards open in index order");
        self.leases.push(Lease { parents: parents.to_vec(), ..Lease::default() });
        for &p in parents {
            self.leases[p as usize].children.push(shard as u32);
        }
        if self.ordering == Ordering::IgnoreParents {
            self.create_lease(shard, now, out);
        }
    }

    /// Creates `shard`'s lease and starts its processor at `now`.
    fn create_lease(&mut self, shard: usize, now: SimTime, out: &mut Vec<Wake>) {
        let lease = &mut self.leases[shard];
        if lease.created {
            return;
        }
        lease.created = true;
        if self.assign(shard, now) {
            out.push(Wake { at: now, shard: shard as u32, tag: self.leases[shard].epoch });
        }
    }

    /// Whether every parent of `shard` checkpointed SHARD_END.
    fn parents_ended(&self, shard: usize) -> bool {
        self.leases[shard].parents.iter().all(|&p| self.leases[p as usize].ended)
    }

    /// Gives `shard`'s lease to the live worker with the fewest leases
    /// (lowest index on ties) that may take one more; returns whether one
    /// could.
    fn assign(&mut self, shard: usize, now: SimTime) -> bool {
        if self.worker_per_lease && !self.workers.any_idle() {
            self.workers.push_fresh(now);
        }
        let Some(w) = self.workers.take_lease() else { return false };
        let lease = &mut self.leases[shard];
        lease.owner = Some(w as u32);
        lease.epoch += 1;
        true
    }

    /// The length of one idle read loop, over which first reads spread.
    fn idle_period(&self) -> SimTime {
        match self.source {
            Source::Polling { idle, .. } => idle + call_latency(),
            Source::Efo => push_interval(),
        }
    }

    /// First reads at a seeded random point of the first idle period (so
    /// shards and applications are not in lockstep), and the failure.
    pub fn start(&mut self, out: &mut Vec<Wake>) {
        let period = self.idle_period().as_nanos().max(1);
        for (shard, lease) in self.leases.iter().enumerate() {
            let at = SimTime(self.rng.random_range(0..period));
            if lease.owner.is_some() {
                out.push(Wake { at, shard: shard as u32, tag: lease.epoch });
            }
        }
        if let Some(f) = &self.failure {
            out.push(Wake { at: f.at, shard: CONTROL, tag: FAIL });
        }
    }

    /// A read (poll or push) of `shard` at `now`, if `epoch` is current.
    pub fn wake(&mut self, shard: usize, epoch: u32, now: SimTime, view: ShardView<'_>, out: &mut Vec<Wake>) {
        let lease = &self.leases[shard];
        let Some(owner) = lease.owner.filter(|_| lease.epoch == epoch) else { return };
        self.settle(shard, now);
        self.skip_expired(shard, view.log, view.counted);
        if self.ordering == Ordering::ParentFirst && !self.parents_ended(shard) {
            // BlockOnParentShardTask: look again after the poll interval.
            out.push(Wake { at: now + self.parent_poll, shard: shard as u32, tag: epoch });
            return;
        }
        let lease = &self.leases[shard];
        if view.shard_end(lease.cursor) && lease.in_progress.is_none() {
            return self.end_shard(shard, owner as usize, now, out);
        }
        let worker = &mut self.workers[owner as usize];
        if worker.busy_until > now {
            // A worker reads a shard only when it is free to process it.
            worker.waiting.push_back((shard as u32, epoch));
            return;
        }
        self.read(shard, epoch, owner as usize, now, view, out);
        self.hand_over(owner as usize, now, out);
    }

    /// `shard` was read and processed to its end: SHARD_END is checkpointed,
    /// its lease released, and its children's leases created.
    fn end_shard(&mut self, shard: usize, owner: usize, now: SimTime, out: &mut Vec<Wake>) {
        // The SHARD_END checkpoint is a write too (its wait is not modelled).
        self.close(now);
        let _ = self.lease_table.checkpoint(now, &mut self.rng);
        let lease = &mut self.leases[shard];
        lease.ended = true;
        lease.checkpoint = lease.cursor;
        lease.owner = None;
        lease.epoch += 1;
        self.workers.release_lease(owner);
        for child in self.leases[shard].children.clone() {
            self.create_lease(child as usize, now, out);
        }
        self.hand_over(owner, now, out);
    }

    /// Wakes the first shard still waiting for worker `w` (stale entries,
    /// whose lease moved, are dropped) for when `w` is free.
    fn hand_over(&mut self, w: usize, now: SimTime, out: &mut Vec<Wake>) {
        let worker = &mut self.workers[w];
        while let Some((shard, epoch)) = worker.waiting.pop_front() {
            let lease = &self.leases[shard as usize];
            if lease.epoch == epoch && lease.owner == Some(w as u32) {
                out.push(Wake { at: worker.busy_until.max(now), shard, tag: epoch });
                return;
            }
        }
    }

    /// Worker `owner`, free at `now`, reads `shard` and processes the batch.
    fn read(
        &mut self,
        shard: usize,
        epoch: u32,
        owner: usize,
        now: SimTime,
        mut view: ShardView<'_>,
        out: &mut Vec<Wake>,
    ) {
        let (processing, counted) = (self.processing, view.counted);
        let early = match self.ordering {
            Ordering::IgnoreParents => self.ancestor_keys(shard, &view),
            Ordering::ParentFirst => None,
        };
        let worker = &mut self.workers[owner];
        let lease = &mut self.leases[shard];
        let meter = &mut self.meter;
        let (from, delivered) = (lease.cursor, lease.delivered);
        let log = view.log;
        let start = match self.source {
            // The GetRecords call itself occupies the worker.
            Source::Polling { .. } => now + call_latency(),
            Source::Efo => now,
        };
        let alive = start < worker.fails_at;
        let first_delivery = |chunk: Chunk<'_>| {
            if alive && counted {
                let fresh = chunk.from_seq(delivered);
                meter.latencies(fresh, start);
                if let Some(keys) = &early {
                    let end = fresh.first_seq + fresh.len() as u64;
                    meter.out_of_order_records +=
                        log.keys(fresh.first_seq, end).filter(|k| keys.contains(k)).count() as u64;
                }
            }
        };
        let scan = match self.source {
            Source::Polling { limit, idle } => {
                worker.busy_until = start;
                let got = get_records(&mut view, from, now, limit, first_delivery);
                meter.read(counted, now, &got);
                let Read::Got(scan) = got else {
                    // The SDK retries a failed call after its back-off (the
                    // throttling one, or the one for other errors); once its
                    // attempts are spent the KCL gets the exception and
                    // sleeps its whole idle time (`PrefetchRecordsPublisher`:
                    // no successful call to count the idle time from).
                    lease.failed_attempts += 1;
                    let retries = lease.failed_attempts - 1;
                    let wait = match lease.failed_attempts < SDK_MAX_ATTEMPTS {
                        true if got == Read::Throttled => sdk_throttle_delay(retries, &mut self.rng),
                        true => sdk_error_delay(retries, &mut self.rng),
                        false => {
                            lease.failed_attempts = 0;
                            idle
                        }
                    };
                    out.push(Wake { at: start + wait, shard: shard as u32, tag: epoch });
                    return;
                };
                lease.failed_attempts = 0;
                scan
            }
            Source::Efo => match lease.sub.push(view.log, from, now, view.fails, first_delivery) {
                Push::Subscribed(resume) => {
                    meter.subscribed(counted);
                    out.push(Wake { at: resume, shard: shard as u32, tag: epoch });
                    return;
                }
                Push::Failed(resume) => {
                    meter.subscription_failed(counted);
                    out.push(Wake { at: resume, shard: shard as u32, tag: epoch });
                    return;
                }
                Push::Delivered(scan) => {
                    meter.pushed(counted, now, &scan);
                    scan
                }
            },
        };
        if !alive {
            // The worker dies before it processes this batch; the failure
            // hands the lease on.
            return;
        }
        let mut end = start + processing.time(scan.n);
        // The processor checkpoints when the interval has passed, and waits
        // for the write (longer when the lease table throttles).
        let first = lease.checkpointed_at == SimTime::ZERO;
        let due = scan.n > 0 && (first || end - lease.checkpointed_at >= self.checkpoint_interval);
        let saves = due && {
            self.lease_table.advance(end, table_state(&self.workers, self.leases.len()));
            let (wait, saved) = self.lease_table.checkpoint(end, &mut self.rng);
            end += wait;
            saved
        };
        let (worker, lease) = (&mut self.workers[owner], &mut self.leases[shard]);
        if scan.n > 0 {
            worker.busy_until = end;
            lease.cursor += scan.n;
            lease.in_progress = Some((end, lease.cursor, saves));
            let again = delivered.saturating_sub(from).min(scan.n);
            lease.delivered = lease.delivered.max(lease.cursor);
            if counted {
                // First reads of misrouted KPL aggregates: the deaggregator
                // drops those holding a foreign key; the others hold copies
                // the KPL stored again. Copies stored after a timeout are
                // delivered again too.
                let m = log.misrouted_in(from + again, from + scan.n);
                let timeout_copies = log.timeout_copies_in(from + again, from + scan.n);
                // Re-reads of dropped aggregates are dropped again.
                let dropped_again = log.misrouted_in(from, from + again).in_foreign_aggregates;
                meter.duplicates += again - dropped_again;
                meter.duplicates_by_cause.worker_failover += again - dropped_again;
                meter.stored_copies(StoredCopy::WrongShard, m.retried_copies);
                meter.stored_copies(StoredCopy::Timeout, timeout_copies);
                meter.records_discarded += m.in_foreign_aggregates;
                meter.records_lost += m.in_foreign_aggregates - m.retried_in_foreign;
                meter.records_delivered += scan.n - again - m.retried_copies - timeout_copies - m.in_foreign_aggregates;
            }
        }
        let next = if view.shard_end(lease.cursor) {
            // The end of a closed shard: SHARD_END once this batch is done.
            end
        } else {
            match self.source {
                Source::Polling { idle, .. } => end + idle,
                Source::Efo => end.max(lease.sub.next_push(now, &scan)),
            }
        };
        out.push(Wake { at: next, shard: shard as u32, tag: epoch });
    }

    /// The key fingerprints of records that `shard`'s ancestors hold and
    /// this application has not delivered yet, or `None` if there are none.
    fn ancestor_keys(&self, shard: usize, view: &ShardView<'_>) -> Option<HashSet<u32>> {
        let mut keys = HashSet::new();
        let mut stack = self.leases[shard].parents.clone();
        let mut seen = HashSet::new();
        while let Some(a) = stack.pop() {
            if !seen.insert(a) {
                continue;
            }
            let (lease, log) = (&self.leases[a as usize], &view.logs[a as usize]);
            keys.extend(log.keys(lease.delivered.max(lease.cursor), log.end_seq()));
            stack.extend(&lease.parents);
        }
        (!keys.is_empty()).then_some(keys)
    }

    /// Checkpoints `shard`'s batch in progress if it ended by `now`.
    fn settle(&mut self, shard: usize, now: SimTime) {
        let lease = &mut self.leases[shard];
        if let Some((end, position, saves)) = lease.in_progress.filter(|(end, ..)| *end <= now) {
            lease.in_progress = None;
            if saves {
                lease.checkpoint = position;
                lease.checkpointed_at = end;
            }
        }
    }

    /// The failure and the lease take-over after it (events on
    /// [`CONTROL`]).
    pub fn control(&mut self, tag: u32, now: SimTime, out: &mut Vec<Wake>) {
        let Some(failure) = self.failure.clone() else { return };
        let w = failure.worker as usize;
        match tag {
            FAIL => {
                for shard in 0..self.leases.len() {
                    if self.leases[shard].owner == Some(w as u32) {
                        self.settle(shard, now);
                        let lease = &mut self.leases[shard];
                        lease.owner = None;
                        lease.epoch += 1;
                        lease.in_progress = None;
                        lease.cursor = lease.checkpoint;
                    }
                }
                self.workers.fail(w);
                out.push(Wake { at: now + failure.failover_time, shard: CONTROL, tag: TAKE_LEASES });
            }
            _ => {
                if !self.workers.any_alive() {
                    // No survivor: a replacement worker takes over.
                    self.workers.replace(w, now);
                }
                for shard in 0..self.leases.len() {
                    let lease = &self.leases[shard];
                    if lease.assignable() && lease.owner.is_none() && self.assign(shard, now) {
                        out.push(Wake { at: now, shard: shard as u32, tag: self.leases[shard].epoch });
                    }
                }
            }
        }
    }

    /// A new owner resumes from the checkpoint, so that is what must stay.
    pub fn needs_from(&self, shard: usize) -> u64 {
        self.leases[shard].checkpoint
    }

    /// Moves past expired records, counting those never delivered.
    pub fn skip_expired(&mut self, shard: usize, log: &ShardLog, counted: bool) {
        let lease = &mut self.leases[shard];
        let lost = skip_expired(&mut lease.cursor, lease.delivered, log);
        lease.checkpoint = lease.checkpoint.max(log.first_seq());
        if counted {
            self.meter.records_expired += lost;
        }
    }

    /// Records stored but never delivered.
    pub fn unread(&self, shard: usize, log: &ShardLog) -> u64 {
        let lease = &self.leases[shard];
        log.end_seq().saturating_sub(lease.cursor.max(lease.delivered))
    }

    /// Brings the lease table's meters up to `horizon` (the end of the
    /// run, or a checkpoint outside a read).
    pub fn close(&mut self, horizon: SimTime) {
        self.lease_table.advance(horizon, table_state(&self.workers, self.leases.len()));
    }

    /// What it measured, its lease table's use included.
    pub fn into_meter(self) -> ConsumerMeter {
        let mut meter = self.meter;
        meter.lease_table = Some(Box::new(self.lease_table.finish()));
        meter
    }

    /// Shards whose lease exists and no worker holds.
    pub fn shards_unleased(&self) -> u32 {
        self.leases.iter().filter(|l| l.assignable() && l.owner.is_none()).count() as u32
    }
}

/// What the lease table serves: leases held, live workers (each scanning),
/// and the `items` leases in it.
fn table_state(workers: &Workers, items: usize) -> (u32, u32, u32) {
    let (held, live) = workers.table_state();
    (held, live, items as u32)
}
