"""The `freshness` check family: gate on `dbt source freshness` (sources.json v1-v3).

A model can pass every test on data that stopped arriving days ago. These rules say which source
tables are late, by how much, against which thresholds, and which critical models read sources
that nobody checks:

- `freshness.error`    a source table is past its error_after threshold (or the check errored).
- `freshness.warn`     a source table is past its warn_after threshold.
- `freshness.missing`  a source upstream of a model of a gated tier (tier 1 by default) has no
                       freshness configured.
- `freshness.not_run`  sources.json is absent although the config requires it.
"""

from __future__ import annotations

from collections.abc import Iterator

from dbtgate.artifacts.manifest import FreshnessRule, FreshnessThreshold, Source
from dbtgate.artifacts.run_results import status_text
from dbtgate.artifacts.sources import FRESHNESS_STATUSES, FreshnessResult
from dbtgate.checks import CheckContext, check
from dbtgate.config import FreshnessConfig
from dbtgate.coverage import Coverage
from dbtgate.findings import Finding
from dbtgate.project import Project
from dbtgate.status.timestamps import format_age, format_timestamp
from dbtgate.wording import counted

_ERRORED = frozenset({"error", "runtime error"})


@check("freshness")
def source_freshness(ctx: CheckContext) -> Iterator[Finding]:
    settings = ctx.config.freshness
    if not settings.enabled:
        ctx.not_checked.append(f"source freshness (freshness.enabled: false in {ctx.config_name})")
        return
    project = ctx.project
    loaded = project.artifacts.sources if project.artifacts else None
    if loaded is None:
        if settings.required:
            yield Finding(
                code="freshness.not_run",
                severity=settings.severity.error,
                message="sources.json is absent, and the config requires it (freshness.required)",
                fix=f"Run {_freshness_command(project)}.",
                changed=True,
            )
        elif not any(has_freshness(source) for source in project.sources.values()):
            # `dbt source freshness` would check nothing: no note to run it.
            ctx.not_checked.append("source freshness (no source sets a freshness threshold)")
        else:
            ctx.notes.append(
                "sources.json absent: source freshness not gated (run "
                f"{_freshness_command(project)})"
            )
            ctx.not_checked.append("source freshness (no sources.json)")
    else:
        results = sorted(loaded.data.results or (), key=lambda r: r.unique_id)
        known = [r for r in results if r.unique_id in project.sources]
        unknown = [r.unique_id for r in results if r.unique_id not in project.sources]
        if unknown:
            # A sources.json of another build or project: its results say nothing of this one.
            ctx.warnings.append(
                f"{loaded.path.name} has results for {counted(len(unknown), 'source')} this "
                f"manifest does not have (e.g. {unknown[0]}): left out; is it from another "
                "build?"
            )
        before = base_statuses(ctx.base)
        for result in known:
            finding = result_finding(project, result, settings, before)
            if finding is not None:
                yield finding
    yield from missing_findings(project, settings, ctx.changed, ctx.coverage)


def base_statuses(base: Project | None) -> dict[str, str]:
    """The base build's freshness status of each of its sources (from its sources.json; none
    without one): a source late in the pull request's check that was fresh in the base's is a
    loader's incident of the day, one late in both is an old one."""
    if base is None or base.freshness is None:
        return {}
    return {
        result.unique_id: result.status
        for result in base.freshness.results or ()
        if result.unique_id in base.sources
        and result.status in _COMPARED
        and (result.status == "pass" or result.max_loaded_at is not None)
    }


# The base build's statuses a late source is compared with: an error with no load time (the
# check itself failed) says nothing of the data.
_COMPARED = frozenset({"pass", "warn", "error"})


def _in_the_base(uid: str, before: dict[str, str]) -> str:
    """`; fresh in the base build's check`, `; late in the base build's check too`, or nothing
    when the base build's check did not judge the source."""
    was = before.get(uid)
    if was is None:
        return ""
    return (
        "; fresh in the base build's check"
        if was == "pass"
        else "; late in the base build's check too"
    )


def result_finding(
    project: Project,
    result: FreshnessResult,
    settings: FreshnessConfig,
    before: dict[str, str],
) -> Finding | None:
    """A finding for a warn/error/runtime-error result, and for a status dbt never writes
    (stale: its freshness is unknown); None for a pass. A late source says how the base
    build's check found it (`before`: `base_statuses`)."""
    status = result.status
    if status in _ERRORED or status not in FRESHNESS_STATUSES:
        code, severity = "freshness.error", settings.severity.error
    elif status == "warn":
        code, severity = "freshness.warn", settings.severity.warn
    else:
        return None
    uid = result.unique_id
    source = project.sources.get(uid)
    name = f"{source.source_name}.{source.name}" if source else uid
    criteria = result.criteria or (source.freshness if source else None)
    thresholds = describe_thresholds(criteria)
    details: dict[str, object] = {
        "status": status,
        "max_loaded_at": result.max_loaded_at,
        "snapshotted_at": result.snapshotted_at,
        "age_seconds": result.max_loaded_at_time_ago_in_s,
        "warn_after": _threshold_text(criteria.warn_after) if criteria else None,
        "error_after": _threshold_text(criteria.error_after) if criteria else None,
        "error": result.error,
    }
    if status not in FRESHNESS_STATUSES:
        # A hand-edited file or another tool's: a gate must not pass what it cannot read as
        # fresh (loading the file warned of it too).
        said = f"the {status_text(status)}, which dbt does not write" if status else "no status"
        message = f"source {name} has {said}: its freshness is unknown, so it counts as stale"
        fix = "Gate the sources.json that `dbt source freshness` wrote for this build."
    elif status == "runtime error" or (status == "error" and result.max_loaded_at is None):
        first = (result.error or "no error message").strip().splitlines()
        message = f"source {name}: the freshness check itself failed: {first[0] if first else ''}"
        fix = "Fix the source's loaded_at_field (or the table), then rerun `dbt source freshness`."
    else:
        age = result.max_loaded_at_time_ago_in_s
        late = f"{format_age(age)} old" if age is not None else "late"
        message = (
            f"source {name} is {late}: last loaded {format_timestamp(result.max_loaded_at)}, "
            f"checked {format_timestamp(result.snapshotted_at)} ({thresholds})"
            + _in_the_base(uid, before)
        )
        if uid in before:
            details["base_status"] = before[uid]
        loader = (source.loader or "").strip() if source else ""
        check = (
            f"Check {loader}, the loader of this table"
            if loader
            else "Check the loader of this table"
        )
        fix = f"{check}; if the SLO changed, update the source's freshness."
    return Finding(
        code=code,
        severity=severity,
        message=message,
        unique_id=uid,
        fix=fix,
        details={k: v for k, v in details.items() if v is not None},
    )


def _freshness_command(project: Project) -> str:
    """How to write sources.json beside the build's artifacts: `dbt source freshness` also
    writes a manifest.json of its own (without the compiled SQL) into its target path, so run
    into the build's target/ it would replace the build's manifest, and the run's results
    would no longer match it."""
    where = project.artifacts.directory if project.artifacts else "target"
    return (
        "`dbt source freshness --target-path freshness-target` after the build and copy its "
        f"sources.json into {where}/: a target path of its own keeps the build's manifest.json"
    )


def missing_findings(
    project: Project, settings: FreshnessConfig, changed: set[str] | None, coverage: Coverage
) -> Iterator[Finding]:
    """Sources feeding a model of a gated tier without freshness configured.

    Upward breadth-first passes from the gated models (sorted, so the model named in a finding is
    stable): every node is visited once per pass, whatever the size of the project. A finding
    names a changed model when one reads the source, which also puts it in scope, and says so.
    What the passes reached is what was looked at (`coverage`): a source no gated model reads
    any more was not, and its baseline entry is not debt paid off."""
    tiers = set(settings.missing_tiers)
    if not tiers:
        return
    roots = sorted(m.unique_id for m in project.models() if project.tier(m.unique_id) in tiers)
    via = _upstream(project, roots)
    coverage.applied("freshness.missing", via.keys())
    via_changed = _upstream(project, [r for r in roots if r in changed]) if changed else {}
    for uid in sorted(via):
        source = project.sources.get(uid)
        if source is None or has_freshness(source):
            continue
        model = project.nodes[via_changed.get(uid, via[uid])]
        tier = project.tier(model.unique_id)
        # Why a source the change did not touch is the change's: the model it feeds is.
        why = ", which this change touches," if uid in via_changed else ""
        yield Finding(
            code="freshness.missing",
            severity=settings.severity.missing,
            message=f"source {source.source_name}.{source.name} feeds tier-{tier} model "
            f"{model.name}{why} but has no freshness configured",
            unique_id=uid,
            fix="Add `freshness: {warn_after: ..., error_after: ...}` and a loaded_at_field to "
            "the source table (or its source).",
            changed=uid in via_changed,
            details={"model": model.unique_id, "model_tier": tier},
        )


def _upstream(project: Project, roots: list[str]) -> dict[str, str]:
    """Every node upstream of `roots` (and the roots), with the first root that reaches it."""
    via = {uid: uid for uid in roots}
    frontier = list(roots)
    while frontier:
        following = []
        for uid in frontier:
            for parent in project.parents.get(uid, ()):
                if parent not in via:
                    via[parent] = via[uid]
                    following.append(parent)
        frontier = following
    return via


def has_freshness(source: Source) -> bool:
    rule = source.freshness
    if rule is None:
        return False
    return any(t is not None and t.count for t in (rule.warn_after, rule.error_after))


def describe_thresholds(criteria: FreshnessRule | None) -> str:
    if criteria is None:
        return "no thresholds recorded"
    parts = []
    for label, threshold in (("warn", criteria.warn_after), ("error", criteria.error_after)):
        text = _threshold_text(threshold)
        if text:
            parts.append(f"{label} after {text}")
    return ", ".join(parts) or "no thresholds recorded"


def _threshold_text(threshold: FreshnessThreshold | None) -> str | None:
    if threshold is None or not threshold.count or not threshold.period:
        return None
    return f"{threshold.count} {threshold.period}{'s' if threshold.count != 1 else ''}"
