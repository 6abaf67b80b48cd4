//! Network namespaces a test creates for itself, for servers that must
//! not touch the host's interfaces (an all-interface listener, or Ray,
//! which reaches for the machine's own address whatever it is told).

use std::process::Command;

/// A network namespace of the test's own with only `lo`, up. Dropping it
/// kills whatever still runs inside, then deletes it.
pub struct Netns(pub String);

impl Netns {
    /// `tag` keeps namespaces of different tests apart; the process id
    /// keeps concurrent test runs apart.
    pub fn new(tag: &str) -> Option<Self> {
        let name = format!("aimap-{tag}-{}", std::process::id());
        let ok = Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .ok()?
            .success();
        if !ok {
            return None;
        }
        let ns = Netns(name);
        Command::new("ip")
            .args(["-n", &ns.0, "link", "set", "lo", "up"])
            .status()
            .ok()?;
        Some(ns)
    }

    /// `program` run inside the namespace.
    pub fn exec(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.0, program]);
        c
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Daemons that left their process group (Ray's raylet and GCS)
        // would outlive the test: kill every process still inside.
        if let Ok(out) = Command::new("ip").args(["netns", "pids", &self.0]).output() {
            for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                let _ = Command::new("kill").args(["-KILL", pid]).status();
            }
        }
        let _ = Command::new("ip")
            .args(["netns", "delete", &self.0])
            .status();
    }
}
