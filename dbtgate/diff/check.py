"""The `breaking` check family: breaking and risky schema changes against the base build.

Diffs the pull request's build against the base build, applies the ways out (new version,
deprecation_date, acknowledgement in config or by PR label), and turns each breaking change into a
finding at the severity the config gives its kind (versioned contract, unversioned contract,
uncontracted model with consumers), each risky change into a warning, and each acknowledged change
into an info finding that says why it does not block. The whole diff, safe changes included, goes
into the report's "diff" section.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from dbtgate.checks import CheckContext, check
from dbtgate.findings import SEVERITY_ORDER, Finding, Severity
from dbtgate.locate import Locator
from dbtgate.wording import NO_BASE_BUILD, code_span

if TYPE_CHECKING:
    from dbtgate.config import BreakingConfig
    from dbtgate.diff.changes import Change, SchemaDiff

# The fix hint each finding carries (every breaking and risky code has one); the docs of
# `dbtgate rules CODE` (`dbtgate.diff.codes`) start with the same text.
FIX_HINTS = {
    "breaking.contract_removed": "Keep `contract: enforced: true`, or add a new model version "
    "without the contract and set a deprecation_date on this one.",
    "breaking.column_removed": "Keep the column, or add a new model version without it and set a "
    "deprecation_date on the old one.",
    "breaking.column_renamed": "Keep the old name (alias the new column back), or add the new "
    "name beside the old one and remove the old one later.",
    "breaking.type_changed": "Cast the column back to its old type, or add a new model version "
    "with the new type and set a deprecation_date on the old one.",
    "breaking.type_narrowed": "Cast the column back to its wider type, or tell the readers first.",
    "breaking.constraint_removed": "Keep the constraint, or add a new model version without it.",
    "breaking.materialization_changed": "Keep the model a table or incremental while it has "
    "constraints, or make the change in a new model version.",
    "breaking.model_removed": "Disable it only after its deprecation_date: set one, keep the "
    "model until then, and point consumers to its replacement.",
    "risky.type_widened": "Check that readers who cast, compare or union this column accept the "
    "wider type.",
    "risky.type_changed": "Cast the column back to its old type, or check the queries outside dbt "
    "that read it.",
    "risky.type_narrowed": "Check that every existing value fits the narrower type, or cast the "
    "column back.",
    "risky.type_precision_changed": "Check that existing values fit the new size/precision, or "
    "keep the old one.",
    "risky.column_removed": "Check that no dashboard or query outside dbt reads the column; keep "
    "it if unsure.",
    "risky.column_renamed": "Check the queries outside dbt that read the old name; keep both names "
    "for a release if unsure.",
    "risky.constraint_loosened": "Keep the test or constraint, unless the guarantee no longer "
    "holds; then say so in breaking.acknowledge.",
    "breaking.access_narrowed": "Keep it public until no other project refs it: set a "
    "deprecation_date and tell the projects that read it, or add a public model version for "
    "them.",
    "risky.access_narrowed": "Keep the wider access until every ref from outside the group or "
    "project is gone.",
    "risky.grant_revoked": "Keep the grant until its grantee no longer reads the relation "
    "(ask the role's owner), or grant the role what replaces it in the same pull request.",
    "risky.latest_version_changed": "Check that the readers that ref the model without a "
    "version (and other projects, if it is public) work with the new latest version's "
    "columns, or pin them to the old version with `version:`.",
    "risky.version_without_deprecation": "Set a deprecation_date on the older version(s) so their "
    "consumers are warned to migrate.",
    "breaking.relation_renamed": "Keep the old name (its alias or schema) and build the new "
    "one beside it (a view on the model) until the readers have moved, then drop the old "
    "relation by hand: dbt does not.",
    "risky.relation_renamed": "Check that nothing outside dbt (dashboards, notebooks, exports) "
    "queries the old name, and drop the old relation by hand: dbt does not.",
    "risky.materialization_changed": "Check that nothing outside dbt (dashboards, notebooks, "
    "exports) queries the relation, and drop the old one by hand: dbt does not.",
    "risky.history_config_changed": "Check what the next run does to the rows already in the "
    "table (a snapshot may record a new version of every row, an incremental model duplicate "
    "or miss rows); a full refresh, or a new snapshot, starts the table under the new setting.",
    "risky.incremental_schema_change": "Rebuild the table once when the change is deployed (`dbt "
    "build --full-refresh` selecting the model), or set `on_schema_change: append_new_columns` or `sync_all_columns` so the run adapts the "
    "table.",
    "breaking.semantic_removed": "Keep it until its readers have moved (the metrics, saved "
    "queries and dashboards the finding names, and who queries the semantic layer by its name), "
    "or add its replacement beside it and remove it in a later pull request.",
    "risky.semantic_removed": "Check that no dashboard or query of the semantic layer names it "
    "(its users, outside the project), or keep it until they have moved.",
    "risky.model_removed": "Check that nothing outside dbt (dashboards, notebooks, exports) "
    "queries the relation, then drop it by hand: dbt does not (keep a snapshot's table while "
    "its history is wanted).",
    "risky.source_removed": "Change or remove the models that read the source in the same pull "
    "request.",
    "risky.filter_changed": "Check that the new WHERE/HAVING/QUALIFY keeps the rows readers "
    "expect (compare row counts with the base).",
    "risky.grain_changed": "Check that the key is still unique (a unique test) and that readers' "
    "joins still match one row per key.",
}


# A code whose way out depends on what the change takes away (`details["lost"]`): its hint for
# that case, in place of the code's. A model without constraints made ephemeral keeps its dbt
# readers (dbt inlines it); it is the readers of its relation that need one.
CASE_HINTS = {
    ("breaking.materialization_changed", "relation"): "Keep a relation for the readers that "
    "query it (make it a view rather than ephemeral), point them to another model first, or "
    "make the change in a new model version.",
}


def fix_hint(change: Change) -> str:
    """The hint of the change's code, or of its case when the code has several ways out."""
    return CASE_HINTS.get((change.code, change.details.get("lost")), FIX_HINTS[change.code])


def diff_for(ctx: CheckContext) -> tuple[SchemaDiff, list[str]] | None:
    """The diff of the context's builds with the ways out applied (None without a base), and
    the notes on the ways out in the config that matched nothing. The diff's own notes say
    what it could not compare (no catalog, another dbt version, relations the run did not
    build): the verdict covers the schema in part only."""
    if ctx.base is None:
        return None
    from dbtgate.diff.acknowledge import apply_ways_out
    from dbtgate.diff.compare import diff_projects

    parsed = "base_ref" in ctx.options.get("inputs", {})  # --base REF: dbt parsed it
    focus = ctx.options.get("focus")  # --select: the notes speak of the selection only
    diff = diff_projects(
        ctx.base,
        ctx.project,
        today=ctx.options.get("now"),
        base_parsed=parsed,
        selected=focus.selected if focus is not None else None,
    )
    settings = ctx.config.breaking
    stale = apply_ways_out(
        diff,
        ctx.base,
        ctx.project,
        settings,
        labels=ctx.options.get("ack_labels", ()),
        config_path=ctx.config.path,
        today=ctx.options.get("now"),
    )
    return diff, stale


@check("breaking", owns_changed=True)
def breaking_changes(ctx: CheckContext) -> Iterator[Finding]:
    compared = diff_for(ctx)
    if compared is None:
        # Said once, beside the verdict with the way to check them: a note saying it too
        # printed the same thing twice, back to back under `-q`.
        ctx.not_checked.append(NO_BASE_BUILD)
        return
    diff, stale = compared
    ctx.partly_checked.extend(diff.notes)
    ctx.notes.extend([*diff.notes, *stale])  # the stale entries name the config (named_files)
    diff.notes.extend(map(str, stale))  # the report's section: plain text
    ctx.sections["diff"] = diff
    settings = ctx.config.breaking
    # A file the diff names from a manifest (a removed model's YAML) is relative to the dbt
    # project; findings name files from the repository root (`Locator.display`), so that a
    # project in a subfolder (`analytics/`) gets its links, annotations and SARIF right. Only
    # the root project's resources have breaking or risky changes (an installed package's
    # exposure is only added or removed, safe), so the files are the root project's.
    display = Locator.for_project(ctx.project.project_dir).display
    for change in diff.changes:
        if change.change_class != "safe":
            yield change_finding(change, settings, ctx, display)


def severity_of(change: Change, settings: BreakingConfig) -> Severity:
    """The severity of the change's `breaking:` setting (`change.policy`). A contracted model
    that others read is held to at least `uncontracted_with_consumers`: dbt-core only warns
    about an unversioned contract because it cannot see who reads the model, and a contract
    must never leave its readers less protected than no contract would."""
    if change.acknowledged is not None:
        return "info"
    if change.policy == "risky":
        return settings.risky
    severity: Severity = getattr(settings, change.policy)
    if change.policy in _CONTRACT_POLICIES and hurts_readers(change):
        floor = settings.uncontracted_with_consumers
        if SEVERITY_ORDER[floor] < SEVERITY_ORDER[severity]:
            return floor
    return severity


_CONTRACT_POLICIES = frozenset({"versioned_contract", "unversioned_contract"})


def hurts_readers(change: Change) -> bool:
    """Whether the change reaches a reader as an uncontracted model's change does: a model or
    exposure reading it directly that may select the column (not one whose SQL shows it does
    not), or other projects when it is public."""
    impact = change.impact
    if impact is None:
        return False
    direct = [*impact.models, *impact.exposures]
    return impact.public or any(c.depth == 1 and c.selects_column != "no" for c in direct)


def _setting(change: Change, ctx: CheckContext) -> tuple[str, str | None] | None:
    """A seed's column retyped by its `column_types` config: the finding is placed on that
    column's line there, which the pull request edited (`diff.settings.setting_of`). Said in
    `Finding.setting`, no report's: in `details` it read as part of what was found."""
    if change.column is None or "type_change" not in change.details or ctx.base is None:
        return None
    from dbtgate.diff.classify import column_types_changed

    old, new = ctx.base.nodes.get(change.unique_id), ctx.project.nodes.get(change.unique_id)
    if old is None or new is None or not column_types_changed(old, new, change.column):
        return None
    return ("column_types", change.column)


def _deleted(path: str, ctx: CheckContext) -> bool:
    """Whether the pull request deleted the file a change names (a removed model's YAML, read
    from the base build): it is not in the checkout, so a link to it on the PR head is a 404
    and an annotation on it lands nowhere; the reports say where it was instead (at the base
    commit, `view.file_link`). Unknown without the project's checkout: not said."""
    project_dir = ctx.project.project_dir
    return project_dir is not None and not (project_dir / path).is_file()


def change_finding(
    change: Change,
    settings: BreakingConfig,
    ctx: CheckContext,
    display: Callable[[str], str],
) -> Finding:
    import msgspec

    from dbtgate.diff.impact_text import impact_message

    message = change.reason
    impact = msgspec.to_builtins(change.impact) if change.impact is not None else None
    if impact is not None:
        message += impact_message(impact, change.column)
    details: dict = {"class": change.change_class, "policy": change.policy}
    for key in ("old", "new", "version", "column_source"):
        value = getattr(change, key)
        if value is not None:
            details[key] = value
    if change.details:
        details.update(change.details)
    if change.path and _deleted(change.path, ctx):
        details["path_deleted"] = True
    if impact is not None:
        details["impact"] = impact
    fix: str | None = fix_hint(change)
    if change.change_class == "breaking":
        # The reviewer's way out, with this project's label: the docs' text is generic. A
        # local run has no pull request: the flag is how it previews the label.
        import shlex

        flag = code_span(f"--ack-label {shlex.quote(settings.ack_label)}")
        fix += (
            f" To keep the change as it is: label the pull request {settings.ack_label!r} "
            f"(locally, {flag}), or add a breaking.acknowledge entry with a reason and an owner."
        )
    if change.acknowledged is not None:
        ack = change.acknowledged
        message = f"{ack.explained()} — {message}"
        details["acknowledged"] = {
            "way": ack.way,
            "reason": ack.reason,
            **({"owner": ack.owner} if ack.owner else {}),
            **({"source": ack.source} if ack.source else {}),
        }
        fix = None
    finding = Finding(
        code=change.code,
        severity=severity_of(change, settings),
        message=message,
        unique_id=change.unique_id,
        resource_name=change.name,
        resource_type=change.resource_type,
        column_name=change.column,
        key=change.key,
        path=display(change.path) if change.path else None,
        # A line without a path is of the resource's own file (the gate names it).
        line=change.line,
        fix=fix,
        changed=True,
        details=details,
        setting=_setting(change, ctx),
    )
    if change.unique_id not in ctx.project.nodes and ctx.base is not None:
        # Removed from the PR build: its owner and tier are those it had in the base build.
        finding.owner = ctx.base.owner(change.unique_id)
        finding.tier = ctx.base.tier(change.unique_id)
    # Whoever acknowledged the change answers for it only where the resource has no owner of
    # its own: the change stays its owner's, whose readers it reaches.
    ack = change.acknowledged
    if ack and ack.owner and finding.owner is None and ctx.project.owner(change.unique_id) is None:
        finding.owner = ack.owner
    return finding
