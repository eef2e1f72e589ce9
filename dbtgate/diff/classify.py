"""The breaking-change taxonomy, and the rules that sort one relation's changes into it.

BREAKING is dbt-core's own contract check (`ModelNode.same_contract` and `same_contract_removed`
in dbt-core 1.11: enforcement removed, a contracted column removed, its data_type changed beyond
size/precision, an enforced constraint removed, a table/incremental model with constraints
materialized otherwise, a contracted model deleted, renamed or disabled before its
deprecation_date), so that the gate says before the merge what `dbt build --state` would say after
it; plus, for models without a contract that something reads (a child model, an exposure, another
project through `access: public`), the changes that break those readers: a column removed or
renamed, a type narrowed or changed, unless every reader is a model or semantic model that
provably does not name the column (it was updated in the same pull request). RISKY changes are
worth a reviewer's look but break nothing by themselves; SAFE changes are listed so the diff is
complete. Each code is stable: configs
acknowledge changes by code, and baselines fingerprint them.

Environment-dependent settings (database, schema, alias, relation name) and file moves are never
compared: a dev build against a prod build, or a build by another dbt version, is not a change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import msgspec

from dbtgate.artifacts.manifest import is_contracted
from dbtgate.diff.changes import NOT_READERS, Change, ChangeClass, Policy, UnknownRelation
from dbtgate.diff.columns import (
    ColumnInfo,
    ColumnWitnesses,
    RelationColumns,
    column_delta,
    column_key,
    comparable,
    declared_columns,
)
from dbtgate.diff.types import normalise_adapter
from dbtgate.project import display_name
from dbtgate.wording import first_few

if TYPE_CHECKING:
    from dbtgate.artifacts.manifest import Constraint, Exposure, Group, Node, Source
    from dbtgate.diff.sql import SqlFiles
    from dbtgate.project import Project

TAXONOMY: dict[str, str] = {
    "breaking.contract_removed": "contract enforcement removed from a model that had it",
    "breaking.column_removed": "a column removed from a contracted model, or from a model that "
    "other models, exposures or projects read",
    "breaking.column_renamed": "a column renamed (removed, and another added at its position "
    "with the same type) on a model that others read",
    "breaking.type_changed": "a contracted column's data_type changed beyond size/precision, "
    "or a column's type changed incompatibly on a model that others read",
    "breaking.type_narrowed": "a column's type narrowed (bigint -> int, decimal -> int) on a "
    "model that others read",
    "breaking.constraint_removed": "an enforced constraint removed from a contracted "
    "table/incremental model or one of its columns",
    "breaking.materialization_changed": "a contracted model with constraints no longer "
    "materialized as table or incremental, or a model exposures or projects query made ephemeral",
    "breaking.relation_renamed": "a public model's, or one an exposure reads, configured alias, "
    "schema or database changed: its readers query the old relation, left stale",
    "breaking.model_removed": "a contracted or public model, or one an exposure read in the base "
    "build, deleted, renamed or disabled before its deprecation_date",
    "risky.type_widened": "a column's type widened (int -> bigint): readers may need to cast",
    "risky.type_changed": "a column's type changed on a model nothing else reads, or that no "
    "reader selects, or on a snapshot (its table keeps the old type)",
    "risky.type_narrowed": "a column's type narrowed on a model nothing else reads, or that no "
    "reader selects, or on a snapshot (its table keeps the old type)",
    "risky.type_precision_changed": "a column's size, precision or scale reduced or moved (not "
    "breaking, as in dbt-core)",
    "risky.column_removed": "a column removed from a model nothing else reads, or that no "
    "reader selects any more (or not confirmed)",
    "risky.column_renamed": "a column renamed on a model nothing else reads, or that no reader "
    "selects any more",
    "risky.constraint_loosened": "a constraint that is not enforced, or a not_null, unique, "
    "accepted_values or relationships test, removed",
    "risky.access_narrowed": "access narrowed (protected -> private)",
    "breaking.access_narrowed": "a public model's access narrowed: other projects' refs fail",
    "risky.grant_revoked": "a grant removed: its grantee loses access to the relation at the "
    "next build",
    "risky.latest_version_changed": "a versioned model's latest_version moved: every ref "
    "without a version now reads another version",
    "risky.version_without_deprecation": "a new model version added while an older version has "
    "no deprecation_date",
    "risky.model_removed": "a model nothing else reads deleted, renamed or disabled",
    "breaking.semantic_removed": "a metric, saved query or semantic model, or a semantic "
    "model's dimension, measure or entity, removed that an exposure, or a metric or saved query "
    "the pull request keeps, read",
    "risky.semantic_removed": "a metric, saved query or semantic model, or a semantic model's "
    "dimension, measure or entity, removed that no exposure, kept metric or kept saved query "
    "read: queries of the semantic layer that name it fail",
    "risky.history_config_changed": "a snapshot's strategy or unique_key, or an incremental "
    "model's unique_key or incremental_strategy, changed: the rows already in its table were "
    "written under the old one",
    "risky.incremental_schema_change": "an incremental model's columns changed in a way its "
    "next incremental run does not follow (on_schema_change): the run fails, or the table keeps "
    "its old columns",
    "risky.materialization_changed": "a model no exposure or other project queries made "
    "ephemeral: its relation is no longer built, the old one left stale",
    "risky.relation_renamed": "a model's configured alias, schema or database changed: dbt "
    "builds it under a new name and leaves the old relation, stale",
    "risky.source_removed": "a source table removed",
    "risky.filter_changed": "the compiled SQL's WHERE, HAVING or QUALIFY changed: the model may "
    "return other rows",
    "risky.grain_changed": "the compiled SQL's GROUP BY, DISTINCT or joins changed: a row of the "
    "model may stand for something else",
    "safe.model_added": "a new model, seed or snapshot",
    "safe.version_added": "a new model version, older versions deprecated (or removed)",
    "safe.column_added": "a column added",
    "safe.column_undeclared": "a column no longer declared in YAML, still built",
    "safe.type_size_widened": "a column's size or precision grown",
    "safe.contract_added": "a contract enforced where there was none",
    "safe.constraint_added": "a constraint added",
    "safe.access_widened": "access widened (private -> protected -> public)",
    "safe.grant_added": "a grant added",
    "safe.deprecation_set": "a deprecation_date set or moved",
    "safe.deprecated_model_removed": "a contracted model removed after its deprecation_date",
    "safe.description_changed": "a description changed",
    "safe.tests_changed": "data or unit tests added or removed",
    "safe.meta_changed": "meta, tags or group changed",
    "safe.group_owner_changed": "a group's owner changed (its models' owner with it), or its "
    "owner's email",
    "safe.group_added": "a new group",
    "safe.group_removed": "a group removed (its models moved out of it)",
    "safe.materialization_changed": "materialization changed (no constraint depends on it)",
    "safe.code_changed": "SQL (or seed data) changed; columns, filters and grain did not",
    "safe.source_added": "a new source table",
    "safe.exposure_added": "a new exposure",
    "safe.semantic_added": "a new metric, saved query or semantic model, or a semantic model's "
    "new dimension, measure or entity",
    "safe.exposure_removed": "an exposure removed",
}

MATERIALIZATIONS_ENFORCING_CONSTRAINTS = frozenset({"table", "incremental"})

# Which constraint types each adapter enforces (dbt adapters' CONSTRAINT_SUPPORT); anything else
# (not enforced, not supported) is only metadata, so removing it is not breaking.
_CONSTRAINT_SUPPORT: dict[str, frozenset[str]] = {
    "": frozenset({"not_null", "foreign_key"}),  # dbt's BaseAdapter default
    "postgres": frozenset({"check", "not_null", "unique", "primary_key", "foreign_key"}),
    "duckdb": frozenset({"check", "not_null", "unique", "primary_key", "foreign_key"}),
    "redshift": frozenset({"not_null"}),
    "snowflake": frozenset({"not_null"}),
    "bigquery": frozenset({"not_null"}),
    "databricks": frozenset({"check", "not_null"}),
    "spark": frozenset({"check", "not_null"}),
}


def change_class(code: str) -> ChangeClass:
    return cast(ChangeClass, code.split(".", 1)[0])


def enforced_constraints(adapter: str | None) -> frozenset[str]:
    name = normalise_adapter(adapter)
    return _CONSTRAINT_SUPPORT.get(name, _CONSTRAINT_SUPPORT[""])


class DiffContext(msgspec.Struct):
    """Everything the rules look at besides the two resources being compared."""

    base: Project
    pr: Project
    adapter: str | None
    same_dbt_version: bool
    today: dt.datetime
    base_sql: SqlFiles | None = None
    pr_sql: SqlFiles | None = None
    unknown: list[UnknownRelation] = msgspec.field(default_factory=list)
    # The base is `dbt parse` of a git ref: it has no compiled SQL, for any model.
    base_parsed: bool = False
    # Models whose SQL changed, not compared for filters and grain for that one reason: the
    # note says it once (`diff_projects`) rather than each row.
    sql_not_compared: list[str] = msgspec.field(default_factory=list)
    # Models whose SQL changed, not compared because a build's compiled file is not on disk,
    # by which builds lack it ("base", "PR" or both): said once in a note, with the remedy.
    sql_not_on_disk: dict[tuple[str, ...], list[str]] = msgspec.field(default_factory=dict)
    # Relations a build's run did not build (`Project.unbuilt`) compared without a catalog entry:
    # their undeclared columns are not known, which a note says once.
    unbuilt: list[str] = msgspec.field(default_factory=list)
    # Each build's own groups (`groups.own_groups`), base then pull request.
    own_groups: tuple[dict[str, Group], dict[str, Group]] = msgspec.field(
        default_factory=lambda: ({}, {})
    )
    # Groups whose owner moved (`groups.group_owner_moves`): said once a group, not a model.
    group_owner_moves: dict[str, tuple[str | None, str | None]] = msgspec.field(
        default_factory=dict
    )


def deprecation_elapsed(resource: Any, today: dt.datetime) -> bool:
    date = parse_deprecation_date(getattr(resource, "deprecation_date", None))
    return date is not None and date < today


def parse_deprecation_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = dt.datetime.combine(dt.date.fromisoformat(text[:10]), dt.time())
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def readers(project: Project, unique_id: str) -> list[str]:
    """Resources that read `unique_id`: child models, snapshots, exposures and semantic models
    (not its tests, nor analyses: `NOT_READERS`)."""
    found = []
    for child in project.children.get(unique_id, ()):
        resource = project.resource(child)
        if resource is not None and resource.resource_type not in NOT_READERS:
            found.append(child)
    found.extend(semantic.unique_id for semantic in project.semantic_readers(unique_id))
    return found


def _unread(project: Project, unique_id: str) -> str:
    """What a removed column's message says of a resource that nothing reads: nothing in the
    project, or nothing but its singular tests, SQL the team wrote against its columns (a
    generic test on the column goes with it), which fail in the build if they select it."""
    singular = sorted(
        test.name
        for child in project.children.get(unique_id, ())
        if child.startswith("test.")
        and (test := project.nodes.get(child)) is not None
        and test.test_metadata is None
    )
    if not singular:
        return "; nothing in the project reads it"
    tests = "tests" if len(singular) > 1 else "test"
    return f"; nothing in the project reads it but its singular {tests} {first_few(singular, 3)}"


class Emitter:
    """Builds the changes of one resource with its identity filled in."""

    def __init__(
        self, resource: Node | Source | Exposure | Group, *, path: str | None = None
    ) -> None:
        self.resource = resource
        self.path = path
        self.changes: list[Change] = []

    def __call__(
        self, code: str, reason: str, policy: Policy | None = None, **fields: Any
    ) -> Change:
        assert code in TAXONOMY, code
        klass = change_class(code)
        version = getattr(self.resource, "version", None)
        change = Change(
            change_class=klass,
            code=code,
            unique_id=self.resource.unique_id,
            name=self.resource.name,
            resource_type=self.resource.resource_type,
            reason=reason,
            policy=policy or ("risky" if klass == "risky" else "safe"),
            version=str(version) if version is not None else None,
            path=self.path,
            **fields,
        )
        self.changes.append(change)
        return change


# -- columns, contracts and constraints of a relation in both builds ---------------------------


def schema_changes(ctx: DiffContext, emit: Emitter, old: Node | Source, new: Node | Source) -> bool:
    """Column, contract and constraint changes of one relation; True when it was contracted."""
    is_model = new.resource_type == "model"
    contracted = is_model and is_contracted(old)
    versioned = getattr(new, "version", None) is not None
    if contracted:
        policy = contract_policy(new)
        if not is_contracted(new):
            emit(
                "breaking.contract_removed",
                f"{display_name(new)}: contract enforcement removed "
                "(it had `contract: enforced: true`)",
                policy,
            )
        _contract_columns(ctx, emit, old, new, policy)
        _constraints(ctx, emit, old, new, policy)
    else:
        if is_model and is_contracted(new):
            emit("safe.contract_added", f"{display_name(new)}: contract now enforced")
        _uncontracted_columns(ctx, emit, old, new, versioned)
    return contracted


def contract_policy(resource: Any) -> Policy:
    """dbt-core raises on a versioned contracted model and warns on an unversioned one."""
    if getattr(resource, "version", None) is not None:
        return "versioned_contract"
    return "unversioned_contract"


def _declared_or_empty(resource: Node | Source) -> RelationColumns:
    return declared_columns(resource) or RelationColumns("declared", {}, complete=False)


def _contract_columns(
    ctx: DiffContext, emit: Emitter, old: Node, new: Node, policy: Policy
) -> None:
    """dbt-core compares the declared (contract) columns: removed, or base type changed."""
    before, after = _declared_or_empty(old), _declared_or_empty(new)
    delta = column_delta(before, after, ctx.adapter)
    renamed_to = {b.name: a.name for b, a in delta.renamed}
    name = display_name(new)
    for column in delta.removed:
        reason = f"{name}: contracted column {column.name} removed"
        details = {}
        if column.name in renamed_to:
            # Consumers select the old name: under a contract a rename is a removal.
            reason += f" (renamed to {renamed_to[column.name]}?)"
            details["possibly_renamed_to"] = renamed_to[column.name]
        emit(
            "breaking.column_removed",
            reason,
            policy,
            column=column.name,
            old=column.data_type,
            column_source="declared",
            details=details,
        )
    for before_column, after_column, change in delta.retyped:
        _type_change(
            emit,
            name,
            before_column,
            after_column,
            change,
            contracted_policy=policy,
            has_readers=True,
            source="declared",
        )
    retyped = {column_key(b.name) for b, _, _ in delta.retyped}
    for key, column in before.columns.items():
        now = after.columns.get(key)
        if now is None or not column.data_type or not now.data_type or key in retyped:
            continue
        if _dbt_core_type(column) == _dbt_core_type(now):
            continue
        # `integer` -> `int`: one type to the warehouse (and to dbtgate), a change to dbt-core,
        # which compares the names as written, and fails `dbt build --state` on it.
        emit(
            "breaking.type_changed",
            f"{name}: contracted column {column.name} data_type {column.data_type} -> "
            f"{now.data_type}: the same type, but dbt-core's contract check compares the names "
            "as written and reports a breaking change",
            policy,
            column=column.name,
            old=column.data_type,
            new=now.data_type,
            column_source="declared",
            details={"type_change": "alias"},
        )
    for column in delta.added:
        emit(
            "safe.column_added",
            f"{name}: column {column.name} added to the contract",
            column=column.name,
            new=column.data_type,
            column_source="declared",
        )


def _dbt_core_type(column: ColumnInfo) -> str:
    """A declared data_type as dbt-core's contract check compares it
    (`ModelNode._normalize_data_type_for_comparison`): before its parameters, trimmed,
    lowered; no alias resolved."""
    return (column.data_type or "").partition("(")[0].strip().lower()


def _uncontracted_columns(
    ctx: DiffContext, emit: Emitter, old: Node | Source, new: Node | Source, versioned: bool
) -> None:
    old_witnesses = ColumnWitnesses(ctx.base, old, ctx.base_sql)
    new_witnesses = ColumnWitnesses(ctx.pr, new, ctx.pr_sql)
    pair = comparable(old_witnesses, new_witnesses)
    if new.unique_id in ctx.pr.unbuilt() or old.unique_id in ctx.base.unbuilt():
        ctx.unbuilt.append(new.unique_id)
    if pair is None:
        if old_witnesses.best() is not None or new_witnesses.best() is not None:
            ctx.unknown.append(
                UnknownRelation(unique_id=new.unique_id, reason=_why_unknown(ctx, old, new))
            )
        return
    before, after = pair
    source = before.source if before.source == after.source else f"{before.source}/{after.source}"
    delta = column_delta(before, after, ctx.adapter)
    name = display_name(new)
    is_source = new.resource_type == "source"
    reader_ids = [] if is_source else readers(ctx.pr, new.unique_id)
    public = getattr(old, "access", None) == "public"
    has_readers = bool(reader_ids) or public
    policy: Policy = "uncontracted_with_consumers"
    who = _who_reads(len(reader_ids))
    # On a versioned model a rename is a removal: consumers pinned to the version lose the column.
    renamed = {} if versioned else {b.name: a for b, a in delta.renamed}
    renamed_away = {b.name: a.name for b, a in delta.renamed} if versioned else {}
    renamed_new = {a.name for a in renamed.values()}
    confirm = new_witnesses.complete() if after.source == "declared" else None
    unread = _not_selected_by(ctx, new, reader_ids, public)
    for column in delta.removed:
        fields = {"column": column.name, "old": column.data_type, "column_source": source}
        if confirm is not None and column_key(column.name) in confirm.columns:
            emit(
                "safe.column_undeclared",
                f"{name}: column {column.name} is no longer declared in YAML; the "
                f"{confirm.source} shows it is still built",
                **fields,
            )
            continue
        unconfirmed = after.source == "declared" and confirm is None
        not_selected = unread(column.name)
        breaks = has_readers and not unconfirmed and not_selected is None
        target = renamed.get(column.name)
        if target is not None:
            code = "breaking.column_renamed" if breaks else "risky.column_renamed"
            reason = f"{name}: column {column.name} renamed to {target.name}"
            fields["new"] = target.name
        else:
            code = "breaking.column_removed" if breaks else "risky.column_removed"
            reason = f"{name}: column {column.name} removed"
            if column.name in renamed_away:
                reason += " (a rename on a versioned model is a removal)"
                # Still the column under a new name: what its baseline debt follows.
                fields["details"] = {"possibly_renamed_to": renamed_away[column.name]}
        if unconfirmed:
            reason += " from its YAML declaration (no catalog or readable SQL to confirm)"
        elif not_selected is not None:
            reason += f"; {not_selected}"
        elif has_readers:
            reason += f"; {who}" if who else ""
        elif not is_source:
            reason += _unread(ctx.pr, new.unique_id)
        if new.resource_type == "snapshot" and not unconfirmed:
            # `dbt snapshot` adds columns but never drops one: only a fresh build loses it.
            reason += f"; the snapshot's table keeps {column.name}, NULL in new rows"
        emit(code, reason, policy if code.startswith("breaking") else None, **fields)
    for before_column, after_column, change in delta.retyped:
        not_selected = unread(after_column.name)
        if new.resource_type == "snapshot":
            # `dbt snapshot` never rebuilds its table (not even with --full-refresh): the
            # readers go on reading the old type, only a snapshot built afresh has the new one.
            not_selected = (
                f"the snapshot's table keeps {before_column.data_type}: dbt snapshot never "
                "retypes a column and casts new values to it, or fails"
            )
        _type_change(
            emit,
            name,
            before_column,
            after_column,
            change,
            contracted_policy=None,
            has_readers=has_readers and not is_source and not_selected is None,
            source=source,
            who=not_selected or who,
        )
    for column in delta.added:
        if column.name in renamed_new:
            continue
        emit(
            "safe.column_added",
            f"{name}: column {column.name} added",
            column=column.name,
            new=column.data_type,
            column_source=source,
        )


def _not_selected_by(
    ctx: DiffContext, new: Node | Source, reader_ids: list[str], public: bool
) -> Callable[[str], str | None]:
    """A test of one column: why no reader is hurt by its change ("no reader selects it: ...")
    when every reader in the pull request is a model whose compiled SQL, or a semantic model
    whose dimensions, entities and measures, provably do not name it; else None.

    The usual pull request renames a column and updates its readers in the same commit: those
    readers are then not broken, and blocking them would make the gate cry wolf. An exposure,
    another project (public access) or a reader whose SQL cannot be read may still use the
    column, so any of them keeps the change breaking.
    """
    if public or not reader_ids or (ctx.pr_sql is None and ctx.base_sql is None):
        return lambda _column: None
    from dbtgate.diff.impact import reader_selects, semantic_selects

    names = sorted(display_name(ctx.pr.resource(uid) or new) for uid in reader_ids)

    def test(column: str) -> str | None:
        for uid in reader_ids:
            child = ctx.pr.nodes.get(uid)
            if child is not None and child.resource_type in ("model", "snapshot"):
                selects = reader_selects(ctx, child, cast("Node", new), column)
            elif uid in (ctx.pr.manifest.semantic_models or {}):
                selects = semantic_selects(ctx, uid, column)
            else:
                return None
            if selects != "no":
                return None
        return f"no reader selects it ({', '.join(names)})"

    return test


def _who_reads(models: int) -> str:
    """`2 downstream resources read the model`, "" when none does. Other projects are left to
    the change's impact ("other projects may read it (public model)"): a public model makes
    the change breaking, and every breaking change gets an impact, so naming them here too
    said it twice."""
    if not models:
        return ""
    return (
        f"{models} downstream resource{'s' if models != 1 else ''} "
        f"read{'s' if models == 1 else ''} the model"
    )


def _why_unknown(ctx: DiffContext, old: Node | Source, new: Node | Source) -> str:
    in_base = ctx.base.catalog_table(old.unique_id) is not None
    in_pr = ctx.pr.catalog_table(new.unique_id) is not None
    if in_base and not in_pr:
        return "in the base catalog only (partial catalog?); no common witness for its columns"
    if in_pr and not in_base:
        return "in the PR catalog only (partial catalog?); no common witness for its columns"
    return "no catalog entry, declared columns or readable SQL in both builds"


def column_types_changed(old: Node | Source, new: Node | Source, column: str) -> bool:
    """Whether the seed's type of `column` comes from its `column_types` config and the pull
    request changed it there: the finding of its type change then points at that line (in
    dbt_project.yml or the seed's YAML), which the pull request edited, not at the CSV
    (`diff.check.change_finding` sets its `Finding.setting`)."""
    if new.resource_type != "seed" or old.config is None or new.config is None:
        return False
    wanted = column_key(column)

    def typed(config: Any) -> Any:
        types = config.column_types or {}
        return next((v for k, v in types.items() if column_key(k) == wanted), None)

    after = typed(new.config)
    return after is not None and after != typed(old.config)


def _type_change(
    emit: Emitter,
    name: str,
    before: Any,
    after: Any,
    change: str,
    *,
    contracted_policy: Policy | None,
    has_readers: bool,
    source: str,
    who: str = "",
) -> None:
    details = {"type_change": change}
    fields = {
        "column": after.name,
        "old": before.data_type,
        "new": after.data_type,
        "column_source": source,
        "details": details,
    }
    moved = f"{before.data_type} -> {after.data_type}"
    if change == "size_widened":
        emit("safe.type_size_widened", f"{name}: {after.name} size grown ({moved})", **fields)
        return
    if change in ("size_narrowed", "size_changed"):
        verb = "reduced" if change == "size_narrowed" else "changed"
        emit(
            "risky.type_precision_changed",
            f"{name}: {after.name} size/precision {verb} ({moved}); not breaking in dbt-core, "
            "values may no longer fit",
            **fields,
        )
        return
    if contracted_policy is not None:
        emit(
            "breaking.type_changed",
            f"{name}: contracted column {after.name} data_type changed ({moved})",
            contracted_policy,
            **fields,
        )
        return
    if change == "widened":
        emit("risky.type_widened", f"{name}: {after.name} type widened ({moved})", **fields)
    elif has_readers:
        code = "breaking.type_narrowed" if change == "narrowed" else "breaking.type_changed"
        verb = "narrowed" if change == "narrowed" else "changed"
        emit(
            code,
            f"{name}: {after.name} type {verb} ({moved}){f'; {who}' if who else ''}",
            "uncontracted_with_consumers",
            **fields,
        )
    else:
        code = "risky.type_narrowed" if change == "narrowed" else "risky.type_changed"
        why = f"; {who}" if who else ""
        emit(code, f"{name}: {after.name} type {change} ({moved}){why}", **fields)


def _constraint_id(constraint: Constraint) -> str:
    columns = ",".join(sorted(column_key(c) for c in constraint.columns or ()))
    parts = [constraint.type, constraint.name or "", constraint.expression or "", columns]
    return ":".join(parts).rstrip(":")


def _constraints(ctx: DiffContext, emit: Emitter, old: Node, new: Node, policy: Policy) -> None:
    """Removed constraints matter only where dbt applies them: table and incremental models."""
    if (
        old.config.materialized if old.config else None
    ) not in MATERIALIZATIONS_ENFORCING_CONSTRAINTS:
        return
    enforced = enforced_constraints(ctx.adapter)
    name = display_name(new)
    pairs: list[tuple[str | None, list[Constraint], list[Constraint]]] = [
        (None, old.constraints or [], new.constraints or [])
    ]
    new_columns = {column_key(k): c for k, c in (new.columns or {}).items()}
    for key, column in (old.columns or {}).items():
        after = new_columns.get(column_key(key))
        if after is not None:
            pairs.append((column.name or key, column.constraints or [], after.constraints or []))
    for column_name, before, after in pairs:
        after_ids = {_constraint_id(c) for c in after}
        before_ids = {_constraint_id(c) for c in before}
        where = f"column {column_name}" if column_name else "the model"
        for constraint in before:
            ident = _constraint_id(constraint)
            if ident in after_ids:
                continue
            fields = {"column": column_name, "key": ident, "old": constraint.type}
            if constraint.type in enforced:
                emit(
                    "breaking.constraint_removed",
                    f"{name}: enforced {constraint.type} constraint removed from {where}",
                    policy,
                    **fields,
                )
            else:
                emit(
                    "risky.constraint_loosened",
                    f"{name}: {constraint.type} constraint removed from {where} (not enforced "
                    f"on {ctx.adapter or 'this adapter'})",
                    **fields,
                )
        for constraint in after:
            ident = _constraint_id(constraint)
            if ident not in before_ids:
                emit(
                    "safe.constraint_added",
                    f"{name}: {constraint.type} constraint added to {where}",
                    column=column_name,
                    key=ident,
                    new=constraint.type,
                )
