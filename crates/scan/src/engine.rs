//! Wires the stages: drivers walk disjoint strides of the shard's probe
//! order with bounded in-flight connects; open ports flow through a bounded
//! channel to fingerprint tasks (bounded by a semaphore); results stream
//! out as events (every open port exactly one: see [`crate::identify_stage`]),
//! and so do checkpoints: each one is sent after the events
//! of every position it counts as finished, so a consumer that commits
//! them in order can always resume from the last one it committed.
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aimap_model::{Checkpoint, Service};
use aimap_rules::RuleSet;
use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::completion::Completion;
use crate::discovery::{probe_port, PortState};
use crate::fingerprint::Fingerprinter;
use crate::identify_stage::{Stage, PORT_BUDGET_TIMEOUTS};
use crate::order::ProbeOrder;
use crate::pacer::Pacer;
use crate::targets::ProbeSpace;
use crate::timing::{Timing, TimingConfig};
use crate::transport::Limits;

/// Validated scan settings (the binary builds these from flags and config).
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Discovery's connect timeout, retries and concurrency: learnt
    /// unless pinned (see [`crate::timing`]).
    pub discovery: TimingConfig,
    /// Connects per second, across the whole scan; `None` = unlimited.
    pub rate: Option<u32>,
    /// The bound on each fingerprint exchange.
    pub timeout: Duration,
    /// Open ports fingerprinted at once.
    pub fingerprint_concurrency: usize,
    /// Most bytes kept from one answer.
    pub body_cap: usize,
    /// How often a checkpoint event is sent.
    pub checkpoint_every: Duration,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            discovery: TimingConfig::default(),
            rate: None,
            timeout: Duration::from_secs(3),
            fingerprint_concurrency: 64,
            body_cap: 256 * 1024,
            checkpoint_every: Duration::from_millis(500),
        }
    }
}

/// Live counters, read by the progress bar while the scan runs.
#[derive(Debug, Default)]
pub struct Progress {
    pub probes_done: AtomicU64,
    pub open_ports: AtomicU64,
    pub services: AtomicU64,
}

impl Progress {
    pub fn get(&self, c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }
}

/// What the scan reports as it goes.
#[derive(Debug)]
pub enum Event {
    Service(Box<Service>),
    /// Open port that no rule recognised.
    Unidentified(SocketAddr),
    /// Open port whose probe failed (panicked, or ran past its time
    /// budget): recorded, never dropped, and its position still finishes.
    Failed {
        addr: SocketAddr,
        error: String,
    },
    /// How far the shard has got; every position it counts as finished
    /// had its events sent before this one.
    Checkpoint {
        checkpoint: Checkpoint,
        probes_sent: u64,
        open_ports: u64,
    },
}

/// What to scan: the space, the shard's order through it, and what an
/// earlier attempt already finished.
#[derive(Debug, Clone)]
pub struct Plan {
    pub space: Arc<ProbeSpace>,
    pub order: ProbeOrder,
    pub resume: Checkpoint,
}

/// Run a scan to completion or cancellation, sending events as they happen.
/// Cancelling stops new probes at once; answers already being fingerprinted
/// are abandoned (their positions stay unfinished, so a resume probes them
/// again), everything already sent stays sent.
pub async fn scan(
    plan: Plan,
    rules: Arc<RuleSet>,
    opts: ScanOptions,
    progress: Arc<Progress>,
    cancel: CancellationToken,
    events: mpsc::Sender<Event>,
) {
    let Plan {
        space,
        order,
        resume,
    } = plan;
    let order = Arc::new(order);
    let resume = Arc::new(resume);
    let completion = Arc::new(Completion::from_checkpoint(&resume));
    let (open_tx, open_rx) = mpsc::channel::<(SocketAddr, u64)>(1024);
    let limits = Limits {
        timeout: opts.timeout,
        body_cap: opts.body_cap,
    };
    let stage = Stage {
        space: space.clone(),
        identifier: Arc::new(Fingerprinter::new(rules, limits)),
        concurrency: opts.fingerprint_concurrency,
        port_budget: opts.timeout.saturating_mul(PORT_BUDGET_TIMEOUTS),
        progress: progress.clone(),
        completion: completion.clone(),
        cancel: cancel.clone(),
        events: events.clone(),
    };
    let identify = tokio::spawn(stage.run(open_rx));
    let ticker = tokio::spawn(checkpoints(
        opts.checkpoint_every,
        completion.clone(),
        progress.clone(),
        events.clone(),
    ));

    // One driver per worker thread, each walking its own stride.
    let drivers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    let pacer = Arc::new(Pacer::new(opts.rate));
    let timing = Arc::new(Timing::new(opts.discovery.clone()));
    let mut handles = Vec::with_capacity(drivers);
    for k in 0..drivers {
        let driver = Driver {
            space: space.clone(),
            order: order.clone(),
            resume: resume.clone(),
            completion: completion.clone(),
            pacer: pacer.clone(),
            progress: progress.clone(),
            cancel: cancel.clone(),
            open_tx: open_tx.clone(),
            timing: timing.clone(),
        };
        handles.push(tokio::spawn(async move {
            driver.run(k as u64, drivers as u64).await;
        }));
    }
    drop(open_tx);
    for h in handles {
        let _ = h.await;
    }
    let _ = identify.await;
    ticker.abort();
    // The last word: everything finished, in order after its events.
    let _ = events.send(checkpoint_event(&completion, &progress)).await;
}

fn checkpoint_event(completion: &Completion, progress: &Progress) -> Event {
    Event::Checkpoint {
        checkpoint: completion.snapshot(),
        probes_sent: progress.get(&progress.probes_done),
        open_ports: progress.get(&progress.open_ports),
    }
}

async fn checkpoints(
    every: Duration,
    completion: Arc<Completion>,
    progress: Arc<Progress>,
    events: mpsc::Sender<Event>,
) {
    loop {
        tokio::time::sleep(every).await;
        if events
            .send(checkpoint_event(&completion, &progress))
            .await
            .is_err()
        {
            return;
        }
    }
}

/// One discovery driver: a stride of the shard's order.
struct Driver {
    space: Arc<ProbeSpace>,
    order: Arc<ProbeOrder>,
    resume: Arc<Checkpoint>,
    completion: Arc<Completion>,
    pacer: Arc<Pacer>,
    progress: Arc<Progress>,
    cancel: CancellationToken,
    open_tx: mpsc::Sender<(SocketAddr, u64)>,
    timing: Arc<Timing>,
}

impl Driver {
    async fn run(&self, first: u64, stride: u64) {
        let mut walk = self.order.walk(first, stride);
        let mut pending = FuturesUnordered::new();
        let mut exhausted = false;
        let mut done_here: u64 = 0;
        // The next probe, waiting for its slot under --rate. Results keep
        // being reaped meanwhile: a probe only connects once polled, so a
        // driver that slept on the pacer without polling would hold every
        // admitted probe back and fire them in one burst at the end.
        let mut staged: Option<(u64, SocketAddr, tokio::time::Instant)> = None;
        loop {
            // This driver's share of the window, which moves as it learns.
            let in_flight = (self.timing.in_flight() / stride as usize).max(1);
            while staged.is_none()
                && !exhausted
                && pending.len() < in_flight
                && !self.cancel.is_cancelled()
            {
                // Jump over what an earlier attempt finished.
                let at = walk.position();
                if self.resume.is_done(at) {
                    let next = self.resume.next_undone(at);
                    walk.skip_to(at + (next - at).div_ceil(stride) * stride);
                    continue;
                }
                match walk.next() {
                    Some((pos, None)) => self.completion.mark(pos),
                    Some((pos, Some(index))) => {
                        let addr = self.space.get(u128::from(index));
                        match self.pacer.reserve() {
                            Some(due) if due > tokio::time::Instant::now() => {
                                staged = Some((pos, addr, due));
                            }
                            _ => pending.push(self.probe(pos, addr)),
                        }
                    }
                    None => exhausted = true,
                }
            }
            let next = if let Some((pos, addr, due)) = staged {
                tokio::select! {
                    biased;
                    _ = self.cancel.cancelled() => return,
                    _ = tokio::time::sleep_until(due) => {
                        staged = None;
                        pending.push(self.probe(pos, addr));
                        continue;
                    }
                    next = pending.next(), if !pending.is_empty() => next,
                }
            } else {
                tokio::select! {
                    biased;
                    _ = self.cancel.cancelled() => return,
                    next = pending.next() => next,
                }
            };
            let Some((pos, addr, state)) = next else {
                return;
            };
            // Fast-path connects finish without touching the reactor, so this
            // loop could run for minutes without yielding and starve the other
            // tasks on its worker (the Ctrl-C listener among them), so it
            // yields every 256 probes.
            done_here += 1;
            if done_here.is_multiple_of(256) {
                tokio::task::yield_now().await;
            }
            self.progress.probes_done.fetch_add(1, Ordering::Relaxed);
            if state != PortState::Open {
                self.completion.mark(pos);
                continue;
            }
            self.progress.open_ports.fetch_add(1, Ordering::Relaxed);
            // A full channel must not outlive a cancellation.
            let sent = tokio::select! {
                biased;
                _ = self.cancel.cancelled() => return,
                sent = self.open_tx.send((addr, pos)) => sent,
            };
            if sent.is_err() {
                return;
            }
        }
    }

    fn probe(
        &self,
        pos: u64,
        addr: SocketAddr,
    ) -> impl std::future::Future<Output = (u64, SocketAddr, PortState)> {
        let timing = self.timing.clone();
        async move { (pos, addr, probe_port(addr, &timing).await) }
    }
}
