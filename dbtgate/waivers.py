"""Waivers: accepted exceptions with a reason, an owner and an expiry date.

A waiver covers the findings of one rule (a code, or a pattern such as `docs.*`) on the resources
its selector picks. It never lasts forever: once past its `expires` date it stops waiving, and the
gate says so with a `waiver.expired` finding at the waiver's config line; in its last days
(`waiver_notice_days`) a `waiver.expiring` note says when, so the owner can act before the
findings block. A waiver that covers nothing is reported as `waiver.stale`, so waivers do not
outlive the problem they excused. Waivers may overlap: each finding is held by the active
waiver that lasts longest, so a renewal takes over from the entry it renews.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from fnmatch import fnmatchcase
from itertools import groupby
from operator import attrgetter
from typing import Any

from msgspec import Struct

from dbtgate.checks import CheckContext
from dbtgate.config import Config, Waiver
from dbtgate.errors import DbtgateError
from dbtgate.findings import (
    SEVERITY_ORDER,
    Finding,
    Severity,
    WaiverRef,
    fingerprint,
    on_resources,
)
from dbtgate.near_miss import intended_family, near_code
from dbtgate.report.view import family_rank
from dbtgate.rules.policies import (
    UnknownRule,
    attempt,
    config_location,
    config_rules,
    context_selection,
    display_config_path,
    parse_config_selector,
)
from dbtgate.rules.registry import Rule
from dbtgate.select import Selector, SelectorError
from dbtgate.selector_hints import selector_hint
from dbtgate.today import waiver_today
from dbtgate.waiver_baseline import BaselineHold
from dbtgate.wording import counted, days_from_now, first_few


def apply_waivers(
    findings: list[Finding], context: CheckContext, *, every_check_ran: bool = True
) -> list[Finding]:
    """Attach the covering waiver to each waived finding; return the waivers' own findings
    (expired, expiring, stale) for the gate to report.

    Waivers may overlap (a renewal below the old entry, a broad `owner.*` beside a narrow one):
    a finding is claimed by the active waiver that lasts longest (`_claim`), and a waiver whose
    findings others hold is neither stale nor announced as letting them count again. A waiver is
    stale only if no check could have produced what it waives: `dbtgate diff` and `dbtgate lint`
    run some families only (`every_check_ran` false), so there they never are."""
    config = context.config
    if not config.waivers:
        return []
    today = waiver_today(context.options)
    matches = _matches(findings, context)
    holders = _claim(matches, today)
    in_baseline = BaselineHold(context, (f for match in matches for f in match.covered))
    _name_expired_entries(matches, holders, today)
    reported: list[Finding] = []
    for match in matches:
        waiver, covered = match.waiver, match.covered
        if waiver.expires < today:
            if not covered and not every_check_ran:
                continue  # its rule's family may not have run here: `check` judges it
            # Its finding says it, at its line: a note saying it again was a second mention
            # in the console and a third in every report's notes.
            reported.append(_expired(match, config, holders, in_baseline))
        elif not covered:
            if every_check_ran:
                reported.append(_stale(match, config))
        elif (days_left := notice_days_left(waiver, config, today)) is not None:
            reported.append(_expiring(match, config, holders, days_left, in_baseline))
    return reported


class _Match(Struct):
    """A waiver and every finding it covers, whether or not another waiver holds them."""

    waiver: Waiver
    covered: list[Finding]
    selects_something: bool
    hint: str  # ` (did you mean x?)` when it selects nothing and a tag or name is near
    # Findings of its rule on no one resource (a KPI, tests.coverage), which only `select: "*"`
    # waives: its count, for the stale waiver's message.
    whole: int = 0


def _matches(findings: list[Finding], context: CheckContext) -> list[_Match]:
    """Each waiver with the findings it covers, in file order; a waiver that is wrong whatever
    the build (unknown code, bad selector) stops the run at its line."""
    config = context.config
    selection = context_selection(context)
    rules = config_rules(config)
    matches = []
    for waiver in config.waivers:
        selector = check_waiver(waiver, config, rules)
        try:
            selected = selection.select(selector)
        except SelectorError as exc:
            raise DbtgateError(
                f"{config_location(config, waiver.line)}: select {waiver.select!r}: {exc}"
            ) from None
        covered = [f for f in findings if _covers(waiver, selected, f)]
        hint = "" if selected else selector_hint(waiver.select, selection)
        whole = 0
        if not covered and waiver.select.strip() != "*":
            whole = sum(
                1 for f in findings if f.unique_id is None and fnmatchcase(f.code, waiver.rule)
            )
        matches.append(_Match(waiver, covered, bool(selected), hint, whole))
    return matches


def _claim(matches: list[_Match], today: dt.date) -> dict[int, Waiver]:
    """Give each covered finding to the active waiver that lasts longest (the first in the file
    among equals), so the report names the waiver that actually holds it. Returns the holder
    of each waived finding, by the finding's id (findings are not hashable)."""
    holders: dict[int, Waiver] = {}
    active = [match for match in matches if match.waiver.expires >= today]
    # sorted() is stable: among waivers of one date, the first in the file claims first.
    for match in sorted(active, key=lambda match: match.waiver.expires, reverse=True):
        waiver = match.waiver
        reference = WaiverRef(
            rule=waiver.rule,
            select=waiver.select,
            reason=waiver.reason,
            owner=waiver.owner,
            expires=waiver.expires.isoformat(),
        )
        for finding in match.covered:
            if id(finding) not in holders:
                holders[id(finding)] = waiver
                finding.waiver = reference
    return holders


def _name_expired_entries(
    matches: list[_Match], holders: dict[int, Waiver], today: dt.date
) -> None:
    """Each finding that counts again because its waiver expired names that entry in its
    details (`expired_waiver`: line, rule, select, owner, expires; of several, the one that
    lasted longest, as `_claim` would pick): the waiver `check` suggests for it renews that
    entry instead of adding a second one beside it, and the reports say what waived it until
    when."""
    expired = [match for match in matches if match.waiver.expires < today]
    for match in sorted(expired, key=lambda match: match.waiver.expires, reverse=True):
        waiver = match.waiver
        entry = {
            "line": waiver.line or None,
            "rule": waiver.rule,
            "select": waiver.select,
            "owner": waiver.owner,
            "expires": waiver.expires.isoformat(),
        }
        for finding in match.covered:
            if id(finding) not in holders and "expired_waiver" not in finding.details:
                # A new dict: a check may share one details dict between findings.
                finding.details = {**finding.details, "expired_waiver": entry}


def _counting_again(match: _Match, holders: dict[int, Waiver]) -> list[Finding]:
    """The findings of `match` that count again once its waiver has expired: those no waiver
    lasting longer holds."""
    expires = match.waiver.expires
    return [
        finding
        for finding in match.covered
        if id(finding) not in holders or holders[id(finding)].expires <= expires
    ]


def _held_longer(match: _Match, holders: dict[int, Waiver]) -> str:
    """`the waiver at line 9 (until 2027-03-31)`: who keeps the findings of `match` waived
    after it ends; empty when nobody does."""
    expires = match.waiver.expires
    longer = {
        holder.line: holder
        for finding in match.covered
        if (holder := holders.get(id(finding))) is not None and holder.expires > expires
    }
    if not longer:
        return ""
    named = [f"{line} (until {longer[line].expires.isoformat()})" for line in sorted(longer)]
    return f"the waiver{'s' if len(named) > 1 else ''} at line{'s' if len(named) > 1 else ''} " + (
        ", ".join(named)
    )


# How long the waiver `check` suggests for a blocking finding lasts: a sprint or two, then its
# owner renews it with a reason or the finding counts again.
SUGGESTED_WAIVER_DAYS = 30
# Its placeholders, refused as they are (`_check_accountable`): pasted, they would accept the
# finding for no stated reason, or for nobody.
SUGGESTED_REASON = "why it may ship as it is, and what will fix it"
SUGGESTED_OWNER = "@your-team"
# Families whose fix names a way out of their own, not a waiver: an acknowledgement, `dbtgate
# lint --fix`, renewing or removing the waiver entry itself.
_OWN_WAY_OUT = frozenset({"breaking", "lint", "waiver"})
# Findings on a build that did not happen as the change needs, whose way out is a build: a
# model that errored or was skipped (a waiver would ship a model that does not build), a
# changed model not built, results of another build.
_BUILD_WAY_OUT = frozenset({"run.errors", "run.not_run", "run.skipped", "run.stale_results"})
_SEVERITY_AND_CODE = attrgetter("severity", "code")


def finding_to_waive(findings: list[Finding], config: Config) -> Finding | None:
    """The blocking finding a failing run suggests a waiver for: the most needed (the most
    severe, then run status before policy: `view.family_rank`, the order the console prints a
    long group in) of those a waiver is the way out for (not a breaking change, lint, a
    waiver's own finding, or a build to redo: `_BUILD_WAY_OUT`), the first in report order among
    equals; one whose waiver expired before any other (`suggested_waiver` renews its entry).
    None when nothing such blocks, or when the config is TOML (pyproject.toml, or a pipe of one), where
    a YAML entry cannot be pasted."""
    if config.toml:
        return None
    # Ranked once per run of one severity and code, which report order keeps together (a few
    # hundred runs of the 37,000 findings that block at 10,000 models), not once per finding:
    # a key per finding and its lookup were most of the pass. Any order gives the same answer.
    best: Finding | None = None
    best_rank: tuple[int, ...] | None = None
    for (severity, code), run in groupby(findings, key=_SEVERITY_AND_CODE):
        family = code.split(".", 1)[0]
        if family in _OWN_WAY_OUT or code in _BUILD_WAY_OUT:
            continue
        rank = (SEVERITY_ORDER.get(severity, 9), family_rank(family))
        # Its entry expired: renewing it is the one decision to take again, first.
        renewal = (-1, *rank)
        for finding in run:
            if finding.disposition != "blocking":
                continue
            ranked = renewal if "expired_waiver" in finding.details else rank
            if best_rank is None or ranked < best_rank:
                best, best_rank = finding, ranked
    return best


def suggested_waiver(finding: Finding, today: dt.date, config: Config) -> dict[str, Any]:
    """The entry that waives `finding` (`entry`, for `view.suggested_waiver_lines`): its code,
    the resource it is on (a failed test's: the model it tests, which covers it), the
    finding's owner, an end date SUGGESTED_WAIVER_DAYS ahead and a reason to write. A finding
    whose waiver expired (`expired_waiver`) gets that entry renewed instead (`renews`: its line
    and date): its rule, selection and owner, a new end date, and the reason to write again
    (renewing is deciding again). `indent`: how the config indents its lists
    (`Config.waiver_indent`, recorded as the config was read), for the entry to paste as it is."""
    details = finding.details or {}
    expired = details.get("expired_waiver")
    renews = None
    if isinstance(expired, dict):
        rule, select, owner = expired["rule"], expired["select"], expired["owner"]
        renews = {"line": expired["line"], "expires": expired["expires"]}
    else:
        tested = details.get("tested_resource")
        rule = finding.code
        select = tested if isinstance(tested, str) else finding.unique_id or "*"
        owner = finding.owner or SUGGESTED_OWNER
    expires = today + dt.timedelta(days=SUGGESTED_WAIVER_DAYS)
    return {
        "code": finding.code,
        "fingerprint": finding.fingerprint,
        "entry": {
            "rule": rule,
            "select": select,
            "reason": SUGGESTED_REASON,
            "owner": owner,
            "expires": expires.isoformat(),
        },
        "renews": renews,
        "indent": config.waiver_indent,
    }


def notice_days_left(waiver: Waiver, config: Config, today: dt.date) -> int | None:
    """The days left to an active waiver in its notice window (`waiver_notice_days`: its
    expiry is announced), else None (expired, or not yet due)."""
    days_left = (waiver.expires - today).days
    return days_left if 0 <= days_left < config.waiver_notice_days else None


def check_waiver(
    waiver: Waiver,
    config: Config,
    rules: dict[str, Rule],
    problems: list[DbtgateError] | None = None,
) -> Selector | None:
    """What a waiver must be, whatever the build (a known code, a reason and an owner, a
    selector that parses): an error at its line. Returns its parsed selector. With `problems`
    (`dbtgate validate`) each error is appended there, and one does not hide the next (an
    unknown code, which may be a plugin's that failed to load, and an empty reason)."""
    attempt(problems, _check_rule, waiver, config, rules)
    attempt(problems, _check_accountable, waiver, config)
    return attempt(problems, parse_config_selector, waiver.select, config, waiver.line, "select")


def _check_rule(waiver: Waiver, config: Config, rules: dict[str, Rule]) -> None:
    """A waiver must name a code that exists, or a pattern that matches one, so a typo in a
    code or a family (`doc.*`, `owners.present`) does not quietly waive nothing: a policy rule
    (dbtgate's or a plugin's), or a documented code of another family (breaking.*, run.*,
    kpi.*). `lint.<CODE>` is taken as is: sqlfluff's rules depend on its version."""
    from dbtgate.codes import code_docs

    code = waiver.rule
    if code.startswith("lint.") or fnmatchcase("lint.LT01", code):
        return
    known = [*rules, *code_docs()]
    if any(fnmatchcase(name, code) for name in known):
        return
    raise UnknownRule(
        f"{config_location(config, waiver.line)}: waiver: {_unknown_rule(code, known, config)}",
        code,
        waiver.line,
    )


def _unknown_rule(code: str, known: list[str], config: Config) -> str:
    """Why no code matches `code`, with the code it is a typo of or the family it means; a
    family nobody registers is told apart, since with plugins listed the one defining it may
    not be among them."""
    family = code.split(".", 1)[0]
    pattern = any(ch in code for ch in "*?[")
    what = f"rule {code!r} matches no code" if pattern else f"unknown rule {code!r}"
    guess = _closest(code, known, pattern=pattern)
    if guess is not None:
        return f"{what} (did you mean {guess}?)"
    meant = intended_family(code, known)
    if meant is not None:
        return f"{what} (`dbtgate rules {meant}` lists the codes of {meant})"
    if config.plugins:
        return (
            f"{what}: no rule of family {family!r} is registered, by dbtgate or the plugins "
            f"listed ({', '.join(config.plugins)}); is the plugin that defines it among them?"
        )
    return (
        f"{what}: dbtgate has no family {family!r} (a plugin's rules: list the plugin under "
        "`plugins:`; `dbtgate rules` lists every code)"
    )


def _closest(code: str, known: list[str], *, pattern: bool) -> str | None:
    """The code `code` is a typo of (not for a pattern) or, for a pattern of a mistyped family,
    the pattern in the family meant when it names a code: `doc.*` -> `docs.*`."""
    if not pattern:
        return near_code(code, known)
    family = code.split(".", 1)[0]
    meant = intended_family(code, known)
    if meant is None or meant == family:
        return None
    guess = f"{meant}{code[len(family) :]}"
    return guess if any(fnmatchcase(name, guess) for name in known) else None


def _check_accountable(waiver: Waiver, config: Config) -> None:
    """A waiver is an accepted exception: someone answers for it, for a stated reason."""
    for key, placeholder in (("reason", SUGGESTED_REASON), ("owner", SUGGESTED_OWNER)):
        value = getattr(waiver, key).strip()
        if not value or value == placeholder:
            said = "is empty" if not value else f"is still the placeholder {placeholder!r}"
            raise DbtgateError(
                f"{config_location(config, waiver.line)}: waiver for {waiver.rule}: `{key}` "
                f"{said} (a waiver needs the reason it is accepted and the owner who answers "
                "for it)"
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
    """A finding about a waiver entry, at its line. Under `scope: changed` it is among the
    change's findings whatever the change touched (`changed`), as a KPI is: the entry is the
    team's own config, and an expired one may block (`fail_on: warn`), so filing it outside the
    change would hide what fails the gate, or what will."""
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
        changed=True,
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


def _expired(
    match: _Match,
    config: Config,
    holders: dict[int, Waiver],
    in_baseline: BaselineHold,
) -> Finding:
    """`waiver.expired`: the entry must go or be renewed; what it covered counts again, unless
    a waiver lasting longer holds it, which the message then names. Findings the baseline holds
    too (`in_baseline`, under a renamed resource's old name too) do not block, and the notice
    says so, as `waiver.expiring` says they will not: "no longer waives" alone read as the
    cause of a red build."""
    waiver = match.waiver
    baselined = 0
    old_names: list[str] = []

    def now(again: list[Finding]) -> str:
        nonlocal baselined
        if not again:
            return "nothing it covered is found any more"
        held = [finding for finding in again if in_baseline.holds(finding)]
        baselined = len(held)
        old_names.extend(_old_names(held, in_baseline))
        return _no_longer_waives(len(again), baselined) + _under_old_names(old_names, baselined)

    message, again, all_held = _ending(
        match,
        holders,
        f"waiver for {waiver.rule} on {waiver.select!r} (owner {waiver.owner}) expired on "
        f"{waiver.expires.isoformat()}",
        now,
    )
    if all_held:
        fix = "Remove the expired waiver: another waiver covers its findings."
    elif not match.covered:
        fix = "Remove the expired waiver: it waives nothing in this build."
    elif baselined == again:
        fix = (
            "Remove the expired waiver: the baseline holds its findings, which do not block "
            "(fixing them pays that debt off)."
        )
    else:
        fix = "Fix the findings, or renew the waiver: a new `expires` date and an updated `reason`."
    fix += _prune_hint(old_names, in_baseline)
    return _waiver_finding(
        "waiver.expired",
        waiver,
        config,
        message,
        fix,
        {
            "findings": again,
            "held_by_others": len(match.covered) - again,
            **({"held_by_baseline": baselined} if baselined else {}),
            **({"held_under_old_names": len(old_names)} if old_names else {}),
        },
    )


def _expiring(
    match: _Match,
    config: Config,
    holders: dict[int, Waiver],
    days_left: int,
    in_baseline: BaselineHold,
) -> Finding:
    """`waiver.expiring`: what will count again on the date, for the owner to act on; when a
    waiver lasting longer holds every finding, only that this entry can go. Findings the
    baseline holds too (`in_baseline`, under a renamed resource's old name too) will not block
    once the waiver ends, and the notice says so: "will no longer be waived" alone read as a
    red build to come."""
    waiver = match.waiver
    baselined = 0
    old_names: list[str] = []

    def then(again: list[Finding]) -> str:
        nonlocal baselined
        held = [finding for finding in again if in_baseline.holds(finding)]
        baselined = len(held)
        old_names.extend(_old_names(held, in_baseline))
        counted_again = _will_count_again(len(again), baselined)
        return f"then {counted_again}{_under_old_names(old_names, baselined)}"

    message, again, all_held = _ending(
        match,
        holders,
        f"waiver for {waiver.rule} on {waiver.select!r} (owner {waiver.owner}) expires "
        f"{days_from_now(days_left)}, on {waiver.expires.isoformat()}",
        then,
    )
    if all_held:
        fix = (
            "Remove this waiver: another that lasts longer covers its findings (left in the "
            "config, it is reported as expired once its date has passed)."
        )
    elif again and baselined == again:
        fix = (
            "Let the waiver expire, or remove it: the baseline holds its findings, which will "
            "not block (fixing them pays that debt off)."
        )
    else:
        fix = (
            "Fix the findings before then, or renew the waiver: a new `expires` date and an "
            "updated `reason`."
        )
    fix += _prune_hint(old_names, in_baseline)
    return _waiver_finding(
        "waiver.expiring",
        waiver,
        config,
        message,
        fix,
        {
            "findings": again,
            "held_by_others": len(match.covered) - again,
            "days_left": days_left,
            **({"held_by_baseline": baselined} if baselined else {}),
            **({"held_under_old_names": len(old_names)} if old_names else {}),
        },
        # A notice: it never blocks, not even under `fail_on: warn`.
        severity="info",
    )


def _ending(
    match: _Match,
    holders: dict[int, Waiver],
    about: str,
    counting_again: Callable[[list[Finding]], str],
) -> tuple[str, int, bool]:
    """The message of a waiver that ends (`about`), then what becomes of its findings: those no
    longer waived (`counting_again(findings)`), and those a waiver lasting longer keeps waived.
    Also how many count again, and whether another waiver holds them all."""
    findings = _counting_again(match, holders)
    again = len(findings)
    held = _held_longer(match, holders)
    if held and not again:
        return f"{about}; {_stays_waived(len(match.covered), held)}", again, True
    message = f"{about}; {counting_again(findings)}"
    if held:
        message += f"; {_stays_waived(len(match.covered) - again, held, more=True)}"
    return message, again, False


def _stays_waived(count: int, held: str, *, more: bool = False) -> str:
    """`its 1 finding stays waived by the waiver at line 9 (until 2027-03-31)`, or with `more`
    (after the findings that count again) `2 more stay waived by ...`."""
    verb = "stays" if count == 1 else "stay"
    what = f"{count} more" if more else f"its {counted(count, 'finding')}"
    return f"{what} {verb} waived by {held}"


def _no_longer_waives(covered: int, baselined: int) -> str:
    """`it no longer waives 2 findings`, and what the baseline holds of them, which does not
    block: `but the baseline holds them: they do not block`, or `; the baseline holds 1 of
    them, which does not block` (the present of `_will_count_again`)."""
    said = f"it no longer waives {counted(covered, 'finding')}"
    if not baselined:
        return said
    if baselined == covered:
        held = "it: it does" if covered == 1 else "them: they do"
        return f"{said}, but the baseline holds {held} not block"
    which = "does" if baselined == 1 else "do"
    return f"{said}; the baseline holds {baselined} of them, which {which} not block"


def _will_count_again(covered: int, baselined: int = 0) -> str:
    """`its 3 findings will no longer be waived`: the words said "counts again", which read as
    blocking of a finding outside the change, where it is only advisory. Those the baseline
    holds (`baselined`) will be counted in the baseline, which never blocks: `its 2 findings
    will no longer be waived but held by the baseline: they will not block`."""
    said = f"its {counted(covered, 'finding')} will no longer be waived"
    if not baselined:
        return said
    if baselined == covered:
        they = "it" if covered == 1 else "they"
        return f"{said} but held by the baseline: {they} will not block"
    return f"{said}; the baseline holds {baselined} of them, which will not block"


def _old_names(held: list[Finding], in_baseline: BaselineHold) -> list[str]:
    """The old name the baseline holds each finding of `held` under, for those it holds under
    a name the finding's resource (or column) had before a rename."""
    return [name for f in held if (name := in_baseline.old_name(f)) is not None]


def _under_old_names(old_names: list[str], baselined: int) -> str:
    """` (under stg_customers, its resource's name before a rename)`, ` (1 of them under ...)`:
    the baseline holds a renamed resource's findings by the name it had, which the notice says,
    as the baseline's own note on entries carried to a new name does."""
    if not old_names:
        return ""
    names = sorted(set(old_names))
    renamed = len(old_names)
    which = "" if renamed == baselined else f"{renamed} of them "
    whose = "its resource's name" if renamed == 1 else "their resource's name"
    if len(names) > 1:
        whose = "their resources' names"
    return f" ({which}under {first_few(names, 3)}, {whose} before a rename)"


def _prune_hint(old_names: list[str], in_baseline: BaselineHold) -> str:
    """What keeps the findings held under an old name: the baseline pairs them with it while
    the rename can still be told (the file unchanged, or git reading it as renamed), so the
    notice says to record them under the new name."""
    if not old_names:
        return ""
    them = "it" if len(old_names) == 1 else "them"
    return (
        f" Run `{in_baseline.prune}` too: the baseline holds {them} under the old name only "
        "while the rename can be told (the file unchanged, or git reading it as renamed); "
        "pruned, under the new one."
    )


def _stale(match: _Match, config: Config) -> Finding:
    """`waiver.stale`: why the entry waives nothing, and where it is, to remove it (or, for a
    resource renamed, point it at the new name): a waiver whose finding was fixed lingers, and
    would waive a new problem of its rule and selection that nobody reviewed."""
    waiver = match.waiver
    where = display_config_path(config) + (f":{waiver.line}" if waiver.line else "")
    if match.whole:
        # `rule: "kpi.*", select: "tier:1"`: the finding is there, on the whole project.
        found = (
            f"the {waiver.rule} finding is"
            if match.whole == 1
            else f"the {match.whole} {waiver.rule} findings are"
        )
        why = (
            f"matches no finding: {found} on the whole project or a policy's selection, which "
            'only `select: "*"` waives'
        )
        fix = f'Set its `select: "*"` to waive them, or remove the waiver at {where}.'
    elif match.selects_something:
        why = (
            f"matches no finding: the {waiver.rule} finding it waived is no longer reported, so "
            f"the entry at {where} can be removed"
        )
        fix = f"Remove the waiver at {where}: what it waived is no longer reported."
    else:
        why = f"selects no resource{match.hint or ' (renamed or deleted?)'} and matches no finding"
        fix = (
            f"Remove the waiver at {where}, or point its `select` at the resource's new name if "
            "it was renamed."
        )
    return _waiver_finding(
        "waiver.stale",
        waiver,
        config,
        f"waiver for {waiver.rule} on {waiver.select!r} (owner {waiver.owner}) {why}",
        fix,
        {},
    )
