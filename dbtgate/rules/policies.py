"""The `policies` check family: apply each config policy's rules to the resources it selects.

Everything about the config is validated before any rule runs (rule codes, parameter names and
types, selector syntax), each mistake reported with its config file and line. Each policy's
selector is evaluated once into a set; each rule then runs once per selected resource of the
types it applies to (or once on the whole selection for selection rules such as tests.coverage).
When two policies report the same rule on the same resource, the more severe finding is kept.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from msgspec import Struct

from dbtgate.artifacts.catalog import records_seed_stats
from dbtgate.checks import CheckContext, check
from dbtgate.config import Config, Policy, RuleSetting
from dbtgate.errors import DbtgateError
from dbtgate.findings import SEVERITY_ORDER, Finding, fingerprint
from dbtgate.locate import repository_path
from dbtgate.named_files import File, naming
from dbtgate.near_miss import intended_family, near_code
from dbtgate.project import Project
from dbtgate.rules.registry import (
    NEEDS,
    RULES,
    ParamError,
    Rule,
    Violation,
    load_plugin,
    load_rules,
)
from dbtgate.rules.selection_base import BaseSelections
from dbtgate.select import Selection, Selector, SelectorError, parse_selector
from dbtgate.selector_hints import selector_hint


class CompiledRule(Struct, frozen=True):
    rule: Rule
    severity: str
    params: dict[str, Any]
    setting: RuleSetting


class CompiledPolicy(Struct, frozen=True):
    policy: Policy
    select: Selector
    exclude: Selector | None
    rules: tuple[CompiledRule, ...]


def config_location(config: Config, line: int) -> str:
    path = config.path if config.path is not None else Path("dbtgate.yml")
    return f"{path}:{line}" if line else str(path)


def config_note(config: Config, line: int, *said: str | File) -> str:
    """A note or warning on a line of the config (`analytics/dbtgate.yml:12: ...`), the file
    named as findings name it (`display_config_path`): the same text in every report wherever
    dbtgate runs, its path's span kept (`named_files`) for the console to name it from the
    working directory. An error names the file as given (`config_location`): only the
    console, in the folder it was given from, shows it."""
    if config.path is None:  # no file to name, nor to rewrite
        return naming(config_location(config, line), *said)
    return naming(File(display_config_path(config)), f":{line}" if line else "", *said)


def display_config_path(config: Config) -> str:
    """The config file as findings name it: like every finding path, relative to the root of
    the git repository that holds it (`locate.display_root`), wherever dbtgate runs, so code
    scanning and annotations find the file."""
    if config.path is None:
        return "dbtgate.yml"
    return repository_path(config.path)


def parse_config_selector(text: str, config: Config, line: int, what: str) -> Selector:
    try:
        return parse_selector(text)
    except SelectorError as exc:
        raise DbtgateError(f"{config_location(config, line)}: {what} {text!r}: {exc}") from None


def config_rules(config: Config, problems: list[DbtgateError] | None = None) -> dict[str, Rule]:
    """Every rule, with those of the config's `plugins`: a plugin that cannot be loaded is an
    error at its line in `plugins:`, whether or not a policy or waiver uses its rules.

    The first such error raises (`check`: a gate must not pass without a rule it was given),
    unless `problems` is given (`dbtgate validate`): then each plugin that fails, installed or
    listed, is appended there and the others are still loaded, so the rest of the config is
    checked against every rule that could be."""
    attempt(problems, load_rules)  # an installed plugin that fails: those registered before it
    base_dir = config.folder
    for index, plugin in enumerate(config.plugins):
        attempt(problems, _load_listed_plugin, config, index, plugin, base_dir)
    return RULES


def _load_listed_plugin(config: Config, index: int, plugin: str, base_dir: Path | None) -> None:
    """Load the `index`th plugin of `plugins:`; its error names the config's line of it."""
    try:
        load_plugin(plugin, base_dir)
    except DbtgateError as exc:
        line = config.item_lines.get(f"plugins[{index}]") or config.lines.get("plugins", 0)
        raise DbtgateError(f"{config_location(config, line)}: {exc}") from None


class UnknownRule(DbtgateError):
    """A policy or waiver names a code that no loaded rule has (nor a pattern matching one),
    at `line` of the config. `dbtgate validate` tells it apart: while a plugin fails to load,
    the code may be that plugin's."""

    def __init__(self, message: str, code: str, line: int) -> None:
        super().__init__(message)
        self.code = code
        self.line = line


T = TypeVar("T")


def attempt(
    problems: list[DbtgateError] | None, function: Callable[..., T], *args: Any
) -> T | None:
    """`function(*args)`; when `problems` is a list (`dbtgate validate`, which lists every
    problem rather than stop at the first), its DbtgateError is appended there and None
    returned instead of raised."""
    if problems is None:
        return function(*args)
    try:
        return function(*args)
    except DbtgateError as exc:
        problems.append(exc)
        return None


def compile_policies(
    config: Config, rules: dict[str, Rule], problems: list[DbtgateError] | None = None
) -> list[CompiledPolicy]:
    """Resolve every policy's selectors, rule codes, severities and parameters.

    The first problem raises, unless `problems` is given (`dbtgate validate`): then each is
    appended there, and the rule or policy it is in left out."""

    compiled = []
    for index, policy in enumerate(config.policies):
        select = attempt(
            problems, parse_config_selector, policy.select, config, policy.line, "select"
        )
        exclude = (
            attempt(problems, parse_config_selector, policy.exclude, config, policy.line, "exclude")
            if policy.exclude
            else None
        )
        compiled_rules = []
        for code, setting in policy.rules.items():
            compiled_rule = attempt(problems, _compile_rule, config, rules, index, code, setting)
            if compiled_rule is not None:
                compiled_rules.append(compiled_rule)
        if select is not None and (exclude is not None or not policy.exclude):
            compiled.append(CompiledPolicy(policy, select, exclude, tuple(compiled_rules)))
    return compiled


def _compile_rule(
    config: Config, rules: dict[str, Rule], index: int, code: str, setting: RuleSetting
) -> CompiledRule:
    """A policy's rule: its code known, its parameters of their types, its severity."""
    where = f"policies[{index}].rules.{code}"
    definition = rules.get(code)
    if definition is None:
        raise UnknownRule(
            f"{config_location(config, setting.line)}: {where}: unknown rule {code!r}"
            f"{_unknown_rule_hint(code, rules)}",
            code,
            setting.line,
        )
    try:
        params = definition.resolve_params(setting.params)
    except ParamError as exc:
        line = setting.param_lines.get(exc.param or "", setting.line)
        raise DbtgateError(f"{config_location(config, line)}: {where}: {exc}") from None
    return CompiledRule(definition, setting.severity or definition.severity, params, setting)


# The config section that sets the severities of the codes of a family that is not policy rules.
_CHECK_SECTIONS = {
    "breaking": "breaking",
    "risky": "breaking",
    "safe": "breaking",
    "run": "run",
    "freshness": "freshness",
    "kpi": "kpi",
    "lint": "lint",
}


def _unknown_rule_hint(code: str, rules: dict[str, Rule]) -> str:
    """The rule `code` is a typo of, else the family it means, else, for a code of another
    check (`freshness.warn`, listed by `dbtgate rules` too), where that check is set: it runs
    without a policy."""
    from dbtgate.codes import code_docs

    close = near_code(code, rules)
    if close is not None:
        return f" (did you mean {close}?)"
    family = intended_family(code, rules)
    if family is not None:
        return f" (`dbtgate rules {family}` lists the codes of {family})"
    other = intended_family(code, code_docs())
    section = _CHECK_SECTIONS.get(other or "")
    if section is not None:
        return (
            f": {other}.* are the {section} check's codes, not policy rules; it runs without a "
            f"policy, and `{section}:` in the config sets it (`dbtgate rules {other}` lists them)"
        )
    return " (see `dbtgate rules`)"


def context_selection(context: CheckContext) -> Selection:
    """A Selection over the context's project, with dbt's reading of the change set when there
    is a base (`CheckContext.dbt_state`)."""
    return Selection(context.project, context.dbt_state)


@check("policies")
def policies(context: CheckContext) -> Iterable[Finding]:
    config = context.config
    rules = config_rules(config) if config.plugins or config.policies else {}
    if not config.policies:
        return []
    plan = compile_policies(config, rules)
    selection = context_selection(context)
    inputs = {
        "project": context.project,
        "base": context.base,
        "codeowners": context.options.get("codeowners"),
    }
    base = BaseSelections(context)
    kept: dict[tuple[str, str, str, str], Finding] = {}
    summary = []
    unmet: set[str] = set()  # rules noted for an artifact the build lacks (once each)
    for compiled in plan:
        policy = compiled.policy
        try:
            selected = sorted(selection.select(compiled.select, compiled.exclude))
        except SelectorError as exc:
            raise DbtgateError(
                f"{config_location(config, policy.line)}: select {policy.select!r}: {exc}"
            ) from None
        resources = [selection.resources[uid] for uid in selected]
        if not resources and compiled.rules and not compiled.select.uses_state:
            # A typo in a selector (`tag:critcal`) would otherwise pass the gate in silence:
            # the team believes its rules checked something. Said beside the verdict too.
            context.note_partly_checked(_empty_selection_note(config, policy, selection))
        elif _excludes_nothing(compiled, selection):
            # A typo in `exclude` gates what it meant to leave out, as silently.
            context.notes.append(_empty_exclusion_note(config, policy, selection))
        if resources and compiled.rules and len(compiled.select.terms) > 1:
            # `dim_customers +fct_ordrs`: the typo in one part hid behind the part that selects.
            for part in parts_selecting_nothing(compiled.select, selection):
                context.note_partly_checked(
                    config_note(
                        config,
                        policy.line,
                        f": policy select {policy.select!r}: {part!r} selects no resources",
                        selector_hint(part, selection),
                    )
                )
        # The subjects of each resource-type set, filtered once per policy, not once per rule.
        subjects: dict[tuple[str, ...], list[Any]] = {}
        summary.append(
            {
                "select": policy.select,
                "exclude": policy.exclude,
                "line": policy.line,
                "selected": len(resources),
                "rules": {c.rule.code: c.severity for c in compiled.rules},
            }
        )
        for compiled_rule in compiled.rules:
            missing = _missing_needs(compiled_rule.rule, context.project)
            if missing:
                if compiled_rule.rule.code not in unmet:
                    unmet.add(compiled_rule.rule.code)
                    line = compiled_rule.setting.line or policy.line
                    context.note_partly_checked(
                        config_note(
                            config,
                            line,
                            f": {compiled_rule.rule.code} reads "
                            f"{' and '.join(NEEDS[need] for need in missing)}, which this build "
                            "does not have, so it checked nothing",
                        )
                    )
                continue  # what it reads is not there: nothing to judge
            types = compiled_rule.rule.applies_to
            if types not in subjects:
                subjects[types] = [r for r in resources if r.resource_type in types]
            if resources and not subjects[types] and not compiled.select.uses_state:
                # `sources.freshness_configured` under `select: tier:1` (models) checks nothing.
                line = compiled_rule.setting.line or policy.line
                context.note_partly_checked(
                    config_note(
                        config,
                        line,
                        f": {compiled_rule.rule.code} applies to "
                        f"{', '.join(f'{t}s' for t in types)}; select {policy.select!r} selects "
                        "none, so it checked nothing",
                    )
                )
            if subjects[types] and compiled_rule.rule.code not in unmet:
                note = _declared_columns_only(compiled_rule, context.project, config, policy)
                if note is not None:
                    unmet.add(compiled_rule.rule.code)
                    context.note_partly_checked(note)
            _record_coverage(context, compiled_rule.rule, compiled, subjects[types])
            for finding in _apply(compiled_rule, compiled, subjects[types], inputs, config, base):
                key = (
                    finding.code,
                    finding.unique_id or "",
                    finding.column_name or "",
                    finding.key or "",
                )
                previous = kept.get(key)
                if previous is None or (
                    SEVERITY_ORDER[finding.severity] < SEVERITY_ORDER[previous.severity]
                ):
                    kept[key] = finding
    context.sections["policies"] = summary
    return list(kept.values())


def _record_coverage(
    context: CheckContext, rule: Rule, policy: CompiledPolicy, subjects: list[Any]
) -> None:
    """What the rule is applied to, for the baseline (`dbtgate.coverage`): the selection's
    key for a rule on a whole selection, else the resources (the list itself, not a copy) and,
    for a rule whose findings they share, how to tell the keys it judged on each."""
    if rule.selection:
        context.coverage.judged(rule.code, _selection_key(policy))
    elif rule.shares is not None:
        shares, project = rule.shares, context.project
        context.coverage.applied(rule.code, subjects, lambda resource: shares(resource, project))
    else:
        context.coverage.applied(rule.code, subjects)


def _selection_key(policy: CompiledPolicy) -> str:
    """What a rule on a whole selection keys its finding by: the policy's selectors."""
    return f"{policy.policy.select} - {policy.policy.exclude or ''}"


def _missing_needs(rule: Rule, project: Project) -> list[str]:
    """The artifacts `rule` reads (`Rule.needs`) that this build does not have."""
    return [need for need in rule.needs if not _has(project, need)]


def _has(project: Project, need: str) -> bool:
    """Whether the build has the artifact `need` names (a key of NEEDS) to read: a catalog,
    among its tables a seed's row count or size, a manifest that records unit tests (dbt
    1.8+), results of a run that executed something, or among them the bytes BigQuery
    billed."""
    if need == "catalog":
        return project.catalog is not None
    if need == "unit_tests":
        return project.manifest.unit_tests is not None
    if need == "seed_stats":
        return project.catalog is not None and records_seed_stats(project.catalog)
    run = project.executed_run()
    if need == "bytes_billed":
        return run is not None and run.billed
    return run is not None


def _declared_columns_only(
    compiled_rule: CompiledRule, project: Project, config: Config, policy: Policy
) -> str | None:
    """What a rule that counts the warehouse's columns too (`use_catalog`, on by default)
    missed in a build without catalog.json: it judged the columns declared in YAML only, so a
    column no YAML declares passed unseen (`dbt docs generate` forgotten), which the gate
    says. None when the rule has a catalog to read, or was told not to."""
    if not compiled_rule.params.get("use_catalog") or project.catalog is not None:
        return None
    line = compiled_rule.setting.line or policy.line
    # The build's folder from the repository's root, as the config is named.
    where: str | File = (
        File(repository_path(project.artifacts.directory)) if project.artifacts else "target"
    )
    return config_note(
        config,
        line,
        f": {compiled_rule.rule.code} judged only the columns "
        "declared in YAML: this build has no catalog.json, so a column of the warehouse that "
        "no YAML declares went unseen (run `dbt docs generate --target-path docs-target` after "
        "the build and copy its catalog.json into ",
        where,
        "/, or set `use_catalog: false`)",
    )


def _empty_selection_note(config: Config, policy: Policy, selection: Selection) -> str:
    """Says a policy selects nothing, with the closest tag or name for a typo."""
    return config_note(
        config,
        policy.line,
        f": policy select {policy.select!r}",
        f" exclude {policy.exclude!r}" if policy.exclude else "",
        " selects no resources, so its rules checked nothing",
        selector_hint(policy.select, selection),
    )


def parts_selecting_nothing(selector: Selector, selection: Selection) -> list[str]:
    """The parts of a union (`a b,c`) that select nothing by themselves (not `state:` ones,
    which select nothing when nothing changed)."""
    empty = []
    for term in selector.terms:
        if any(atom.method == "state" for atom in term):
            continue
        text = ",".join(atom.text for atom in term)
        if not selection.select(Selector(text, (term,))):
            empty.append(text)
    return empty


def _excludes_nothing(compiled: CompiledPolicy, selection: Selection) -> bool:
    exclude = compiled.exclude
    return exclude is not None and not exclude.uses_state and not selection.select(exclude)


def _empty_exclusion_note(config: Config, policy: Policy, selection: Selection) -> str:
    """Says a policy's `exclude` leaves nothing out, with the closest tag or name for a typo."""
    return config_note(
        config,
        policy.line,
        f": policy exclude {policy.exclude!r} matches no "
        f"resources, so select {policy.select!r} is gated whole",
        selector_hint(policy.exclude or "", selection),
    )


def _apply(
    compiled_rule: CompiledRule,
    policy: CompiledPolicy,
    subjects: list[Any],
    inputs: dict[str, Any],
    config: Config,
    base: BaseSelections,
) -> Iterable[Finding]:
    """Findings of one rule on the policy's `subjects` (its selected resources of the types the
    rule applies to); a rule on the whole selection is also run on the `base` build's."""
    rule = compiled_rule.rule
    fix = " ".join(rule.docs.fix.split())
    resource = None
    try:
        if rule.selection:
            selector_key = _selection_key(policy)
            params = compiled_rule.params
            judge = None  # the base build's side, run only when this build fails the rule
            for violation in rule.run(subjects, inputs, params):
                if judge is None:
                    judge = base.judge(rule, params, policy.select, policy.exclude, inputs)
                changed, why = judge(violation)
                finding = Finding(
                    code=rule.code,
                    severity=compiled_rule.severity,  # type: ignore[arg-type]
                    message=violation.message + why,
                    key=violation.key or selector_key,
                    path=display_config_path(config),
                    line=compiled_rule.setting.line or None,
                    fix=violation.fix or fix,
                    changed=changed,
                    details={**violation.details, "policy": policy.policy.select},
                )
                # Stable across machines: the config path as displayed depends on the cwd.
                finding.fingerprint = fingerprint(
                    Finding(code=rule.code, severity="info", message="", key=finding.key)
                )
                yield finding
            return
        # One loop per rule, its inputs and parameters given once (`Rule.bound`): it runs for
        # every selected resource (60,000 calls for six rules at 10,000 models) and yields
        # most of the gate's findings.
        judge = rule.bound(inputs, compiled_rule.params)
        code, severity, select = rule.code, compiled_rule.severity, policy.policy.select
        for resource in subjects:
            result = judge(resource)
            if result is None:
                continue
            for violation in (result,) if isinstance(result, Violation) else result:
                finding = Finding(
                    code=code,
                    severity=severity,  # type: ignore[arg-type]
                    message=violation.message,
                    unique_id=violation.unique_id or resource.unique_id,
                    column_name=violation.column_name,
                    key=violation.key,
                    line=violation.line,
                    fix=violation.fix or fix,
                    details={**violation.details, "policy": select},
                    setting=violation.setting,
                )
                if violation.unique_id is not None:
                    # Shared by several resources: known across runs by what they share (its
                    # key), not by the one it is put on, which a resource added may change.
                    finding.fingerprint = fingerprint(
                        Finding(code=code, severity="info", message="", key=violation.key)
                    )
                yield finding
    except ParamError as exc:
        setting = compiled_rule.setting
        line = setting.param_lines.get(exc.param or "", setting.line)
        raise DbtgateError(f"{config_location(config, line)}: {rule.code}: {exc}") from None
    except (Exception, SystemExit) as exc:
        if rule.builtin or os.environ.get("DBTGATE_DEBUG"):
            raise
        # A plugin's bug is the plugin's: name it, its file and the resource, not dbtgate;
        # its sys.exit() too, which ended the gate with the plugin's exit code.
        on = f" on {resource.unique_id}" if resource is not None else ""
        raise DbtgateError(
            f"{rule.code} (plugin {rule.where}) failed{on}: {type(exc).__name__}: {exc} "
            "(DBTGATE_DEBUG=1 shows the traceback)"
        ) from None
