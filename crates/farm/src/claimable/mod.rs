//! Installs anyone can claim, and their keyed twins, modelled release by
//! release on the real wheels (each module names the files and versions its
//! facts were read in): Open WebUI in onboarding (the first sign-up becomes
//! admin) and Langflow with auto-login (a superuser token for every
//! visitor). aimap must tell them from what they say about themselves,
//! without signing up or calling auto-login.

mod langflow;
mod open_webui;
mod uvicorn;

use crate::http::Handler;
pub(crate) use crate::release::release;

/// A claimable (or keyed) install of one product, at one release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claimable {
    /// Open WebUI with WEBUI_AUTH on. `onboarding`: no user exists yet
    /// (ENABLE_SIGNUP still at its default, on); otherwise the admin exists
    /// and sign-up has turned itself off.
    OpenWebUi { version: String, onboarding: bool },
    /// Langflow. `auto_login`: LANGFLOW_AUTO_LOGIN; `skip_auth`:
    /// LANGFLOW_SKIP_AUTH_AUTO_LOGIN (read from 1.5 on).
    Langflow {
        version: String,
        auto_login: bool,
        skip_auth: bool,
        flows: Vec<String>,
    },
}

impl Claimable {
    pub(crate) fn default_port(&self) -> u16 {
        match self {
            Self::OpenWebUi { .. } => 8080,
            Self::Langflow { .. } => 7860,
        }
    }

    pub(crate) fn handler(self) -> Box<dyn Handler> {
        match self {
            Self::OpenWebUi {
                version,
                onboarding,
            } => Box::new(open_webui::OpenWebUi::new(&version, onboarding)),
            Self::Langflow {
                version,
                auto_login,
                skip_auth,
                flows,
            } => Box::new(langflow::Langflow::new(
                &version, auto_login, skip_auth, flows,
            )),
        }
    }
}
