"""SARIF 2.1.0: findings for GitHub code scanning (and any SARIF viewer).

Code scanning shows each result on its file and line in the PR and tracks it across pushes by its
fingerprint, so results carry the finding's real line and column and `partialFingerprints` from
`Finding.fingerprint` (rule + resource + column, never the line: moving code keeps the alert). Each
rule comes with its help text from the rule registry when it has one. Waived and baselined findings
stay in the file as suppressed results, so the audit trail survives and viewers hide them.

Code scanning rejects a run of more than 25,000 results and keeps only the top 5,000 of a smaller
one, so a legacy project's 48,000 findings would fail the upload step: the log holds the
`MAX_RESULTS` that matter most (blocking first, then by severity, in report order) and says in a
tool notification how many it leaves out. Every finding stays in the JSON gate report.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from dbtgate.report.json_report import DISPOSITIONS, SEVERITIES, encode_sorted
from dbtgate.report.rule_help import rule_help
from dbtgate.report.view import family_rank, place_of, with_fix
from dbtgate.wording import number

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "dbtgate/v1"
# What GitHub code scanning keeps of a run (it rejects runs of more than 25,000 results).
MAX_RESULTS = 5000
_LEVEL = {"error": "error", "warn": "warning", "info": "note"}
# Blocking findings, and waived or baselined ones (suppressed: code scanning hides them).
_FULL_LEVEL = ("blocking", "waived", "baselined")
# Code scanning shows an "error" result as an error alert (and fails its check on one by
# default): a finding the gate does not block on (advisory, outside the change) is at most a
# warning there; its severity stays in the result's properties.
_NOT_BLOCKING_LEVEL = {"error": "warning", "warn": "warning", "info": "note"}


def render_sarif(report: dict[str, Any], options: object = None) -> str:
    return encode_sorted(sarif_log(report))


def sarif_log(report: dict[str, Any]) -> dict[str, Any]:
    findings = _most_important(report["findings"])
    omitted = len(report["findings"]) - len(findings)
    codes = sorted({f["code"] for f in findings})
    index = {code: i for i, code in enumerate(codes)}
    fixes = {}
    for finding in findings:
        fixes.setdefault(finding["code"], finding.get("fix"))
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "dbtgate",
                "version": report["tool"]["version"],
                "semanticVersion": report["tool"]["version"],
                "rules": [_rule(code, fixes.get(code)) for code in codes],
            }
        },
        "automationDetails": {"id": f"dbtgate/{report['project']}/"},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f["code"]], report) for f in findings],
        "properties": {"verdict": report["verdict"], "project": report["project"]},
    }
    if omitted:
        run["properties"]["omittedResults"] = omitted
        total = len(report["findings"])
        run["invocations"] = [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {
                        "level": "warning",
                        "message": {
                            "text": f"{number(total)} findings: this log holds the "
                            f"{number(len(findings))} that matter most (code scanning keeps at "
                            f"most {number(MAX_RESULTS)} a run); {number(omitted)} more are in "
                            "the JSON gate report."
                        },
                    }
                ],
            }
        ]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _most_important(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """At most MAX_RESULTS findings, in report order: blocking ones first, then by severity,
    then breaking changes and run status before policy findings, lint last (`family_rank`)."""
    if len(findings) <= MAX_RESULTS:
        return findings
    rank = {disposition: i for i, disposition in enumerate(DISPOSITIONS)}
    weight = {severity: i for i, severity in enumerate(SEVERITIES)}
    chosen = sorted(
        range(len(findings)),
        key=lambda i: (
            rank[findings[i]["disposition"]],
            weight[findings[i]["severity"]],
            family_rank(findings[i]["family"]),
            i,
        ),
    )[:MAX_RESULTS]
    return [findings[i] for i in sorted(chosen)]


def _rule(code: str, fix: str | None) -> dict[str, Any]:
    help_ = rule_help(code, fix)
    return {
        "id": code,
        "name": code.replace(".", "/"),
        "shortDescription": {"text": help_.summary},
        "fullDescription": {"text": help_.text.split("\n\n", 1)[0]},
        "help": {"text": help_.text, "markdown": help_.markdown},
        "properties": {"tags": ["dbt", code.split(".", 1)[0]]},
    }


def _result(finding: dict[str, Any], rule_index: int, report: dict[str, Any]) -> dict[str, Any]:
    """One result. Code scanning rejects a result without a physical location ("expected at least
    one location"), so one without a file of its own points at the config's `kpi:` section (a
    KPI's) or the project's dbt_project.yml (`view.place_of`)."""
    result: dict[str, Any] = {
        "ruleId": finding["code"],
        "ruleIndex": rule_index,
        "level": (_LEVEL if finding["disposition"] in _FULL_LEVEL else _NOT_BLOCKING_LEVEL)[
            finding["severity"]
        ],
        "message": {"text": with_fix(finding)},
        "partialFingerprints": {FINGERPRINT_KEY: finding["fingerprint"]},
        "properties": {
            key: finding[key]
            for key in (
                "severity",
                "disposition",
                "owner",
                "tier",
                "changed",
                "unique_id",
                "column_name",
            )
            if finding.get(key) is not None
        },
    }
    path, line = place_of(finding, report)
    region = {"startLine": line}
    if finding.get("line") and finding.get("column"):
        region["startColumn"] = finding["column"]
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(path)},
            "region": region,
        }
    }
    if finding.get("unique_id"):
        location["logicalLocations"] = [
            {
                "fullyQualifiedName": finding["unique_id"],
                "kind": finding.get("resource_type") or "resource",
            }
        ]
    result["locations"] = [location]
    suppression = _suppression(finding)
    if suppression:
        result["suppressions"] = [suppression]
    return result


def artifact_uri(path: str) -> str:
    """A file path as the URI reference `artifactLocation.uri` must be (RFC 3986).

    The path comes from the pull request (a model's file), and code scanning rejects or misplaces
    a result whose URI holds a raw space, `#` (a fragment), `?` (a query) or `%`: every character
    a URI path cannot hold is percent-encoded as UTF-8, `/` stays the separator (a Windows `\\`
    becomes one). `:` is encoded too, or `c:/x.sql` would read as the scheme `c`, and a leading
    `//` is one `/`, or it would read as a host."""
    uri = quote(path.replace("\\", "/"), safe="/!$&'()*+,;=@", errors="surrogatepass")
    return re.sub(r"^/{2,}", "/", uri)


def _suppression(finding: dict[str, Any]) -> dict[str, Any] | None:
    if finding["disposition"] == "waived":
        waiver = finding.get("waiver") or {}
        return {
            "kind": "external",
            "status": "accepted",
            "justification": (
                f"waived by {waiver.get('owner', '?')} until {waiver.get('expires', '?')}:"
                f" {waiver.get('reason', '')}"
            ),
        }
    if finding["disposition"] == "baselined":
        return {
            "kind": "external",
            "status": "accepted",
            "justification": "recorded in the dbtgate baseline (legacy finding)",
        }
    return None
