#!/usr/bin/env python3
"""Writes crates/web/assets/openapi.json, the OpenAPI 3.0 document of
`aimap serve`'s /api/v1. Kept as a script so the document stays regular;
the tests check it against the live server (schemathesis) and that every
route the router serves is documented."""
import json, pathlib

S = lambda **kw: {"type": "string", **kw}
I = lambda **kw: {"type": "integer", **kw}
NS = {"type": "string", "nullable": True}
ref = lambda n: {"$ref": f"#/components/schemas/{n}"}
arr = lambda x: {"type": "array", "items": x}
obj = lambda props, req=None, extra=None: {
    "type": "object", "properties": props, "required": req if req is not None else list(props),
    **({"additionalProperties": extra} if extra is not None else {})}

sev = S(enum=["info", "low", "medium", "high", "critical"])
counts5 = {**arr(I(minimum=0)), "minItems": 5, "maxItems": 5}
run_kind = S(enum=["scan", "inventory", "audit"])
run_status = S(enum=["running", "done", "interrupted", "failed"])

schemas = {
    "Error": obj({"error": S()}),
    "Run": obj({
        "id": S(), "kind": run_kind, "scope": S(), "label": S(), "status": run_status,
        "started_ms": I(), "finished_ms": {**I(), "nullable": True}, "aimap_version": S(),
        "params": {}, "shard_count": I(minimum=0), "parent": S(), "summary": {},
    }, req=["id", "kind", "scope", "label", "status", "started_ms", "finished_ms", "aimap_version", "params", "shard_count"]),
    "RunSummary": {"allOf": [ref("Run"), obj({
        "services": I(minimum=0), "components": I(minimum=0), "findings": I(minimum=0), "by_severity": counts5})]},
    "Shard": obj({"shard": I(minimum=0), "status": run_status, "total": I(minimum=0), "done": I(minimum=0),
                  "probes_sent": I(minimum=0), "open_ports": I(minimum=0), "services": I(minimum=0),
                  "attempts": I(minimum=0), "started_ms": I(), "updated_ms": I(),
                  "finished_ms": {**I(), "nullable": True}}),
    "ProductCount": obj({"product": S(), "services": I(minimum=0), "exposed": I(minimum=0), "vulnerable": I(minimum=0)}),
    "Overview": obj({
        "findings_by_severity": counts5, "findings_by_kind": {"type": "object", "additionalProperties": I(minimum=0)},
        "findings": I(minimum=0), "services": I(minimum=0), "exposed": I(minimum=0),
        "vulnerable_services": I(minimum=0), "components": I(minimum=0), "products": arr(ref("ProductCount"))}),
    "TrendPoint": obj({"run_id": S(), "kind": run_kind, "started_ms": I(), "by_severity": counts5, "open": I(minimum=0)}),
    "OverviewResponse": obj({"runs": arr(S()), "overview": ref("Overview"), "trend": arr(ref("TrendPoint"))}),
    "ServiceRow": obj({"run_id": S(), "host": S(), "port": I(minimum=0, maximum=65535), "service": S(), "product": S(),
                       "version": NS, "auth": S(enum=["none", "required", "unknown"]), "purl": NS,
                       "vulnerabilities": I(minimum=0)}),
    "FindingRow": obj({"fingerprint": S(), "run_id": S(), "rule": S(), "kind": S(), "severity": sev,
                       "subject": S(), "title": S(), "first_seen_ms": {**I(), "nullable": True}}),
    "ComponentRow": obj({"run_id": S(), "key": S(), "name": S(), "version": NS, "purl": NS, "ecosystem": S()}),
    "Subject": obj({"type": S(enum=["service", "component", "file"])}, req=["type"]),
    "Finding": obj({"id": S(), "kind": S(), "severity": sev, "title": S(), "description": S(),
                    "subject": ref("Subject"), "evidence": S(), "remediation": S(), "references": arr(S()),
                    "fingerprint": S(), "first_seen_ms": {**I(), "nullable": True}},
                   req=["id", "kind", "severity", "title", "subject", "evidence", "remediation", "fingerprint", "first_seen_ms"]),
    "FindingDetail": obj({"finding": ref("Finding"), "run_id": S(),
                          "seen_in": arr(obj({"run_id": S(), "started_ms": I()}))}),
    "Service": obj({"host": S(), "port": I(minimum=0, maximum=65535), "service": S(), "product": S(), "version": NS,
                    "version_source": NS, "auth": S(enum=["none", "required", "unknown"]), "transport": S(),
                    "evidence": arr({"type": "object"}), "findings": arr({"type": "object"}),
                    "vulnerabilities": arr({"type": "object"}),
                    "version_candidates": arr(S()), "confidence": S(enum=["high", "low"]), "labels": arr(S())},
                   req=["host", "port", "service", "product", "version", "auth", "transport", "evidence", "findings"]),
    "Diff": obj({"from": ref("Run"), "to": ref("Run"), "services": ref("Changes"), "findings": ref("Changes"),
                 "components": ref("Changes")}),
    "Changes": obj({"new": arr({"type": "object"}), "gone": arr({"type": "object"}), "changed": arr({"type": "object"})}),
}
def page(item):
    return obj({"total": I(minimum=0), "offset": I(minimum=0), "limit": I(minimum=1, maximum=500), "items": arr(ref(item))})
for n in ["ServiceRow", "FindingRow", "ComponentRow"]:
    schemas[n.replace("Row", "Page")] = page(n)

q = lambda name, desc, schema=None: {"name": name, "in": "query", "required": False, "description": desc, "schema": schema or S()}
p = lambda name, desc, schema=None: {"name": name, "in": "path", "required": True, "description": desc, "schema": schema or S(minLength=1)}
run_q = q("run", "A run id, unique prefix or `last`; absent: the newest run of every scope")
page_q = [q("limit", "Rows per page (1-500, default 50)", I(minimum=1, maximum=500)),
          q("offset", "Rows to skip", I(minimum=0, maximum=1000000000))]
any_ = lambda xs: S(enum=[""] + xs)
finding_q = [run_q, q("severity", "Minimum severity (empty: any)", any_(["info", "low", "medium", "high", "critical"])),
             q("kind", "Finding kind (empty: any)", any_(["exposure", "vulnerability", "misconfiguration", "unsafe-model", "informational"])),
             q("q", "Case-insensitive substring of title, subject or rule", S(maxLength=200)),
             q("sort", "Order (empty: severity)", any_(["severity", "age", "newest"]))]
service_q = [run_q, q("product", "Product name, exactly"), q("auth", "Auth verdict (empty: any)", any_(["none", "required", "unknown"])),
             q("version", "Exact version, `unknown`, or a prefix ending in `*`", S(maxLength=100)),
             q("vulnerable", "Only services with (yes) or without (no) matched advisories (empty: any)", any_(["yes", "no"])),
             q("q", "Substring of host, service or product", S(maxLength=200))]
component_q = [run_q, q("ecosystem", "Ecosystem (pypi, npm, deb, ...)"), q("q", "Substring of name or purl", S(maxLength=200))]

def resp(schema_ref, ctype="application/json", extra=()):
    r = {"200": {"description": "OK", "content": {ctype: {"schema": schema_ref}}}}
    for code, why in [("400", "Bad parameter"), ("401", "No or wrong token"), ("404", "Not found")] + list(extra):
        r[code] = {"description": why, "content": {"application/json": {"schema": ref("Error")}}}
    return r

def get(op, summary, params, responses):
    return {"get": {"operationId": op, "summary": summary, "parameters": params, "responses": responses}}

paths = {
    "/overview": get("overview", "Counts by severity, kind and product, and the trend of open findings", [run_q], resp(ref("OverviewResponse"))),
    "/services": get("listServices", "Services, filtered and paged", service_q + page_q, resp(ref("ServicePage"))),
    "/services/{run}/{host}/{port}": get("getService", "One stored service in full",
        [p("run", "Run id"), p("host", "Host as stored"), p("port", "Port", I(minimum=0, maximum=65535))], resp(ref("Service"))),
    "/findings": get("listFindings", "Findings, filtered, sorted and paged", finding_q + page_q, resp(ref("FindingPage"))),
    "/findings/export": get("exportFindings", "Findings with evidence as CSV or JSON (at most 100,000)",
        finding_q + [q("format", "csv (default) or json", S(enum=["csv", "json"]))],
        {**resp({"type": "array", "items": ref("Finding")}),
         "200": {"description": "The export", "content": {"text/csv": {"schema": S()},
                                                          "application/json": {"schema": arr(ref("Finding"))}}}}),
    "/findings/{fingerprint}": get("getFinding", "One finding: evidence, remediation, runs that saw it",
        [p("fingerprint", "rule id @ subject key (percent-encoded)")], resp(ref("FindingDetail"))),
    "/components": get("listComponents", "SBOM components, filtered and paged", component_q + page_q, resp(ref("ComponentPage"))),
    "/runs": get("listRuns", "Stored runs, newest first",
        [q("limit", "How many (1-500, default 50)", I(minimum=1, maximum=500)), q("kind", "Run kind (empty: any)", any_(["scan", "inventory", "audit"]))],
        resp(arr(ref("RunSummary")))),
    "/runs/{id}": get("getRun", "One run with its shards", [p("id", "Run id, unique prefix or `last`")],
        resp(obj({"run": ref("RunSummary"), "shards": arr(ref("Shard"))}))),
    "/runs/{id}/sbom": get("getSbom", "An inventory run as a CycloneDX 1.6 SBOM", [p("id", "Run id of an inventory run")],
        resp({"type": "object"}, ctype="application/vnd.cyclonedx+json")),
    "/diff": get("diff", "What changed between two runs (default: the newest and its predecessor with the same targets)",
        [q("from", "Earlier run"), q("to", "Later run (default: the newest)")], resp(ref("Diff"))),
    "/openapi.json": get("openapi", "This document", [], {"200": {"description": "OpenAPI document", "content": {"application/json": {"schema": {"type": "object"}}}}}),
}

doc = {
    "openapi": "3.0.3",
    "info": {"title": "aimap serve API", "version": "1",
             "description": "Read-only JSON view of aimap's run store. Every string is redacted of secrets. "
                            "When the server has a token, send it as `Authorization: Bearer <token>`."},
    "servers": [{"url": "/api/v1"}],
    "security": [{}, {"bearer": []}],
    "paths": paths,
    "components": {"schemas": schemas, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
}
out = pathlib.Path(__file__).resolve().parent.parent / "crates/web/assets/openapi.json"
out.write_text(json.dumps(doc, indent=1) + "\n")
print(out)
