//! Wires the stages: drivers walk disjoint strides of the probe space with
//! bounded in-flight connects; open ports flow through a bounded channel to
//! fingerprint tasks (bounded by a semaphore); results stream out as events.
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aimap_model::Service;
use aimap_rules::RuleSet;
use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::discovery::{probe_port, PortState};
use crate::fingerprint::{Fingerprinter, Identification};
use crate::pacer::Pacer;
use crate::targets::ProbeSpace;
use crate::transport::Limits;

/// Validated scan settings (the binary builds these from flags and config).
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Connects in flight at once.
    pub concurrency: usize,
    /// Connects per second, across the whole scan; `None` = unlimited.
    pub rate: Option<u32>,
    /// Connect timeout, and the bound on each fingerprint exchange.
    pub timeout: Duration,
    /// Extra connect attempts after a timeout.
    pub retries: u32,
    /// Open ports fingerprinted at once.
    pub fingerprint_concurrency: usize,
    /// Most bytes kept from one answer.
    pub body_cap: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            concurrency: 1024,
            rate: None,
            timeout: Duration::from_secs(3),
            retries: 1,
            fingerprint_concurrency: 64,
            body_cap: 256 * 1024,
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
}

/// Run a scan to completion or cancellation, sending events as they happen.
/// Cancelling stops new probes at once; answers already being fingerprinted
/// are abandoned, everything already sent stays sent.
pub async fn scan(
    space: Arc<ProbeSpace>,
    rules: Arc<RuleSet>,
    opts: ScanOptions,
    progress: Arc<Progress>,
    cancel: CancellationToken,
    events: mpsc::Sender<Event>,
) {
    let (open_tx, open_rx) = mpsc::channel::<SocketAddr>(1024);
    let limits = Limits {
        timeout: opts.timeout,
        body_cap: opts.body_cap,
    };
    let fingerprinter = Arc::new(Fingerprinter::new(rules, limits));
    let identify = tokio::spawn(fingerprint_stage(
        open_rx,
        space.clone(),
        fingerprinter,
        opts.fingerprint_concurrency,
        progress.clone(),
        cancel.clone(),
        events,
    ));

    // One driver per worker thread, each walking its own stride.
    let drivers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    let per_driver = (opts.concurrency / drivers).max(1);
    let pacer = Arc::new(Pacer::new(opts.rate));
    let mut handles = Vec::with_capacity(drivers);
    for k in 0..drivers {
        let (space, pacer, progress, cancel, open_tx) = (
            space.clone(),
            pacer.clone(),
            progress.clone(),
            cancel.clone(),
            open_tx.clone(),
        );
        let opts = opts.clone();
        handles.push(tokio::spawn(async move {
            discover(
                &space,
                k as u128,
                drivers as u128,
                per_driver,
                &opts,
                &pacer,
                &progress,
                &cancel,
                &open_tx,
            )
            .await;
        }));
    }
    drop(open_tx);
    for h in handles {
        let _ = h.await;
    }
    let _ = identify.await;
}

#[allow(clippy::too_many_arguments)]
async fn discover(
    space: &ProbeSpace,
    offset: u128,
    step: u128,
    in_flight: usize,
    opts: &ScanOptions,
    pacer: &Pacer,
    progress: &Progress,
    cancel: &CancellationToken,
    open_tx: &mpsc::Sender<SocketAddr>,
) {
    let mut targets = space.stride(offset, step);
    let mut pending = FuturesUnordered::new();
    let mut exhausted = false;
    let mut done_here: u64 = 0;
    loop {
        while !exhausted && pending.len() < in_flight && !cancel.is_cancelled() {
            match targets.next() {
                Some(addr) => {
                    pacer.wait().await;
                    let (timeout, retries) = (opts.timeout, opts.retries);
                    pending.push(async move { (addr, probe_port(addr, timeout, retries).await) });
                }
                None => exhausted = true,
            }
        }
        let next = tokio::select! {
            biased;
            _ = cancel.cancelled() => return,
            next = pending.next() => next,
        };
        let Some((addr, state)) = next else { return };
        // Fast-path connects finish without touching the reactor, so this
        // loop could run for minutes without yielding and starve the other
        // tasks on its worker (the Ctrl-C listener among them), so it
        // yields every 256 probes.
        done_here += 1;
        if done_here % 256 == 0 {
            tokio::task::yield_now().await;
        }
        progress.probes_done.fetch_add(1, Ordering::Relaxed);
        if state == PortState::Open {
            progress.open_ports.fetch_add(1, Ordering::Relaxed);
            // A full channel must not outlive a cancellation.
            let sent = tokio::select! {
                biased;
                _ = cancel.cancelled() => return,
                sent = open_tx.send(addr) => sent,
            };
            if sent.is_err() {
                return;
            }
        }
    }
}

async fn fingerprint_stage(
    mut open_rx: mpsc::Receiver<SocketAddr>,
    space: Arc<ProbeSpace>,
    fingerprinter: Arc<Fingerprinter>,
    concurrency: usize,
    progress: Arc<Progress>,
    cancel: CancellationToken,
    events: mpsc::Sender<Event>,
) {
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    while let Some(addr) = open_rx.recv().await {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        let (fp, space, progress, cancel, events) = (
            fingerprinter.clone(),
            space.clone(),
            progress.clone(),
            cancel.clone(),
            events.clone(),
        );
        tasks.spawn(async move {
            let _permit = permit;
            let host = space
                .targets()
                .name_of(&addr.ip())
                .map(str::to_string)
                .unwrap_or_else(|| addr.ip().to_string());
            let result = tokio::select! {
                _ = cancel.cancelled() => return,
                r = fp.identify(addr, &host) => r,
            };
            let event = match result {
                Identification::Service(s) => {
                    progress.services.fetch_add(1, Ordering::Relaxed);
                    Event::Service(s)
                }
                Identification::Unidentified => Event::Unidentified(addr),
            };
            let _ = events.send(event).await;
        });
        // Reap finished tasks so the set does not grow with the scan.
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
}
