"""The JSON gate report: the versioned, deterministic record every other format renders from.

CI keeps this one file; markdown, HTML, SARIF, JUnit and GitLab reports are rendered from it (now or
later, with `dbtgate report gate.json`), so it carries everything they show: the verdict and its
counts, every finding with its fingerprint and disposition, the waivers used, the inputs the verdict
was computed from (for the audit trail) and the sections other checks contributed (diff, KPIs,
lineage). The same input gives the same bytes: keys in the order the code builds them (sections
keep their reading order: a re-render from the file shows tables exactly as `check` did), findings
in a stable order, and a `generated_at` taken from the manifest rather than the clock.
`load_report` reads one back and validates it against the JSON Schema shipped next to this module.
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from dbtgate.encoding import not_utf8
from dbtgate.errors import DbtgateError, truncated_json

if TYPE_CHECKING:
    from dbtgate.findings import Finding
    from dbtgate.gate import GateResult

SCHEMA_VERSION = 1
SCHEMA_FILE = "gate-report.schema.json"
DISPOSITIONS = ("blocking", "advisory", "out_of_scope", "waived", "baselined")
SEVERITIES = ("error", "warn", "info")


def report_dict(result: GateResult) -> dict[str, Any]:
    """The report as plain JSON data (the shape `gate-report.schema.json` describes), exactly as
    `load_report` gives it back from the file: renderers see the same data either way.

    `msgspec.to_builtins` turns the sections' Structs, tuples and non-string keys into JSON data
    and keeps dict order; sections hold lists, not sets (a set's order would vary). The findings
    are built as JSON data already (`finding_dict`), so that pass skips their 48,000 dicts."""
    result.complete()
    result.record_checkout()
    findings = sorted(result.findings, key=lambda f: (*f.sort_key(), f.fingerprint))
    report = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "dbtgate", "version": result.tool_version},
        "project": result.project_name,
        "generated_at": _generated_at(result.inputs),
        "verdict": result.decision,
        "counts": _counts(findings),
        "inputs": result.inputs,
        "config_digest": result.config_digest,
        "warnings": list(result.warnings),
        "notes": list(result.notes),
        "not_checked": list(result.not_checked),
        "partly_checked": list(result.partly_checked),
        "findings": None,  # filled in below, in this place
        "waivers": _waivers_used(findings),
        "baseline": _baseline(findings, result.inputs),
        "sections": dict(sorted(result.sections.items())),
    }
    data = msgspec.to_builtins(report, str_keys=True)
    data["findings"] = [finding_dict(f) for f in findings]
    return data


def finding_dict(finding: Finding) -> dict[str, Any]:
    """Every field spelled out (msgspec would omit defaults), so readers never guess; as JSON
    data (the waiver and the details through `msgspec.to_builtins`, as the rest of the report)."""
    waiver = finding.waiver
    details = finding.details
    return {
        "code": finding.code,
        "family": finding.family,
        "severity": finding.severity,
        "message": finding.message,
        "unique_id": finding.unique_id,
        "resource_name": finding.resource_name,
        "resource_type": finding.resource_type,
        "column_name": finding.column_name,
        "key": finding.key,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "fix": finding.fix,
        "owner": finding.owner,
        "tier": finding.tier,
        "changed": finding.changed,
        "fingerprint": finding.fingerprint,
        "disposition": finding.disposition,
        "waiver": None if waiver is None else msgspec.to_builtins(waiver),
        "details": msgspec.to_builtins(details, str_keys=True) if details else {},
    }


def encode_report(report: dict[str, Any]) -> bytes:
    """`report` as `report_dict` or `load_report` give it (plain JSON data). Keys in build order,
    two-space indent, trailing newline: byte-identical for the same report, and the same order a
    renderer saw before the file was written."""
    return msgspec.json.format(msgspec.json.encode(report), indent=2) + b"\n"


def encode_sorted(data: Any) -> str:
    """JSON data with sorted keys and a two-space indent, for the SARIF and GitLab reports and
    the HTML report's finding details: the text `json.dumps(data, indent=2, sort_keys=True,
    ensure_ascii=False)` writes for strings, integers and booleans, with floats spelled as in
    gate.json (`0.000044309` where json writes `4.4309e-05`), done by msgspec in C. The json
    module's indenting encoder is pure Python: 3 s for a SARIF log of 48,000 findings."""
    return msgspec.json.format(msgspec.json.encode(data, order="sorted"), indent=2).decode() + "\n"


# `--json -`: the report on standard output (the console report then goes to standard error).
TO_STDOUT = Path("-")


def write_json_report(result: GateResult | dict[str, Any], path: Path) -> None:
    report = result if isinstance(result, dict) else report_dict(result)
    if path == TO_STDOUT:
        sys.stdout.flush()
        sys.stdout.buffer.write(encode_report(report))
        sys.stdout.buffer.flush()
        return
    from dbtgate.report.render import make_report_dir, write_report_file

    # Not unlinked when a link: `--json /dev/stdout` is one (the `--out` reports are).
    make_report_dir(path, "--json", parent=True)
    write_report_file(path, encode_report(report))


def _a_directory(path: Path) -> str:
    """The error for a directory given as a gate report: `dbtgate report reports/` said
    `[Errno 21] Is a directory: 'reports'`, the path twice and no way on."""
    inside = path / "gate.json"
    way = f"give {inside}" if inside.is_file() else "give the file `dbtgate check --json` wrote"
    return f"{path}: a directory, not a gate report: {way}"


def load_report(path: Path) -> dict[str, Any]:
    """Read a JSON gate report and check it against the shipped schema (DbtgateError if not)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DbtgateError(f"{path}: gate report not found") from None
    except IsADirectoryError:
        raise DbtgateError(_a_directory(path)) from None
    except OSError as exc:
        # The reason alone: the exception's text repeats the path the message starts with.
        raise DbtgateError(f"{path}: cannot read the gate report: {exc.strerror or exc}") from None
    wide = not_utf8(path, data[:4])
    if wide is not None:
        raise DbtgateError(wide)
    try:
        text = data.decode("utf-8-sig")  # a BOM a Windows editor added is skipped
    except UnicodeDecodeError as exc:
        raise DbtgateError(f"{path}: cannot read the gate report: {exc}") from None
    if not text.strip():  # a `--json` the job never got to write, or an upload cut short
        raise DbtgateError(f"{path}: empty file, expected a dbtgate gate report")
    try:
        report = json.loads(text, parse_constant=_not_a_number, parse_float=_finite)
    except _NotFinite:
        raise DbtgateError(
            f"{path}: not a dbtgate gate report: {_not_finite_path(text)}: NaN and Infinity are "
            "not JSON numbers (dbtgate writes null where a value is missing)"
        ) from None
    except ValueError as exc:
        if _cut_short(exc, text):
            raise truncated_json(path) from None
        line = getattr(exc, "lineno", None)
        where = f":{line}" if line else ""
        raise DbtgateError(f"{path}{where}: not valid JSON: {exc}") from None
    except RecursionError:
        raise DbtgateError(f"{path}: nested too deeply to be a gate report") from None
    if isinstance(report, dict):
        version = report.get("schema_version")
        if isinstance(version, int) and version > SCHEMA_VERSION:
            raise DbtgateError(
                f"{path}: gate report schema_version {version} is newer than this dbtgate"
                f" understands ({SCHEMA_VERSION}): upgrade dbtgate"
            )
    from dbtgate.report.bulk_validate import all_valid
    from dbtgate.report.validate import first_error

    # Checked a keyword at a time over all the values it applies to, then, only when that finds
    # something wrong, walked value by value to name where (1.5 s at 10,000 models, 0.1 s so).
    schema = report_schema()
    problem = None if all_valid([report], schema, schema) else first_error(report, schema)
    if problem is not None:
        raise DbtgateError(f"{path}: not a dbtgate gate report: {problem}")
    return report


def _cut_short(error: ValueError, text: str) -> bool:
    """Whether `json.loads` stopped where the text does: a string still open at its end
    (json names where the string started), or a value or a delimiter expected there."""
    return isinstance(error, json.JSONDecodeError) and (
        error.msg.startswith("Unterminated string") or error.pos >= len(text.rstrip())
    )


class _NotFinite(ValueError):
    """NaN, Infinity or a number too large for a float: `json.loads` reads them, and every
    comparison and sparkline of a KPI then goes wrong or fails (`int(nan)`)."""


def _not_a_number(name: str) -> float:
    raise _NotFinite(name)


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e999
        raise _NotFinite(text)
    return value


class _Mark:
    """Where a NaN or Infinity stood, found again to name its JSON path in the error."""


def _not_finite_path(text: str) -> str:
    """The JSON path of the first non-finite number (the error path only: a second parse)."""
    mark = _Mark()
    document = json.loads(
        text,
        parse_constant=lambda _: mark,
        parse_float=lambda number: mark if math.isinf(float(number)) else 0.0,
    )
    found: list[str] = []

    def walk(value: Any, where: str) -> bool:
        if value is mark:
            found.append(where)
            return True
        if isinstance(value, dict):
            return any(walk(item, f"{where}.{key}") for key, item in value.items())
        if isinstance(value, list):
            return any(walk(item, f"{where}[{index}]") for index, item in enumerate(value))
        return False

    walk(document, "$")
    return found[0]


def report_schema() -> dict[str, Any]:
    """The JSON Schema of the report, as shipped inside the package."""
    # Imported here: `check` imports this module and never reads the schema (importlib.resources
    # and what it imports are ~2% of a 1,000-model check's instructions).
    from importlib import resources

    text = resources.files("dbtgate.report").joinpath("schema", SCHEMA_FILE).read_text("utf-8")
    return json.loads(text)


def _generated_at(inputs: dict[str, Any]) -> str | None:
    # The manifest's timestamp, not the clock's: the same build always gives the same report.
    manifest = (inputs.get("artifacts") or {}).get("manifest") or {}
    value = manifest.get("generated_at") if isinstance(manifest, dict) else None
    return value if isinstance(value, str) else None


def _counts(findings: list[Finding]) -> dict[str, Any]:
    # Counted by Counter's C loop, the families from the few distinct codes: a Python loop
    # over 48,000 findings (and a `family` split per finding) cost 0.1 s.
    by_disposition = dict.fromkeys(DISPOSITIONS, 0)
    by_disposition.update(Counter(f.disposition for f in findings))
    by_severity = dict.fromkeys(SEVERITIES, 0)
    by_severity.update(Counter(f.severity for f in findings))
    by_family: Counter[str] = Counter()
    for code, count in Counter(f.code for f in findings).items():
        by_family[code.split(".", 1)[0]] += count
    return {
        "total": len(findings),
        "by_disposition": by_disposition,
        "by_severity": by_severity,
        "by_family": dict(sorted(by_family.items())),
    }


def _waivers_used(findings: list[Finding]) -> list[dict[str, Any]]:
    used: dict[tuple[str, ...], dict[str, Any]] = {}
    for finding in findings:
        waiver = finding.waiver
        if finding.disposition != "waived" or waiver is None:
            continue
        key = (waiver.rule, waiver.select, waiver.owner, waiver.expires, waiver.reason)
        entry = used.setdefault(key, {**msgspec.to_builtins(waiver), "findings": 0})
        entry["findings"] += 1
    return [used[key] for key in sorted(used)]


def _baseline(findings: list[Finding], inputs: dict[str, Any]) -> dict[str, Any]:
    path = inputs.get("baseline")
    return {
        "path": path if isinstance(path, str) else None,
        "suppressed": sum(1 for f in findings if f.disposition == "baselined"),
    }
