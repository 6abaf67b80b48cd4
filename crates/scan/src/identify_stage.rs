//! The identify stage: one task per open port, bounded by a semaphore.
//!
//! Every open port ends in exactly one event, whatever its task does: a
//! service, "unidentified", or a failure. A probe that panics (a bug
//! tripped by a hostile reply) or runs past the port's time budget is
//! recorded as [`Event::Failed`] for that address and port, the scan goes
//! on, and the position is marked finished, so the port neither vanishes
//! from the report nor is probed again by every resume.
use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::completion::Completion;
use crate::engine::{Event, Progress};
use crate::fingerprint::{Fingerprinter, Identification};
use crate::targets::ProbeSpace;

/// A port's whole identification may take this many exchange timeouts.
/// Each exchange is bounded by the timeout and a port that times out is
/// not asked again on that transport, so only a server that answers every
/// request just before the timeout (a slow drip) comes near this bound.
pub const PORT_BUDGET_TIMEOUTS: u32 = 16;

/// What identifies one open port; the scan uses [`Fingerprinter`], tests
/// substitute their own to prove the stage's guarantees.
pub trait Identify: Send + Sync + 'static {
    fn identify(
        &self,
        addr: SocketAddr,
        host: String,
    ) -> impl Future<Output = Identification> + Send;
}

impl Identify for Fingerprinter {
    async fn identify(&self, addr: SocketAddr, host: String) -> Identification {
        Fingerprinter::identify(self, addr, &host).await
    }
}

/// The stage's fixed inputs.
pub struct Stage<I> {
    pub space: Arc<ProbeSpace>,
    pub identifier: Arc<I>,
    pub concurrency: usize,
    /// Most time one port's identification may take.
    pub port_budget: Duration,
    pub progress: Arc<Progress>,
    pub completion: Arc<Completion>,
    pub cancel: CancellationToken,
    pub events: mpsc::Sender<Event>,
}

impl<I: Identify> Stage<I> {
    /// Identify every `(address, position)` received until the channel closes.
    pub async fn run(self, mut open_rx: mpsc::Receiver<(SocketAddr, u64)>) {
        let permits = Arc::new(Semaphore::new(self.concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        let this = Arc::new(self);
        while let Some((addr, pos)) = open_rx.recv().await {
            let Ok(permit) = permits.clone().acquire_owned().await else {
                break;
            };
            let this = this.clone();
            tasks.spawn(async move {
                let _permit = permit;
                this.one(addr, pos).await;
            });
            // Reap finished tasks so the set does not grow with the scan.
            // A task cannot panic (one() catches), so results are empty.
            while tasks.try_join_next().is_some() {}
        }
        while tasks.join_next().await.is_some() {}
    }

    /// Identify one port and send its one event; on cancellation send
    /// nothing (the position stays unfinished, so a resume probes it).
    async fn one(&self, addr: SocketAddr, pos: u64) {
        let host = self
            .space
            .targets()
            .name_of(&addr.ip())
            .map(str::to_string)
            .unwrap_or_else(|| addr.ip().to_string());
        // The identify future owns nothing shared that a panic could leave
        // half-updated: its session state dies with it.
        let work = AssertUnwindSafe(self.identifier.identify(addr, host)).catch_unwind();
        let outcome = tokio::select! {
            _ = self.cancel.cancelled() => return,
            r = tokio::time::timeout(self.port_budget, work) => r,
        };
        let event = match outcome {
            Ok(Ok(Identification::Service(s))) => {
                self.progress.services.fetch_add(1, Ordering::Relaxed);
                Event::Service(s)
            }
            Ok(Ok(Identification::Unidentified)) => Event::Unidentified(addr),
            Ok(Err(panic)) => Event::Failed {
                addr,
                error: format!("probe failed: {}", panic_message(panic.as_ref())),
            },
            Err(_) => Event::Failed {
                addr,
                error: format!(
                    "probe did not finish within {:?}; the port is open",
                    self.port_budget
                ),
            },
        };
        if self.events.send(event).await.is_ok() {
            self.completion.mark(pos);
        }
    }
}

/// The text a panic carried (`panic!("...")` gives `&str` or `String`).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic without a message".to_string());
    // It may quote reply bytes: keep it one bounded line.
    crate::transport::text::clean_line(&text, 300)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::TargetSet;
    use aimap_model::Checkpoint;

    /// Panics on port 2, never finishes on port 3, answers the others.
    struct Flaky;

    impl Identify for Flaky {
        async fn identify(&self, addr: SocketAddr, _host: String) -> Identification {
            match addr.port() {
                2 => panic!("byte index 7 is not a char boundary; it is inside 'é'\nforged: yes"),
                3 => std::future::pending().await,
                _ => Identification::Unidentified,
            }
        }
    }

    fn space() -> Arc<ProbeSpace> {
        let targets = TargetSet::build(&["127.118.9.1".to_string()], &[], |_| {
            Err("no resolver here".to_string())
        })
        .unwrap();
        Arc::new(ProbeSpace::new(targets, vec![1, 2, 3, 4]))
    }

    #[tokio::test(start_paused = true)]
    async fn a_panic_or_a_hang_is_one_failed_event_and_the_position_still_finishes() {
        let completion = Arc::new(Completion::from_checkpoint(&Checkpoint::default()));
        let (events, mut rx) = mpsc::channel(16);
        let (open_tx, open_rx) = mpsc::channel(16);
        let stage = Stage {
            space: space(),
            identifier: Arc::new(Flaky),
            concurrency: 2,
            port_budget: Duration::from_secs(5),
            progress: Arc::default(),
            completion: completion.clone(),
            cancel: CancellationToken::new(),
            events,
        };
        let run = tokio::spawn(stage.run(open_rx));
        for (pos, port) in [(0u64, 1u16), (1, 2), (2, 3), (3, 4)] {
            let addr = SocketAddr::from(([127, 118, 9, 1], port));
            open_tx.send((addr, pos)).await.unwrap();
        }
        drop(open_tx);
        run.await.unwrap();
        let mut seen = Vec::new();
        while let Ok(e) = rx.try_recv() {
            seen.push(e);
        }
        assert_eq!(seen.len(), 4, "one event per port: {seen:?}");
        let failed: Vec<(u16, &str)> = seen
            .iter()
            .filter_map(|e| match e {
                Event::Failed { addr, error } => Some((addr.port(), error.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(failed.len(), 2, "{seen:?}");
        let panicked = failed.iter().find(|(p, _)| *p == 2).unwrap().1;
        assert!(panicked.contains("not a char boundary"), "{panicked}");
        assert!(!panicked.contains('\n'), "one line: {panicked:?}");
        let hung = failed.iter().find(|(p, _)| *p == 3).unwrap().1;
        assert!(hung.contains("did not finish"), "{hung}");
        assert_eq!(
            completion.snapshot(),
            Checkpoint {
                watermark: 4,
                ranges: vec![]
            },
            "every position finished, the failed ones too"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn cancellation_leaves_positions_unfinished() {
        let completion = Arc::new(Completion::from_checkpoint(&Checkpoint::default()));
        let (events, mut rx) = mpsc::channel(16);
        let (open_tx, open_rx) = mpsc::channel(16);
        let cancel = CancellationToken::new();
        let stage = Stage {
            space: space(),
            identifier: Arc::new(Flaky),
            concurrency: 2,
            port_budget: Duration::from_secs(3600),
            progress: Arc::default(),
            completion: completion.clone(),
            cancel: cancel.clone(),
            events,
        };
        let run = tokio::spawn(stage.run(open_rx));
        open_tx
            .send((SocketAddr::from(([127, 118, 9, 1], 3)), 0))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
        cancel.cancel();
        drop(open_tx);
        run.await.unwrap();
        assert!(rx.try_recv().is_err(), "nothing is reported for it");
        assert_eq!(completion.snapshot(), Checkpoint::default());
    }
}
