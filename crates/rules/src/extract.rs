use regex::Regex;

use aimap_model::VersionSource;

use crate::asset::{self, AssetTable};
use crate::response::{pointer_all, Response};
use crate::schema::RawExtractor;

/// The most values one extractor keeps: a server listing 100,000 models
/// must not blow up the report.
pub const MAX_VALUES: usize = 64;
/// The longest value kept.
const MAX_VALUE_LEN: usize = 200;

/// Where an extracted value goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Version(VersionSource),
    /// A named list in the service's details (`models`, `collections`).
    List(String),
}

#[derive(Debug, Clone)]
pub enum Extractor {
    Json {
        target: Target,
        pointer: String,
    },
    BodyRegex {
        target: Target,
        regex: Regex,
    },
    Header {
        target: Target,
        name: String,
        regex: Option<Regex>,
    },
    /// The sha256 of the whole body, looked up in an asset-hash table
    /// (always `into = "version"`, source `asset-hash`).
    AssetHash {
        table: &'static AssetTable,
    },
}

impl Extractor {
    pub fn compile(raw: &RawExtractor) -> Result<Self, String> {
        if let Some(name) = &raw.asset_hash {
            if raw.into != "version" || raw.source.is_some() {
                return Err(
                    "asset_hash reads a version: write into = \"version\" and no source".into(),
                );
            }
            if raw.json.is_some() || raw.regex.is_some() || raw.header.is_some() {
                return Err(
                    "asset_hash hashes the whole body: it takes no json, regex or header".into(),
                );
            }
            return Ok(Self::AssetHash {
                table: asset::table(name)?,
            });
        }
        let target = match raw.into.as_str() {
            "version" => Target::Version(match raw.source.as_deref() {
                None | Some("api") => VersionSource::Api,
                Some("banner") => VersionSource::Banner,
                Some("header") => VersionSource::Header,
                Some("asset-hash") => {
                    return Err("source \"asset-hash\" comes from an asset_hash extractor".into())
                }
                Some(other) => return Err(format!("unknown version source {other:?}")),
            }),
            "" => return Err("extractor `into` must not be empty".into()),
            name if raw.source.is_some() => {
                return Err(format!(
                    "`source` only applies to into = \"version\", not {name:?}"
                ))
            }
            name => Target::List(name.to_string()),
        };
        let regex = raw
            .regex
            .as_deref()
            .map(|src| {
                let re = Regex::new(src).map_err(|e| format!("invalid regex {src:?}: {e}"))?;
                if re.captures_len() < 2 {
                    return Err(format!("extractor regex {src:?} needs a capture group"));
                }
                Ok(re)
            })
            .transpose()?;
        match (&raw.json, &raw.header, regex) {
            (Some(p), None, None) if p.is_empty() || p.starts_with('/') => Ok(Self::Json {
                target,
                pointer: p.clone(),
            }),
            (Some(p), None, None) => Err(format!(
                "json pointer {p:?} must be empty or start with '/'"
            )),
            (None, Some(name), regex) => Ok(Self::Header {
                target,
                name: name.to_ascii_lowercase(),
                regex,
            }),
            (None, None, Some(regex)) => Ok(Self::BodyRegex { target, regex }),
            _ => Err(
                "an extractor needs exactly one of json, regex (over the body) or header".into(),
            ),
        }
    }

    pub fn target(&self) -> &Target {
        static ASSET: Target = Target::Version(VersionSource::AssetHash);
        match self {
            Self::Json { target, .. }
            | Self::BodyRegex { target, .. }
            | Self::Header { target, .. } => target,
            Self::AssetHash { .. } => &ASSET,
        }
    }

    /// Every value this extractor reads from the response, cleaned and
    /// bounded. An asset hash reads none: [`crate::Assessment`] looks it up.
    pub fn values(&self, r: &Response) -> Vec<String> {
        self.raw_values(r)
            .into_iter()
            .map(|v| clean(&v))
            .filter(|v| !v.is_empty())
            .take(MAX_VALUES)
            .collect()
    }

    /// The values as the target sent them (at most [`MAX_VALUES`]), before
    /// cleaning: a capture checks them itself and refuses what does not fit.
    pub(crate) fn raw_values(&self, r: &Response) -> Vec<String> {
        let raw: Vec<String> = match self {
            Self::AssetHash { .. } => Vec::new(),
            Self::Json { pointer, .. } => r
                .json()
                .map(|root| {
                    pointer_all(root, pointer)
                        .into_iter()
                        .filter_map(|v| match v {
                            serde_json::Value::String(s) => Some(s.clone()),
                            serde_json::Value::Number(n) => Some(n.to_string()),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            Self::BodyRegex { regex, .. } => regex
                .captures_iter(r.text())
                .take(MAX_VALUES)
                .filter_map(|c| c.get(1).map(|m| m.as_str().to_string()))
                .collect(),
            Self::Header { name, regex, .. } => r
                .header(name)
                .and_then(|v| match regex {
                    None => Some(v.to_string()),
                    Some(re) => re
                        .captures(v)
                        .and_then(|c| c.get(1))
                        .map(|m| m.as_str().to_string()),
                })
                .into_iter()
                .collect(),
        };
        raw.into_iter().take(MAX_VALUES).collect()
    }
}

/// Keep values printable and short: they are attacker-controlled text that
/// ends up in terminals and reports.
fn clean(v: &str) -> String {
    v.trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_VALUE_LEN)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(src: &str) -> Extractor {
        Extractor::compile(&toml::from_str(src).unwrap()).unwrap()
    }

    #[test]
    fn extracts_from_json_regex_and_header() {
        let r = Response::new(
            Some(200),
            vec![("Server".into(), "Redis/7.2.4".into())],
            b"{\"models\":[{\"name\":\"llama3\"},{\"name\":\"qwen\\u0007\"}]}".to_vec(),
            false,
        );
        assert_eq!(
            ex("into = \"models\"\njson = \"/models/*/name\"").values(&r),
            ["llama3", "qwen"]
        );
        assert_eq!(
            ex("into = \"version\"\nheader = \"server\"\nregex = 'Redis/([0-9.]+)'").values(&r),
            ["7.2.4"]
        );
        let info = Response::new(
            None,
            vec![],
            b"# Server\r\nredis_version:7.0.15\r\n".to_vec(),
            false,
        );
        assert_eq!(
            ex("into = \"version\"\nregex = 'redis_version:([0-9.]+)'").values(&info),
            ["7.0.15"]
        );
    }

    #[test]
    fn bad_extractors_are_rejected() {
        let err = |s: &str| Extractor::compile(&toml::from_str(s).unwrap()).unwrap_err();
        assert!(err("into = \"version\"\nregex = 'no group'").contains("capture group"));
        assert!(err("into = \"version\"").contains("exactly one"));
        assert!(err("into = \"models\"\nsource = \"api\"\njson = \"/a\"").contains("only applies"));
    }

    #[test]
    fn values_are_bounded() {
        let many: Vec<String> = (0..1000)
            .map(|i| format!("{{\"name\":\"m{i}\"}}"))
            .collect();
        let body = format!("{{\"models\":[{}]}}", many.join(","));
        let r = Response::new(Some(200), vec![], body.into_bytes(), false);
        assert_eq!(
            ex("into = \"models\"\njson = \"/models/*/name\"")
                .values(&r)
                .len(),
            MAX_VALUES
        );
    }
}
