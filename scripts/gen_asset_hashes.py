#!/usr/bin/env python3
"""Build rules/asset-hashes/*.json: sha256 of the static files a server
serves at a known path, for released versions of the product.

aimap reads a version from these when a product has no version API (or
hides it behind a login while its static files stay public): it fetches
the asset, hashes the body and looks the hash up here. The table is only
as good as the releases it was built from, so it is built from released
wheels on PyPI (`pip download --no-deps`), never from a development tree,
and it lists every release it hashed: a hash that is not in the table
means "not one of these releases", and aimap then reports no version.

Run it by hand when new releases are wanted, and commit the output:

    python3 scripts/gen_asset_hashes.py            # all products
    python3 scripts/gen_asset_hashes.py streamlit  # one product

CI does not run it (it needs PyPI). Wheels are cached in
$AIMAP_WHEEL_CACHE (default /tmp/aimap-asset-wheels).
"""
import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "rules" / "asset-hashes"
CACHE = Path(os.environ.get("AIMAP_WHEEL_CACHE", "/tmp/aimap-asset-wheels"))
PIP = os.environ.get("PIP", sys.executable + " -m pip").split()


def vkey(v):
    """Sort key for release versions (PEP 440, through pip's vendored packaging)."""
    try:
        from pip._vendor.packaging.version import Version

        return (0, Version(v))
    except Exception:  # noqa: BLE001 - an odd version sorts last, as text
        return (1, v)


def read(z, name):
    try:
        return z.read(name)
    except KeyError:
        return None


# Each product: the PyPI package, how many of the newest final releases to
# hash, releases that must be included (the ones tests install), and a
# function from the wheel to [(path the server serves it at, bytes)].


def gradio_assets(z):
    # The page at / is a template (it embeds the app's config), but it
    # loads one Vite entry script whose name and body change with every
    # frontend build; /assets/<name> serves that file unchanged.
    page = read(z, "gradio/templates/frontend/index.html")
    if page is None:
        return []
    m = re.search(rb'src="\./assets/(index-[A-Za-z0-9_-]+\.js)"', page)
    if not m:
        return []
    name = m.group(1).decode()
    body = read(z, f"gradio/templates/frontend/assets/{name}")
    return [(f"/assets/{name}", body)] if body is not None else []


def mlflow_assets(z):
    # Flask serves the React build's index.html at / untouched; it names
    # the content-hashed main bundle, so it differs per UI build.
    body = read(z, "mlflow/server/js/build/index.html")
    return [("/", body)] if body is not None else []


def streamlit_assets(z):
    # The static handler serves static/index.html at / (and for any
    # unknown path) byte for byte.
    body = read(z, "streamlit/static/index.html")
    return [("/", body)] if body is not None else []


# Not hashed: Jupyter Server's own static files (static/style/index.css,
# logo, favicons) were byte-identical in all 30 releases up to 2.21.1
# (measured with this script), so they cannot narrow a version, and GET /api
# reports it anyway.


PRODUCTS = {
    "gradio": dict(package="gradio", newest=24, pinned=["6.31.0"], assets=gradio_assets),
    "mlflow": dict(package="mlflow", newest=24, pinned=["3.17.2"], assets=mlflow_assets),
    "streamlit": dict(
        package="streamlit", newest=30, pinned=["1.67.0"], assets=streamlit_assets
    ),
}


def releases(package):
    out = subprocess.run(
        PIP + ["index", "versions", package], capture_output=True, text=True, check=True
    ).stdout
    m = re.search(r"Available versions: (.*)", out)
    if not m:
        raise SystemExit(f"no versions for {package}: {out!r}")
    versions = [v.strip() for v in m.group(1).split(",")]
    # Final releases only: a pre-release build is not what people run.
    return [v for v in versions if re.fullmatch(r"\d+(\.\d+)*", v)]


def wheel(package, version):
    norm = package.replace("-", "_").lower()
    for f in CACHE.glob("*.whl"):
        parts = f.name.split("-")
        if parts[0].lower() == norm and parts[1] == version:
            return f
    CACHE.mkdir(parents=True, exist_ok=True)
    got = subprocess.run(
        PIP
        + ["download", "-q", "--no-deps", "--only-binary=:all:", "-d", str(CACHE)]
        + [f"{package}=={version}"],
        capture_output=True,
        text=True,
    )
    if got.returncode != 0:
        print(f"  {package} {version}: no wheel ({got.stderr.strip()[-200:]})", file=sys.stderr)
        return None
    return wheel(package, version)


def build(product, spec):
    wanted = releases(spec["package"])[: spec["newest"]]
    for v in spec["pinned"]:
        if v not in wanted:
            wanted.append(v)
    hashes = {}
    hashed = []
    for version in sorted(set(wanted), key=vkey):
        path = wheel(spec["package"], version)
        if path is None:
            continue
        with zipfile.ZipFile(path) as z:
            assets = spec["assets"](z)
        if not assets:
            print(f"  {product} {version}: no asset found", file=sys.stderr)
            continue
        hashed.append(version)
        for served, body in assets:
            digest = hashlib.sha256(body).hexdigest()
            entry = hashes.setdefault(digest, {"path": served, "versions": []})
            entry["versions"].append(version)
    table = {
        "product": product,
        "package": f"pkg:pypi/{spec['package'].replace('_', '-').lower()}",
        "generated_by": "scripts/gen_asset_hashes.py",
        "releases": hashed,
        "hashes": dict(sorted(hashes.items(), key=lambda kv: (kv[1]["path"], vkey(kv[1]["versions"][0])))),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    dest = OUT / f"{product}.json"
    dest.write_text(json.dumps(table, indent=1) + "\n")
    unique = sum(1 for e in hashes.values() if len(e["versions"]) == 1)
    print(f"{product}: {len(hashed)} releases, {len(hashes)} hashes ({unique} name one release) -> {dest}")


def main(argv):
    names = argv or list(PRODUCTS)
    for name in names:
        if name not in PRODUCTS:
            raise SystemExit(f"unknown product {name!r}: one of {', '.join(PRODUCTS)}")
        build(name, PRODUCTS[name])


if __name__ == "__main__":
    main(sys.argv[1:])
