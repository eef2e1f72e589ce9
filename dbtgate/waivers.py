"""Waivers: accepted exceptions with a reason, an owner and an expiry date.

A waiver covers the findings of one rule (a code, or a pattern such as `docs.*`) on the resources
its selector picks. It never lasts forever: once past its `expires` date it stops waiving, and the
gate says so with a `waiver.expired` finding at the waiver's config line; in its last days
(`waiver_notice_days`) a `waiver.expiring` note says when, so the owner can act before the
findings block. A waiver that covers nothing is reported as `waiver.stale`, so waivers do not
outlive the problem they excused.
"""

from __future__ import annotations

import datetime as dt
import difflib
from fnmatch import fnmatchcase

from dbtgate.checks import CheckContext
from dbtgate.config import Config, Waiver
from dbtgate.errors import DbtgateError
from dbtgate.findings import Finding, Severity, WaiverRef, fingerprint, on_resources
from dbtgate.rules.policies import (
    config_location,
    config_rules,
    context_selection,
    display_config_path,
    parse_config_selector,
)
from dbtgate.rules.registry import Rule
from dbtgate.select import Selector, SelectorError
from dbtgate.wording import counted, days_from_now


def apply_waivers(
    findings: list[Finding], context: CheckContext, *, every_check_ran: bool = True
) -> list[Finding]:
    """Attach the covering waiver to each waived finding; return the waivers' own findings
    (expired, stale) for the gate to report.

    A waiver is stale only if no check could have produced what it waives: `dbtgate diff` and
    `dbtgate lint` run some families only (`every_check_ran` false), so there they never are."""
    config = context.config
    if not config.waivers:
        return []
    today = context.options.get("today") or dt.date.today()
    selection = context_selection(context)
    rules = config_rules(config)
    reported: list[Finding] = []
    for waiver in config.waivers:
        selector = check_waiver(waiver, config, rules)
        try:
            selected = selection.select(selector)
        except SelectorError as exc:
            raise DbtgateError(
                f"{config_location(config, waiver.line)}: select {waiver.select!r}: {exc}"
            ) from None
        covered = [f for f in findings if f.waiver is None and _covers(waiver, selected, f)]
        if waiver.expires < today:
            reported.append(_expired(waiver, config, len(covered)))
            if covered:
                context.notes.append(
                    f"{display_config_path(config)}:{waiver.line}: waiver for {waiver.rule} on "
                    f"{waiver.select!r} expired on {waiver.expires.isoformat()}: "
                    f"{_count_again(len(covered))}"
                )
            continue
        if not covered:
            if every_check_ran:
                reported.append(_stale(waiver, config, bool(selected)))
            continue
        days_left = notice_days_left(waiver, config, today)
        if days_left is not None:
            reported.append(_expiring(waiver, config, len(covered), days_left))
        reference = WaiverRef(
            rule=waiver.rule,
            select=waiver.select,
            reason=waiver.reason,
            owner=waiver.owner,
            expires=waiver.expires.isoformat(),
        )
        for finding in covered:
            finding.waiver = reference
    return reported


def notice_days_left(waiver: Waiver, config: Config, today: dt.date) -> int | None:
    """The days left to an active waiver in its notice window (`waiver_notice_days`: its
    expiry is announced), else None (expired, or not yet due)."""
    days_left = (waiver.expires - today).days
    return days_left if 0 <= days_left < config.waiver_notice_days else None


def check_waiver(waiver: Waiver, config: Config, rules: dict[str, Rule]) -> Selector:
    """What a waiver must be, whatever the build (a known code, a reason and an owner, a
    selector that parses): an error at its line. Returns its parsed selector."""
    _check_rule(waiver, config, rules)
    _check_accountable(waiver, config)
    return parse_config_selector(waiver.select, config, waiver.line, "select")


def _check_rule(waiver: Waiver, config: Config, rules: dict[str, Rule]) -> None:
    """A waiver must name a code that exists, so a typo does not quietly waive nothing: a policy
    rule, or a documented code of another family (breaking.*, run.*, kpi.*). Patterns are taken
    as is, and so are `lint.<CODE>` (sqlfluff's rules, which depend on its version) and families
    dbtgate does not know (a plugin's findings)."""
    from dbtgate.codes import code_docs

    code = waiver.rule
    family = code.split(".", 1)[0]
    if family == "lint" or any(ch in code for ch in "*?["):
        return
    documented = code_docs()
    families = {r.family for r in rules.values()} | {c.split(".", 1)[0] for c in documented}
    if family not in families or code in rules or code in documented:
        return
    close = difflib.get_close_matches(code, [*rules, *documented], n=1)
    hint = f"did you mean {close[0]}?" if close else "see `dbtgate rules`"
    raise DbtgateError(
        f"{config_location(config, waiver.line)}: waiver: unknown rule {code!r} ({hint})"
    )


def _check_accountable(waiver: Waiver, config: Config) -> None:
    """A waiver is an accepted exception: someone answers for it, for a stated reason."""
    for key in ("reason", "owner"):
        if not getattr(waiver, key).strip():
            raise DbtgateError(
                f"{config_location(config, waiver.line)}: waiver for {waiver.rule}: `{key}` is "
                "empty (a waiver needs the reason it is accepted and the owner who answers for it)"
            )


def _covers(waiver: Waiver, selected: set[str], finding: Finding) -> bool:
    if not fnmatchcase(finding.code, waiver.rule):
        return False
    if finding.unique_id is None:
        # Findings on the whole selection (tests.coverage) or on files: only `select: "*"`.
        return waiver.select.strip() == "*"
    return on_resources(finding, selected)


def _waiver_finding(
    code: str,
    waiver: Waiver,
    config: Config,
    message: str,
    fix: str,
    details: dict,
    severity: Severity = "warn",
) -> Finding:
    key = f"{waiver.rule} @ {waiver.select}"
    return Finding(
        code=code,
        severity=severity,
        message=message,
        key=key,
        path=display_config_path(config),
        line=waiver.line or None,
        fix=fix,
        owner=waiver.owner,
        fingerprint=fingerprint(Finding(code=code, severity="warn", message="", key=key)),
        details={
            "rule": waiver.rule,
            "select": waiver.select,
            "owner": waiver.owner,
            "reason": waiver.reason,
            "expires": waiver.expires.isoformat(),
            **details,
        },
    )


def _expired(waiver: Waiver, config: Config, covered: int) -> Finding:
    return _waiver_finding(
        "waiver.expired",
        waiver,
        config,
        f"waiver for {waiver.rule} on {waiver.select!r} (owner {waiver.owner}) expired on "
        f"{waiver.expires.isoformat()}; it no longer waives {counted(covered, 'finding')}",
        "Fix the findings, or renew the waiver with a new expiry date and reason.",
        {"findings": covered},
    )


def _expiring(waiver: Waiver, config: Config, covered: int, days_left: int) -> Finding:
    return _waiver_finding(
        "waiver.expiring",
        waiver,
        config,
        f"waiver for {waiver.rule} on {waiver.select!r} (owner {waiver.owner}) expires "
        f"{days_from_now(days_left)}, on {waiver.expires.isoformat()}; then {_count_again(covered)}",
        "Fix the findings before then, or renew the waiver: a new `expires` date and an "
        "updated `reason`.",
        {"findings": covered, "days_left": days_left},
        # A notice: it never blocks, not even under `fail_on: warn`.
        severity="info",
    )


def _count_again(covered: int) -> str:
    """`its 1 finding counts again`, `its 3 findings count again`."""
    return f"its {counted(covered, 'finding')} count{'s' if covered == 1 else ''} again"


def _stale(waiver: Waiver, config: Config, selects_something: bool) -> Finding:
    why = (
        "matches no finding"
        if selects_something
        else "selects no resource (renamed or deleted?) and matches no finding"
    )
    return _waiver_finding(
        "waiver.stale",
        waiver,
        config,
        f"waiver for {waiver.rule} on {waiver.select!r} (owner {waiver.owner}) {why}",
        "Remove the waiver from the config: the problem it excused is gone.",
        {},
    )
