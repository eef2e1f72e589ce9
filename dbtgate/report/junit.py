"""JUnit XML: the gate in the CI's test tab (GitLab, Jenkins, Azure, test-reporter actions).

A first `verdict` suite holds one testcase, the gate itself: it fails when the gate does, and it
is there on a clean pass too, where an empty document (`tests="0"`) reads as "no test results
found" to the test-report actions that fail on that. Then one testsuite per check family and one
testcase per rule × resource, so the tab reads like "which rule failed where". A testcase fails
when any of its findings blocks the gate; it is skipped when its findings are all waived or
baselined (with the waiver in the message); otherwise it passes. Several findings of one rule on
one resource (columns, lint lines) are one testcase listing them all; findings of it that do not
block are in its output beside the failure. A file past `MAX_BYTES` (GitLab shows nothing of
one of 30 MB) keeps the failures first and its verdict says how many testcases it left out.

The XML is written as text, in the layout ElementTree's `indent` gives (two spaces a level):
building and serialising an ElementTree in pure Python was most of the 0.9 s the file took at
48,000 findings. Text is made XML-safe first (characters XML 1.0 cannot carry become U+FFFD).
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from typing import Any

from dbtgate.plain_text import BIDI_CONTROLS
from dbtgate.report import view
from dbtgate.wording import number

# Characters XML 1.0 cannot carry at all (not even escaped); untrusted text may contain them.
_NOT_XML = re.compile(r"[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


# GitLab reads a JUnit file of less than 30 MB (and 100 MB of them a job), and shows nothing of
# a bigger one: 10,000 models' 37,000 testcases took 26 MB, 20,000 models' 52 MB. Past this the
# file keeps the testcases that matter most (`_kept`) and its verdict says how many it left out.
MAX_BYTES = 20_000_000


def render_junit(report: dict[str, Any], options: object = None) -> str:
    return junit_xml(report, MAX_BYTES)


def junit_xml(report: dict[str, Any], max_bytes: int) -> str:
    """The JUnit document of `report`, in at most about `max_bytes` bytes of UTF-8."""
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

    rendered = {
        family: [
            (code, *_testcase(code, resource, found))
            for (code, resource), found in sorted(by.items())
        ]
        for family, by in cases.items()
    }
    total = sum(len(found) for found in rendered.values())
    kept = _kept(rendered, max_bytes)
    totals = {"tests": 1, "failures": 0, "errors": 0, "skipped": 0}
    suites = [_verdict_suite(report, totals, (len(kept), total, max_bytes))]
    for family in sorted(rendered):
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        testcases = []
        for index, (_, xml, outcome) in enumerate(rendered[family]):
            if (family, index) not in kept:
                continue
            counts["tests"] += 1
            testcases.append(xml)
            if outcome:
                counts[outcome] += 1
        if not testcases:
            continue
        for key, value in counts.items():
            totals[key] += value
        suites.append(
            f"  <testsuite{_attributes(name=family, **counts)}>\n{''.join(testcases)}"
            "  </testsuite>\n"
        )
    root = _attributes(name=f"dbtgate {report['project']}", **totals)
    body = f"<testsuites{root}>\n{''.join(suites)}</testsuites>"
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


# Which testcases a file too big keeps first: failures, then the waived and baselined
# (skipped), then those that passed; among them breaking changes and run status before policy
# findings, lint last (`view.family_rank`); then each rule's first testcase, each rule's second,
# and so on: at 20,000 models the file kept every docs and governance failure and no owner or
# tests one, whose suites came later in the alphabet.
_OUTCOME_RANK = {"failures": 0, "skipped": 1, None: 2}
# Room kept for the suites' own lines and the verdict's note of what was left out.
_FRAME_BYTES = 4096


def _kept(
    rendered: dict[str, list[tuple[str, str, str | None]]], max_bytes: int
) -> set[tuple[str, int]]:
    """The (family, index) of each testcase the file keeps: all of them when they fit in
    `max_bytes`, else as many as fit, taken in `_OUTCOME_RANK`'s order."""
    sizes = {
        (family, index): len(xml.encode())
        for family, found in rendered.items()
        for index, (_, xml, _) in enumerate(found)
    }
    room = max_bytes - _FRAME_BYTES
    if sum(sizes.values()) <= room:
        return set(sizes)
    rank: dict[tuple[str, int], tuple[int, int, int]] = {}
    seen: Counter[tuple[str, str | None]] = Counter()
    for family, found in rendered.items():
        for index, (code, _, outcome) in enumerate(found):
            seen[code, outcome] += 1
            rank[family, index] = (
                _OUTCOME_RANK[outcome],
                view.family_rank(family),
                seen[code, outcome],
            )
    kept: set[tuple[str, int]] = set()
    for key in sorted(sizes, key=lambda key: (rank[key], key)):
        if sizes[key] > room:
            break
        room -= sizes[key]
        kept.add(key)
    return kept


def _verdict_suite(
    report: dict[str, Any], totals: dict[str, int], listed: tuple[int, int, int]
) -> str:
    """The gate's own testcase: failed with the verdict line when it fails (counted in
    `totals`), passed with it otherwise. `listed`: how many testcases the file lists, of how
    many, in how many bytes at most; when it left some out, the verdict says so and where
    they are."""
    verdict = view.verdict_text(report)
    text = verdict
    shown, total, max_bytes = listed
    if shown < total:
        text += (
            f"\nThis file lists {number(shown)} of the {number(total)} testcases, failures"
            f" first, to stay under {max_bytes / 10**6:g} MB: GitLab shows nothing of a JUnit"
            f" file of 30 MB or more. The other {number(total - shown)} are in the JSON gate"
            " report (gate.json), with every finding."
        )
    if report["verdict"] == "pass":
        child = _element("system-out", text)
        failures = 0
    else:
        message = _attribute(verdict)
        child = f'<failure message="{message}" type="dbtgate.verdict">{_text(text)}</failure>'
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
