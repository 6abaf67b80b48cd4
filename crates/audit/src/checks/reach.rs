//! Who can reach a service, from what its file says: the published ports
//! of a compose service, the type of a Kubernetes Service, an Ingress.
//! Severity of "runs without authentication" follows from this: on every
//! interface or through an Ingress it is someone else's service too; on a
//! cluster-internal address it needs a foothold first.
use aimap_model::Severity;

use crate::yaml::Node;

/// How far a service is reachable, least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reach {
    /// Only other containers or pods (no published port, ClusterIP).
    Internal,
    /// Published on one host address that is not loopback.
    HostAddress,
    /// Published on every interface of the host (or node).
    AllInterfaces,
    /// Behind an Ingress: an HTTP route meant for clients beyond the cluster.
    Ingress,
}

impl Reach {
    /// The severity of an unauthenticated AI service reachable this far.
    pub fn severity(self) -> Severity {
        match self {
            Self::Internal => Severity::Medium,
            Self::HostAddress | Self::AllInterfaces => Severity::High,
            Self::Ingress => Severity::Critical,
        }
    }
}

pub fn loopback(host: &str) -> bool {
    let h = host.trim_matches(|c| c == '[' || c == ']');
    h.starts_with("127.") || h == "::1" || h == "localhost"
}

/// How a compose `ports:` entry publishes (`None`: loopback only, or a
/// long-syntax entry that publishes nothing).
pub fn compose_port(p: &Node) -> Option<(Reach, String)> {
    if let Some(host_ip) = p.get("host_ip").and_then(Node::as_str) {
        return match host_ip {
            h if loopback(h) => None,
            "0.0.0.0" | "::" | "[::]" | "" => {
                Some((Reach::AllInterfaces, format!("host_ip {host_ip}")))
            }
            _ => Some((Reach::HostAddress, format!("host_ip {host_ip}"))),
        };
    }
    if p.get("target").is_some() {
        // Long syntax without host_ip: on 0.0.0.0 when published at all.
        return p
            .get("published")
            .map(|_| (Reach::AllInterfaces, "long syntax without host_ip".into()));
    }
    let s = p.text()?;
    // `[::1]:8080:80`, `127.0.0.1:8080:80`, `8080:80`, `80`.
    let host = if let Some(rest) = s.strip_prefix('[') {
        rest.split_once(']').map(|(h, _)| h.to_string())
    } else {
        let parts: Vec<&str> = s.split(':').collect();
        (parts.len() == 3).then(|| parts[0].to_string())
    };
    match host {
        Some(h) if loopback(&h) => None,
        Some(h) if h != "0.0.0.0" && h != "::" && !h.is_empty() && !h.contains('$') => {
            Some((Reach::HostAddress, s))
        }
        _ => Some((Reach::AllInterfaces, s)),
    }
}

/// The reach a Kubernetes Service `type:` gives the pods it selects.
pub fn service_type(ty: &str) -> Reach {
    match ty {
        "LoadBalancer" | "NodePort" => Reach::AllInterfaces,
        _ => Reach::Internal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_documents;

    fn ports(y: &str) -> Vec<Option<Reach>> {
        let d = parse_documents(y).unwrap();
        d[0].get("ports")
            .unwrap()
            .items()
            .iter()
            .map(|p| compose_port(p).map(|r| r.0))
            .collect()
    }

    #[test]
    fn compose_ports() {
        assert_eq!(
            ports("ports:\n - \"8080:80\"\n - 127.0.0.1:1:1\n - \"[::1]:2:2\"\n - 10.0.0.5:3:3\n - 0.0.0.0:4:4\n - \"9000\"\n"),
            vec![
                Some(Reach::AllInterfaces),
                None,
                None,
                Some(Reach::HostAddress),
                Some(Reach::AllInterfaces),
                Some(Reach::AllInterfaces),
            ]
        );
        assert_eq!(
            ports("ports:\n - target: 80\n   published: 8080\n - target: 81\n - target: 82\n   published: 8082\n   host_ip: 127.0.0.1\n"),
            vec![Some(Reach::AllInterfaces), None, None]
        );
        assert_eq!(Reach::Internal.severity(), Severity::Medium);
        assert_eq!(service_type("LoadBalancer").severity(), Severity::High);
        assert_eq!(Reach::Ingress.severity(), Severity::Critical);
    }
}
