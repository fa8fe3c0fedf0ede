//! SDK instances' calls built ahead, on a thread of their own, while the
//! run's thread puts them.
//!
//! An SDK instance's calls depend only on its own arrivals, keys and sizes:
//! how the shards answer changes what is retried (the client's business,
//! on the run's thread), never what the batcher sends next. On a stream
//! whose shards never change, the key-to-shard map is fixed too, so the
//! batchers can run on another core, ahead of the simulation, and hand
//! over their calls in order. The run's thread takes them exactly where it
//! would have built them, so the outcome is the same bit for bit; only the
//! wall time differs. (On the scale benchmark, drawing arrivals, keys and
//! sizes is about a third of a run.)
//!
//! The builder works in *epochs* of [`EPOCH`] simulated time: for each
//! instance, every call sent before the epoch's end and the first one at or
//! after it, so the run's thread always knows each instance's next call
//! without waiting, until it passes the epoch's end. At most `AHEAD`
//! epochs wait, which bounds the memory (0.6 MB an epoch at 1.5 million
//! records/s of 16 bytes each). Record vectors come back for reuse.

use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

use crate::producer::sdk::SdkBatcher;
use crate::producer::{Rec, VecPool};
use crate::stream::hash::ShardMap;
use crate::time::SimTime;
use crate::workload::keys::KeySpace;

/// Simulated time the builder covers per hand-over: long enough that
/// handing over is rare (40 times a simulated second), short enough that
/// the calls waiting stay small. (On `big-uniform`, 100 ms instead cost
/// 8 MiB more peak RSS and was no faster.)
pub const EPOCH: SimTime = SimTime(25_000_000);

/// Epochs built and not yet taken, at most.
const AHEAD: usize = 2;

/// One call: when it is sent, and its records in send order.
#[derive(Debug)]
struct Call {
    at: SimTime,
    records: Vec<Rec>,
}

/// One epoch's calls, by instance; and for each instance that sends no
/// more, the records left in its buffer at the end of the run.
#[derive(Debug)]
struct Epoch {
    calls: Vec<Vec<Call>>,
    finished: Vec<(usize, Vec<Rec>)>,
}

/// An instance as the builder holds it.
#[derive(Debug)]
struct Built {
    batcher: SdkBatcher,
    /// Its producer group (whose key space it draws from).
    group: usize,
    /// Whether it sends no more calls within the run.
    done: bool,
}

/// The run thread's end: each instance's calls received and not yet taken.
#[derive(Debug)]
pub struct Feed {
    calls: Vec<VecDeque<Call>>,
    /// Records left in an instance's buffer when it sends no more (`Some`
    /// once the builder says so).
    leftovers: Vec<Option<Vec<Rec>>>,
    epochs: Receiver<Epoch>,
    reuse: Sender<Vec<Vec<Rec>>>,
    /// Vectors given back, sent to the builder at the next hand-over.
    returned: VecPool,
}

/// The builder's end, to run on its own thread with [`Builder::run`].
#[derive(Debug)]
pub struct Builder {
    instances: Vec<Built>,
    spaces: Vec<KeySpace>,
    map: ShardMap,
    horizon: SimTime,
    epochs: SyncSender<Epoch>,
    reuse: Receiver<Vec<Vec<Rec>>>,
    spare: VecPool,
}

/// A feed for `batchers` (each with its producer group), which draw keys
/// from `spaces` routed by the fixed `map`, sending before `horizon`.
pub fn feed(
    batchers: Vec<(SdkBatcher, usize)>,
    spaces: Vec<KeySpace>,
    map: ShardMap,
    horizon: SimTime,
) -> (Feed, Builder) {
    let n = batchers.len();
    let (epoch_tx, epoch_rx) = sync_channel(AHEAD);
    let (reuse_tx, reuse_rx) = channel();
    let instances = batchers.into_iter().map(|(batcher, group)| Built { batcher, group, done: false }).collect();
    let feed = Feed {
        calls: (0..n).map(|_| VecDeque::new()).collect(),
        leftovers: vec![None; n],
        epochs: epoch_rx,
        reuse: reuse_tx,
        returned: VecPool::default(),
    };
    let builder =
        Builder { instances, spaces, map, horizon, epochs: epoch_tx, reuse: reuse_rx, spare: VecPool::default() };
    (feed, builder)
}

impl Builder {
    /// Builds every instance's calls, epoch by epoch, until none is left or
    /// the feed is dropped; returns the key spaces (the run's report lists
    /// their salted keys).
    pub fn run(mut self) -> Vec<KeySpace> {
        let mut end = EPOCH;
        loop {
            let epoch = self.epoch(end);
            let last = self.instances.iter().all(|b| b.done);
            if self.epochs.send(epoch).is_err() || last {
                return self.spaces;
            }
            end += EPOCH;
        }
    }

    /// Every unfinished instance's calls before `end`, and its first at or
    /// after it.
    fn epoch(&mut self, end: SimTime) -> Epoch {
        self.spare.keep(self.reuse.try_iter().flatten());
        let mut epoch = Epoch { calls: Vec::with_capacity(self.instances.len()), finished: Vec::new() };
        for (i, b) in self.instances.iter_mut().enumerate() {
            let mut calls = Vec::new();
            while !b.done {
                match b.batcher.next_send(&self.spaces[b.group], &self.map).filter(|t| *t < self.horizon) {
                    Some(at) => {
                        let (records, _) = b.batcher.take_batch(self.spare.take());
                        calls.push(Call { at, records });
                        if at >= end {
                            break;
                        }
                    }
                    None => {
                        b.done = true;
                        epoch.finished.push((i, b.batcher.take_batch(Vec::new()).0));
                    }
                }
            }
            epoch.calls.push(calls);
        }
        epoch
    }
}

impl Feed {
    /// When instance `i` sends its next call, or `None` if it sends no more.
    pub fn next_send(&mut self, i: usize) -> Option<SimTime> {
        loop {
            if let Some(call) = self.calls[i].front() {
                return Some(call.at);
            }
            if self.leftovers[i].is_some() {
                return None;
            }
            self.receive();
        }
    }

    /// Instance `i`'s next call's records (after [`Self::next_send`] said
    /// there is one).
    pub fn take(&mut self, i: usize) -> Vec<Rec> {
        self.calls[i].pop_front().expect("taken after next_send said there is a call").records
    }

    /// Hands a record vector back for reuse.
    pub fn give(&mut self, records: Vec<Rec>) {
        self.returned.give(records);
    }

    /// The records left in instance `i`'s buffer once it sends no more.
    pub fn leftover(&mut self, i: usize) -> Vec<Rec> {
        while self.leftovers[i].is_none() {
            self.receive();
        }
        self.leftovers[i].take().unwrap_or_default()
    }

    /// Waits for the next epoch, and sends the vectors given back so far.
    fn receive(&mut self) {
        let epoch = self.epochs.recv().expect("the call builder runs until every instance has finished");
        for (i, calls) in epoch.calls.into_iter().enumerate() {
            self.calls[i].extend(calls);
        }
        for (i, left) in epoch.finished {
            self.leftovers[i] = Some(left);
        }
        let back = self.returned.take_all();
        if !back.is_empty() {
            // The builder may have finished: then nobody needs them.
            let _ = self.reuse.send(back);
        }
    }
}
