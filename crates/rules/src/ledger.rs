//! The proofs one assessment gathered, per capability: the first answer
//! that showed it open, the first that showed it refused. The matrix and
//! the service verdict are computed from this, never stored beside it.
use std::collections::BTreeMap;

use aimap_model::Evidence;
use aimap_model::{service_verdict, AuthVerdict, Capabilities, Capability, CapabilityAccess};

#[derive(Debug, Default, Clone)]
struct Slot {
    open: Option<Evidence>,
    refused: Option<Evidence>,
}

#[derive(Debug, Default, Clone)]
pub struct Ledger {
    slots: BTreeMap<Capability, Slot>,
    claimable: Option<Evidence>,
}

impl Ledger {
    /// Start with every capability the rule can settle, so the matrix
    /// shows the unsettled ones as `unknown`.
    pub fn new(known: &[Capability]) -> Self {
        Self {
            slots: known.iter().map(|c| (*c, Slot::default())).collect(),
            claimable: None,
        }
    }

    pub fn open(&mut self, c: Capability, proof: &Evidence) {
        self.slots
            .entry(c)
            .or_default()
            .open
            .get_or_insert_with(|| proof.clone());
    }

    pub fn refused(&mut self, c: Capability, proof: &Evidence) {
        self.slots
            .entry(c)
            .or_default()
            .refused
            .get_or_insert_with(|| proof.clone());
    }

    /// Anyone can become admin: the admin capability is open, whatever
    /// else refuses.
    pub fn claimable(&mut self, proof: &Evidence) {
        self.claimable.get_or_insert_with(|| proof.clone());
        self.open(Capability::Admin, proof);
    }

    pub fn claim_proof(&self) -> Option<&Evidence> {
        self.claimable.as_ref()
    }

    /// Per capability: open wins over refused (some route of it answered
    /// without credentials), refused over unknown.
    pub fn matrix(&self) -> Capabilities {
        self.slots
            .iter()
            .map(|(c, s)| {
                let (auth, evidence) = match (&s.open, &s.refused) {
                    (Some(e), _) => (AuthVerdict::None, Some(e.clone())),
                    (None, Some(e)) => (AuthVerdict::Required, Some(e.clone())),
                    (None, None) => (AuthVerdict::Unknown, None),
                };
                (*c, CapabilityAccess { auth, evidence })
            })
            .collect()
    }

    /// The service verdict: a claimable install is open, whatever refuses.
    pub fn verdict(&self) -> AuthVerdict {
        if self.claimable.is_some() {
            AuthVerdict::None
        } else {
            service_verdict(&self.matrix())
        }
    }
}
