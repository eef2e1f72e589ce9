"""What the human-readable reports (markdown, HTML) read the same way from a gate report dict.

Which findings are breaking changes, how a finding's place and file link are spelled, how findings
group by owner, how a finding's impact is summarised, how any section becomes tables: written once
so the PR comment and the release manager's HTML page never disagree. Every family of findings
renders through these generic paths; nothing here knows a check's internals beyond the finding
fields and the `breaking` family name (whose impact the diff's own `impact_text` words).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from msgspec import Struct

from dbtgate.base_newer import base_built_after
from dbtgate.plain_text import visible_bidi
from dbtgate.report.options import RenderOptions
from dbtgate.status.timestamps import format_age, format_timestamp
from dbtgate.wording import (
    BASE_NOTE,
    NO_BASE_BUILD,
    NO_OWNER,
    WHOLE_PROJECT,
    acknowledged_words,
    code_span,
    counted,
    days_from_now,
    expiry_note,
    first_few,
    name_order,
    number,
    owner_order,
    tier_label,
)

if TYPE_CHECKING:
    from dbtgate.findings import Finding

F = TypeVar("F")
# A finding's status as every human-readable report names it (console, `dbtgate diff`, markdown,
# HTML), by its disposition, the machine field gate.json, SARIF and the HTML data keep.
STATUS_NAMES = {
    "blocking": "blocking",
    "advisory": "advisory",
    "out_of_scope": "outside the change",
    "waived": "waived",
    "baselined": "in the baseline",
}
# The heading of each status's group of findings, in the order the reports list them.
DISPOSITION_TITLES = {
    "blocking": "Blocking",
    "advisory": "Advisory (does not fail the gate)",
    # A gated KPI the change did not lower is outside it too (`status.kpi._the_changes`).
    "out_of_scope": "Outside the change (on resources, lines or config entries this change did not "
    "touch, or KPIs it did not lower; not blocking)",
    "waived": "Waived",
    "baselined": "In the baseline (legacy, not blocking)",
}
# Where only some findings can be shown (SARIF's 5,000, GitHub's ten annotations a level, the
# console's first N of a group, the PR comment's size), a breaking change or a model that failed
# or was not built comes before a policy finding, and style (lint) last: `family_rank`.
_FAMILY_RANK = {"breaking": 0, "run": 1, "freshness": 2, "kpi": 3, "waiver": 4, "lint": 6}
_POLICY_RANK = 5


def family_rank(family: str | None) -> int:
    return _FAMILY_RANK.get(family or "", _POLICY_RANK)


# Keys of a finding's details that describe who or what a change affects, in display order.
IMPACT_KEYS = ("impact", "downstream", "consumers", "exposures", "affected")


def verdict_text(report: dict[str, Any]) -> str:
    counts = report["counts"]
    by_disposition = counts["by_disposition"]
    blocking = by_disposition["blocking"]
    return verdict_words(
        report["verdict"],
        blocking,
        counts["total"] - blocking,
        report["inputs"],
        waived=by_disposition.get("waived", 0),
    )


def verdict_words(
    decision: str, blocking: int, others: int, inputs: dict[str, Any], *, waived: int = 0
) -> str:
    """The verdict line of every report and the console, naming the selection when the gate
    judged a part of the project only (`check --select`). The waived findings are said among
    the non-blocking (`5 non-blocking, 4 of them waived`): a gate that passes because its
    blocking findings were waived read like one that had none to waive."""
    if decision == "pass":
        text = f"dbtgate: PASS — no blocking findings, {number(others)} non-blocking"
    else:
        noun = "finding" if blocking == 1 else "findings"
        text = f"dbtgate: FAIL — {number(blocking)} blocking {noun}, {number(others)} non-blocking"
    if waived:
        text += ", all waived" if waived == others else f", {number(waived)} of them waived"
    focus = focus_label(inputs.get("select"), inputs.get("exclude"))
    return f"{text}, on {focus}" if focus else text


def gated_commit(inputs: dict[str, Any]) -> str:
    """`commit 5789142 (tag v1.1, main)`: the commit the report is of (`inputs.git`), its tags
    first, as a release is named by its tag; "" for a report that records none (no git, or a
    report saved before dbtgate recorded it). The reports name it beside the verdict: in the
    audit trail alone, the gate reports of two releases opened side by side, or printed, read
    alike."""
    git = recorded_git(inputs)
    if git is None:
        return ""
    commit = git["commit"]
    refs = [ref for ref in git.get("refs") or [] if isinstance(ref, str) and ref]
    refs.sort(key=lambda ref: not ref.startswith("tag "))
    return f"commit {commit[:7]}" + (f" ({', '.join(refs)})" if refs else "") + edits_words(git)


def recorded_git(inputs: dict[str, Any]) -> dict[str, Any] | None:
    """`inputs.git` when it names a commit (a non-empty string), else None: a report saved
    before dbtgate recorded it, or outside a repository."""
    git = inputs.get("git")
    commit = git.get("commit") if isinstance(git, dict) else None
    return git if isinstance(commit, str) and commit else None


def commit_tags(git: dict[str, Any]) -> list[str]:
    """The tags at the commit `inputs.git` records (`v1.1` of its ref `tag v1.1`), as git
    decorated it: the name a release goes by."""
    refs = git.get("refs") if isinstance(git.get("refs"), list) else []
    return [ref.removeprefix("tag ") for ref in refs if isinstance(ref, str) and ref[:4] == "tag "]


def edits_words(git: Any) -> str:
    """` with uncommitted edits to 3 files` after the commit gated, or "" (`edited_files`)."""
    edited = edited_files(git)
    return f" with uncommitted edits to {counted(edited, 'file')}" if edited else ""


def edited_files(git: Any) -> int:
    """How many of the project's tracked files differed from the commit gated (`inputs.git`'s
    `edited`): a report built from a checkout with edits is not the report of its tag, and the
    line naming the commit says so. 0 for a clean checkout and for a report that does not say
    (saved before dbtgate counted them)."""
    edited = git.get("edited") if isinstance(git, dict) else None
    return edited if isinstance(edited, int) and not isinstance(edited, bool) and edited > 0 else 0


def release_name(inputs: dict[str, Any]) -> str:
    """`v1.1` (the commit's first tag), else `5789142`: the report's name beside the project's in
    the HTML page's title, which a browser's tab and a printed page's header show, `v1.1 with
    edits` from a checkout with uncommitted edits (`edited_files`); "" without `inputs.git`."""
    git = recorded_git(inputs)
    if git is None:
        return ""
    commit = git["commit"]
    tags = commit_tags(git)
    name = tags[0] if tags else commit[:7]
    return f"{name} with edits" if edited_files(git) else name


def compared_with(inputs: dict[str, Any]) -> str:
    """What the change was measured against: `v1.0 (commit 4daa4d5)` for a base parsed from a
    git ref (`inputs.base_ref`; its merge base with HEAD when the ref moved on), `the base build
    prod-target (dbt wrote its manifest 2026-12-04 14:40:34 UTC)` for one on disk; "" without a
    base build. A release's report is of the change since the release before: which one it was
    is the reader's first question after the verdict."""
    ref = inputs.get("base_ref")
    if isinstance(ref, dict) and isinstance(ref.get("ref"), str):
        sha = ref.get("sha") if isinstance(ref.get("sha"), str) else ""
        if not sha:
            return ref["ref"]
        if ref.get("tip"):
            return f"{ref['ref']} where this branch left it (commit {sha[:7]})"
        return f"{ref['ref']} (commit {sha[:7]})"
    base = inputs.get("base")
    manifest = base.get("manifest") if isinstance(base, dict) else None
    if not isinstance(manifest, dict):
        return ""
    shown = input_path(manifest)
    folder = shown.removesuffix("/manifest.json") if shown != "manifest.json" else "."
    written = written_at(manifest.get("generated_at"))
    newer = base_newer_words(inputs)
    if newer:  # what the note says, where the reader reads what the verdict is against
        written += f", {newer}'s: {NEWER_BASE_READS}"
    return f"the base build {folder}" + (f" (dbt wrote its manifest {written})" if written else "")


# What a base build newer than the gated one means for the diff, in short (`base_newer`'s note
# says it whole, with what to do).
NEWER_BASE_READS = "what landed on the base since reads as undone by this change"


def base_newer_words(inputs: dict[str, Any]) -> str:
    """`7.1 days after this build`: how long after the gated build's manifest the base build's
    on disk was written, from the dates the report's inputs record, when `base_newer` notes it
    (more than minutes after; never for a `--base REF`, parsed when the gate ran); "" else.
    Decided from the inputs, so every report says it alike, a report read back too."""
    if inputs.get("base_ref") is not None:
        return ""
    dates = []
    for role in ("base", "artifacts"):
        files = inputs.get(role)
        manifest = files.get("manifest") if isinstance(files, dict) else None
        at = manifest.get("generated_at") if isinstance(manifest, dict) else None
        dates.append(at if isinstance(at, str) else None)
    newer = base_built_after(*dates)
    return "" if newer is None else f"{format_age(newer)} after this build"


def focus_label(select: str | None, exclude: str | None) -> str:
    """How the selection is named in the verdict and the reports: `--select orders+`."""
    parts = [f"--select {select}"] if select is not None else []
    if exclude is not None:
        parts.append(f"--exclude {exclude}")
    return " ".join(parts)


class Lookups(Struct, frozen=True):
    """What rendering a finding reads of the whole report, read once for a report rather than
    for each owner's list or each breaking change: the waivers the gate announced as expiring
    (`expiring_waivers`; 30 owners' lists each read 39,000 findings for it, 0.3 s), the
    schema diff's reason for each change, by code, unique_id and column (`change_text` made a
    dict of every change of the diff for each breaking change), and the findings of each
    disposition, in the report's order (`findings_with` read them all for each)."""

    expiring: dict[tuple[str, str, str], int]
    reasons: dict[tuple[Any, Any, Any], Any]
    dispositions: dict[str, list[dict[str, Any]]]

    @classmethod
    def of(cls, report: dict[str, Any]) -> Lookups:
        reasons = {
            (c.get("code"), c.get("unique_id"), c.get("column")): c.get("reason")
            for c in _diff_changes(report)
        }
        dispositions: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for finding in report["findings"]:
            dispositions[finding["disposition"]].append(finding)
        return cls(expiring_waivers(report), reasons, dict(dispositions))

    def findings_with(self, disposition: str) -> list[dict[str, Any]]:
        """The report's findings of `disposition` (`findings_with`)."""
        return self.dispositions.get(disposition, [])


def expiring_waivers(report: dict[str, Any]) -> dict[tuple[str, str, str], int]:
    """(rule, select, expires) -> days left, for the waivers the gate announced as expiring
    (`waiver.expiring`): the waiver tables mark them where the owner will look. The date is
    part of the key: a renewal has the rule and selection of the entry it renews."""
    return {
        (details["rule"], details["select"], details["expires"]): details["days_left"]
        for finding in report["findings"]
        if finding["code"] == "waiver.expiring" and (details := finding.get("details") or {})
    }


def waived_until(waiver: dict[str, Any], expiring: dict[tuple[str, str, str], int]) -> str:
    """A waived finding's end date as its line says it: `2026-12-08 (expires in 5 days)` for
    a waiver the gate announced (`expiring_waivers`), as the console and the waiver tables do;
    the rows said the date alone, and the announcement was read in one place."""
    key = (waiver.get("rule"), waiver.get("select"), waiver.get("expires"))
    return f"{waiver.get('expires')}{expiry_note(expiring.get(key))}"  # type: ignore[arg-type]


_WAIVER_KEYS = ("rule", "select", "owner", "reason", "expires", "findings")


def waivers_listed(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The waiver tables' rows: the waivers used, then those expired (`waiver.expired`), whose
    findings count again: a release manager reads both in one table, the expired marked
    (`expired: True`; `findings` is then how many count again)."""
    expired = [
        {key: details.get(key) for key in _WAIVER_KEYS} | {"expired": True}
        for finding in report["findings"]
        if finding["code"] == "waiver.expired" and (details := finding.get("details") or {})
    ]
    return [*_with_touched(report), *expired]


def _with_touched(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The waivers used, each with `touched`: how many of its findings are on what the change
    touched, against a base build (none without one). A waiver written for a model's old debt
    also covers what a pull request adds to that model (a new undocumented column on a model
    whose column docs are waived) and nothing said so: a reviewer reads that the change edits
    what a waiver excuses, and how much of it."""
    if not change_known(report):
        return report["waivers"]
    touched: Counter[tuple[Any, ...]] = Counter(
        tuple(waiver.get(key) for key in _WAIVER_REF_KEYS)
        for finding in report["findings"]
        if finding.get("changed")
        and finding["disposition"] == "waived"
        and isinstance(waiver := finding.get("waiver"), dict)
    )
    return [
        waiver | {"touched": touched[tuple(waiver.get(key) for key in _WAIVER_REF_KEYS)]}
        for waiver in report["waivers"]
    ]


_WAIVER_REF_KEYS = ("rule", "select", "owner", "reason", "expires")


def waiver_findings(waiver: dict[str, Any]) -> str:
    """A waiver table's findings cell: `5`, `5 (2 on the change)` when some of them are on
    what the change touched, `3 (no longer waived)` for an expired waiver's."""
    if waiver.get("expired"):
        return f"{waiver['findings']} (no longer waived)"
    touched = waiver.get("touched")
    return f"{waiver['findings']} ({touched} on the change)" if touched else f"{waiver['findings']}"


# The header names this many waivers of each kind, then counts the rest: the table has them all.
_HEADER_WAIVERS = 3


def waiver_alerts(report: dict[str, Any]) -> str:
    """`1 expired: `docs.model_description` on `model.shop.fct_orders` (2026-11-30,
    @finance-eng) · 1 expiring: ...` for the header under the verdict, or "" when no waiver
    expired or is about to (the gate's `waiver.expired` and `waiver.expiring` findings, so on
    the day the report records). A release manager's question after what blocks: which
    exceptions stop waiving, when, and whose they are; the waivers table said it at the foot
    of the page, the findings among their advisory rows."""
    parts = []
    for code, kind in (("waiver.expired", "expired"), ("waiver.expiring", "expiring")):
        named = []
        for finding in report["findings"]:
            details = finding.get("details") or {}
            if finding["code"] != code or not details.get("rule"):
                continue
            when = [str(details.get("expires"))]
            if code == "waiver.expiring" and isinstance(details.get("days_left"), int):
                when.append(days_from_now(details["days_left"]))
            if details.get("owner"):
                when.append(str(details["owner"]))
            on = f" on {code_span(str(details['select']))}" if details.get("select") else ""
            named.append(f"{code_span(str(details['rule']))}{on} ({', '.join(when)})")
        if named:
            parts.append(f"{number(len(named))} {kind}: {first_few(named, _HEADER_WAIVERS)}")
    return " · ".join(parts)


def waivers_title(report: dict[str, Any]) -> str:
    """`Waivers used (2)`, `Waivers used (2) and expired (1)`."""
    expired = sum(1 for f in report["findings"] if f["code"] == "waiver.expired")
    title = f"Waivers used ({number(len(report['waivers']))})"
    return f"{title} and expired ({expired})" if expired else title


# A code reads as it is in YAML; a renewed pattern may start with `*`, a YAML alias.
_PLAIN_CODE = re.compile(r"[\w.]+")


def suggested_waiver_lines(suggestion: dict[str, Any]) -> list[str]:
    """The suggested waiver (`sections.suggested_waiver`) as YAML lines to paste under
    `waivers:`, the same in the console and the reports, indented as the config's own list
    (`indent`; a report written before it was recorded: 2 and 4). Strings are JSON's
    double-quoted ones, which YAML reads as they are (an owner starts with `@`, which YAML
    reserves)."""
    entry = suggestion["entry"]
    indent = suggestion.get("indent") or {"item": 2, "keys": 4}
    dash = " " * indent["item"] + "-" + " " * (indent["keys"] - indent["item"] - 1)
    keys = " " * indent["keys"]
    rule = entry["rule"]
    return [
        f"{dash}rule: {rule if _PLAIN_CODE.fullmatch(rule) else json.dumps(rule)}",
        f"{keys}select: {json.dumps(entry['select'], ensure_ascii=False)}",
        f"{keys}reason: {json.dumps(entry['reason'], ensure_ascii=False)}",
        f"{keys}owner: {json.dumps(entry['owner'], ensure_ascii=False)}",
        f"{keys}expires: {entry['expires']}",
    ]


def suggested_waiver_intro(suggestion: dict[str, Any], inputs: dict[str, Any]) -> str:
    """What the suggested waiver is for, before its lines: renew the expired entry that waived
    the finding, named by its line, or add one (with what an entry needs). A second entry
    beside the expired one would leave that one reported, and to remove, on every run. A
    sentence of its own in every report, the console's included."""
    config = str(inputs.get("config") or "dbtgate.yml")
    renews = suggestion.get("renews")
    # Named by what it waives, not as "the ... above": the PR comment may have cut it from the
    # findings it shows (a long report keeps the most important ones).
    select = suggestion["entry"]["select"]
    code = f"{suggestion['code']} finding"
    if renews:
        where = f"{config}:{renews['line']}" if renews.get("line") else config
        return (
            f"To ship with the {code} as it is for now, renew the waiver that "
            f"expired on {renews['expires']} at {where} rather than add a second entry: "
            "replace it with this one, its reason written again:"
        )
    return (
        f"To ship with a finding as it is for now, waive it under `waivers:` in {config} (a "
        f"reason, an owner and the last day it waives are required), e.g. the {code}"
        + (f" of {select}:" if select != "*" else ":")
    )


def suggested_waiver_title(suggestion: dict[str, Any]) -> str:
    """The folded hint's title in the PR comment and the HTML page."""
    what = "renew its expired waiver" if suggestion.get("renews") else "the waiver entry to paste"
    return f"To ship with the {suggestion['code']} finding as it is: {what}"


def findings_with(report: dict[str, Any], disposition: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["disposition"] == disposition]


def breaking_changes(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Findings of the `breaking` family, the blocking ones first."""
    found = [f for f in report["findings"] if f["family"] == "breaking"]
    return sorted(found, key=lambda f: f["disposition"] != "blocking")


# What a report says when there was no base build to diff against: "no breaking changes" would
# read as a pass of a check that never ran.
BREAKING_NOT_CHECKED = "Not checked: there was no base build to compare with (--base PATH|REF)."


# A severity's plural noun in the reports' count line ("20 errors, 5 warnings").
_SEVERITY_NOUNS = {"error": "error", "warn": "warning"}


def severity_split(counts: dict[str, Any]) -> str:
    """The findings by severity as the PR comment's count line and the HTML report's header both
    say it ("20 errors, 5 warnings"): the header said only the statuses, and a release manager
    comparing the two pages asked which of the 13 blocking were errors. Zero counts left out;
    empty when there is no finding."""
    return ", ".join(
        f"{number(n)} info" if name == "info" else counted(n, _SEVERITY_NOUNS.get(name, name))
        for name, n in counts["by_severity"].items()
        if n
    )


def outside_the_change_counted(report: dict[str, Any]) -> bool:
    """Whether the report's scope can put a finding outside the change: `scope: changed`
    (`inputs.scope`), or a report with such findings (one written before dbtgate recorded the
    scope). Under `scope: all` every finding is gated, and "outside the change 0" beside the
    verdict read as nothing being off the pull request, whatever the findings were on."""
    by_disposition = report["counts"]["by_disposition"]
    return report["inputs"].get("scope") == "changed" or by_disposition.get("out_of_scope", 0) > 0


def touched_counts(report: dict[str, Any]) -> tuple[int, int] | None:
    """How many findings are on what the change touched, and how many of those block, where the
    statuses do not say it: under `scope: all` against a base build a blocking finding may be
    on a model the pull request never touched, and a reviewer asked which were the change's
    (under `scope: changed` the others are "outside the change" already, which a report that
    has one is of). None without a change set, or when every blocking and advisory finding is
    the change's."""
    if not change_known(report):
        return None
    return touched_tally([(bool(f.get("changed")), f["disposition"]) for f in report["findings"]])


def touched_tally(findings: list[tuple[bool, str]]) -> tuple[int, int] | None:
    """`touched_counts` of findings given as (changed, disposition), the change set known: the
    console counts a GateResult's findings, the other reports a gate.json's."""
    if any(disposition == "out_of_scope" for _, disposition in findings):
        return None
    gated = [changed for changed, disposition in findings if disposition in _GATED]
    if all(gated):
        return None
    touched = [disposition for changed, disposition in findings if changed]
    return len(touched), touched.count("blocking")


_GATED = ("blocking", "advisory")


def blocking_by_family(report: dict[str, Any]) -> list[tuple[str, int]]:
    """How many blocking findings each family has, breaking changes and failed runs first
    (`family_rank`): what fails the gate, in a line."""
    counts: dict[str, int] = defaultdict(int)
    for finding in findings_with(report, "blocking"):
        counts[finding["family"]] += 1
    return sorted(counts.items(), key=lambda item: (family_rank(item[0]), item[0]))


def breaking_checked(report: dict[str, Any]) -> bool:
    """Whether the schema was diffed against a base build (the diff section exists)."""
    return "diff" in report["sections"]


def not_checked(report: dict[str, Any]) -> list[str]:
    """What the verdict does not cover, each with why, as the reports say it beside the verdict.
    A report of an older dbtgate has no `not_checked`: it is read then from its notes
    (`_OLD_NOTES`) and a missing diff, in the order a check run lists them (the policies, then
    breaking changes, then the other checks)."""
    if "not_checked" in report:
        return list(report["not_checked"])
    said = [
        match.expand(meaning)
        for note in report.get("notes") or ()
        if isinstance(note, str)
        for pattern, meaning in _OLD_NOTES
        if (match := pattern.match(note)) is not None
    ]
    policies = [told for told in said if told.startswith("policies (")]
    breaking = [] if breaking_checked(report) else [NO_BASE_BUILD]
    return [*policies, *breaking, *(told for told in said if told not in policies)]


# The notes by which a report of a dbtgate before `not_checked` said what its verdict did not
# cover (dbtgate still writes them), and what `not_checked` says for each.
_OLD_NOTES = (
    (re.compile(r"no dbtgate\.yml .*found: no policies applied"), "policies (no dbtgate.yml)"),
    (re.compile(r"(\S+) has no policies: "), r"policies (\1 has none)"),
    (
        re.compile(r"run_results\.json absent: "),
        "the last run's results (no run_results.json)",
    ),
    (
        re.compile(r"(\S+) was written by (`[^`]+`), which compiles without running"),
        r"the last run's results (\1 is of \2, which runs nothing)",
    ),
    (re.compile(r"sources\.json absent: "), "source freshness (no sources.json)"),
    (re.compile(r"lint is enabled but was not run"), "SQL lint (enabled, not run)"),
)


def partly_checked(report: dict[str, Any]) -> list[str]:
    """The notes that say the verdict covers something in part only (relations compared by
    their YAML columns only, builds of two dbt versions), shown beside it: at the foot of the
    page, under the audit trail, a release manager read "no breaking changes" without them.
    None for a report of an older dbtgate (its notes stay where they were)."""
    return [note for note in report.get("partly_checked") or () if isinstance(note, str)]


def audit_notes(report: dict[str, Any]) -> list[str]:
    """The notes the audit trail lists: those not shown beside the verdict (`partly_checked`)."""
    beside = set(partly_checked(report))
    return [note for note in report["notes"] if note not in beside]


def by_owner(findings: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for finding in findings:
        groups[owner_group(finding)].append(finding)
    # The whole project first, named owners alphabetically, the unowned last: that group needs
    # someone to pick it up.
    return sorted(groups.items(), key=lambda item: owner_order(item[0]))


def owner_group(finding: Finding | dict[str, Any]) -> str:
    """The group a finding (a Finding, or one of a report's) is listed under where the reports
    group by owner: its owner, "(no owner)" for a resource without one, and `WHOLE_PROJECT` for
    one on no resource that is a KPI's or a policy rule's on its whole selection
    (tests.coverage, naming.project_pattern: `details.policy` names the selection), or on no
    resource, file or owner at all: the build's (run_results.json older than the manifest)."""
    if isinstance(finding, dict):
        family, unique_id = finding.get("family"), finding.get("unique_id")
        details, owner, path = finding.get("details"), finding.get("owner"), finding.get("path")
    else:
        family, unique_id = finding.family, finding.unique_id
        details, owner, path = finding.details, finding.owner, finding.path
    if family == "kpi" or selection_of(unique_id, details) is not None:
        return WHOLE_PROJECT
    if owner:
        return owner
    return NO_OWNER if unique_id or path else WHOLE_PROJECT


def selection_of(unique_id: str | None, details: dict[str, Any] | None) -> str | None:
    """The selection a rule's finding on a policy's whole selection is about (`tier:1`: its
    `details.policy`, on a finding of no resource), or None for any other finding."""
    if unique_id:
        return None
    policy = (details or {}).get("policy")
    return policy if isinstance(policy, str) else None


# How many places of a folded group (`fold_repeats`) a report lists before "and N more".
MAX_PLACES = 12


def fold_repeats(findings: Iterable[F], key: Callable[[F], Hashable]) -> list[list[F]]:
    """Findings with one `key` (one rule saying the same thing about the same resource in the
    same file: a lint rule hit on many lines) as one group, in the order each group first
    appears: the reader reads the problem once, with every place it is."""
    groups: dict[Hashable, list[F]] = {}
    for finding in findings:
        groups.setdefault(key(finding), []).append(finding)
    return list(groups.values())


def literal_names(finding: dict[str, Any]) -> tuple[str, ...]:
    """The finding's names that hold a backtick (its resource, its column, the resource a test
    tests), whose backticks the renderers keep as text in its message and fix
    (`escape.md_text_code`): messages write names as plain text, and `a`b`c` read as code.
    Asked of each of a report's 48,000 rows: most hold none, said in a few lookups."""
    resource = finding.get("resource_name") or ""
    column = finding.get("column_name") or ""
    details = finding.get("details")
    tested = details.get("tested_resource") if details else None
    tested = tested if isinstance(tested, str) else ""  # details are free-form in gate.json
    if "`" not in resource and "`" not in column and "`" not in tested:
        return ()
    names = (resource, column, tested.split(".")[2] if tested.count(".") >= 2 else "")
    return tuple(name for name in names if "`" in name)


# Resources a bare name does not say the kind of: `customers` read as the model of that name
# where it was the semantic model. Named with their kind (`semantic model customers`), as the
# diff's resource column and the findings' messages name them.
_KIND_NAMED = frozenset({"semantic_model", "metric", "saved_query", "exposure", "group"})


def resource_label(finding: dict[str, Any]) -> str:
    """`orders_summary v2.item_count`: the resource as the finding's message names it
    (`display_name`), versioned models with their version, and the column; a semantic model,
    metric, saved query, exposure or group with its kind (`semantic model customers`), a
    source table with its source's name (`source ecom.raw_customers.id`, as `dbtgate diff`
    names it: a bare `raw_customers` read as the seed or model of that name). A
    rule's finding on a policy's whole selection is on that selection (`tier:1`; its place is
    the policy's line). Display only: gate.json keeps `resource_name` bare, and the
    fingerprint never reads it."""
    name = finding.get("resource_name")
    kind = finding.get("resource_type")
    if name and isinstance(kind, str) and kind in _KIND_NAMED:
        name = f"{kind.replace('_', ' ')} {name}"
    elif name and kind == "source":
        name = _source_label(name, finding.get("unique_id"))
    name = (
        name
        or finding.get("unique_id")
        or selection_of(None, finding.get("details"))
        or finding.get("path")
        or ""
    )
    column = finding.get("column_name")
    # A test's name already says which column it tests.
    if finding.get("resource_type") == "test":
        return name
    version = _version(finding)
    if version:
        name = f"{name} v{version}"
    return f"{name}.{column}" if name and column else name


def _source_label(table: str, unique_id: Any) -> str:
    """`source ecom.raw_customers` for the table `raw_customers`, its source's name read from
    its unique_id (`source.<package>.<source>.<table>`), as `dbtgate diff` reads it; `source
    raw_customers` where the id does not end with the table (a hand-edited report)."""
    prefix, _, rest = unique_id.partition(".") if isinstance(unique_id, str) else ("", "", "")
    rest = rest.partition(".")[2]
    if prefix == "source" and rest.endswith(f".{table}"):
        return f"source {rest}"
    return f"source {table}"


def whole_scope(finding: dict[str, Any]) -> str | None:
    """What a finding on no resource, file or selection is about, where another finding names
    its resource: `tier-1 resources` for a tier-1 KPI's (`kpi.tier1_docs_columns`), `whole
    project` for another KPI's or one on the build's artifacts (run.stale_results); None for
    any other finding. Under `check --select` a KPI's finding is left out (the KPIs stay the
    whole project's), so this is never a selection."""
    if finding.get("unique_id") or finding.get("path") or owner_group(finding) != WHOLE_PROJECT:
        return None
    code = finding.get("code") or ""
    return "tier-1 resources" if code.startswith("kpi.tier1_") else "whole project"


def _version(finding: dict[str, Any]) -> str | None:
    """The version of a versioned model, read from its unique_id (`model.shop.orders.v2`):
    every finding has one, not only the schema diff's (which also say it in details)."""
    name, uid = finding.get("resource_name"), finding.get("unique_id")
    if not isinstance(name, str) or not isinstance(uid, str) or not uid.startswith("model."):
        return None
    rest = uid.split(".", 2)[-1]
    if not rest.startswith(f"{name}.v"):
        return None
    return rest[len(name) + 2 :] or None


def location(finding: dict[str, Any]) -> str:
    path = finding.get("path") or ""
    if path and finding.get("line"):
        column = f":{finding['column']}" if finding.get("column") else ""
        return f"{path}:{finding['line']}{column}"
    return path


def file_link(finding: dict[str, Any], options: RenderOptions) -> str | None:
    """`<blob_url>/<path>#L<line>` on the PR head, when links are configured and the path is
    inside the repository (an absolute or `../` path has no page on the PR head: no dead link).
    A file the pull request deleted (`path_deleted`) has none on the PR head either: it is
    linked at the base commit when the report knows it (`options.base_blob_url`), else not."""
    path = (finding.get("path") or "").replace(chr(92), "/")
    blob_url = options.base_blob_url if path_deleted(finding) else options.blob_url
    if not blob_url or not path or not in_repository(path):
        return None
    anchor = f"#L{finding['line']}" if finding.get("line") else ""
    return f"{blob_url}/{quote(path.removeprefix('./'))}{anchor}"


# Said after the place of a finding whose file the pull request deleted: its path (from the base
# build) names nothing in the checkout, and the place is linked at the base commit or not at all.
DELETED = "file deleted by this change"


def path_deleted(finding: dict[str, Any]) -> bool:
    """Whether the finding's file is one the pull request deleted (a removed model's YAML,
    named from the base build): no file of the PR head, so no link or annotation on it there."""
    return (finding.get("details") or {}).get("path_deleted") is True


def fix_markup(fix: str) -> str:
    """A fix hint as the renderers that keep `code` spans read it (`md_text_code`,
    `html_text_code`): a hint that is a whole command (lint's `dbtgate lint --fix CP01
    models/x.sql`) as one span, so the PR comment shows it as code and it copies without the
    backslashes markdown escaping puts before each `-` and `.`; a prose hint as it is (it writes
    its names as spans already). The finding keeps the bare command: the console, annotations,
    JUnit and gate.json print it to be pasted into a shell, where backticks would run it."""
    return code_span(fix) if fix.startswith("dbtgate ") else fix


def with_fix(finding: dict[str, Any]) -> str:
    """The message and its fix as one text, for formats with one text field (SARIF, GitLab):
    `...; readers' owners: Finance Analytics. Fix: Keep the column...`."""
    text = finding["message"].rstrip()
    if not finding.get("fix"):
        return visible_bidi(finding["message"])
    stop = "" if text.endswith((".", "!", "?")) else "."
    return visible_bidi(f"{text}{stop} Fix: {finding['fix']}")


def place_of(finding: dict[str, Any], report: dict[str, Any]) -> tuple[str, int]:
    """The file and line a finding is placed at where every result needs one (SARIF for code
    scanning, GitLab code quality): its own; for a KPI's, the config's `kpi:` section, where its
    target and gate are set (`details.config_line`), when the config is in the repository; else
    the project's dbt_project.yml (`project_file`), at its first line. A file the pull request
    deleted is no place either: code scanning shows a result on the PR head's files."""
    if finding.get("path") and not path_deleted(finding):
        return finding["path"], finding.get("line") or 1
    config = report["inputs"].get("config")
    line = (finding.get("details") or {}).get("config_line")
    # A config outside the repository (`--config ../shared/dbtgate.yml`) is no place code
    # scanning can show.
    placed = isinstance(config, str) and in_repository(config)
    if placed and isinstance(line, int) and not isinstance(line, bool):
        return config, max(line, 1)
    return project_file(report), 1


def project_file(report: dict[str, Any]) -> str:
    """The file a finding without one (a project-wide KPI) is pinned to where every result needs
    a file (SARIF for code scanning, GitLab code quality): the project's dbt_project.yml, else the
    dbtgate config, else the manifest the finding came from."""
    inputs = report["inputs"]
    manifest = (inputs.get("artifacts") or {}).get("manifest") or {}
    return (
        inputs.get("project_file")
        or inputs.get("config")
        or manifest.get("path")
        or "dbt_project.yml"
    )


def in_repository(path: str) -> bool:
    """A relative path that does not climb out of the directory it is relative to."""
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        return False
    return ".." not in path.split("/")


def not_drawn(lineage: dict[str, Any]) -> str:
    """The note under the lineage picture: how many of its resources (changed, their direct
    consumers and parents) the size cap left out, or nothing when it drew them all."""
    omitted = lineage.get("omitted", 0)
    return f"{counted(omitted, 'more resource')} not drawn." if omitted else ""


def status_name(disposition: str) -> str:
    return STATUS_NAMES.get(disposition, disposition.replace("_", " "))


def impact_lines(finding: dict[str, Any], limit: int = 300) -> list[str]:
    """Who reads what changed (downstream models, exposures, other projects), one line each, at
    most `limit` characters in all: a breaking change's readers as `dbtgate.diff.impact_text`
    words them for the finding's message (whether each selects the changed column, how far
    downstream), so the two never disagree.

    Owners are left out: reports show them in a column of their own (`impact_owners`)."""
    from dbtgate.diff.impact_text import reader_lines

    details = finding.get("details") or {}
    lines: list[str] = []
    for key in IMPACT_KEYS:
        value = details.get(key)
        if value in (None, [], {}, ""):
            continue
        if key == "impact" and isinstance(value, dict) and _is_diff_impact(value):
            lines.extend(reader_lines(value, finding.get("column_name")))
        elif isinstance(value, dict):
            lines.extend(_impact_parts(value, limit))
        else:
            lines.append(f"{key}: {short_value(value, limit)}")
    return _within(lines, limit)


def _is_diff_impact(impact: dict[str, Any]) -> bool:
    """The schema diff's impact: models, exposures and readers not hurt as lists of named
    readers."""
    lists = [impact[key] for key in ("models", "exposures", "not_hurt") if key in impact]
    return (
        bool(lists)
        and all(isinstance(readers, list) for readers in lists)
        and all(isinstance(r, dict) and r.get("name") for readers in lists for r in readers)
    )


def _within(lines: list[str], limit: int) -> list[str]:
    """As many whole lines as fit in `limit` characters (two more between lines: one line, they
    join with "; "), then how many were left out; a first line longer than the limit is cut."""
    kept: list[str] = []
    size = 0
    for index, line in enumerate(lines):
        left = len(lines) - index - 1
        reserve = len(f"; … and {number(left)} more") if left else 0
        if size + len(line) + reserve > limit:
            if kept:
                left += 1
            else:
                kept.append(line[: max(limit - reserve - 1, 1)] + "…")
            if left:
                kept.append(f"… and {number(left)} more")
            return kept
        kept.append(line)
        size += len(line) + 2
    return kept


def _impact_parts(impact: dict[str, Any], limit: int) -> list[str]:
    parts = []
    for key, value in impact.items():
        if key == "owners" or value in (None, [], {}, "", False):
            continue
        if key == "public" and value is True:
            parts.append("other projects (public model)")
        else:
            parts.append(f"{key}: {short_value(value, limit)}")
    return parts


def change_text(finding: dict[str, Any], lookups: Lookups) -> str:
    """A breaking change in a few words: the schema diff's reason for it (the finding's message
    repeats the impact, which reports show on their own), else the message."""
    key = (finding["code"], finding.get("unique_id"), finding.get("column_name"))
    reason = lookups.reasons.get(key)
    if isinstance(reason, str) and reason:
        ack = (finding.get("details") or {}).get("acknowledged")
        if isinstance(ack, dict) and ack.get("way"):
            said = acknowledged_words(
                str(ack["way"]), ack.get("source"), ack.get("owner"), ack.get("reason")
            )
            return f"{said} — {reason}"
        return reason
    return finding["message"]


def _diff_changes(report: dict[str, Any]) -> list[dict[str, Any]]:
    diff = report["sections"].get("diff")
    changes = diff.get("changes") if isinstance(diff, dict) else None
    return [c for c in changes if isinstance(c, dict)] if isinstance(changes, list) else []


def impact_owners(finding: dict[str, Any]) -> list[str]:
    """Owners named anywhere in the finding's impact details: the readers' owners. A schema
    diff's impact has its owners listed: those of the readers it hurts, which its reader lists
    do not tell apart (a reader that does not select a removed column is in them too). The
    changed model's own owner is not one of them: the reports name it apart ("owned by"), and
    in this column it read as a reader's team."""
    owners: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict) and _is_diff_impact(value):
            listed = value.get("owners")
            if isinstance(listed, list):
                owners.update(o for o in listed if isinstance(o, str) and o)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key == "owner" and isinstance(item, str) and item:
                    owners.add(item)
                elif key == "owners" and isinstance(item, list):
                    owners.update(o for o in item if isinstance(o, str) and o)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    details = finding.get("details") or {}
    walk({key: details.get(key) for key in (*IMPACT_KEYS, "owners")})
    return sorted(owners, key=str.lower)


def written_at(timestamp: str | None) -> str:
    """When dbt wrote an artifact, to the second in UTC as the HTML report's heading says it,
    not `2026-12-02T17:29:41.848170Z`; the JSON keeps what dbt wrote."""
    return format_timestamp(timestamp) if timestamp else ""


def input_path(info: dict[str, Any]) -> str:
    """An input file as the reports name it: `shown` for a file outside the repository (the
    base's git ref, `$RUNNER_TEMP/...`, the path as given; `locate.shown_outside`), else its
    path from the repository root. A report saved before `shown` existed shows the path."""
    return str(info.get("shown") or info.get("path", ""))


def short_value(value: Any, limit: int = 200) -> str:
    """A scalar as text; a list as its items' names; anything else as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, int | str):
        return str(value)
    if isinstance(value, list):
        text = ", ".join(_item_name(item) for item in value)
    elif isinstance(value, dict) and all(not isinstance(v, dict) for v in value.values()):
        # e.g. an impact: "models: a (owner), b; exposures: dash"
        text = "; ".join(
            f"{key}: {short_value(item, limit)}"
            for key, item in value.items()
            if item not in (None, [], "", False)
        )
    else:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _item_name(item: Any) -> str:
    if isinstance(item, dict):
        name = item.get("name") or item.get("unique_id") or item.get("id")
        if name:
            owner = item.get("owner")
            return f"{name} ({owner})" if owner else str(name)
    return short_value(item, 80)


# Sections the reports draw in a shape of their own; any other goes through `section_tables`.
OWN_SHAPE_SECTIONS = frozenset({"lineage", "kpis", "changes", "diff", "suggested_waiver", "fixed"})

FIXED_TITLE = "Fixed since the base build"
# The names a report lists of what the change fixed, per kind; gate.json has them all.
FIXED_SHOWN = 10


def fixed_lines(report: dict[str, Any], code: Callable[[str], str]) -> list[str]:
    """`3 tests that failed in the base build pass now: a, b, c`, and as much of the models,
    seeds and snapshots that errored there and succeed now, their names through `code` (the
    renderer's escaped code span), the first `FIXED_SHOWN` and how many more; [] when the
    report has no such section (no base build, or a run of neither) or nothing was fixed. A
    release's report said what it broke; what it fixed showed only as the test pass rate
    moving."""
    fixed = report["sections"].get("fixed")
    if not isinstance(fixed, dict):
        return []
    lines = []
    for key, noun, was, one, many in _FIXED_WORDS:
        entries = [entry for entry in fixed.get(key) or [] if isinstance(entry, dict)]
        if entries:
            names = [
                code(entry["name"]) + _EDITED * bool(entry.get("changed")) for entry in entries
            ]
            shown = first_few(names, FIXED_SHOWN)
            now = one if len(names) == 1 else many
            lines.append(
                f"{counted(len(names), noun)} that {was} in the base build {now} now: {shown}"
            )
    edited = sum(bool(entry.get("changed")) for entry in fixed.get("tests") or [])
    if edited:
        lines.append(
            f"{counted(edited, 'test')}{_EDITED} {'was' if edited == 1 else 'were'} changed "
            f"{'itself' if edited == 1 else 'themselves'} (a {code('where')}, a threshold, an "
            "argument or the SQL): check that the data was fixed, not the test loosened"
        )
    return lines


# After the name of a fixed test that the change edited itself.
_EDITED = " (edited)"


def fixed_counts(fixed: Any) -> str:
    """`3 tests, 1 seed`: what the change fixed (the `fixed` section), counted by kind, as the
    console says it in one line (the reports list the names); "" when nothing was, or nothing
    could be said."""
    if not isinstance(fixed, dict):
        return ""
    counts = ((len(fixed.get(key) or ()), noun) for key, noun, *_ in _FIXED_WORDS)
    return ", ".join(counted(count, noun) for count, noun in counts if count)


# Per list of the `fixed` section: its noun, and what it did in the base build and does now
# (one, many): a seed loads, a snapshot runs, where a model builds.
_FIXED_WORDS = (
    ("tests", "test", "failed", "passes", "pass"),
    ("models", "model", "errored", "builds", "build"),
    ("seeds", "seed", "errored", "loads", "load"),
    ("snapshots", "snapshot", "errored", "runs", "run"),
)


def other_sections(report: dict[str, Any]) -> list[tuple[str, list[Table]]]:
    """The sections without a shape of their own, each with its tables: the policies as
    `policy_table` words them, any other as `section_tables` lays it out."""
    found = []
    for name, section in report["sections"].items():
        if name in OWN_SHAPE_SECTIONS or section in (None, {}, []):
            continue
        policies = (
            policy_table(section, report["inputs"].get("config")) if name == "policies" else None
        )
        shown = baseline_shown(section) if name == "baseline" else section
        found.append((name, [policies] if policies else section_tables(name, shown)))
    return found


def baseline_shown(section: Any) -> Any:
    """The baseline section as a reader reconciles it with the verdict's counts: a matched
    entry whose finding a waiver covers is counted waived, not in the baseline (a waiver comes
    first), so `matched` says how many of them are ("8, 2 of them waived") rather than the
    `waived` key being a row of its own beside it. Another shape (a hand-edited report, one of
    dbtgate before `waived`) as it is."""
    if not isinstance(section, dict):
        return section
    waived = section.get("waived")
    if not isinstance(waived, int) or isinstance(waived, bool) or "matched" not in section:
        return section
    shown = {key: value for key, value in section.items() if key != "waived"}
    if waived:
        shown["matched"] = f"{short_value(section['matched'])}, {waived} of them waived"
    return shown


def policy_table(policies: Any, config: Any) -> Table | None:
    """The policies section as a reader asks of it: what each policy selects, where it is
    written, how many resources it selected and its rules with their severities. Its `line` is
    the policy's line in the config file and says so (a bare `line` beside `selected` read as a
    count); `exclude` only when a policy has one. None for a section of another shape (a
    hand-edited report), which `section_tables` lays out as it is."""
    if not _is_records(policies) or not all(
        isinstance(policy.get("rules", {}), dict) for policy in policies
    ):
        return None
    where = f"line in {config}" if isinstance(config, str) and config else "line in the config"
    excludes = any(policy.get("exclude") for policy in policies)
    headers = ["select", *(["exclude"] if excludes else []), where, "resources selected", "rules"]
    rows = [
        [
            short_value(policy.get("select")),
            *([short_value(policy.get("exclude"))] if excludes else []),
            short_value(policy.get("line")),
            short_value(policy.get("selected")),
            # Every rule: `short_value` cut a policy's list at 200 characters.
            "; ".join(
                f"{code}: {severity}" for code, severity in (policy.get("rules") or {}).items()
            ),
        ]
        for policy in policies
    ]
    return Table("policies", headers, rows)


_CLASS_ORDER = {"breaking": 0, "risky": 1, "safe": 2}


def diff_counts_text(counts: dict[str, Any]) -> str:
    """The schema diff's counts in the one wording every output uses ("2 breaking (1
    acknowledged), 0 risky, 3 safe"): `dbtgate diff`, `check --base` and the reports said them
    three ways. The acknowledged share is said only when there is one."""
    acknowledged = counts.get("acknowledged") or 0
    return (
        f"{counts.get('breaking') or 0} breaking"
        + (f" ({acknowledged} acknowledged)" if acknowledged else "")
        + f", {counts.get('risky') or 0} risky, {counts.get('safe') or 0} safe"
    )


def what_changed(report: dict[str, Any], max_rows: int = 200) -> tuple[str, list[Table]] | None:
    """The change set and the schema diff as a reader wants them: one summary line, then the
    schema changes (class, what, rule) and the changed resources (tests folded into one row per
    state, a PR adding a model adds many). None when the report has neither section."""
    changes = report["sections"].get("changes")
    diff = report["sections"].get("diff")
    summary: list[str] = []
    tables: list[Table] = []
    if _is_change_set(changes):
        summary.append(_change_set_summary(changes))
        rows = _change_set_rows(changes)
        if rows:
            tables.append(
                Table("Changed resources", ["resource", "type", "state", "what differs"], rows)
            )
    elif changes not in (None, {}, []):
        tables.extend(section_tables("changes", changes, max_rows))
    diff_changes = _diff_changes(report)
    if isinstance(diff, dict):
        found = diff_counts_text(diff.get("counts") or {}) if diff_changes else "no changes"
        summary.append(f"schema diff: {found}")
        versions = [diff.get("base_dbt_version"), diff.get("pr_dbt_version")]
        if all(isinstance(v, str) for v in versions) and versions[0] != versions[1]:
            summary.append(f"base built by dbt {versions[0]}, PR by dbt {versions[1]}")
    if diff_changes:
        ordered = sorted(diff_changes, key=lambda c: _CLASS_ORDER.get(c.get("change_class"), 3))
        rows = [
            [str(c.get("change_class") or ""), str(c.get("reason") or ""), str(c.get("code") or "")]
            for c in ordered[:max_rows]
        ]
        if len(ordered) > max_rows:
            rows.append(["", f"… {number(len(ordered) - max_rows)} more changes", ""])
        tables.insert(0, Table("Schema changes", ["class", "change", "rule"], rows))
    if not summary and not tables:
        return None
    return "; ".join(summary), tables


def change_known(report: dict[str, Any]) -> bool:
    """Whether the gate compared the build with a base build (`sections.changes`, the change
    set): then each finding's `changed` says whether it is on what the change touched (a new
    or modified resource, a changed SQL line for lint, a KPI the change lowered); without one
    it cannot tell the change from the rest (a run's or a waiver's finding is `changed` then
    too), and the reports say nothing of the change."""
    changes = report["sections"].get("changes")
    return changes is not None and _is_change_set(changes)


def _is_change_set(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("new", []), list)
        and isinstance(value.get("deleted", []), list)
        and isinstance(value.get("modified", {}), dict)
    )


def resource_name_of(unique_id: str) -> tuple[str, str]:
    """("orders_summary v2", "model") from "model.shop.orders_summary.v2", as the findings name
    a model version (a model's name has no dot: what follows one is its version); a test's hash
    dropped; a unit test named with its model ("test_dollars on fct_orders" from
    "unit_test.shop.fct_orders.test_dollars": its id holds no hash, and its name is unique only
    among its model's)."""
    parts = unique_id.split(".")
    kind = parts[0] if parts else ""
    rest = parts[2:] if len(parts) > 2 else parts[1:]
    if kind == "unit_test" and len(rest) > 1:
        return f"{'.'.join(rest[1:])} on {rest[0]}", kind
    if kind == "test" and len(rest) > 1:
        rest = rest[:-1]
    if kind == "model" and len(rest) == 2 and rest[1].startswith("v"):
        return " ".join(rest), kind
    return ".".join(rest) or unique_id, kind


def _change_set_summary(changes: dict[str, Any]) -> str:
    states = []
    for state, ids in (
        ("new", changes.get("new", [])),
        ("modified", list(changes.get("modified", {}))),
        ("deleted", changes.get("deleted", [])),
    ):
        kinds: dict[str, int] = {}
        for uid in ids:
            kind = resource_name_of(str(uid))[1].replace("_", " ")  # `unit test`
            kinds[kind] = kinds.get(kind, 0) + 1
        if kinds:
            listed = ", ".join(counted(n, kind) for kind, n in kinds.items())
            states.append(f"{state}: {listed}")
    return "; ".join(states) or "no resource changed"


def _change_set_rows(changes: dict[str, Any]) -> list[list[str]]:
    rows: list[list[str]] = []
    modified = changes.get("modified", {})
    for state, ids in (
        ("new", changes.get("new", [])),
        ("modified", list(modified)),
        ("deleted", changes.get("deleted", [])),
    ):
        tests = []
        for uid in ids:
            name, kind = resource_name_of(str(uid))
            if kind in ("test", "unit_test"):
                tests.append(name)
                continue
            rows.append(
                [
                    name,
                    kind.replace("_", " "),  # `semantic model`, as the summary above counts it
                    state,
                    short_value(modified.get(uid)) if state == "modified" else "",
                ]
            )
        if tests:
            label = counted(len(tests), "test")
            rows.append([label, "test", state, _names_within(tests, _TEST_NAMES_ROOM)])
    return rows


# The room a row of tests gives their names: a release adding a model adds its tests by the
# dozen, whose names are long (`accepted_values_customer_segments_segment__prospect__...`).
_TEST_NAMES_ROOM = 200


def _names_within(names: list[str], room: int) -> str:
    """`a, b, c and 4 more`: as many names as fit in `room` characters, each whole (cut at the
    room's edge, the last read `unique_customer_s…`, the name of no test)."""
    shown = 0
    while shown < len(names) and len(first_few(names, shown + 1)) <= room:
        shown += 1
    return first_few(names, max(shown, 1))


class Table(Struct, frozen=True):
    """A report table of plain-text cells. `code_spans`: its cells are prose whose `code` spans
    (commands, settings: the KPI notes) the reports render as code, not as literal backticks."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    code_spans: bool = False


def section_tables(name: str, value: Any, max_rows: int = 200) -> list[Table]:
    """Any JSON section as tables: scalars as key/value rows, lists of objects as tables.

    The section's own scalars are keyed by their names (`dialect`, not `lint / dialect`: the
    table is titled by the section), and a key without a value (None, or an empty list or
    object: the baseline's `gone`, `unchecked` and `carried` when it has none) is left out: an
    empty row a reader must puzzle over says only what the other rows do."""
    tables: list[Table] = []
    scalars: list[list[str]] = []

    def key_of(title: str, key: str) -> str:
        return key_words(key) if title == name else f"{title} / {key_words(key)}"

    def visit(title: str, item: Any) -> None:
        if _is_measure_matrix(item):
            tables.append(_matrix_table(title, item, max_rows))
        elif isinstance(item, dict) and item and all(_is_measure(v) for v in item.values()):
            rows = [[str(key), measure_text(value)] for key, value in item.items()]
            tables.append(Table(title, ["", "value"], rows))
        elif _is_records(item):
            tables.append(_records_table(title, item, max_rows))
        elif isinstance(item, dict) and item and all(isinstance(v, dict) for v in item.values()):
            records = [{"name": key, **value} for key, value in item.items()]
            if _is_flat(records):
                tables.append(_records_table(title, records, max_rows))
            else:
                for key, value in item.items():
                    visit(f"{title} / {key}", value)
        elif isinstance(item, dict):
            for key, value in item.items():
                if isinstance(value, dict | list) and value and not _is_scalar_list(value):
                    visit(f"{title} / {key}", value)
                elif value is not None and value != [] and value != {}:
                    scalars.append([key_of(title, key), short_value(value)])
        else:
            scalars.append([title, short_value(item)])

    visit(name, value)
    if scalars:
        tables.insert(0, Table(name, ["key", "value"], scalars))
    return tables


def key_words(key: str) -> str:
    """A JSON key as a table reads it: `changes from`, not `changes_from`."""
    return key.replace("_", " ")


def percent(value: Any) -> str:
    """A fraction (0.8) as a percentage ("80.0%"); other values as text; None as "–"."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "–" if value is None else str(value)
    return f"{100 * value:.1f}%" if 0 <= value <= 1 else f"{value:g}"


def measure_text(measure: dict[str, Any]) -> str:
    """`{"value": 0.8, "numerator": 4, "denominator": 5}` -> "80.0% (4/5)"."""
    text = percent(measure.get("value"))
    if measure.get("denominator"):
        text += f" ({fraction(measure)})"
    return text


def fraction(measure: dict[str, Any]) -> str:
    """A measure's `numerator/denominator`, counts grouped in thousands (`10,527/10,530`);
    what a hand-edited report holds instead of a count, as it is."""
    parts = (measure.get("numerator"), measure.get("denominator"))
    return "/".join(
        number(part) if isinstance(part, int) and not isinstance(part, bool) else str(part)
        for part in parts
    )


def scorecard_rows(kpis: Any) -> list[list[str]] | None:
    """KPI, value, count, target, status, gated for a `kpis` section with a `scorecard`, and
    on every row "vs base build" (`base_change`) when a KPI has its value in a base build."""
    scorecard = kpis.get("scorecard") if isinstance(kpis, dict) else None
    if not isinstance(scorecard, dict) or not all(isinstance(v, dict) for v in scorecard.values()):
        return None
    with_base = any(isinstance(kpi.get("base"), dict) for kpi in scorecard.values())
    rows = []
    for name, kpi in scorecard.items():
        status = str(kpi.get("status") or "")
        if status == NO_DATA:
            if not kpi.get("gated"):
                continue  # nothing to measure: a note says so (`no_data_notes`)
            row = [str(kpi.get("label") or name), "n/a", "", percent(kpi.get("target")), "n/a"]
            rows.append([*row, "yes" if kpi.get("gated") else ""] + ([""] if with_base else []))
            continue
        count = ""
        if kpi.get("denominator") is not None:
            count = fraction(kpi)
        row = [
            str(kpi.get("label") or name),
            percent(kpi.get("value")),
            count,
            percent(kpi.get("target")),
            status,
            "yes" if kpi.get("gated") else "",
        ]
        rows.append([*row, base_change(kpi)] if with_base else row)
    return rows


# A KPI's status when the build had nothing to measure it on (`dbtgate.status.kpi`).
NO_DATA = "no data"


def no_data_notes(kpis: Any, *, gated: bool) -> list[str]:
    """`tier-1 source freshness: n/a — no source is tier 1`, for each KPI of the scorecard with
    nothing to measure (its `no_data`, dbtgate.status.kpi's words): a row "tier-1 source
    freshness – 0/0", "no data", with an empty change cell read as a KPI that broke. `gated`:
    those the config gates on, which every format lists in its scorecard as "n/a (gated)" with
    this note under it; else the others, which no scorecard lists and the KPI notes say
    (`kpi_breakdown`; the console, which shows the KPIs with a target, leaves them out)."""
    scorecard = kpis.get("scorecard") if isinstance(kpis, dict) else None
    if not isinstance(scorecard, dict):
        return []
    notes = []
    for name, kpi in scorecard.items():
        if not isinstance(kpi, dict) or kpi.get("status") != NO_DATA:
            continue
        if gated != bool(kpi.get("gated")):
            continue
        why = kpi.get("no_data") or "nothing to measure in this build"
        notes.append(f"{kpi.get('label') or name}: n/a — {why}")
    return notes


def expired_waiver_note(details: Any) -> str | None:
    """`waived by @x until 2026-11-01 (config line 12): expired, so it is no longer waived`, for a
    finding a waiver held until it expired (`details.expired_waiver`), else None. Without it
    the finding read as new, and the waiver's end only in a note of its own."""
    entry = details.get("expired_waiver") if isinstance(details, dict) else None
    if not isinstance(entry, dict):
        return None
    line = entry.get("line")
    where = f" (config line {line})" if isinstance(line, int) else ""
    return (
        f"waived by {entry.get('owner')} until {entry.get('expires')}{where}: expired, so it "
        "is no longer waived"
    )


def gated_status(row: list[str]) -> str:
    """A `scorecard_rows` row's status with whether a miss blocks the gate: `below (gated)`, or
    `below (not gated)` for a KPI that is only reported. A "gated" column of its own stood
    empty on every row where no KPI is gated, and a red `below` alone left a release manager
    to guess whether it blocks."""
    if row[5]:
        return f"{row[4]} (gated)"
    return "below (not gated)" if row[4] == "below" else row[4]


def without_gated(cells: list[str]) -> list[str]:
    """A scorecard header or row without its "gated" cell, which `gated_status` folds in."""
    return [*cells[:5], *cells[6:]]


def scorecard_headers(rows: list[list[str]]) -> list[str]:
    """The headers of `scorecard_rows`' rows: "vs base build" last when they have it."""
    return [*SCORECARD_HEADERS, BASE_HEADER] if rows and len(rows[0]) > 6 else SCORECARD_HEADERS


def base_change(kpi: dict[str, Any]) -> str:
    """How the pull request moved a KPI from the base build: `-0.3 pt from 99.0% (75/76)`,
    `unchanged, 100.0% (15/15)`, or nothing when the base did not measure it alike."""
    base, value = kpi.get("base"), kpi.get("value")
    if not isinstance(base, dict) or not isinstance(value, int | float):
        return ""
    was = base.get("value")
    if not isinstance(was, int | float):
        return ""
    if value == was:
        return f"unchanged, {measure_text(base)}"
    return f"{points_moved(value - was)} from {measure_text(base)}"


def points_moved(change: float) -> str:
    """A rate's move (a difference of fractions) in percentage points, as every report writes
    one: `+2.5 pt`, `-0.3 pt`, and `+<0.1 pt` for a move too small for one decimal (`+0.0`
    read as no move at all)."""
    points = 100 * change
    size = f"{abs(points):.1f}" if abs(points) >= 0.05 else "<0.1"
    return f"{'+' if points > 0 else '-'}{size} pt"


def base_moved(change: str) -> str | None:
    """Which way a `base_change` text says the KPI went: "fell", "rose", or None (unchanged,
    or not compared). Every KPI is better higher, so the renderers colour a fall as a miss."""
    return {"-": "fell", "+": "rose"}.get(change[:1])


def base_notes(kpis: Any) -> list[str]:
    """The KPI notes on the scorecard's "vs base build" column: what it compares (a slim CI
    run's pass rate, without the tests this run left out) or why a cell of it is empty. Every report
    prints them under the scorecard, where the column is read."""
    notes = kpis.get("notes") if isinstance(kpis, dict) else None
    if not isinstance(notes, list):
        return []
    return [note for note in notes if isinstance(note, str) and note.startswith(BASE_NOTE)]


def kpi_breakdown(kpis: Any, max_rows: int = 200) -> list[Table]:
    """The KPI section beyond the scorecard (by tier, by owner, notes but those under the
    scorecard: `base_notes`), headed with the scorecard's labels ("test coverage", not
    "test_coverage"). The overall measures are left out when a scorecard shows them already."""
    if not isinstance(kpis, dict):
        return section_tables("KPIs", kpis, max_rows)
    scorecard = kpis.get("scorecard")
    skip = {"scorecard", "project", "generated_at", "invocation_id"}
    if isinstance(scorecard, dict):
        skip.add("overall")
    rest = {key: value for key, value in kpis.items() if key not in skip and key != "notes"}
    # In the reports' order whatever the report's (one written before 2026-12-03 listed
    # "(no owner)" first and tier 10 before tier 2).
    for key, order in (("by_owner", owner_order), ("by_tier", name_order)):
        if isinstance(rest.get(key), dict):
            rest[key] = dict(sorted(rest[key].items(), key=lambda item: order(item[0])))
    notes = kpis.get("notes")
    # By the measure's key, in a matrix's headers, and in words, in a records table's.
    labels: dict[str, str] = {}
    if isinstance(scorecard, dict):
        for key, kpi in scorecard.items():
            if isinstance(kpi, dict) and kpi.get("label"):
                labels[key] = labels[key_words(key)] = str(kpi["label"])
    tables = []
    for table in section_tables("KPIs", rest, max_rows):
        title = key_words(table.title.removeprefix("KPIs / "))
        rows = table.rows
        if title == "by tier":
            rows = [[tier_label(row[0]), *row[1:]] for row in rows]
        headers = [labels.get(header, key_words(header)) for header in table.headers]
        tables.append(Table(title, headers, rows))
    if isinstance(notes, list) and isinstance(scorecard, dict):
        under_scorecard = set(base_notes(kpis))
        notes = no_data_notes(kpis, gated=False) + [
            note for note in notes if note not in under_scorecard
        ]
    if isinstance(notes, list) and notes:
        rows = [[short_value(note, 400)] for note in notes]
        tables.append(Table("notes", ["note"], rows, code_spans=True))
    return tables


SCORECARD_HEADERS = ["KPI", "value", "count", "target", "status", "gated"]
BASE_HEADER = "vs base build"


def _is_measure(value: Any) -> bool:
    return isinstance(value, dict) and "value" in value and "denominator" in value


def _is_measure_matrix(value: Any) -> bool:
    """{group: {metric: {value, numerator, denominator}}}: a KPI breakdown by tier or owner."""
    return (
        isinstance(value, dict)
        and bool(value)
        and all(
            isinstance(row, dict) and row and all(_is_measure(m) for m in row.values())
            for row in value.values()
        )
    )


def _matrix_table(title: str, matrix: dict[str, dict[str, Any]], max_rows: int) -> Table:
    metrics: list[str] = []
    for row in matrix.values():
        metrics.extend(name for name in row if name not in metrics)
    rows = [
        [str(group), *(measure_text(row[m]) if m in row else "" for m in metrics)]
        for group, row in list(matrix.items())[:max_rows]
    ]
    # Said as the records' tables say it: the KPIs of a project's 250 owners stopped at the
    # 200th with nothing to tell the table was not all of them.
    if len(matrix) > max_rows:
        rows.append([f"… {number(len(matrix) - max_rows)} more rows", *[""] * len(metrics)])
    return Table(title, ["", *metrics], rows)


def _is_records(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _is_scalar_list(value: Any) -> bool:
    return isinstance(value, list) and all(not isinstance(v, dict | list) for v in value)


def _is_flat(records: list[dict[str, Any]]) -> bool:
    return all(not isinstance(v, dict) for record in records for v in record.values())


def _records_table(title: str, records: list[dict[str, Any]], max_rows: int) -> Table:
    headers: list[str] = []
    for record in records:
        headers.extend(key for key in record if key not in headers)
    rows = [[short_value(record.get(key)) for key in headers] for record in records[:max_rows]]
    if len(records) > max_rows:
        rows.append([f"… {number(len(records) - max_rows)} more rows", *[""] * (len(headers) - 1)])
    return Table(title, [key_words(key) for key in headers], rows)
