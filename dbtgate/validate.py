"""`dbtgate validate`: is the config right, before any dbt build?

Someone editing dbtgate.yml wants to know that the rule codes, parameters, selectors, waivers
and lint settings are right without building the project: `check` needs the artifacts to say
so. This runs every check of the config that does not need a manifest, the same code `check`
runs (so the two give the same error), and says what the config holds, and which waivers have
expired or expire soon (the `waiver.expired` / `waiver.expiring` of the next gate). Lint
settings are checked whenever they are set, even with `lint.enabled: false`, where `check`
would meet a wrong dialect only once lint is switched on.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from dbtgate.baseline import configured_baseline, load_baseline
from dbtgate.config import Config, Waiver, codeowners_location, configured_project_dir
from dbtgate.errors import DbtgateError
from dbtgate.rules.codeowners import find_codeowners
from dbtgate.rules.policies import (
    UnknownRule,
    attempt,
    compile_policies,
    config_location,
    config_rules,
)
from dbtgate.waivers import check_waiver, notice_days_left
from dbtgate.wording import counted, days_from_now


@dataclass
class Validation:
    """What a valid config holds (`summary`), what the next gate will say about its waivers
    (`warnings`: expired, expiring), and every problem found (`problems`, each the error
    `check` would stop at, in the order of their lines): the config is valid without any."""

    summary: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # While a plugin fails to load, the codes of policy rules and waivers that no loaded rule
    # has (`acme.pii (line 7)`): likely the failed plugin's, so not called problems.
    unchecked: list[str] = field(default_factory=list)


def validate_config(
    config: Config, today: dt.date, problems: list[DbtgateError] | None = None
) -> Validation:
    """Every manifest-free check of `config`, each problem listed, not only the first:
    `problems` holds those found while reading the file (`load_config(path, problems)`), and
    the checks below add theirs. A plugin that cannot be loaded is one problem and the rest
    is checked all the same, but a code no loaded rule has is then not called unknown: it may
    be that plugin's (`Validation.unchecked`)."""
    problems = [] if problems is None else problems
    loaded = len(problems)
    rules = config_rules(config, problems)  # plugins load
    plugin_failed = len(problems) > loaded
    # codes, severities, parameters, selectors
    policies = compile_policies(config, rules, problems)
    for waiver in config.waivers:
        check_waiver(waiver, config, rules, problems)
    attempt(problems, lint_problems, config)
    baseline = attempt(problems, configured_baseline, config)
    if baseline is not None:
        attempt(problems, load_baseline, baseline)  # there, and a baseline file
    project_dir = attempt(problems, configured_project_dir, config)  # a dbt project there
    if config.owner.codeowners:  # there, and readable
        where = f"{codeowners_location(config)}: "
        attempt(problems, find_codeowners, project_dir, config.owner.codeowners, where)
    unchecked: list[str] = []
    if plugin_failed:  # a code no loaded rule has may be the failed plugin's
        unknown = sorted((p for p in problems if isinstance(p, UnknownRule)), key=lambda p: p.line)
        unchecked = list(dict.fromkeys(f"{p.code} (line {p.line})" for p in unknown))
        problems = [p for p in problems if not isinstance(p, UnknownRule)]
    result = Validation(problems=_in_line_order(problems, config), unchecked=unchecked)
    rule_count = sum(len(policy.rules) for policy in policies)
    result.summary.append(
        f"{counted(len(policies), 'policy')} ({counted(rule_count, 'rule')}), "
        f"{counted(len(config.waivers), 'waiver')}, "
        f"{counted(len(config.breaking.acknowledge), 'breaking-change acknowledgement')}, "
        f"{counted(len(config.plugins), 'plugin')}"
    )
    result.summary.append(
        f"scope: {config.scope}, fail_on: {config.fail_on}, lint: "
        + (
            f"on ({config.lint.dialect or 'dialect from .sqlfluff, else the dbt adapter'})"
            if config.lint.enabled
            else "off"
        )
        + (f", base: {config.base}" if config.base else "")
        + (f", baseline: {config.baseline}" if config.baseline else "")
    )
    if not config.policies and not set(config.lines) - {"version", "policies"}:
        # Valid, but set nothing: an empty or cut-short file, said as `check` says it. A config
        # of other settings only (breaking changes, waivers) is a choice the summary shows.
        result.warnings.append(
            f"{config.name} has no policies: `check` "
            "applies no rule to the models (run status, freshness, KPIs and breaking changes "
            "are gated as configured)"
        )
    for compiled in policies:
        if not compiled.rules:
            result.warnings.append(
                f"{config_location(config, compiled.policy.line)}: policy select {compiled.policy.select!r} has no "
                "rules: it checks nothing (list them under `rules:`)"
            )
    same_target = _by_target(config.waivers)
    for waiver in config.waivers:
        about = (
            f"{config_location(config, waiver.line)}: waiver for {waiver.rule} on {waiver.select!r}"
        )
        days_left = notice_days_left(waiver, config, today)
        renewal = _renewal(waiver, same_target)
        if waiver.expires < today:
            result.warnings.append(
                f"{about} expired on {waiver.expires.isoformat()}: "
                + (
                    f"{renewal}; remove it"
                    if renewal
                    else "what it waived is no longer waived: renew it (a new `expires` date and an"
                    " updated `reason`) or remove it"
                )
            )
        elif days_left is not None:
            result.warnings.append(
                f"{about} expires {days_from_now(days_left)}, on {waiver.expires.isoformat()}"
                + (f"; {renewal}" if renewal else "")
            )
    return result


def _in_line_order(problems: list[DbtgateError], config: Config) -> list[str]:
    """The problems as printed, by their line in the config (those of no line first), each
    once: a waiver and the policy compile may meet one selector twice."""
    prefix = re.compile(rf"{re.escape(str(config.path))}:(\d+): ")

    def line(text: str) -> int:
        found = prefix.match(text)
        return int(found.group(1)) if found else 0

    texts = list(dict.fromkeys(str(problem) for problem in problems))
    return sorted(texts, key=line)


_Target = tuple[str, tuple[str, ...]]


def _target(waiver: Waiver) -> _Target:
    """A waiver's rule and selector, the selector by its words (spacing aside)."""
    return waiver.rule, tuple(waiver.select.split())


def _by_target(waivers: list[Waiver]) -> dict[_Target, list[Waiver]]:
    """The waivers by rule and selector, grouped once: each waiver looked through every other
    for its renewal (with a selector split per pair), 20 s of `validate` at 2,000 waivers."""
    grouped: dict[_Target, list[Waiver]] = {}
    for waiver in waivers:
        grouped.setdefault(_target(waiver), []).append(waiver)
    return grouped


def _renewal(waiver: Waiver, same_target: dict[_Target, list[Waiver]]) -> str | None:
    """`renewed by the waiver at line 9 (until 2027-03-31)`: a later entry for the same rule
    and selector that lasts longer, which takes the findings over (what `check` says with the
    build in hand; without one, only the same rule and selector can be told to overlap)."""
    later = [other for other in same_target[_target(waiver)] if other.expires > waiver.expires]
    if not later:
        return None
    last = max(later, key=lambda other: other.expires)
    return f"renewed by the waiver at line {last.line} (until {last.expires.isoformat()})"


def lint_problems(config: Config) -> None:
    """The lint settings sqlfluff must know (its dialect, rule allowlist and severity keys),
    checked with sqlfluff only when they are set: its import costs ~0.3 s."""
    lint = config.lint
    if not (lint.dialect or lint.rules or lint.severity):
        return
    from dbtgate.lint.run import (
        check_rule_allowlist,
        known_dialects,
        resolve_severity,
        rule_references,
        unknown_dialect,
    )

    references = rule_references()
    check_rule_allowlist(references, lint, config.path)
    resolve_severity(references, lint, config.path)
    if lint.dialect and lint.dialect not in known_dialects():
        where = f"{config.path}:{lint.line_of('dialect')}: " if config.path else ""
        raise unknown_dialect(lint.dialect, f"{where}lint.dialect: ")
