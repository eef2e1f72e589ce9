"""Diff two builds of one project: every relation, source and exposure, classified.

Walks the root package's resources of both builds once (installed packages are not the team's
code), hands each pair to the rules in `classify`, then adds the downstream impact of what breaks.
Only what a rule asks for is computed: columns come from the catalog and YAML already decoded,
SQL is read and parsed only for models whose checksum moved or whose columns have no other
witness, so a diff of two 10,000-model manifests costs a fraction of decoding them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

from dbtgate.diff.changes import Change, SchemaDiff
from dbtgate.diff.classify import DiffContext, Emitter, schema_changes
from dbtgate.diff.groups import (
    group_owner_changes,
    group_owner_moves,
    groups_added_and_removed,
    own_groups,
)
from dbtgate.diff.impact import add_impact
from dbtgate.diff.incremental import incremental_schema_change
from dbtgate.diff.lifecycle import (
    added_relation,
    added_source,
    exposure_change,
    removed_relation,
    removed_source,
    renamed_relations,
)
from dbtgate.diff.properties import property_changes
from dbtgate.diff.removal_places import place_removals
from dbtgate.diff.sql import SqlFiles
from dbtgate.wording import code_span, counted, first_few

if TYPE_CHECKING:
    from dbtgate.artifacts.manifest import Node, Source
    from dbtgate.project import Project

_VERSION_RE = re.compile(r"^(\d+)\.(\d+)")
_NAMED = 10  # relations a note names before "and N more"
_RELATIONS = frozenset({"model", "seed", "snapshot", "source"})  # what has columns to compare


def diff_projects(
    base: Project,
    pr: Project,
    *,
    today: dt.datetime | None = None,
    base_parsed: bool = False,
    selected: Collection[str] | None = None,
) -> SchemaDiff:
    """Everything that changed from `base` to `pr`, classified, with impact for breaking changes.
    `base_parsed`: the base is `dbt parse` of a git ref, which never has a catalog. `selected`
    (--select): the resources the notes speak of; the others are counted, not named."""
    base_meta, pr_meta = base.manifest.metadata, pr.manifest.metadata
    base_version = base_meta.dbt_version if base_meta else None
    pr_version = pr_meta.dbt_version if pr_meta else None
    ctx = _context(base, pr, today, base_parsed)
    adapter = ctx.adapter
    changes: list[Change] = []
    changes.extend(_relations(ctx))
    changes.extend(_sources(ctx))
    changes.extend(_exposures(ctx))
    changes.extend(group_owner_changes(ctx))
    changes.extend(groups_added_and_removed(ctx))
    if base.manifest.has_semantic_layer() or pr.manifest.has_semantic_layer():
        from dbtgate.diff.semantic import semantic_layer_changes

        changes.extend(semantic_layer_changes(ctx))
    changes.sort(key=Change.sort_key)
    add_impact(ctx, changes)
    place_removals(ctx, changes)
    notes = []
    if not ctx.same_dbt_version:
        notes.append(
            f"base built by dbt {base_version or '?'}, PR by dbt {pr_version or '?'}: checksums "
            "differ between dbt versions, so SQL edits are not reported (columns, contracts, "
            "config and docs are)"
        )
    unknown = _unknown_note(ctx, selected)
    if base.catalog is None or pr.catalog is None:
        roles = [role for role, p in (("base", base), ("PR", pr)) if p.catalog is None]
        without = f"; {unknown}" if unknown else ""
        builds = "builds" if len(roles) > 1 else "build"
        notes.append(
            f"no catalog.json for the {' and '.join(roles)} {builds}: columns compared as "
            "declared in YAML "
            f"({_catalog_hint(base, pr, base_parsed)}){without}"
        )
    elif unknown:  # with both catalogs: a relation one of them lacks
        notes.append(unknown)
    notes.extend(_sql_not_compared_note(ctx, selected))
    notes.extend(_sql_not_on_disk_notes(ctx, selected))
    notes.extend(_unbuilt_note(ctx, selected))
    diff = SchemaDiff(
        base_dbt_version=base_version,
        pr_dbt_version=pr_version,
        adapter=adapter,
        changes=changes,
        unknown=sorted(ctx.unknown, key=lambda u: u.unique_id),
        notes=notes,
    )
    diff.recount()
    return diff


def _context(
    base: Project, pr: Project, today: dt.datetime | None, base_parsed: bool
) -> DiffContext:
    base_meta, pr_meta = base.manifest.metadata, pr.manifest.metadata
    base_version = base_meta.dbt_version if base_meta else None
    pr_version = pr_meta.dbt_version if pr_meta else None
    groups = own_groups(base, pr)
    return DiffContext(
        base=base,
        pr=pr,
        adapter=(pr_meta.adapter_type if pr_meta else None)
        or (base_meta.adapter_type if base_meta else None),
        same_dbt_version=_minor(base_version) is not None
        and _minor(base_version) == _minor(pr_version),
        today=today or dt.datetime.now(dt.timezone.utc),
        base_sql=SqlFiles.of(base),
        pr_sql=SqlFiles.of(pr),
        base_parsed=base_parsed,
        own_groups=groups,
        group_owner_moves=group_owner_moves(base, pr, groups),
    )


def renamed_columns_across(
    base: Project, pr: Project, renamed: Mapping[str, str]
) -> dict[tuple[str, str], str]:
    """(new unique_id, old column case-folded) -> new name, for the columns of each relation
    renamed (`renamed`: old unique_id in `base` -> new unique_id in `pr`) that the schema diff
    reads as renamed, comparing the old relation with the new as if one had been edited into
    the other (`SchemaDiff.renamed_columns`): a model and its column renamed in one pull
    request, which `diff_projects` reads as one model removed and another added."""
    ctx = _context(base, pr, None, False)
    changes: list[Change] = []
    for old_uid, new_uid in sorted(renamed.items()):
        old, new = base.resource(old_uid), pr.resource(new_uid)
        if not (old and new and {old.resource_type, new.resource_type} <= _RELATIONS):
            continue
        emit = Emitter(new)
        schema_changes(ctx, emit, old, new)  # type: ignore[arg-type]
        changes.extend(emit.changes)
    return SchemaDiff(changes=changes).renamed_columns()


def _unknown_note(ctx: DiffContext, selected: Collection[str] | None) -> str:
    """The relations the diff could not compare, named: the note is the one place every report
    (console, PR comment, JSON) says which they are. Under --select (`selected`), only those the
    selection picked: the report speaks of nothing else. Empty when there is none."""
    named = sorted(u.unique_id for u in ctx.unknown if selected is None or u.unique_id in selected)
    if not named:
        return ""
    why = (
        "declaring none in one build: not compared"
        if ctx.base.catalog is None or ctx.pr.catalog is None
        else "with columns unknown in one build (e.g. a partial catalog): not reported as removed"
    )
    listed = first_few([code_span(uid) for uid in named], _NAMED)
    return f"{counted(len(named), 'relation')} {why} ({listed})"


def _unbuilt_note(ctx: DiffContext, selected: Collection[str] | None) -> list[str]:
    """The relations a run errored on or skipped, compared without their catalog entry (the
    table of an earlier build, `Project.unbuilt`): a column the pull request removed and no YAML
    declares cannot be seen, so the note says their comparison is partial, and why."""
    named = sorted(uid for uid in ctx.unbuilt if selected is None or uid in selected)
    if not named:
        return []
    listed = first_few([code_span(uid) for uid in named], _NAMED)
    its, it = ("its table", "it") if len(named) == 1 else ("their tables", "them")
    return [
        f"{counted(len(named), 'relation')} the run did not build (errored or skipped) compared "
        f"by the columns declared in YAML only: catalog.json lists {its} of an earlier "
        f"build, so a column removed that no YAML declares is not seen ({listed}); build {it} "
        f"and run `dbt docs generate` again to compare all {its.split()[0]} columns"
    ]


def _sql_not_compared_note(ctx: DiffContext, selected: Collection[str] | None) -> list[str]:
    """Said once for every SQL change of a parsed --base git ref (its rows say only "SQL
    changed"): the cause is the same for all of them."""
    count = sum(1 for uid in ctx.sql_not_compared if selected is None or uid in selected)
    if not count:
        return []
    return [
        f"{counted(count, 'SQL change')} (safe.code_changed) not compared for filters and grain: "
        "a --base git ref is only parsed by dbt, so the base build has no compiled SQL (pass "
        "--base DIR, a build's target directory, to compare them)"
    ]


def _sql_not_on_disk_notes(ctx: DiffContext, selected: Collection[str] | None) -> list[str]:
    """Said once per cause for the SQL changes a build's missing compiled file left unread
    (their rows say only "SQL changed"). A base that CI downloaded as manifest.json alone, as
    dbt's slim CI does for `--state`, is the common one: its remedy is to keep dbt's compiled
    folder with it."""
    notes = []
    for absent, uids in sorted(ctx.sql_not_on_disk.items()):
        count = sum(1 for uid in uids if selected is None or uid in selected)
        if not count:
            continue
        if absent == ("base",):
            why = (
                "the base build's compiled SQL is not beside its manifest.json (dbt writes it "
                "to target/compiled: keep that folder with the base's artifacts to compare them)"
            )
        elif absent == ("PR",):
            why = (
                "the pull request's compiled SQL is not on disk (dbt writes it to "
                "target/compiled when it compiles, builds or runs; `dbt parse` writes none)"
            )
        else:
            why = (
                "neither build's compiled SQL is on disk (dbt writes it to target/compiled: "
                "keep that folder with each build's manifest.json to compare them)"
            )
        notes.append(
            f"{counted(count, 'SQL change')} (safe.code_changed) not compared for filters and "
            f"grain: {why}"
        )
    return notes


def _catalog_hint(base: Project, pr: Project, base_parsed: bool) -> str:
    """How to get warehouse types. `dbt docs generate` in target/ would write over the build's
    manifest and run results (README, Quick start): hence its own target path. It cannot help a
    base that git gave, which dbt only parsed (nothing was built to describe)."""
    generate = (
        "for warehouse types, run `dbt docs generate --target-path docs-target` and copy its "
        "catalog.json next to manifest.json"
    )
    if not (base_parsed and base.catalog is None):
        return generate
    parsed = (
        "a --base git ref is only parsed by dbt: for its types, pass --base DIR, a build with "
        "catalog.json"
    )
    return f"{generate}; {parsed}" if pr.catalog is None else parsed


def _minor(version: str | None) -> tuple[int, int] | None:
    """dbt's checksums are stable within a minor version (1.11.x), not across minors."""
    match = _VERSION_RE.match(version or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def compare_relation(ctx: DiffContext, old: Node | Source, new: Node | Source) -> list[Change]:
    """Every change of one relation (model, seed, snapshot or source) present in both builds."""
    if _unchanged(ctx, old, new):
        return []
    emit = Emitter(new)
    contracted = schema_changes(ctx, emit, old, new)
    incremental_schema_change(emit, old, new)
    property_changes(ctx, emit, old, new, contracted)
    return emit.changes


def _unchanged(ctx: DiffContext, old: Node | Source, new: Node | Source) -> bool:
    """Equal records, warehouse columns, tests and compiled SQL: nothing to classify (most of a
    big project).

    With a column witness both builds share (a catalog entry, or declared columns) equal records
    settle it. Without one the compiled SQL is the witness (a macro change can change the
    columns of a model whose own code did not move): the same SQL text gives the same columns,
    so only a model whose SQL differs is parsed and compared. Only models and snapshots have
    compiled SQL, so equal records settle any other relation before its columns are read: a
    source's are decoded on first read (`Source.columns`), 3,341 of them at 10,000 models."""
    uid = new.unique_id
    if not ctx.pr.same_built(ctx.base, uid):
        return False
    if new.resource_type not in ("model", "snapshot") or new.columns:
        return True
    before = ctx.base.catalog_table(uid)
    if before is not None and before.columns:
        return True
    if not ctx.base_sql or not ctx.pr_sql:
        return True
    return ctx.base_sql.text(old) == ctx.pr_sql.text(new)  # type: ignore[arg-type]


def _relations(ctx: DiffContext) -> list[Change]:
    old_nodes = {node.unique_id: node for node in ctx.base.relations()}
    new_nodes = {node.unique_id: node for node in ctx.pr.relations()}
    base_names = {(node.package_name, node.name) for node in old_nodes.values()}
    renamed = renamed_relations(
        ctx,
        [node for uid, node in old_nodes.items() if uid not in new_nodes],
        [node for uid, node in new_nodes.items() if uid not in old_nodes],
    )
    renamed_from = {new.unique_id: old_nodes[uid] for uid, new in renamed.items()}
    changes: list[Change] = []
    for uid, old in old_nodes.items():
        new = new_nodes.get(uid)
        changes.extend(
            removed_relation(ctx, old, renamed.get(uid))
            if new is None
            else compare_relation(ctx, old, new)
        )
    for uid, new in new_nodes.items():
        if uid not in old_nodes:
            changes.extend(added_relation(ctx, new, base_names, renamed_from.get(uid)))
    return changes


def _sources(ctx: DiffContext) -> list[Change]:
    base_root, pr_root = ctx.base.root_package, ctx.pr.root_package
    old_sources = {uid: s for uid, s in ctx.base.sources.items() if s.package_name == base_root}
    new_sources = {uid: s for uid, s in ctx.pr.sources.items() if s.package_name == pr_root}
    changes: list[Change] = []
    for uid, old in old_sources.items():
        new = new_sources.get(uid)
        changes.extend(removed_source(old) if new is None else compare_relation(ctx, old, new))
    for uid, new in new_sources.items():
        if uid not in old_sources:
            changes.extend(added_source(new))
    return changes


def _exposures(ctx: DiffContext) -> list[Change]:
    old, new = ctx.base.exposures, ctx.pr.exposures
    changes: list[Change] = []
    for uid in old.keys() - new.keys():
        changes.extend(exposure_change(old[uid], added=False))
    for uid in new.keys() - old.keys():
        changes.extend(exposure_change(new[uid], added=True))
    return changes
