"""GitLab code quality JSON: findings in the merge request widget and on the changed lines.

GitLab compares the report of the MR with the target branch's by fingerprint, so each issue needs a
fingerprint unique within the file and stable across runs: the finding's, made unique when one rule
reports several places of one resource without a key. Waived and baselined findings are left out:
GitLab has no notion of a suppressed issue and would show them as open debt.
"""

from __future__ import annotations

import hashlib
from typing import Any

from dbtgate.report.json_report import encode_sorted
from dbtgate.report.view import place_of, with_fix

# GitLab severities: info, minor, major, critical, blocker.
_SEVERITY = {"error": "critical", "warn": "minor", "info": "info"}


def render_gitlab(report: dict[str, Any], options: object = None) -> str:
    issues = []
    seen: dict[str, int] = {}
    for finding in report["findings"]:
        if finding["disposition"] in ("waived", "baselined"):
            continue
        fingerprint = finding["fingerprint"]
        repeat = seen.get(fingerprint, 0)
        seen[fingerprint] = repeat + 1
        if repeat:
            fingerprint = hashlib.sha256(f"{fingerprint}\x1f{repeat}".encode()).hexdigest()[:20]
        severity = (
            "blocker" if finding["disposition"] == "blocking" else _SEVERITY[finding["severity"]]
        )
        description = with_fix(finding)
        path, line = place_of(finding, report)  # a KPI's: the config's `kpi:` section
        issues.append(
            {
                "type": "issue",
                "check_name": finding["code"],
                "description": description,
                "categories": ["Style" if finding["family"] == "lint" else "Bug Risk"],
                "severity": severity,
                "fingerprint": fingerprint,
                "location": {"path": path.replace("\\", "/"), "lines": {"begin": line}},
            }
        )
    return encode_sorted(issues)
