//! Port lists: `80,443,8000-8010`.
use std::collections::BTreeSet;

use crate::error::TargetParseError;

/// Parse a port list into sorted unique ports. `-` alone means every port.
pub fn parse_ports(spec: &str) -> Result<Vec<u16>, TargetParseError> {
    let err = |reason: String| TargetParseError::new("port list", spec, reason);
    if spec.trim() == "-" {
        return Ok((1..=u16::MAX).collect());
    }
    let mut set = BTreeSet::new();
    for part in spec.split(',').map(str::trim) {
        if part.is_empty() {
            return Err(err("empty entry".into()));
        }
        let (lo, hi) = match part.split_once('-') {
            Some((a, b)) => (port(a).map_err(&err)?, port(b).map_err(&err)?),
            None => {
                let p = port(part).map_err(&err)?;
                (p, p)
            }
        };
        if lo > hi {
            return Err(err(format!("range {lo}-{hi} runs backwards")));
        }
        set.extend(lo..=hi);
    }
    Ok(set.into_iter().collect())
}

fn port(s: &str) -> Result<u16, String> {
    match s.trim().parse::<u32>() {
        Ok(p) if (1..=65535).contains(&p) => Ok(p as u16),
        Ok(p) => Err(format!("port {p} is outside 1-65535")),
        Err(_) => Err(format!("{s:?} is not a port number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_and_ranges() {
        assert_eq!(
            parse_ports("8000, 6379,8000-8002").unwrap(),
            [6379, 8000, 8001, 8002]
        );
        assert_eq!(parse_ports("-").unwrap().len(), 65535);
    }

    #[test]
    fn rejects_bad_lists_with_a_reason() {
        for (bad, why) in [
            ("0", "outside"),
            ("70000", "outside"),
            ("80,,81", "empty"),
            ("9-1", "backwards"),
            ("http", "not a port"),
        ] {
            let e = parse_ports(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}
