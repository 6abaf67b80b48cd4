//! Triton's URL patterns, as `HTTPAPIServer`'s RE2 expressions match them
//! (triton-inference-server/server src/http_server.cc, constructor):
//! - model: `/v2/models/([^/]+)(?:/versions/([0-9]+))?(?:/(infer|generate|generate_stream|ready|config|stats|trace/setting))?`
//! - shared memory: `/v2/(system|cuda)sharedmemory(?:/region/([^/]+))?/(status|register|unregister)`
//! - repository: `/v2/repository(?:/([^/]+))?/(index|models/([^/]+)/(load|unload))`
//!
//! All are full matches on the path without its query.

/// `/v2/models/<name>[/versions/<digits>][/<kind>]`, the model regex.
pub(crate) fn model_path(path: &str) -> Option<(&str, &str, &str)> {
    let rest = path.strip_prefix("/v2/models/")?;
    let (name, rest) = rest.split_once('/').unwrap_or((rest, ""));
    if name.is_empty() {
        return None;
    }
    let (version, kind) = match rest.strip_prefix("versions/") {
        Some(v) => v.split_once('/').unwrap_or((v, "")),
        None => ("", rest),
    };
    let version_ok = rest.starts_with("versions/") != version.is_empty();
    let kinds = [
        "",
        "infer",
        "generate",
        "generate_stream",
        "ready",
        "config",
        "stats",
        "trace/setting",
    ];
    (version_ok && version.bytes().all(|b| b.is_ascii_digit()) && kinds.contains(&kind))
        .then_some((name, version, kind))
}

/// `/v2/{system,cuda}sharedmemory[/region/<r>]/<status|register|unregister>`.
pub(crate) fn shared_memory_action(path: &str) -> Option<&str> {
    let rest = path
        .strip_prefix("/v2/systemsharedmemory")
        .or_else(|| path.strip_prefix("/v2/cudasharedmemory"))?;
    let rest = match rest.strip_prefix("/region/") {
        Some(r) => {
            r.split_once('/')
                .filter(|(region, _)| !region.is_empty())?
                .1
        }
        None => rest.strip_prefix('/')?,
    };
    ["status", "register", "unregister"]
        .contains(&rest)
        .then_some(rest)
}

/// `/v2/repository[/<repo>]/index` → false; `.../models/<m>/(load|unload)` → true.
pub(crate) fn repository_path(path: &str) -> Option<bool> {
    let rest = path.strip_prefix("/v2/repository/")?;
    let segments: Vec<&str> = rest.split('/').collect();
    let parse = |tail: &[&str]| match tail {
        ["index"] => Some(false),
        ["models", model, "load" | "unload"] if !model.is_empty() => Some(true),
        _ => None,
    };
    // Without a repository name, or with one (the optional regex group).
    parse(&segments).or_else(|| match segments.split_first() {
        Some((repo, tail)) if !repo.is_empty() => parse(tail),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_paths() {
        assert_eq!(model_path("/v2/models/m"), Some(("m", "", "")));
        assert_eq!(
            model_path("/v2/models/m/versions/3/ready"),
            Some(("m", "3", "ready"))
        );
        assert_eq!(
            model_path("/v2/models/m/trace/setting"),
            Some(("m", "", "trace/setting"))
        );
        assert_eq!(model_path("/v2/models/m/versions"), None);
        assert_eq!(model_path("/v2/models/m/versions/x"), None);
        assert_eq!(model_path("/v2/models/m/versions/"), None);
        assert_eq!(model_path("/v2/models/"), None);
        assert_eq!(model_path("/v2/models/m/other"), None);
    }

    #[test]
    fn shared_memory_and_repository_paths() {
        assert_eq!(
            shared_memory_action("/v2/systemsharedmemory/status"),
            Some("status")
        );
        assert_eq!(
            shared_memory_action("/v2/cudasharedmemory/region/r/register"),
            Some("register")
        );
        assert_eq!(
            shared_memory_action("/v2/cudasharedmemory/region//status"),
            None
        );
        assert_eq!(shared_memory_action("/v2/systemsharedmemoryx/status"), None);
        assert_eq!(repository_path("/v2/repository/index"), Some(false));
        assert_eq!(repository_path("/v2/repository/main/index"), Some(false));
        assert_eq!(repository_path("/v2/repository/index/index"), Some(false));
        assert_eq!(repository_path("/v2/repository/models/m/load"), Some(true));
        assert_eq!(
            repository_path("/v2/repository/r/models/m/unload"),
            Some(true)
        );
        assert_eq!(repository_path("/v2/repository/models//load"), None);
        assert_eq!(repository_path("/v2/repository"), None);
    }
}
