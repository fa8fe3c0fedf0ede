//! One simulation run: pure, so the same scenario, seed and replication
//! give the same outcome bit for bit. A run is single-threaded, except that
//! when asked (and the stream's shape is fixed) its SDK instances build
//! their calls ahead on a second thread (see [`crate::producer::feed`]):
//! the same calls, taken in the same order.
//!
//! Events are put calls, never single records: a client instance fills its
//! next batch from its own arrival stream (which touches no shared state),
//! and its sends go through the event queue only when another event could
//! come first; otherwise consecutive sends run inline. The SDK client's
//! retries of rejected records are queued events; the KPL retries inside
//! its own pipeline.
//!
//! Resharding calls are events too. When one of a resharding's steps
//! completes, the stream's map changes, producers' key tables follow it,
//! and consumers learn of the new shards; an SDK record drawn before the
//! change is routed again by the service when it is put (records keep their
//! hash keys only in runs that can reshard, so other runs pay nothing).

use std::rc::Rc;

use rand::RngExt;

use crate::consumer::kcl::CONTROL;
use crate::consumer::{Consumer, ConsumerMeter, ShardView, Wake};
use crate::cost::meter::{UsageCounters, reads_by_kind};
use crate::engine::EventQueue;
use crate::metrics::shard::cell_shape;
use crate::metrics::{KplCounters, ProducerCounters, RequestCounters, StreamSeries};
use crate::producer::feed::{self, Feed};
use crate::producer::kpl::{KplInstance, Landing};
use crate::producer::request::Trip;
use crate::producer::sdk::{SdkClient, SdkInstance};
use crate::producer::{Batch, InstanceSources, Rec, VecPool};
use crate::rng::{Purpose, SimRng, StreamId, rng_for};
use crate::scaling::{Autoscaler, Decision, MinuteSums, OpenShard, Outcome, Request, View};
use crate::scenario::model::{
    CapacityMode, ClientSpec, KeyDist, Ordering, ProducerSpec, RatePattern, ReshardRequest, Scenario, SplitKey,
};
use crate::stream::faults::{ErrorCodes, Faults, PutFaults};
use crate::stream::limits::ON_DEMAND_CHECK_INTERVAL_S;
use crate::stream::log::Misrouted;
use crate::stream::on_demand::OnDemandService;
use crate::stream::topology::Change;
use crate::stream::{PutAt, Stream};
use crate::time::SimTime;
use crate::workload::arrival::ArrivalGen;
use crate::workload::keys::{HotRule, KeySpace, KeyState};
use crate::workload::pattern::Multiplier;
use crate::workload::size::SizeGen;
use crate::workload::trace::{self, StepCursor};

/// What happened in one run, for the report.
#[derive(Debug)]
pub struct RunOutcome {
    /// The stream with its shards' meters.
    pub stream: Stream,
    /// Counters per producer group, in scenario order.
    pub producers: Vec<ProducerCounters>,
    /// The KPL's own counters per producer group (`None` for SDK groups).
    pub kpl: Vec<Option<KplCounters>>,
    /// Each producer group's requests.
    pub requests: Vec<RequestCounters>,
    /// Records still buffered or awaiting a retry when the run ended.
    pub records_in_flight: u64,
    /// Stream totals over time.
    pub series: StreamSeries,
    /// Events taken from the queue plus sends run inline.
    pub events: u64,
    /// Each consumer, in scenario order.
    pub consumers: Vec<ConsumerOutcome>,
    /// The autoscaling policy's decisions (`None` without `[stream.autoscaling]`).
    pub autoscaling: Option<AutoscalingOutcome>,
    /// The stretches of the run in one capacity mode, in time order: the
    /// first from 0, one more per completed UpdateStreamMode.
    pub mode_periods: Vec<ModePeriod>,
    /// Each producer group's salted keys, heaviest first (empty without
    /// salt).
    pub salted_keys: Vec<Vec<crate::workload::keys::SaltedKey>>,
}

/// A stretch of a run in one capacity mode.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModePeriod {
    /// When it began.
    pub from: SimTime,
    /// The mode.
    pub mode: CapacityMode,
    /// The billable totals when it began.
    pub at_start: UsageCounters,
}

/// What the autoscaling policy decided.
#[derive(Clone, Debug)]
pub struct AutoscalingOutcome {
    /// `scaling_utils`, `step` or `target_tracking`.
    pub policy: &'static str,
    /// Each decision, with the index of the resharding call it made in the
    /// stream's operation log.
    pub decisions: Vec<(Decision, usize)>,
}

/// What one consumer saw, and what it left unread.
#[derive(Clone, Debug)]
pub struct ConsumerOutcome {
    /// Its counters and latency histogram.
    pub meter: ConsumerMeter,
    /// Records stored but not yet read when the run ended.
    pub records_unread: u64,
    /// Shards no worker held a lease on at the end.
    pub shards_unleased: u32,
}

/// An SDK call travelling to its shards, or backing off before it is sent
/// again (then `trip` is the journey that failed).
#[derive(Debug, Default)]
struct Call {
    batch: Batch,
    trip: Trip,
}

/// What the shards made of a call.
#[derive(Clone, Copy, Debug, Default)]
struct Put {
    /// Kinesis records accepted, stored copies included.
    kinesis_records: u64,
    /// Their real bytes (data + key), and the bytes the write limit
    /// charged for them (PutRecord rounds each up to a whole KiB).
    bytes: u64,
    write_limit_bytes: u64,
    /// Records rejected (throttled).
    rejected: u64,
    /// Records failed with `InternalFailure`, and with the whole call's
    /// `ServiceUnavailable` (`[[faults]]`).
    internal: u64,
    unavailable: u64,
    /// Of those accepted, stored copies (see `Batch::copies`).
    copies: u64,
}

impl Put {
    /// What the client was told of a call of `sent` records: each failed
    /// record's error code, or, when it `timed_out`, a timeout for all.
    fn errors(&self, timed_out: bool, sent: u64) -> ErrorCodes {
        match timed_out {
            true => ErrorCodes { request_timeout: sent, ..ErrorCodes::default() },
            false => ErrorCodes {
                throttled: self.rejected,
                internal_failure: self.internal,
                service_unavailable: self.unavailable,
                request_timeout: 0,
            },
        }
    }
}

/// Queue payloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ev {
    /// Client instance `i` sends its closed batch.
    Send(u32),
    /// The call in slot `s`, backed off, is ready to be sent again.
    Retry(u32),
    /// The call in slot `s` reaches the shards.
    Arrive(u32),
    /// A request slot of SDK instance `i` frees, and a call waits for it.
    SlotFree(u32),
    /// KPL instance `i`'s PutRecords in flight `id` reaches the shards.
    KplArrive(u32, u32),
    /// Consumer `c`'s event `tag` on shard `s` (or on `CONTROL`).
    Consumer(u32, u32, u32),
    /// The `[[stream.reshard]]` call with this index.
    Reshard(u32),
    /// The running resharding's next step completes.
    ReshardStep,
    /// The autoscaling policy looks at its metrics.
    Autoscale,
    /// The on-demand service judges its shards' last minute.
    OnDemandCheck,
    /// The on-demand service splits this shard.
    OnDemandSplit(u32),
    /// The `[[stream.warm_throughput]]` change with this index takes effect.
    WarmThroughput(u32),
    /// The `[[stream.mode_switch]]` call with this index.
    ModeSwitch(u32),
}

/// Runs `scenario` with `seed` (replication index `replication`).
pub fn simulate(scenario: &Scenario, seed: u64, replication: u32) -> RunOutcome {
    simulate_observed(scenario, seed, replication, false, &mut |_, _| {})
}

/// Events between two calls of a run's progress observer.
pub const PROGRESS_EVERY_EVENTS: u32 = 4_096;

/// Records ahead of the one being offered whose log slot is asked for (and
/// twice as far, whose shard state).
const PUT_AHEAD: usize = 8;

/// Streams of at least this many shards (ever created) ask for shard state
/// ahead of use. Below it the shards' state stays in the L2 cache, and
/// asking costs 8 instructions a record for nothing (+5.4 % instructions on
/// the reference scenario's 100 shards). On the development machine, best
/// of three runs of an evenly loaded stream, asking was 2 % slower at 300
/// shards and 1 % faster at 1,000 (7 % by the median run).
const PREFETCH_MIN_SHARDS: usize = 512;

/// [`simulate`], calling `progress(now, user records so far)` every
/// [`PROGRESS_EVERY_EVENTS`] events and once at the end (`now` = the
/// duration), with the SDK instances' calls built on a second thread when
/// `pipelined` and the scenario allows it (see [`feed`]). Neither the
/// observer nor the second thread changes the outcome.
pub fn simulate_observed(
    scenario: &Scenario,
    seed: u64,
    replication: u32,
    pipelined: bool,
    progress: &mut dyn FnMut(SimTime, u64),
) -> RunOutcome {
    let mut sim = Sim::new(scenario, seed, replication);
    match pipelined.then(|| sim.split_feed()).flatten() {
        None => sim.run(progress),
        Some(builder) => {
            // Not a scoped thread: if this thread panics, unwinding drops
            // the run and its feed, which stops the builder; a scope would
            // wait for a builder blocked on handing over, forever.
            let built = std::thread::spawn(move || builder.run());
            sim.run(progress);
            // Stops the builder if it is still waiting to hand over.
            sim.feed = None;
            sim.spaces = built.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
    }
    progress(scenario.duration, sim.user_records());
    sim.into_outcome()
}

/// Whether a run of `scenario` can build its calls on a second thread:
/// every producer uses the SDK or the agent (the KPL's batching follows how its calls
/// fare), and the stream's shards never change (so neither does any key's
/// shard).
pub fn can_pipeline(scenario: &Scenario) -> bool {
    let fixed = !scenario.stream.reshards() && scenario.stream.mode_switches.is_empty();
    fixed && scenario.producers.iter().all(|p| matches!(p.client, ClientSpec::Sdk(_) | ClientSpec::Agent(_)))
}

/// One client instance of either kind.
#[derive(Debug)]
enum Instance {
    Sdk(SdkInstance),
    /// An SDK instance whose batcher runs on the feed's thread.
    Fed(SdkClient),
    Kpl(KplInstance),
}

impl Instance {
    fn group(&self) -> usize {
        match self {
            Instance::Sdk(s) => s.client.group as usize,
            Instance::Fed(c) => c.group as usize,
            Instance::Kpl(k) => k.group as usize,
        }
    }

    /// The SDK client of an SDK instance.
    #[inline]
    fn sdk_client(&mut self) -> &mut SdkClient {
        match self {
            Instance::Sdk(s) => &mut s.client,
            Instance::Fed(c) => c,
            Instance::Kpl(_) => unreachable!("an SDK instance"),
        }
    }
}

struct Sim<'a> {
    scenario: &'a Scenario,
    stream: Stream,
    spaces: Vec<KeySpace>,
    instances: Vec<Instance>,
    counters: Vec<ProducerCounters>,
    kpl: Vec<Option<KplCounters>>,
    series: StreamSeries,
    queue: EventQueue<Ev>,
    /// SDK calls travelling or backing off, by slot.
    calls: Vec<Call>,
    free_slots: Vec<u32>,
    /// Each producer group's requests.
    requests: Vec<RequestCounters>,
    pool: VecPool,
    events: u64,
    in_flight_from_buffers: u64,
    consumers: Vec<Consumer>,
    wakes: Vec<Wake>,
    retention: SimTime,
    /// When the running resharding's next step completes.
    step_due: Option<SimTime>,
    /// The autoscaling policy, when the scenario has one, and when it
    /// wakes next.
    autoscaler: Option<(Autoscaler, SimTime)>,
    /// The stream's CloudWatch sums per minute, kept for the policy only.
    cloudwatch: Option<Cloudwatch>,
    decisions: Vec<(Decision, usize)>,
    /// The on-demand service, while the stream is on-demand, and when its
    /// next minute check is due.
    on_demand: Option<OnDemandService>,
    on_demand_check_due: Option<SimTime>,
    mode_periods: Vec<ModePeriod>,
    /// The SDK calls built on another thread, when they are.
    feed: Option<Feed>,
    /// The `[[faults]]` windows (shared, so that a call can hold the
    /// faults open at its time while the run changes).
    faults: Rc<Faults>,
    /// Each client instance's and each consumer's draws of what fails.
    fault_rngs: Vec<SimRng>,
    read_fault_rngs: Vec<SimRng>,
}

impl<'a> Sim<'a> {
    fn new(scenario: &'a Scenario, seed: u64, replication: u32) -> Self {
        // Shard cells and consumers' iterator ages share the stream
        // series' resolution (shard cells widen further for many shards).
        let series = StreamSeries::new(scenario.duration);
        let reshards = scenario.stream.reshards();
        let cells = cell_shape(scenario.duration, shards_hint(scenario), series.bucket_s());
        let keyed = reshards && scenario.consumers.iter().any(|c| c.ordering == Ordering::IgnoreParents);
        let stream = Stream::new(&scenario.stream, &scenario.name, !scenario.consumers.is_empty(), keyed, cells);
        let spaces: Vec<KeySpace> = scenario
            .producers
            .iter()
            .map(|p| {
                let salt = p.key_salt.as_ref().map(|s| (s, hot_rule(scenario, p)));
                match &p.client {
                    ClientSpec::Agent(a) => {
                        KeySpace::agent(a.partition_key_option, &p.partition_key, &stream.map, reshards)
                    }
                    _ => KeySpace::salted(&p.partition_key, salt, &p.name, &stream.map, reshards),
                }
            })
            .collect();
        let faults = Faults::new(&scenario.faults);
        let slowdowns = faults.slowdowns();
        let mut instances = Vec::new();
        let mut fault_rngs = Vec::new();
        for (g, p) in scenario.producers.iter().enumerate() {
            let group = |purpose| StreamId { replication, producer: g as u32, instance: 0, purpose };
            let multiplier =
                Multiplier::new(p.rate_pattern.clone(), p.records_per_s, &mut rng_for(seed, group(Purpose::Bursts)));
            let size_steps = match &p.rate_pattern {
                Some(RatePattern::Trace(spec)) => {
                    let base_bytes = spaces[g].mean_data_bytes(SizeGen::new(&p.record_bytes).mean());
                    trace::size_steps(spec, base_bytes)
                }
                _ => None,
            };
            for i in 0..p.instances {
                let id = |purpose| StreamId { replication, producer: g as u32, instance: i, purpose };
                let src = InstanceSources {
                    arrivals: ArrivalGen::new(
                        p.arrival,
                        p.records_per_s,
                        p.instances,
                        i,
                        multiplier.clone(),
                        scenario.duration,
                        rng_for(seed, id(Purpose::Arrivals)),
                    ),
                    keys: KeyState::new(rng_for(seed, id(Purpose::Keys)), i, p.instances),
                    sizes: (SizeGen::new(&p.record_bytes), rng_for(seed, id(Purpose::Sizes))),
                    size_scale: size_steps.clone().map(StepCursor::new),
                };
                let (space, map) = (&spaces[g], &stream.map);
                instances.push(match &p.client {
                    ClientSpec::Sdk(sdk) => {
                        let rngs = (rng_for(seed, id(Purpose::Backoff)), rng_for(seed, id(Purpose::Requests)));
                        let mut sdk = SdkInstance::new(g as u32, sdk, src, rngs, (space, map), reshards);
                        sdk.client.requests.slow_down(slowdowns.clone());
                        Instance::Sdk(sdk)
                    }
                    ClientSpec::Kpl(kpl) => {
                        let src = (src, rng_for(seed, id(Purpose::Requests)));
                        let mut kpl = KplInstance::new(g as u32, kpl, src, scenario.warmup, (space, map), reshards);
                        kpl.slow_down(slowdowns.clone());
                        Instance::Kpl(kpl)
                    }
                    ClientSpec::Agent(agent) => {
                        let rngs = (rng_for(seed, id(Purpose::Backoff)), rng_for(seed, id(Purpose::Requests)));
                        let mut sdk = SdkInstance::new(g as u32, &agent.sdk, src, rngs, (space, map), reshards);
                        sdk.client.requests.slow_down(slowdowns.clone());
                        sdk.client.pace_as_agent();
                        if agent.staggered {
                            sdk.batcher.stagger(rng_for(seed, id(Purpose::Phase)).random::<f64>());
                        }
                        Instance::Sdk(sdk)
                    }
                });
                fault_rngs.push(rng_for(seed, id(Purpose::Faults)));
            }
        }
        let kpl = scenario
            .producers
            .iter()
            .map(|p| matches!(p.client, ClientSpec::Kpl(_)).then(KplCounters::default))
            .collect();
        let shards = stream.shard_count();
        let retention = SimTime::from_secs_f64(scenario.stream.retention_hours * 3_600.0);
        let consumers = scenario
            .consumers
            .iter()
            .enumerate()
            .map(|(c, spec)| {
                let id = StreamId { replication, producer: c as u32, instance: 0, purpose: Purpose::ConsumerStart };
                let mut consumer =
                    Consumer::new(spec, shards, (retention, (scenario.warmup, scenario.duration)), rng_for(seed, id));
                consumer.meter_mut().keep_ages(series.bucket_s(), series.points().len());
                consumer
            })
            .collect();
        Sim {
            consumers,
            wakes: Vec::new(),
            retention,
            step_due: None,
            autoscaler: scenario.stream.autoscaling.as_ref().map(|a| (Autoscaler::new(a), SimTime::NEVER)),
            cloudwatch: scenario.stream.autoscaling.as_ref().map(|_| Cloudwatch::default()),
            on_demand: (scenario.stream.starts_on_demand())
                .then_some(scenario.stream.on_demand.as_ref())
                .flatten()
                .map(|o| OnDemandService::new(o, scenario.stream.shard_write_bytes_per_s)),
            on_demand_check_due: None,
            mode_periods: vec![ModePeriod {
                from: SimTime::ZERO,
                mode: scenario.stream.capacity_mode,
                at_start: UsageCounters::default(),
            }],
            decisions: Vec::new(),
            scenario,
            series,
            counters: vec![ProducerCounters::default(); scenario.producers.len()],
            kpl,
            stream,
            spaces,
            instances,
            queue: EventQueue::new(),
            calls: Vec::new(),
            free_slots: Vec::new(),
            requests: vec![RequestCounters::default(); scenario.producers.len()],
            pool: VecPool::default(),
            events: 0,
            in_flight_from_buffers: 0,
            feed: None,
            faults: Rc::new(faults),
            fault_rngs,
            // Apart from every producer instance's stream.
            read_fault_rngs: (0..scenario.consumers.len() as u32)
                .map(|c| {
                    rng_for(seed, StreamId { replication, producer: c, instance: u32::MAX, purpose: Purpose::Faults })
                })
                .collect(),
        }
    }

    /// Moves the SDK instances' batchers, the key spaces and the map into
    /// a call builder for another thread (see [`feed`]), when the run
    /// allows it (see [`can_pipeline`]).
    fn split_feed(&mut self) -> Option<feed::Builder> {
        if !can_pipeline(self.scenario) {
            return None;
        }
        let batchers = std::mem::take(&mut self.instances)
            .into_iter()
            .map(|i| {
                let Instance::Sdk(SdkInstance { client, batcher }) = i else { unreachable!("SDK instances") };
                let group = client.group as usize;
                self.instances.push(Instance::Fed(client));
                (batcher, group)
            })
            .collect();
        let spaces = std::mem::take(&mut self.spaces);
        let (f, builder) = feed::feed(batchers, spaces, self.stream.map.clone(), self.scenario.duration);
        self.feed = Some(f);
        Some(builder)
    }

    /// User records generated so far, over all groups.
    fn user_records(&self) -> u64 {
        self.counters.iter().map(|c| c.user_records).sum()
    }

    fn run(&mut self, progress: &mut dyn FnMut(SimTime, u64)) {
        let horizon = self.scenario.duration;
        let mut until_progress = PROGRESS_EVERY_EVENTS;
        for i in 0..self.instances.len() as u32 {
            if let Some(t) = self.next_send_time(i, horizon) {
                self.queue.schedule(t, Ev::Send(i));
            }
        }
        for c in 0..self.consumers.len() {
            self.consumers[c].start(&mut self.wakes);
            self.schedule_wakes(c, horizon);
        }
        for (k, op) in self.scenario.stream.reshard.iter().enumerate() {
            self.queue.schedule(op.at, Ev::Reshard(k as u32));
        }
        self.schedule_autoscale(horizon);
        if self.on_demand.is_some() {
            self.schedule_on_demand_check(SimTime::from_secs(ON_DEMAND_CHECK_INTERVAL_S), horizon);
        }
        for (k, s) in self.scenario.stream.mode_switches.iter().enumerate() {
            self.queue.schedule(s.at, Ev::ModeSwitch(k as u32));
        }
        if let Some(spec) = &self.scenario.stream.on_demand {
            for (k, c) in spec.warm_throughput_changes.iter().enumerate() {
                let at = c.at + spec.warm_throughput_delay;
                if at < horizon {
                    self.queue.schedule(at, Ev::WarmThroughput(k as u32));
                }
            }
        }
        while let Some((now, ev)) = self.queue.pop_before(horizon) {
            until_progress -= 1;
            if until_progress == 0 {
                until_progress = PROGRESS_EVERY_EVENTS;
                progress(now, self.user_records());
            }
            match ev {
                Ev::Send(i) => self.send_batches(i, now, horizon),
                Ev::Retry(slot) => {
                    let call = self.take_call_slot(slot);
                    self.events += 1;
                    self.send_call(call.batch, now);
                }
                Ev::Arrive(slot) => {
                    let call = self.take_call_slot(slot);
                    self.events += 1;
                    self.put(call.batch, call.trip, now);
                }
                Ev::SlotFree(i) => {
                    self.events += 1;
                    self.send_waiting(i, now);
                }
                Ev::KplArrive(i, id) => {
                    self.events += 1;
                    self.kpl_arrive(i, id, now);
                }
                Ev::Reshard(k) => {
                    self.events += 1;
                    let request = self.scenario.stream.reshard[k as usize].request;
                    // A refusal is in the stream's operation log.
                    let _ = self.reshard(request, "schedule", now, horizon);
                }
                Ev::ReshardStep => {
                    self.events += 1;
                    if self.step_due == Some(now) {
                        self.complete_step(now, horizon);
                    }
                }
                Ev::OnDemandCheck => {
                    self.events += 1;
                    if self.on_demand_check_due == Some(now) {
                        self.on_demand_check(now, horizon);
                    }
                }
                Ev::ModeSwitch(k) => {
                    self.events += 1;
                    let to = self.scenario.stream.mode_switches[k as usize].to;
                    // A refusal is in the stream's operation log.
                    let _ = self.reshard(ReshardRequest::UpdateStreamMode { to }, "schedule", now, horizon);
                }
                Ev::OnDemandSplit(shard) => {
                    self.events += 1;
                    self.on_demand_split(shard, now, horizon);
                }
                Ev::WarmThroughput(k) => {
                    self.events += 1;
                    self.warm_throughput(k as usize, now, horizon);
                }
                Ev::Autoscale => {
                    self.events += 1;
                    if self.autoscaler.as_ref().is_some_and(|(_, due)| *due == now) {
                        self.autoscale(now, horizon);
                    }
                }
                Ev::Consumer(c, shard, tag) => {
                    self.events += 1;
                    self.wake_consumer(c as usize, shard, tag, now);
                    self.schedule_wakes(c as usize, horizon);
                }
            }
        }
        self.finish_consumers(horizon);
        for i in 0..self.instances.len() {
            match &mut self.instances[i] {
                Instance::Sdk(_) | Instance::Fed(_) => {
                    // Records still in the SDK client's buffer arrived
                    // within the run (the KPL counts arrivals as they come).
                    let buffered = self.unsent(i);
                    self.count_arrivals(i as u32, &buffered);
                    self.in_flight_from_buffers += buffered.len() as u64;
                }
                Instance::Kpl(kpl) => {
                    self.in_flight_from_buffers += kpl.in_flight();
                    let (o, c) = (kpl.outcomes, &mut self.counters[kpl.group as usize]);
                    c.retries += o.retries;
                    c.records_dropped += o.dropped;
                    c.user_records_expired += o.expired;
                    if let Some(meter) = &mut self.kpl[kpl.group as usize] {
                        meter.unpredicted_shard_records += o.unpredicted_shard_records;
                        meter.wrong_shard_retries += o.wrong_shard_retries;
                        meter.shard_map_refreshes += kpl.shard_map.as_ref().map_or(0, |m| m.refreshes);
                    }
                }
            }
        }
        self.stream.finish();
        self.series.finish();
    }

    /// Sends instance `i`'s closed batch at `now`, then keeps sending its
    /// following batches inline while they come before any queued event.
    fn send_batches(&mut self, i: u32, mut now: SimTime, horizon: SimTime) {
        loop {
            self.events += 1;
            match &mut self.instances[i as usize] {
                Instance::Sdk(_) | Instance::Fed(_) => {
                    let (records, hashes) = self.take_call(i as usize);
                    self.count_arrivals(i, &records);
                    self.send_call(Batch { instance: i, attempt: 1, records, hashes, copies: Vec::new() }, now);
                }
                Instance::Kpl(kpl) => {
                    // A wake may be for a response only.
                    if kpl.departure_ready() {
                        self.send_kpl(i, now);
                    }
                }
            }
            match self.next_send_time(i, horizon) {
                Some(t) if t < self.queue.next_time() => now = t,
                Some(t) => return self.queue.schedule(t, Ev::Send(i)),
                None => return,
            }
        }
    }

    /// SDK instance `i`'s closed call: its records, and their hash keys
    /// when kept.
    fn take_call(&mut self, i: usize) -> (Vec<Rec>, Vec<u128>) {
        match (&mut self.instances[i], &mut self.feed) {
            (Instance::Sdk(sdk), _) => sdk.batcher.take_batch(self.pool.take()),
            (Instance::Fed(_), Some(feed)) => (feed.take(i), Vec::new()),
            _ => unreachable!("an SDK instance, fed only when there is a feed"),
        }
    }

    /// The records SDK instance `i` never sent (once it sends no more).
    fn unsent(&mut self, i: usize) -> Vec<Rec> {
        match (&mut self.instances[i], &mut self.feed) {
            (Instance::Sdk(sdk), _) => sdk.batcher.take_batch(Vec::new()).0,
            (Instance::Fed(_), Some(feed)) => feed.leftover(i),
            _ => unreachable!("an SDK instance, fed only when there is a feed"),
        }
    }

    /// When instance `i` sends its next batch, if within the run.
    fn next_send_time(&mut self, i: u32, horizon: SimTime) -> Option<SimTime> {
        let map = &self.stream.map;
        match &mut self.instances[i as usize] {
            Instance::Sdk(sdk) => {
                sdk.batcher.next_send(&self.spaces[sdk.client.group as usize], map).filter(|t| *t < horizon)
            }
            // The feed sends only before the horizon.
            Instance::Fed(_) => self.feed.as_mut().and_then(|f| f.next_send(i as usize)),
            Instance::Kpl(kpl) => {
                let g = kpl.group as usize;
                let (series, warmup) = (&mut self.series, self.scenario.warmup);
                let user_records = &mut self.counters[g].user_records;
                kpl.next_send(&self.spaces[g], map, horizon, |created| {
                    series.add_user_record(created);
                    *user_records += (created >= warmup) as u64;
                })
            }
        }
    }

    fn count_arrivals(&mut self, i: u32, records: &[Rec]) {
        let g = self.instances[i as usize].group();
        let warmup = self.scenario.warmup;
        // A batch's records are in arrival order: those before the warm-up
        // end are a prefix (mostly empty).
        let counted = (records.len() - records.partition_point(|r| r.created < warmup)) as u64;
        self.counters[g].user_records += counted;
        match (records.first(), records.last()) {
            // One series bucket for the whole batch in the common case.
            (Some(f), Some(l)) if self.series.same_bucket(f.created, l.created) => {
                self.series.add_user_records(f.created, records.len() as u64)
            }
            _ => records.iter().for_each(|r| self.series.add_user_records(r.created, 1)),
        }
    }

    /// Queues consumer `c`'s requested events that fall within the run.
    fn schedule_wakes(&mut self, c: usize, horizon: SimTime) {
        for w in self.wakes.drain(..) {
            if w.at < horizon {
                self.queue.schedule(w.at, Ev::Consumer(c as u32, w.shard, w.tag));
            }
        }
    }

    /// Makes the resharding call `request` for `origin` at `now`. A step
    /// completing at this very instant completes first, so a call never
    /// depends on the order of same-instant events.
    fn reshard(
        &mut self,
        request: ReshardRequest,
        origin: &'static str,
        now: SimTime,
        horizon: SimTime,
    ) -> Result<(), &'static str> {
        if self.step_due == Some(now) {
            self.complete_step(now, horizon);
        }
        let first = self.stream.topology.request(now, request, origin).map_err(|r| r.error)?;
        self.schedule_step(first, horizon);
        Ok(())
    }

    /// Queues the policy's next look, if it has one within the run.
    fn schedule_autoscale(&mut self, horizon: SimTime) {
        if let Some((a, due)) = &mut self.autoscaler {
            let at = a.next_wake();
            if at != *due && at < horizon {
                *due = at;
                self.queue.schedule(at, Ev::Autoscale);
            }
        }
    }

    /// The policy looks at the metrics at `now`; a decision becomes a
    /// resharding call, whose answer goes back to the policy.
    fn autoscale(&mut self, now: SimTime, horizon: SimTime) {
        let Some((mut a, due)) = self.autoscaler.take() else { return };
        // A wake due now has fired (or is about to, and will find nothing
        // to do): the policy may want another at this same instant, as the
        // scaling utility's fallback does right after a refused call.
        let due = if due <= now { SimTime::NEVER } else { due };
        let open: Vec<OpenShard> = self
            .stream
            .topology
            .open()
            .iter()
            .map(|&i| {
                let r = self.stream.range(i as usize);
                OpenShard { index: i, start: r.start, end: r.end }
            })
            .collect();
        let Some(cloudwatch) = &mut self.cloudwatch else { unreachable!("a policy has its metrics") };
        let complete = cloudwatch.complete(now);
        let updating = self.stream.topology.updating();
        let view = View { now, minutes: &cloudwatch.minutes[..complete], open: &open, updating };
        if let Some(decision) = a.wake(&view) {
            let request = match decision.request {
                Request::UpdateShardCount { target } => ReshardRequest::UpdateShardCount { target },
                Request::Split { shard, new_starting_hash_key } => {
                    ReshardRequest::Split { shard, new_starting_hash_key: SplitKey::Key(new_starting_hash_key) }
                }
                Request::Merge { shard, adjacent } => ReshardRequest::Merge { shard, adjacent },
            };
            let outcome = match self.reshard(request, "autoscaling", now, horizon) {
                Ok(()) => Outcome::Accepted,
                Err(exception) => Outcome::Rejected { exception },
            };
            self.decisions.push((decision, self.stream.topology.operations.len() - 1));
            let updating = self.stream.topology.updating();
            let minutes = self.cloudwatch.as_ref().map_or(&[][..], |c| &c.minutes[..complete]);
            a.outcome(&View { now, minutes, open: &open, updating }, outcome);
        }
        self.autoscaler = Some((a, due));
        self.schedule_autoscale(horizon);
    }

    fn schedule_step(&mut self, at: SimTime, horizon: SimTime) {
        self.step_due = Some(at);
        if at < horizon {
            self.queue.schedule(at, Ev::ReshardStep);
        }
    }

    /// The running resharding's step due at `now` completes: key tables
    /// follow the new map and consumers learn of the new shards.
    fn complete_step(&mut self, now: SimTime, horizon: SimTime) {
        self.step_due = None;
        let change = self.stream.complete_step(now);
        self.shape_changed(&change, now, horizon);
        if let Some(mode) = change.mode {
            self.mode_switched(mode, now, horizon);
        }
        match change.next_step_at {
            Some(next) => self.schedule_step(next, horizon),
            // ACTIVE again: the policy may act on it at once.
            None if self.autoscaler.is_some() => self.autoscale(now, horizon),
            None => {}
        }
    }

    /// The on-demand service's minute check at `now`: shards over a
    /// trigger get their split scheduled after the delay.
    fn on_demand_check(&mut self, now: SimTime, horizon: SimTime) {
        let Some(service) = &mut self.on_demand else { return };
        let minute = SimTime::from_secs(ON_DEMAND_CHECK_INTERVAL_S);
        let due = service.check(now, self.stream.topology.open(), &self.stream.meters, minute);
        let at = now + service.split_delay();
        if at < horizon {
            due.into_iter().for_each(|shard| self.queue.schedule(at, Ev::OnDemandSplit(shard)));
        }
        // The what-if scale-down, at once.
        for pair in service.merges(self.stream.topology.open()) {
            if let Some(change) = self.stream.service_merge((now, "on_demand"), now, Some(pair)) {
                self.shape_changed(&change, now, horizon);
            }
        }
        self.schedule_on_demand_check(now + minute, horizon);
    }

    fn schedule_on_demand_check(&mut self, at: SimTime, horizon: SimTime) {
        self.on_demand_check_due = (at < horizon).then_some(at);
        if at < horizon {
            self.queue.schedule(at, Ev::OnDemandCheck);
        }
    }

    /// An UpdateStreamMode completed at `now`: the service takes over the
    /// shards, or gives them back, and billing starts a new stretch.
    fn mode_switched(&mut self, mode: CapacityMode, now: SimTime, horizon: SimTime) {
        let s = &self.scenario.stream;
        self.on_demand = match mode.is_on_demand() {
            true => s.on_demand.as_ref().map(|o| OnDemandService::new(o, s.shard_write_bytes_per_s)),
            false => None,
        };
        self.on_demand_check_due = None;
        if self.on_demand.is_some() {
            self.schedule_on_demand_check(now + SimTime::from_secs(ON_DEMAND_CHECK_INTERVAL_S), horizon);
        }
        let reads = reads_by_kind(self.scenario, self.consumers.iter_mut().map(|c| c.meter_mut().bytes_read));
        let at_start = UsageCounters::of(&self.stream.meters, reads);
        self.mode_periods.push(ModePeriod { from: now, mode, at_start });
    }

    /// The `[[stream.warm_throughput]]` change `k` takes effect at `now`.
    /// Raised to `n` shards' worth, the stream splits its widest shards
    /// until none covers more than `1/n` of the hash space — so the warm
    /// throughput is there for traffic spread over all keys, not only in
    /// total (the count may pass `n`, by less than double); lowered, it
    /// merges its narrowest neighbours down to the count the service
    /// settles on.
    fn warm_throughput(&mut self, k: usize, now: SimTime, horizon: SimTime) {
        let Some(spec) = &self.scenario.stream.on_demand else { return };
        let Some(service) = &self.on_demand else { return };
        let change = spec.warm_throughput_changes[k];
        let shard_bytes = self.scenario.stream.shard_write_bytes_per_s;
        let open = self.stream.topology.open().len() as u32;
        let target = service.warm_target(change.bytes_per_s, open, shard_bytes);
        let most = spec.max_shards(shard_bytes) as usize;
        let decided = (change.at, "warm_throughput");
        let widest_allowed = u128::MAX / target.max(1) as u128;
        while let Some(widest) = self.stream.topology.widest_open() {
            let r = self.stream.range(widest as usize);
            if r.end - r.start <= widest_allowed || self.stream.topology.open().len() >= most {
                break;
            }
            match self.stream.service_split(decided, now, widest) {
                Some(c) => self.shape_changed(&c, now, horizon),
                None => break,
            }
        }
        for _ in target..open {
            match self.stream.service_merge(decided, now, None) {
                Some(c) => self.shape_changed(&c, now, horizon),
                None => break,
            }
        }
    }

    /// The on-demand service splits `shard`, decided a delay ago, unless
    /// the stream is at its ceiling.
    fn on_demand_split(&mut self, shard: u32, now: SimTime, horizon: SimTime) {
        let Some(service) = &mut self.on_demand else { return };
        let Some(decided_at) = service.take_decision(shard) else { return };
        if !service.may_grow(self.stream.topology.open().len()) {
            return;
        }
        if let Some(change) = self.stream.service_split((decided_at, "on_demand"), now, shard) {
            self.shape_changed(&change, now, horizon);
        }
    }

    /// After shards split or merged: key tables follow the new map and
    /// consumers learn of the new shards.
    fn shape_changed(&mut self, change: &Change, now: SimTime, horizon: SimTime) {
        for space in &mut self.spaces {
            space.reroute(&self.stream.map, &change.closed);
        }
        for &shard in &change.created {
            let parents: Vec<u32> = self.stream.topology.shards[shard as usize].parents().collect();
            for c in 0..self.consumers.len() {
                self.consumers[c].shard_opened(shard as usize, &parents, now, &mut self.wakes);
                self.schedule_wakes(c, horizon);
            }
        }
    }

    /// Trims `shard`'s log (expired, or needed by no consumer).
    fn trim_log(&mut self, shard: usize, now: SimTime) {
        let needed_from = self.consumers.iter().map(|c| c.needs_from(shard)).min().unwrap_or(0);
        self.stream.logs[shard].trim(now - self.retention, needed_from);
    }

    /// Consumer `c`'s event `tag` on `shard` at `now`.
    fn wake_consumer(&mut self, c: usize, shard: u32, tag: u32, now: SimTime) {
        if shard == CONTROL {
            return self.consumers[c].control(tag, now, &mut self.wakes);
        }
        let shard = shard as usize;
        self.trim_log(shard, now);
        let fails = match self.faults.reads_at(now) {
            Some(open) => fails(open.failure(shard as u32), &mut self.read_fault_rngs[c]),
            None => false,
        };
        let view = ShardView {
            log: &self.stream.logs[shard],
            read: &mut self.stream.readers[shard],
            counted: now >= self.scenario.warmup,
            closed_at: self.stream.topology.shards[shard].closed_at,
            logs: &self.stream.logs,
            fails,
        };
        let before = self.consumers[c].meter_mut().get_records_since_start;
        self.consumers[c].wake(shard, tag, now, view, &mut self.wakes);
        // What the wake checkpointed no reader needs any more: dropping it
        // now, not at the shard's next wake, keeps the log one read
        // interval shorter (trimming is idempotent and never drops what a
        // reader needs, so results do not change).
        self.trim_log(shard, now);
        if let Some(cloudwatch) = &mut self.cloudwatch {
            let after = self.consumers[c].meter_mut().get_records_since_start;
            let m = cloudwatch.minute(now);
            m.get_records_records += after.0 - before.0;
            m.get_records_bytes += after.1 - before.1;
        }
    }

    /// Counts what expired unread by the end of the run.
    fn finish_consumers(&mut self, horizon: SimTime) {
        for shard in 0..self.stream.logs.len() {
            self.trim_log(shard, horizon);
            for consumer in &mut self.consumers {
                consumer.skip_expired(shard, &self.stream.logs[shard], true);
            }
        }
        for consumer in &mut self.consumers {
            consumer.close(horizon);
        }
    }

    /// Sends SDK call `batch`, ready at `now`: put at once when its client
    /// is answered instantly, else it takes a free request slot and reaches
    /// the shards later, or waits for a slot behind the calls already
    /// waiting.
    fn send_call(&mut self, batch: Batch, now: SimTime) {
        let i = batch.instance;
        let client = self.instances[i as usize].sdk_client();
        if client.requests.instant() && client.sends_at_once(now) {
            let trip = Trip::instant(now);
            self.requests[client.group as usize].count(&trip, now, self.scenario.warmup);
            return self.put(batch, trip, now);
        }
        if client.waiting.is_empty() && client.free_at(now) == now {
            return self.depart(batch, now);
        }
        match client.is_agent() && batch.attempt > 1 {
            // The agent's retry queue goes before its new buffers.
            true => client.waiting.push_front((batch, now)),
            false => client.waiting.push_back((batch, now)),
        }
        if client.waiting.len() == 1 {
            let at = client.free_at(now);
            self.queue.schedule(at, Ev::SlotFree(i));
        }
    }

    /// A slot of SDK instance `i` freed at `now`: its first waiting call
    /// leaves, taking the first tries queued behind it as far as they fit.
    fn send_waiting(&mut self, i: u32, now: SimTime) {
        let (client, feed, pool) = (self.instances[i as usize].sdk_client(), &mut self.feed, &mut self.pool);
        let spent = |v: Vec<Rec>| match feed {
            Some(feed) => feed.give(v),
            None => pool.give(v),
        };
        if client.paused_until() > now {
            // An agent's publisher went to sleep since: wake it then.
            let at = client.free_at(now);
            return self.queue.schedule(at, Ev::SlotFree(i));
        }
        let Some((batch, ready)) = client.next_waiting(spent) else { return };
        if !client.waiting.is_empty() {
            let at = client.free_at(now);
            self.queue.schedule(at, Ev::SlotFree(i));
        }
        self.depart(batch, ready);
    }

    /// Call `batch`, ready at `ready`, leaves on a free slot (once an
    /// agent's publisher is awake).
    fn depart(&mut self, batch: Batch, ready: SimTime) {
        let client = self.instances[batch.instance as usize].sdk_client();
        let dispatched = client.dispatch(ready);
        let trip = client.requests.send(dispatched);
        self.requests[client.group as usize].count(&trip, ready, self.scenario.warmup);
        let slot = self.store_call(Call { batch, trip });
        self.queue.schedule(trip.reaches_shards, Ev::Arrive(slot));
    }

    /// Takes the call in `slot`, freeing the slot.
    fn take_call_slot(&mut self, slot: u32) -> Call {
        self.free_slots.push(slot);
        std::mem::take(&mut self.calls[slot as usize])
    }

    /// SDK call `batch`, which left on `trip`, reaches its shards at `now`.
    /// Records whose shard closed since they were drawn are routed by the
    /// current map, as the service does. Rejected records — all of them,
    /// when the client timed out — are retried after the answer and a
    /// back-off.
    fn put(&mut self, batch: Batch, trip: Trip, now: SimTime) {
        let at = PutAt { now, second: now.whole_secs(), counted: now >= self.scenario.warmup };
        let counted = at.counted;
        let i = batch.instance;
        let mut failed = Batch {
            instance: i,
            attempt: batch.attempt + 1,
            records: self.pool.take(),
            hashes: Vec::new(),
            copies: Vec::new(),
        };
        // Copies of the loop, so a run that cannot reshard never looks at
        // hash keys, and a small stream never asks for shard state ahead.
        // Calls that timed out, carry stored copies or meet a fault are
        // rare and take the general loop.
        let large = self.stream.shard_count() >= PREFETCH_MIN_SHARDS;
        let (records, hashes) = (batch.records.as_slice(), batch.hashes.as_slice());
        let faults = self.faults.puts_at(now).is_some().then(|| Rc::clone(&self.faults));
        let open = faults.as_deref().and_then(|f| f.puts_at(now));
        let put = match (trip.timed_out || !batch.copies.is_empty() || open.is_some(), hashes.is_empty(), large) {
            (true, ..) => self.offer_again(&batch, (trip.timed_out, open), at, &mut failed),
            (false, true, false) => self.offer::<false, false>(i, records, hashes, at, &mut failed),
            (false, true, true) => self.offer::<false, true>(i, records, hashes, at, &mut failed),
            (false, false, false) => self.offer::<true, false>(i, records, hashes, at, &mut failed),
            (false, false, true) => self.offer::<true, true>(i, records, hashes, at, &mut failed),
        };
        let inst = self.instances[i as usize].sdk_client();
        let rejected = put.rejected;
        self.series.add_put(now, counted, put.kinesis_records, (put.bytes, put.write_limit_bytes), rejected);
        if let Some(cloudwatch) = &mut self.cloudwatch {
            cloudwatch.incoming(now, put.kinesis_records, put.bytes);
        }
        let whole = trip.timed_out || put.unavailable > 0;
        let sizes = (batch.records.len(), failed.records.len());
        let backoff = inst.answered(batch.attempt, sizes, whole);
        let retry = backoff.is_some();
        let c = &mut self.counters[inst.group as usize];
        if counted {
            c.put_calls += 1;
            c.records_put += put.kinesis_records - put.copies;
            c.kinesis_records_put += put.kinesis_records;
            c.duplicates_put += put.copies;
            c.bytes_put += put.bytes;
            c.write_throttled += rejected;
            c.requests_timed_out += trip.timed_out as u64;
            c.errors_by_code += &put.errors(trip.timed_out, batch.records.len() as u64);
            if batch.attempt > 1 {
                c.retries += batch.records.len() as u64;
            }
            if !retry {
                // Stored copies given up are stored all the same.
                c.records_dropped += failed.unstored();
            }
        }
        let Batch { records, .. } = batch;
        match &mut self.feed {
            Some(feed) => feed.give(records),
            None => self.pool.give(records),
        }
        if let Some(delay) = backoff {
            // A throttled call keeps a few of its records for seconds of
            // back-off, and a hot shard keeps thousands of calls waiting:
            // hold them in a copy of their size, and reuse the batch-sized
            // buffer (the pool keeps only those).
            let kept =
                Batch { records: failed.records.to_vec(), hashes: failed.hashes, copies: failed.copies, ..failed };
            self.pool.give(failed.records);
            let slot = self.store_call(Call { batch: kept, trip });
            self.queue.schedule(trip.answered + delay, Ev::Retry(slot));
        } else {
            self.pool.give(failed.records);
        }
    }

    /// [`Self::offer`] for a call that timed out on the client, carries
    /// records already stored, or meets `faults`: every record goes to
    /// `failed` when `timed_out` (the client never learns which the shards
    /// accepted), and a stored copy accepted again is noted in the shard's
    /// log. A call the faults make unavailable stores nothing; a record
    /// they fail is not offered to its shard.
    fn offer_again(
        &mut self,
        batch: &Batch,
        (timed_out, faults): (bool, Option<PutFaults<'_>>),
        at: PutAt,
        failed: &mut Batch,
    ) -> Put {
        let mut put = Put::default();
        let inst = self.instances[batch.instance as usize].sdk_client();
        let rng = &mut self.fault_rngs[batch.instance as usize];
        let unavailable = faults.is_some_and(|f| f.unavailable > 0.0 && rng.random::<f64>() < f.unavailable);
        let rerouted = !batch.hashes.is_empty();
        for (k, r) in batch.records.iter().enumerate() {
            let mut r = *r;
            if rerouted && !self.stream.is_open(r.shard) {
                r.shard = self.stream.map.shard_of(batch.hashes[k]);
            }
            let copy = batch.copies.get(k).copied().unwrap_or(false);
            let bytes = inst.charged_bytes(&r);
            let fails = unavailable || faults.is_some_and(|f| fails(f.internal(r.shard), rng));
            let ok = !fails && self.stream.put::<false>(r.shard, bytes, r.size, r.created, at);
            if fails {
                *(if unavailable { &mut put.unavailable } else { &mut put.internal }) += 1;
            } else if ok {
                put.kinesis_records += 1;
                put.bytes += r.bytes() as u64;
                put.write_limit_bytes += bytes;
                if rerouted {
                    self.stream.note_key(r.shard, (batch.hashes[k] >> 8) as u32);
                }
                if copy {
                    put.copies += 1;
                    self.stream.note_last_timeout_copy(r.shard);
                }
            } else {
                put.rejected += 1;
            }
            if !ok || timed_out {
                failed.records.push(r);
                failed.copies.push(copy || ok);
                if rerouted {
                    failed.hashes.push(batch.hashes[k]);
                }
            }
        }
        put
    }

    /// Offers `records` of instance `i` to their shards at `at`, routing
    /// again (by `hashes`) those whose shard closed when `REROUTED`, asking
    /// for shards' state ahead of use when `PREFETCH`; the rejected ones go
    /// to `failed`. Returns the records and bytes accepted.
    #[inline]
    fn offer<const REROUTED: bool, const PREFETCH: bool>(
        &mut self,
        i: u32,
        records: &[Rec],
        hashes: &[u128],
        at: PutAt,
        failed: &mut Batch,
    ) -> Put {
        let (mut ok_records, mut ok_bytes, mut ok_limit_bytes) = (0u64, 0u64, 0u64);
        let inst = self.instances[i as usize].sdk_client();
        for (k, r) in records.iter().enumerate() {
            if PREFETCH {
                if let Some(a) = records.get(k + 2 * PUT_AHEAD) {
                    self.stream.prefetch_state(a.shard);
                }
                if let Some(a) = records.get(k + PUT_AHEAD) {
                    self.stream.prefetch_tail(a.shard);
                }
            }
            let mut r = *r;
            if REROUTED && !self.stream.is_open(r.shard) {
                r.shard = self.stream.map.shard_of(hashes[k]);
            }
            let bytes = inst.charged_bytes(&r);
            if self.stream.put::<PREFETCH>(r.shard, bytes, r.size, r.created, at) {
                ok_records += 1;
                ok_bytes += r.bytes() as u64;
                ok_limit_bytes += bytes;
                if REROUTED {
                    // 32 bits of the hash key above the tag's low byte.
                    self.stream.note_key(r.shard, (hashes[k] >> 8) as u32);
                }
            } else {
                failed.records.push(r);
                if REROUTED {
                    failed.hashes.push(hashes[k]);
                }
            }
        }
        Put {
            kinesis_records: ok_records,
            bytes: ok_bytes,
            write_limit_bytes: ok_limit_bytes,
            rejected: failed.records.len() as u64,
            ..Put::default()
        }
    }

    /// KPL instance `i` sends its ready PutRecords at `now`: it reaches the
    /// shards at once when its round trip is 0, else later.
    fn send_kpl(&mut self, i: u32, now: SimTime) {
        let Instance::Kpl(kpl) = &mut self.instances[i as usize] else { unreachable!("a KPL instance") };
        let g = kpl.group as usize;
        let counted = now >= self.scenario.warmup;
        let meter = self.kpl[g].as_mut().unwrap_or_else(|| unreachable!("KPL groups have KPL counters"));
        let (id, trip) = kpl.depart(|created| {
            if counted {
                meter.first_send(created, now);
            }
        });
        self.requests[g].count(&trip, now, self.scenario.warmup);
        if trip.reaches_shards == now {
            self.kpl_arrive(i, id, now);
        } else {
            self.queue.schedule(trip.reaches_shards, Ev::KplArrive(i, id));
        }
    }

    /// KPL instance `i`'s PutRecords `id` reaches the shards at `now`; the
    /// instance's retrier reads what happened when the response arrives.
    fn kpl_arrive(&mut self, i: u32, id: u32, now: SimTime) {
        let at = PutAt { now, second: now.whole_secs(), counted: now >= self.scenario.warmup };
        let Instance::Kpl(kpl) = &mut self.instances[i as usize] else { unreachable!("a KPL instance") };
        let g = kpl.group as usize;
        let (records, trip) = kpl.take_flight(id);
        let mut landings = Vec::with_capacity(records.len());
        let (mut ok_kinesis, mut ok_users, mut ok_bytes, mut copies) = (0u64, 0u64, 0u64, 0u64);
        let mut put = Put::default();
        let own_map = kpl.shard_map.is_some();
        let faults = self.faults.puts_at(now).is_some().then(|| Rc::clone(&self.faults));
        let open = faults.as_deref().and_then(|f| f.puts_at(now));
        let rng = &mut self.fault_rngs[i as usize];
        let unavailable = open.is_some_and(|f| f.unavailable > 0.0 && rng.random::<f64>() < f.unavailable);
        for rec in &records {
            let bytes = rec.charged_bytes();
            // A plain record goes where its key belongs, an aggregate where
            // its first record's does (its explicit hash key): the
            // predicted shard, unless that closed since.
            let shard = match own_map && !self.stream.is_open(rec.shard) {
                true => self.stream.map.shard_of(rec.users[0].hash_key()),
                false => rec.shard,
            };
            if unavailable || open.is_some_and(|f| fails(f.internal(shard), rng)) {
                *(if unavailable { &mut put.unavailable } else { &mut put.internal }) += 1;
                landings.push(Landing::Failed);
                continue;
            }
            let first_seq = self.stream.logs[shard as usize].end_seq();
            // Each user record with its key fingerprint: 32 bits of the hash
            // key above the tag's low byte.
            let users = rec.users.iter().map(|u| (u.created, (u.hash_key() >> 8) as u32));
            if !self.stream.put_kinesis(shard, bytes, rec.tag, users, at) {
                put.rejected += 1;
                landings.push(Landing::Rejected);
                continue;
            }
            ok_kinesis += 1;
            ok_bytes += bytes;
            let (landing, put, wrong) = kpl.landing(rec, shard, trip.timed_out, now);
            ok_users += put;
            for (seq, _) in (first_seq..).zip(&rec.users).filter(|(_, u)| u.stored) {
                copies += 1;
                self.stream.note_timeout_copy(shard, seq);
            }
            if landing != Landing::Predicted {
                let range = self.stream.range(shard as usize);
                let foreign_keys = rec.users.iter().any(|u| !range.contains(u.hash_key()));
                let m = Misrouted { first_seq, records: rec.users.len() as u32, retried: wrong as u32, foreign_keys };
                self.stream.note_misrouted(shard, m);
            }
            landings.push(landing);
        }
        let sent = records.len() as u64;
        kpl.landed(id, records, landings);
        // PutRecords: the limit charges records at their real sizes.
        self.series.add_put(now, at.counted, ok_kinesis, (ok_bytes, ok_bytes), put.rejected);
        if let Some(cloudwatch) = &mut self.cloudwatch {
            cloudwatch.incoming(now, ok_kinesis, ok_bytes);
        }
        if at.counted {
            let c = &mut self.counters[g];
            c.put_calls += 1;
            c.records_put += ok_users;
            c.kinesis_records_put += ok_kinesis;
            c.duplicates_put += copies;
            c.bytes_put += ok_bytes;
            c.write_throttled += put.rejected;
            c.requests_timed_out += trip.timed_out as u64;
            c.errors_by_code += &put.errors(trip.timed_out, sent);
            let meter = self.kpl[g].as_mut().unwrap_or_else(|| unreachable!("KPL groups have KPL counters"));
            meter.put_records_requests += 1;
            meter.kinesis_records_sent += sent;
        }
    }

    fn store_call(&mut self, call: Call) -> u32 {
        match self.free_slots.pop() {
            Some(s) => {
                self.calls[s as usize] = call;
                s
            }
            None => {
                self.calls.push(call);
                (self.calls.len() - 1) as u32
            }
        }
    }

    fn into_outcome(self) -> RunOutcome {
        // Stored copies awaiting another try were put already.
        let travelling: u64 = self.calls.iter().map(|c| c.batch.unstored()).sum();
        let waiting: u64 = travelling
            + (self.instances.iter())
                .filter_map(|i| match i {
                    Instance::Sdk(s) => Some(&s.client),
                    Instance::Fed(c) => Some(c),
                    Instance::Kpl(_) => None,
                })
                .flat_map(|c| c.waiting.iter())
                .map(|(b, _)| b.unstored())
                .sum::<u64>();
        let logs = &self.stream.logs;
        let consumers = self
            .consumers
            .into_iter()
            .map(|c| {
                let unread = logs.iter().enumerate().map(|(shard, log)| c.unread(shard, log)).sum();
                let shards_unleased = c.shards_unleased();
                ConsumerOutcome { meter: c.into_meter(), records_unread: unread, shards_unleased }
            })
            .collect();
        RunOutcome {
            consumers,
            records_in_flight: waiting + self.in_flight_from_buffers,
            stream: self.stream,
            producers: self.counters,
            kpl: self.kpl,
            requests: self.requests,
            series: self.series,
            events: self.events,
            autoscaling: self
                .scenario
                .stream
                .autoscaling
                .as_ref()
                .map(|a| AutoscalingOutcome { policy: a.policy_label(), decisions: self.decisions }),
            mode_periods: self.mode_periods,
            salted_keys: self.spaces.iter().map(|k| k.salted_keys().to_vec()).collect(),
        }
    }
}

/// Whether a draw from `rng` falls within probability `p` (no draw when
/// `p` is 0).
#[inline]
fn fails(p: f64, rng: &mut SimRng) -> bool {
    p > 0.0 && rng.random::<f64>() < p
}

/// The stream's one-minute CloudWatch sums, kept only for an autoscaling
/// policy (one entry per minute: a day is 1,440).
#[derive(Debug, Default)]
struct Cloudwatch {
    minutes: Vec<MinuteSums>,
}

impl Cloudwatch {
    /// The sums of the minute holding `now`.
    #[inline]
    fn minute(&mut self, now: SimTime) -> &mut MinuteSums {
        let m = (now.whole_secs() / 60) as usize;
        if m >= self.minutes.len() {
            self.minutes.resize(m + 1, MinuteSums::default());
        }
        &mut self.minutes[m]
    }

    /// Counts records and bytes a put call got in at `now`.
    #[inline]
    fn incoming(&mut self, now: SimTime, records: u64, bytes: u64) {
        let m = self.minute(now);
        m.incoming_records += records;
        m.incoming_bytes += bytes;
    }

    /// How many minutes are complete at `now` (all of them held).
    fn complete(&mut self, now: SimTime) -> usize {
        let n = (now.whole_secs() / 60) as usize;
        if self.minutes.len() < n {
            self.minutes.resize(n, MinuteSums::default());
        }
        n
    }
}

/// Most shards a run's per-shard time series are sized for: the initial
/// count, or for a run that reshards, twice the largest count it asks for
/// (children and their parents both keep cells).
/// The group's peak rate: the most its pattern or trace asks for (a
/// trace's burst offsets do not change it, so any draws will do).
fn peak_records_per_s(scenario: &Scenario, p: &ProducerSpec) -> f64 {
    let mut bursts =
        rng_for(scenario.seed, StreamId { replication: 0, producer: 0, instance: 0, purpose: Purpose::Bursts });
    let multiplier = Multiplier::new(p.rate_pattern.clone(), p.records_per_s, &mut bursts);
    p.records_per_s * multiplier.max_before(scenario.duration)
}

/// What makes one of `p`'s keys hot, for `salt.keys = "hot"`.
fn hot_rule(scenario: &Scenario, p: &ProducerSpec) -> HotRule {
    let (records, bytes) = scenario.stream.write_limits();
    HotRule {
        peak_records_per_s: peak_records_per_s(scenario, p),
        shard_records_per_s: records as f64,
        shard_bytes_per_s: bytes as f64,
        mean_data_bytes: SizeGen::new(&p.record_bytes).mean(),
    }
}

fn shards_hint(scenario: &Scenario) -> usize {
    let s = &scenario.stream;
    let asked = s.reshard.iter().map(|o| match o.request {
        ReshardRequest::UpdateShardCount { target } => target,
        _ => s.shard_count + 1,
    });
    let most = asked
        .fold(s.shard_count, u32::max)
        .max(s.autoscaling.as_ref().map_or(0, |a| a.max_shards))
        .max(s.on_demand.as_ref().map_or(0, |o| o.max_shards(s.shard_write_bytes_per_s)));
    if s.reshards() { 2 * most as usize } else { s.shard_count as usize }
}

/// Up-front size of a run, to refuse absurd ones before they start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WorkEstimate {
    /// Expected user records (upper bound under rate patterns).
    pub user_records: f64,
    /// Bytes of pre-hashed key tables.
    pub key_table_bytes: f64,
    /// Bytes of KPL state per (instance, shard): an aggregate, a limiter
    /// and their bookkeeping, if every instance writes to every shard
    /// (every shard a resharding may create included).
    pub kpl_state_bytes: f64,
}

/// Estimates the work and memory a run of `scenario` needs.
pub fn estimate(scenario: &Scenario) -> WorkEstimate {
    const ENTRY_BYTES: f64 = std::mem::size_of::<crate::workload::keys::Entry>() as f64;
    let mut user_records = 0.0;
    let mut key_table_bytes = 0.0;
    let mut kpl_state_bytes = 0.0;
    for p in &scenario.producers {
        if matches!(p.client, ClientSpec::Kpl(_)) {
            let per_shard = crate::producer::kpl::STATE_BYTES_PER_SHARD as f64;
            // Across reshardings an instance keeps a pipe for every shard
            // it predicted, parents and children.
            kpl_state_bytes += p.instances as f64 * shards_hint(scenario) as f64 * per_shard;
        }
        // A trace's mean over the run (its peak would overstate the work).
        let rate = match &p.rate_pattern {
            Some(RatePattern::Trace(_)) => p.records_per_s,
            _ => peak_records_per_s(scenario, p),
        };
        user_records += rate * scenario.duration.as_secs_f64();
        // Table entry, alias-table cell, the weight it is built from, and
        // the entry's own size (weighted tables: Zipf, empirical, salted).
        const WEIGHTED_BYTES: f64 = ENTRY_BYTES + crate::workload::keys::ALIAS_CELL_BYTES as f64 + 8.0 + 4.0;
        let salt = p.key_salt.as_ref().map_or(1.0, |s| s.suffixes as f64);
        let keys = match &p.partition_key {
            KeyDist::Uniform { keys } | KeyDist::Hot { keys, .. } if p.key_salt.is_none() => *keys as f64 * ENTRY_BYTES,
            KeyDist::Uniform { keys } | KeyDist::Hot { keys, .. } | KeyDist::Zipf { keys, .. } => {
                *keys as f64 * salt * WEIGHTED_BYTES
            }
            KeyDist::Empirical(e) => {
                let others = if e.other_share > 0.0 { e.other_keys as f64 } else { 0.0 };
                (e.table.keys.len() as f64 + others) * salt * WEIGHTED_BYTES
            }
            _ => 0.0,
        };
        key_table_bytes += keys;
    }
    WorkEstimate { user_records, key_table_bytes, kpl_state_bytes }
}
