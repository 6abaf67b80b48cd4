//! Probe rules: how aimap recognises a service from its answers.
//!
//! Pipeline position: between discovery and the service model. A rule is
//! data (a TOML file under `rules/probes/`), parsed into a raw twin
//! ([`schema`]) and validated into typed, compiled values ([`Rule`]) once at
//! load time, so a typo in a matcher is a load error, never a silent miss.
//! The scanner performs the requests a rule names and hands the answers back
//! here: [`assess`] scores the match, extracts versions and names, and rules
//! on authentication. This crate does no I/O.
#![forbid(unsafe_code)]

mod assess;
pub mod asset;
mod compile;
mod extract;
mod ledger;
mod load;
mod matcher;
mod request;
mod response;
pub mod schema;
mod template;
mod version_form;

pub use assess::{
    assess, Assessment, AssetObservation, ProbeOutcome, VersionReading, VersionVerdict,
    CONTRADICTION, HOST_CHECK, LOOPBACK_HOSTS,
};
pub use compile::{AuthProof, Probe, Rule, Transport};
pub use extract::{Extractor, Target as ExtractTarget};
pub use load::{builtin_rules, load_dir, load_str, LoadError, RuleSet};
pub use matcher::Matcher;
pub use request::Request;
pub use response::Response;
pub use template::{Capture, RequestTemplate};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_probes.rs"));
}
