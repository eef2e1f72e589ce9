"""JUnit XML: the gate in the CI's test tab (GitLab, Jenkins, Azure, test-reporter actions).

A first `verdict` suite holds one testcase, the gate itself: it fails when the gate does, and it
is there on a clean pass too, where an empty document (`tests="0"`) reads as "no test results
found" to the test-report actions that fail on that. Then one testsuite per check family and one
testcase per rule × resource, so the tab reads like "which rule failed where". A testcase fails
when any of its findings blocks the gate; it is skipped when its findings are all waived or
baselined (with the waiver in the message); otherwise it passes. Several findings of one rule on
one resource (columns, lint lines) are one testcase listing them all; findings of it that do not
block are in its output beside the failure.

The XML is written as text, in the layout ElementTree's `indent` gives (two spaces a level):
building and serialising an ElementTree in pure Python was most of the 0.9 s the file took at
48,000 findings. Text is made XML-safe first (characters XML 1.0 cannot carry become U+FFFD).
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from typing import Any

from dbtgate.plain_text import BIDI_CONTROLS
from dbtgate.report import view

# Characters XML 1.0 cannot carry at all (not even escaped); untrusted text may contain them.
_NOT_XML = re.compile(r"[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


def render_junit(report: dict[str, Any], options: object = None) -> str:
    cases: dict[str, dict[tuple[str, str], list[dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for finding in report["findings"]:
        # A rule on a policy's whole selection is on that selection (two policies' findings of
        # tests.coverage are two testcases, not one of the config file), a KPI on the project.
        resource = (
            finding.get("unique_id")
            or view.selection_of(None, finding.get("details"))
            or finding.get("path")
            or report["project"]
        )
        cases[finding["family"]][(finding["code"], resource)].append(finding)

    totals = {"tests": 1, "failures": 0, "errors": 0, "skipped": 0}
    suites = [_verdict_suite(report, totals)]
    for family in sorted(cases):
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        testcases = []
        for (code, resource), findings in sorted(cases[family].items()):
            counts["tests"] += 1
            xml, outcome = _testcase(code, resource, findings)
            testcases.append(xml)
            if outcome:
                counts[outcome] += 1
        for key, value in counts.items():
            totals[key] += value
        suites.append(
            f"  <testsuite{_attributes(name=family, **counts)}>\n{''.join(testcases)}"
            "  </testsuite>\n"
        )
    root = _attributes(name=f"dbtgate {report['project']}", **totals)
    body = f"<testsuites{root}>\n{''.join(suites)}</testsuites>"
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def _verdict_suite(report: dict[str, Any], totals: dict[str, int]) -> str:
    """The gate's own testcase: failed with the verdict line when it fails (counted in
    `totals`), passed with it otherwise."""
    verdict = view.verdict_text(report)
    if report["verdict"] == "pass":
        child = _element("system-out", verdict)
        failures = 0
    else:
        message = _attribute(verdict)
        child = f'<failure message="{message}" type="dbtgate.verdict">{_text(verdict)}</failure>'
        failures = 1
    totals["failures"] += failures
    counts = _attributes(name="verdict", tests=1, failures=failures, errors=0, skipped=0)
    return (
        f"  <testsuite{counts}>\n"
        f'    <testcase name="dbtgate verdict" classname="dbtgate.verdict">\n'
        f"      {child}\n    </testcase>\n  </testsuite>\n"
    )


def _testcase(code: str, resource: str, findings: list[dict[str, Any]]) -> tuple[str, str | None]:
    """The testcase element, two levels in, and "failures", "skipped" or None (passed)."""
    first = findings[0]
    # Written out rather than through `_attributes`: this runs for each of 41,000 testcases at
    # 48,000 findings, and codes and file paths repeat from one testcase to the next.
    code_attribute = _repeated_attribute(code)
    attributes = f' name="{_attribute(f"{code} {resource}")}" classname="{code_attribute}"'
    if first.get("path"):
        attributes += f' file="{_repeated_attribute(first["path"])}"'
        if first.get("line"):
            attributes += f' line="{first["line"]}"'
    blocking = [f for f in findings if f["disposition"] == "blocking"]
    if blocking:
        text = _text("\n".join(_describe(f) for f in blocking))
        message = _attribute(_one_line(blocking[0]["message"]))
        child = f'<failure message="{message}" type="{code_attribute}">{text}</failure>'
        others = [f for f in findings if f["disposition"] != "blocking"]
        if others:
            child += "\n      " + _element("system-out", "\n".join(_describe(f) for f in others))
        outcome: str | None = "failures"
    elif all(f["disposition"] in ("waived", "baselined") for f in findings):
        child = _element(
            "skipped", "\n".join(_describe(f) for f in findings), message=_skip_reason(first)
        )
        outcome = "skipped"
    else:
        child = _element("system-out", "\n".join(_describe(f) for f in findings))
        outcome = None
    return f"    <testcase{attributes}>\n      {child}\n    </testcase>\n", outcome


def _element(tag: str, text: str, **attributes: Any) -> str:
    """A leaf element with text; written as ElementTree would (empty text: self-closed)."""
    if not text:
        return f"<{tag}{_attributes(**attributes)} />"
    return f"<{tag}{_attributes(**attributes)}>{_text(text)}</{tag}>"


def _attributes(**attributes: Any) -> str:
    return "".join(f' {name}="{_attribute(str(value))}"' for name, value in attributes.items())


@functools.lru_cache(maxsize=4096)
def _repeated_attribute(value: str) -> str:
    return _attribute(value)


def _text(text: str) -> str:
    """Character data: XML-safe, `&`, `<` and `>` escaped."""
    text = _xml_safe(text)
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _attribute(value: str) -> str:
    """An attribute value: XML-safe, markup and quotes escaped, and the whitespace an XML parser
    would normalise to spaces (CR, LF, tab) as character references."""
    value = _text(value)
    if '"' in value:
        value = value.replace('"', "&quot;")
    if not value.isprintable():
        value = value.replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#09;")
    return value


def _describe(finding: dict[str, Any]) -> str:
    parts = [f"[{finding['severity']}] {finding['message']}"]
    place = view.location(finding)
    if place:
        parts.append(f"at {place}")
    if finding.get("owner"):
        parts.append(f"owner {finding['owner']}")
    text = " ".join(parts)
    if finding.get("fix"):
        text += f"\n  fix: {finding['fix']}"
    return text


def _skip_reason(finding: dict[str, Any]) -> str:
    waiver = finding.get("waiver")
    if finding["disposition"] == "waived" and waiver:
        return f"waived by {waiver['owner']} until {waiver['expires']}: {waiver['reason']}"
    return "in the dbtgate baseline (legacy finding)"


def _xml_safe(text: str | None) -> str | None:
    # Printable text holds no control character (the common case: names, codes, one-line
    # messages, and with its line breaks a testcase's text), so the pattern only scans the
    # rest: 300,000 strings at 48,000 findings.
    if not text or text.isprintable() or text.replace("\n", "").isprintable():
        return text
    return _NOT_XML.sub("\ufffd", text.translate(BIDI_CONTROLS))


def _one_line(text: str) -> str:
    return " ".join(text.split())
