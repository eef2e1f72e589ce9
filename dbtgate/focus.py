"""`check --select/--exclude`: gate a part of the project, as `dbt build --select` builds one.

An engineer working on three models wants their verdict before pushing, not the 40,000
findings of the whole project. Every check still runs on everything (waivers, the baseline and
the KPIs need the whole picture, and a waiver that covers a finding outside the selection is
not stale); the gate then keeps the findings on the selected resources, and on the tests of
those, and decides on them alone. What is left out is counted in a note and the selection is
named in the verdict and the reports' inputs, so a partial verdict never reads as a full one.

Selectors are dbt's, as in the config (`dbtgate.select`); the base build is searched too, so a
selected model that the change removed keeps its breaking-change findings.
"""

from __future__ import annotations

from collections.abc import Iterable

from msgspec import Struct

from dbtgate.checks import CheckContext
from dbtgate.errors import DbtgateError
from dbtgate.findings import Finding, on_resources
from dbtgate.select import Selection, Selector, SelectorError, parse_selector
from dbtgate.wording import counted


class Focus(Struct, frozen=True):
    """What the gate keeps: `selected` unique_ids, named `label` (`--select orders+`) in the
    verdict; `unfocused` names what the command still shows for the whole project."""

    label: str
    selected: set[str]
    unfocused: str = ""


def parse_focus(select: str | None, exclude: str | None) -> tuple[Selector, Selector | None] | None:
    """The command line's selectors (None when neither is given): a mistake is a usage error
    naming the option, raised before any artifact is read."""
    if select is None and exclude is None:
        return None
    parsed: dict[str, Selector] = {}
    for option, text in (("--select", select), ("--exclude", exclude)):
        if text is None:
            continue
        try:
            parsed[option] = parse_selector(text)
        except SelectorError as exc:
            raise DbtgateError(f"{option} {text!r}: {exc}") from None
    return parsed.get("--select") or parse_selector("*"), parsed.get("--exclude")


def _warn_of_parts_selecting_nothing(
    context: CheckContext, selector: Selector, builds: list[Selection], label: str
) -> None:
    """`fct_orders fct_ordrs`: a typo in one part of a union hid behind the part that selects,
    and the gate passed on less than was asked. A part selects nothing when it does in every
    build (a model the pull request removed is selected from the base's)."""
    from dbtgate.rules.policies import parts_selecting_nothing
    from dbtgate.selector_hints import selector_hint

    here, *others = (parts_selecting_nothing(selector, build) for build in builds)
    empty = set(here).intersection(*others)
    context.warnings.extend(
        f"{label}: {part!r} selects no resources{selector_hint(part, *builds)}, so the "
        "verdict covers the other parts only"
        for part in here
        if part in empty
    )


def select_focus(
    context: CheckContext, selector: Selector, exclude: Selector | None, label: str
) -> set[str]:
    """The unique_ids selected in the pull request's build and, when there is one, the base's
    (a `state:` method without a base build is an error naming `label`)."""
    from dbtgate.rules.policies import context_selection

    builds = [context_selection(context)]
    if context.base is not None and builds[0].state is not None:
        builds.append(Selection(context.base, builds[0].state))
    selected: set[str] = set()
    excluded: set[str] = set()
    for selection in builds:
        try:
            selected |= selection.select(selector, exclude)
            excluded |= selection.select(exclude) if exclude is not None else set()
        except SelectorError as exc:
            raise DbtgateError(f"{label}: {exc}") from None
    if selected and len(selector.terms) > 1:
        _warn_of_parts_selecting_nothing(context, selector, builds, label)
    if exclude is not None and not excluded and not exclude.uses_state:
        # A mistyped name leaves out nothing, and the gate judges what the user meant to exclude:
        # said where it shows. A warning, not an error as for --select: judging more is no
        # silent pass, and an exclusion kept for what may come (`tag:deprecated`) is fine.
        context.warnings.append(
            f"--exclude {exclude.text} excludes nothing: no model, seed, snapshot, source, "
            f"exposure or macro of dbt project {context.project.name!r} matches it (a typo? "
            "`dbt ls --select ...` shows what a selector picks)"
        )
    return selected


def keep_focus(findings: Iterable[Finding], selected: set[str]) -> tuple[list[Finding], int]:
    """The findings on `selected` resources (a test's on the resource it tests), and how many
    others were left out: those on other resources and those on no resource (a KPI, a waiver
    in the config), which are about the whole project."""
    kept: list[Finding] = []
    left_out = 0
    for finding in findings:
        if finding.unique_id is not None and on_resources(finding, selected):
            kept.append(finding)
        else:
            left_out += 1
    return kept, left_out


def focus_note(focus: Focus, left_out: int) -> str:
    note = (
        f"{focus.label}: only findings on the selected resources (and their tests) are reported "
        f"and decide the verdict; {counted(left_out, 'finding')} on other resources or on the "
        "whole project left out"
    )
    return f"{note}. {focus.unfocused} are the whole project's" if focus.unfocused else note
