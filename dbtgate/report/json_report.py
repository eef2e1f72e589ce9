"""The JSON gate report: the versioned, deterministic record every other format renders from."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from dbtgate.gate import GateResult

SCHEMA_VERSION = 1


def report_dict(result: GateResult) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for finding in result.findings:
        counts[finding.disposition] = counts.get(finding.disposition, 0) + 1
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "dbtgate", "version": result.tool_version},
        "project": result.project_name,
        "verdict": result.decision,
        "counts": dict(sorted(counts.items())),
        "inputs": result.inputs,
        "config_digest": result.config_digest,
        "warnings": result.warnings,
        "notes": result.notes,
        "findings": [msgspec.to_builtins(f) for f in result.findings],
        **{name: msgspec.to_builtins(section) for name, section in sorted(result.sections.items())},
    }


def write_json_report(result: GateResult, path: Path) -> None:
    data = msgspec.json.format(msgspec.json.encode(report_dict(result), order="sorted"), indent=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data + b"\n")
