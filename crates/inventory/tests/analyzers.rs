//! Every analyzer through the public API: a project tree with one file of
//! each kind, inventoried as a directory.
use std::fs;
use std::path::Path;

use aimap_inventory::{inventory_path, Limits};

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

#[test]
fn one_file_of_each_kind() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, "requirements-dev.txt", "pytest==7.0.0\n");
    write(
        r,
        "poetry.lock",
        "[[package]]\nname = \"fastapi\"\nversion = \"0.100.0\"\n",
    );
    write(r, "uv/uv.lock", "version = 1\n[[package]]\nname = \"me\"\nversion = \"0.1.0\"\nsource = { editable = \".\" }\n[[package]]\nname = \"httpx\"\nversion = \"0.27.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n");
    write(
        r,
        "Pipfile.lock",
        r#"{"default": {"flask": {"version": "==2.0.1"}}, "develop": {}}"#,
    );
    write(
        r,
        "pyproject.toml",
        "[project]\nname = \"x\"\ndependencies = [\"torch==2.1.0\", \"numpy>=1\"]\n",
    );
    write(
        r,
        "web/yarn.lock",
        "# yarn lockfile v1\n\nlodash@^4.17.0:\n  version \"4.17.20\"\n",
    );
    write(
        r,
        "web2/pnpm-lock.yaml",
        "lockfileVersion: '6.0'\npackages:\n  /axios@1.6.0:\n    resolution: {integrity: x}\n",
    );
    write(
        r,
        "web/node_modules/@scope/pkg/package.json",
        r#"{"name": "@scope/pkg", "version": "3.0.0"}"#,
    );
    write(r, "rs/Cargo.lock", "version = 3\n[[package]]\nname = \"me\"\nversion = \"0.1.0\"\n[[package]]\nname = \"hyper\"\nversion = \"0.14.10\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n");
    write(
        r,
        "alpine/lib/apk/db/installed",
        "P:musl\nV:1.2.4-r2\nA:x86_64\n\nP:busybox\nV:1.36.1-r5\n",
    );
    write(r, "opt/tritonserver/TRITON_VERSION", "2.41.0\n");
    write(r, "usr/local/cuda/lib64/libcudart.so.12.2.140", "");
    write(r, "usr/lib/libnvidia-container.so.1.14.3", "");
    let inv = inventory_path(r, &Limits::default()).unwrap();
    let purls: Vec<&str> = inv
        .components
        .iter()
        .filter_map(|c| c.purl.as_deref())
        .collect();
    for want in [
        "pkg:pypi/pytest@7.0.0",
        "pkg:pypi/fastapi@0.100.0",
        "pkg:pypi/httpx@0.27.0",
        "pkg:pypi/flask@2.0.1",
        "pkg:pypi/torch@2.1.0",
        "pkg:pypi/numpy",
        "pkg:npm/lodash@4.17.20",
        "pkg:npm/axios@1.6.0",
        "pkg:npm/%40scope/pkg@3.0.0",
        "pkg:cargo/hyper@0.14.10",
        "pkg:apk/alpine/musl@1.2.4-r2",
        "pkg:apk/alpine/busybox@1.36.1-r5",
        "pkg:generic/nvidia/triton-inference-server@2.41.0",
        "pkg:generic/nvidia/cuda-runtime@12.2.140",
        "pkg:generic/nvidia/libnvidia-container@1.14.3",
    ] {
        assert!(purls.contains(&want), "{want} missing from {purls:?}");
    }
    // The project itself (uv editable, Cargo workspace member) is not a dependency.
    assert!(!purls.iter().any(|p| p.contains("/me@")), "{purls:?}");
    assert!(inv.errors.is_empty(), "{:?}", inv.errors);
}

#[test]
fn malformed_files_are_errors_not_aborts() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "package-lock.json", "{ not json");
    write(dir.path(), "Cargo.lock", "[[package");
    write(dir.path(), "requirements.txt", "ok==1.0\n");
    let inv = inventory_path(dir.path(), &Limits::default()).unwrap();
    assert_eq!(inv.components.len(), 1);
    assert_eq!(inv.errors.len(), 2, "{:?}", inv.errors);
}
