"""The `lint` check family: sqlfluff violations as findings that block only on changed lines.

The lint itself (git, files, sqlfluff) runs before the gate in `dbtgate.lint.run`; its `LintRun`
reaches this check as `ctx.options["lint_run"]`, so the check stays a pure function of the
context. It decides `Finding.changed` per line: a violation on a line the change wrote is
changed (it blocks under `scope: changed`); one on an untouched line of the same edited model is
not. That is why the family registers with `owns_changed=True`: the gate must not widen
`changed` to every finding of a changed model.

A lint finding's fingerprint is anchored on the code and the text of the offending line, not its
number, so an edit above it does not make an old violation look new.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from typing import TYPE_CHECKING

from dbtgate.checks import CheckContext, check
from dbtgate.findings import Finding, fingerprint
from dbtgate.locate import anchoring
from dbtgate.named_files import Arg, Span, kept, naming
from dbtgate.wording import code_span, counted, first_few

if TYPE_CHECKING:
    from dbtgate.lint.run import LintedFile, LintRun, Violation

LINT_RUN_OPTION = "lint_run"


@check("lint", owns_changed=True)
def lint_findings(ctx: CheckContext) -> list[Finding]:
    run: LintRun | None = ctx.options.get(LINT_RUN_OPTION)
    if run is None:
        if ctx.config.lint.enabled:
            ctx.notes.append("lint is enabled but was not run, so SQL was not linted")
            ctx.not_checked.append("SQL lint (enabled, not run)")
        return []
    ctx.sections["lint"] = run.summary()
    ctx.notes.extend(run.notes)
    if not run.files and run.excluded_changed:
        files = counted(run.excluded_changed, "SQL file")
        ctx.notes.append(
            f"lint: {files} changed since {run.against}, all left out by lint.exclude in "
            f"{ctx.config_name}: no SQL linted"
        )
    elif not run.files:
        # On the base branch itself (a newcomer trying it), nothing changed: the way on named.
        ctx.notes.append(
            "lint: no SQL files to lint"
            if run.lint_all
            else f"lint: no SQL files to lint changed since {run.against} (`dbtgate lint --all` "
            "lints every file)"
        )
    elif not run.change_known and not run.notes:
        ctx.notes.append("lint: the change is unknown (no git base), so every line counts")
    ctx.coverage.lint_read(run.lint_all, run.rules)
    findings: list[Finding] = []
    anchor = anchoring(ctx.project.project_dir) if ctx.project.project_dir else None
    for linted in run.files:
        found = list(
            _violation_findings(run, linted, ctx.config.scope == "changed", ctx.named_files)
        )
        if linted.problems:
            found.append(_unparsable_finding(run, linted, ctx.named_files))
        if linted.unique_id is None and anchor is not None:
            # On a file no dbt resource names, the fingerprint names the file: from the folder
            # `anchoring` keeps, not the working directory, so a baseline written in the
            # project's folder matches a run from the repository's root.
            _anchor_fingerprints(found, anchor(linted.path))
        if run.lint_all:
            file = linted.unique_id or (anchor(linted.path) if anchor else linted.path)
            ctx.coverage.linted(file, parsed=not linted.problems, codes=linted.rules)
        findings.extend(found)
    return findings


def _anchor_fingerprints(findings: list[Finding], path: str) -> None:
    for finding in findings:
        finding.fingerprint = fingerprint(
            Finding(code=finding.code, severity="info", message="", path=path, key=finding.key)
        )


def _violation_findings(
    run: LintRun, linted: LintedFile, scoped: bool, named: dict[str, tuple[Span, ...]]
) -> Iterator[Finding]:
    """A finding a violation; the files their fix commands name kept in `named` (`kept`)."""
    seen: dict[tuple[str | None, str, str], int] = {}
    for violation in linted.violations:
        # Identical lines with the same violation (two `order_id,` lines) stay distinct, within
        # the resource they are in (a file of several snapshots is several).
        unique_id = linted.unique_id_of(violation)
        anchor = (unique_id, violation.code, violation.line_text)
        occurrence = seen.get(anchor, 0)
        seen[anchor] = occurrence + 1
        key = violation.line_text if occurrence == 0 else f"{violation.line_text} #{occurrence}"
        message = violation.description
        if violation.name:
            message = f"{message} ({violation.name})"
        if violation.caused:
            message += f" [{_cause(linted)}]"
        yield Finding(
            code=f"lint.{violation.code}",
            severity=run.severity_of(violation.code, violation.warning),  # type: ignore[arg-type]
            message=message,
            unique_id=unique_id,
            key=key,
            path=linted.path,
            line=violation.line,
            column=violation.column,
            fix=kept(_fix_hint(run, linted, violation, scoped), named),
            changed=violation.caused or _is_changed(run, linted, violation.line),
            details={
                "rule": violation.name,
                "fixable": violation.fixable,
                "caused_by_change": violation.caused,
            },
        )


def _unparsable_finding(
    run: LintRun, linted: LintedFile, named: dict[str, tuple[Span, ...]]
) -> Finding:
    first = linted.problems[0]
    message = (
        first.description
        if first.code == "dbt"  # already says what dbt did
        else f"sqlfluff could not template or parse this file: {first.description}"
    )
    if len(linted.problems) > 1:
        message += f" (and {len(linted.problems) - 1} more)"
    caused = any(problem.caused for problem in linted.problems)
    if caused:
        message += f" [{_cause(linted)}]"
    if first.code == "TMP" and "undefined" in first.description.lower():
        fix = (
            "the jinja templater stubs dbt's context (docs/lint.md): define the missing name "
            "under [sqlfluff:templater:jinja:context] or macros in .sqlfluff, or use "
            "lint.templater: dbt"
        )
    elif first.code == "TMP":
        near = f" near line {first.line}" if first.line else ""
        fix = f"fix the jinja{near} (`dbt compile` shows dbt's own error)"
    elif first.code == "dbt":
        fix = (
            "the dbt templater compiles the whole project: fix the model dbt names "
            "(`dbt compile` shows the same error), or use lint.templater: jinja"
        )
    elif first.code in ("PRS", "LXR"):
        fix = f"check the SQL near line {first.line or 1} against the {run.dialect} dialect"
    else:
        fix = kept(_sqlfluff_hint(run, linted), named)
    return Finding(
        code="lint.unparsable",
        severity=run.severity_of("unparsable"),  # type: ignore[arg-type]
        message=message,
        unique_id=linted.unique_id,
        path=linted.path,
        line=first.line,
        fix=fix,
        changed=caused or _is_changed(run, linted, None),
        details={
            "problems": [
                {"code": p.code, "line": p.line, "description": p.description}
                for p in linted.problems
            ]
        },
    )


def _cause(linted: LintedFile) -> str:
    """What made a finding on a line the change did not write the change's: its edits to
    other lines of the file, or to the macros the file calls (`lint.macro_change`)."""
    via = linted.change.via_macros if linted.change is not None else ()
    if via:
        return f"new with this change to {first_few(list(via), 2)}, which this file calls"
    return "new with this change, which edited other lines"


def _is_changed(run: LintRun, linted: LintedFile, line: int | None) -> bool:
    """Whether the change wrote `line` (None: anything in the file)."""
    if not run.change_known:
        return True
    return linted.change is not None and linted.change.touches(line)


def _sqlfluff_hint(run: LintRun, linted: LintedFile) -> str:
    """`run `sqlfluff lint FILE` to see why`, its file an `Arg` (`named_files`): pasted at the
    repository's root in the reports, where the console ran on the console."""
    command = f"sqlfluff lint {run.dialect_flag}{shlex.quote(linted.fix_path)}"
    if "`" in command:  # (a path holding a backtick: a longer fence, its path left as it is)
        return f"run {code_span(command)} to see why"
    return naming(f"run `sqlfluff lint {run.dialect_flag}", Arg(linted.fix_path), "` to see why")


def _fix_hint(run: LintRun, linted: LintedFile, violation: Violation, scoped: bool) -> str:
    if violation.crashed:
        return (
            f"check the settings of {violation.code} in the sqlfluff config (.sqlfluff, "
            f"setup.cfg, tox.ini or pyproject.toml); a sqlfluff bug is skipped with "
            f"{code_span(f'-- noqa: {violation.code}')} on line {violation.line}"
        )
    if violation.fixable:
        # dbtgate's own fix renders the file as its lint did: plain `sqlfluff fix` does not know
        # dbtgate's dbt stubs, and stops at a model calling a project macro or reading `target`.
        # Pasted at the repository's root, its files `Arg`s the console names from where it
        # ran (`named_files`).
        return naming(
            f"dbtgate lint --fix {violation.code} ",
            Arg(linted.fix_path),
            *_fix_base(run, linted, violation, scoped),
        )
    return (
        f"not auto-fixable: edit line {violation.line} by hand (or accept it with "
        f"{code_span(f'-- noqa: {violation.code}')} on that line)"
    )


def _fix_base(
    run: LintRun, linted: LintedFile, violation: Violation, scoped: bool
) -> tuple[str | Arg, ...]:
    """The hint's flags after the file. Under scope: changed (`scoped`), a violation the change
    wrote or caused, in a file whose lines were compared: what the change was measured against
    (`--base-ref REF`, or `--base DIR` for a base build), so the fix touches only what the
    change wrote or caused, not the file's old debt (`lint.fix`); without it `dbtgate lint FILE`
    fixes the whole file. Otherwise the whole file is fixed: a new file, or old debt the user
    chose to fix; with `--whole` when a base the config names would otherwise measure the
    change of the file named (`run.whole_flag`)."""
    change = linted.change
    scoped = (
        scoped
        and change is not None
        and change.lines is not None
        and (violation.caused or change.touches(violation.line))
    )
    if scoped:
        return (*_change_base(run), *run.fix_scope)
    return (*run.fix_scope, run.whole_flag)


def _change_base(run: LintRun) -> tuple[str | Arg, ...]:
    """The flag that measures a `dbtgate lint` against what this run measured the change
    against: the git ref, else the base build's directory, or its base branch where only CI has
    that directory (`run._pasted_base`)."""
    if run.merge_base is not None and run.base_ref is not None:
        return (f" --base-ref {shlex.quote(run.base_ref)}",)
    if run.base_branch is not None:
        return (f" --base-ref {shlex.quote(run.base_branch)}",)
    return (" --base ", Arg(run.base_dir)) if run.base_dir is not None else ()
