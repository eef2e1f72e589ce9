"""Rules for resources in one build only: added, removed (deleted, renamed or disabled), and
new model versions.

A contracted model may only go once its deprecation_date has passed (dbt-core's
`same_contract_removed`); a public one may be read by other projects; one an exposure read in the
base build may still be queried by that dashboard, even when the pull request deletes the
exposure's YAML (`outside`); anything else removed is left in the warehouse by dbt, stale, for
tools outside dbt to go on querying, so it is worth a look. A new version is the way to change a
contract, and comes with a deprecation_date on the version it replaces.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dbtgate.artifacts.manifest import is_contracted
from dbtgate.diff.classify import (
    DiffContext,
    Emitter,
    contract_policy,
    deprecation_elapsed,
)
from dbtgate.diff.outside import outside_readers, undeclared_note
from dbtgate.project import display_name
from dbtgate.wording import code_span

if TYPE_CHECKING:
    from dbtgate.artifacts.manifest import Exposure, Node, Source
    from dbtgate.diff.changes import Change
    from dbtgate.project import Project


# dbt drops no relation when its model or seed goes: the old table or view stays where it was,
# and what queries it by name gets the last data built into it, without an error.
_LEFT_STALE = "dbt leaves its old relation in place, no longer updated"


def renamed_relations(ctx: DiffContext, removed: list[Node], added: list[Node]) -> dict[str, Node]:
    """Old unique_id -> the new resource it was renamed to, for the removed models and seeds
    whose file a new one of the same type and package has unchanged: dbt's sha256 of the file
    (`git mv` keeps it; a snapshot's name is written inside its file, or its YAML), comparable
    only between builds of one dbt minor version. One
    old and one new resource per checksum or none (a copy of an unchanged file beside the
    renamed one leaves either side ambiguous), and no model version (a new version is its own
    rule). The release's reader saw a model deleted and another added, and had to guess that
    they were one model under a new name, whose old relation dbt leaves behind."""
    if not ctx.same_dbt_version or not removed or not added:
        return {}

    def by_checksum(nodes: list[Node]) -> dict[tuple[str, str, str], list[Node]]:
        found: dict[tuple[str, str, str], list[Node]] = {}
        for node in nodes:
            checksum = node.checksum
            if node.resource_type not in ("model", "seed") or node.version is not None:
                continue
            if checksum is None or checksum.name != "sha256":
                continue
            if checksum.checksum:
                key = (node.resource_type, node.package_name, checksum.checksum)
                found.setdefault(key, []).append(node)
        return found

    olds, news = by_checksum(removed), by_checksum(added)
    return {
        nodes[0].unique_id: news[key][0]
        for key, nodes in olds.items()
        if len(nodes) == 1 and len(news.get(key, ())) == 1
    }


def removed_relation(ctx: DiffContext, old: Node, renamed_to: Node | None = None) -> list[Change]:
    emit = Emitter(old, path=old.patch_path or old.original_file_path or None)
    disabled = old.unique_id in _disabled_ids(ctx.pr)
    how = "disabled" if disabled else "deleted or renamed"
    details: dict[str, str] = {"how": "disabled" if disabled else "deleted_or_renamed"}
    if renamed_to is not None and not disabled:
        how = f"renamed to {display_name(renamed_to)}"
        details = {"how": "renamed", "renamed_to": renamed_to.unique_id}
    name = display_name(old)
    kind = old.resource_type
    outside = outside_readers(ctx.base, ctx.pr, old.unique_id)
    # Said on every breaking removal whose impact lists such an exposure, not only on the one
    # that is breaking because of it.
    note = undeclared_note(outside)
    if old.resource_type == "model" and is_contracted(old):
        if deprecation_elapsed(old, ctx.today):
            emit(
                "safe.deprecated_model_removed",
                f"{name}: contracted model {how} after its deprecation_date "
                f"({old.deprecation_date})",
                details=details,
            )
        else:
            policy = contract_policy(old)
            emit(
                "breaking.model_removed",
                f"{name}: contracted {kind} {how}{note}",
                policy,
                details=details,
            )
    elif getattr(old, "access", None) == "public":
        emit(
            "breaking.model_removed",
            # The impact names who reads it: other projects (and the exposures, if any).
            f"{name}: public {kind} {how}{note}",
            "uncontracted_with_consumers",
            details=details,
        )
    elif outside:
        emit(
            "breaking.model_removed",
            # The readers are named once, by the change's impact (`impact.relation_impact`).
            f"{name}: {kind} {how}: {_LEFT_STALE}, and the readers that query it read stale "
            f"data{note}",
            "uncontracted_with_consumers",
            details=details,
        )
    elif kind == "snapshot":
        # Its table is the only copy of what it recorded: nothing rebuilds that history.
        emit(
            "risky.model_removed",
            f"{name}: snapshot {how}: the history it recorded stays in its old table, no "
            "longer updated, and a snapshot renamed starts empty",
            details=details,
        )
    else:
        emit(
            "risky.model_removed",
            f"{name}: {kind} {how}: {_LEFT_STALE}; tools outside dbt that query it read stale data",
            details=details,
        )
    _latest_version_removed(ctx, emit, old)
    return emit.changes


def _latest_version_removed(ctx: DiffContext, emit: Emitter, old: Node) -> None:
    """The removed version was the latest and other versions stay: every `ref()` without a
    version silently moves to the new latest, which the removal does not say (the properties
    rule says it when the old latest stays, so this never says it twice)."""
    before = old.latest_version
    if old.version is None or before is None or str(old.version) != str(before):
        return
    after = next(
        (
            node.latest_version
            for node in ctx.pr.relations()
            if (node.package_name, node.name) == (old.package_name, old.name)
            and node.latest_version is not None
        ),
        None,
    )
    if after is None or str(after) == str(before):
        return
    unversioned = code_span(f"ref('{old.name}')")
    emit(
        "risky.latest_version_changed",
        f"{old.name}: latest_version {before} -> {after} (v{before} removed); {unversioned} "
        f"without a version now reads v{after}",
        old=str(before),
        new=str(after),
    )


def _disabled_ids(project: Project) -> set[str]:
    disabled = project.manifest.disabled
    return set(disabled) if isinstance(disabled, dict) else set()


def added_relation(
    ctx: DiffContext,
    new: Node,
    base_names: set[tuple[str, str]],
    renamed_from: Node | None = None,
) -> list[Change]:
    emit = Emitter(new)
    name = display_name(new)
    if new.version is not None and (new.package_name, new.name) in base_names:
        older = sorted(
            (
                node
                for node in ctx.pr.relations()
                if node.name == new.name
                and node.unique_id != new.unique_id
                and node.unique_id in ctx.base.nodes
            ),
            key=lambda node: str(node.version),
        )
        undeprecated = [display_name(node) for node in older if not node.deprecation_date]
        if undeprecated:
            emit(
                "risky.version_without_deprecation",
                f"{name} added; without a deprecation_date on {', '.join(undeprecated)} "
                "consumers are not told to migrate",
                details={"undeprecated": undeprecated},
            )
        elif older:
            emit("safe.version_added", f"{name} added; older versions are deprecated")
        else:
            # No version of the base build is left: they are not deprecated but removed, and
            # their removal is reported on its own.
            removed = sorted(
                display_name(node)
                for node in ctx.base.relations()
                if (node.package_name, node.name) == (new.package_name, new.name)
            )
            emit(
                "safe.version_added",
                f"{name} added in place of {', '.join(removed)}, removed in this pull request",
            )
        return emit.changes
    if renamed_from is not None:
        emit(
            "safe.model_added",
            f"{name}: new {new.resource_type}, renamed from {display_name(renamed_from)}",
            details={"renamed_from": renamed_from.unique_id},
        )
        return emit.changes
    emit("safe.model_added", f"{name}: new {new.resource_type}")
    return emit.changes


def removed_source(old: Source) -> list[Change]:
    emit = Emitter(old, path=old.original_file_path or None)
    emit(
        "risky.source_removed",
        f"{display_name(old)} removed; models reading it must change with it",
    )
    return emit.changes


def added_source(new: Source) -> list[Change]:
    emit = Emitter(new)
    emit("safe.source_added", f"{display_name(new)}: new source table")
    return emit.changes


def exposure_change(exposure: Exposure, added: bool) -> list[Change]:
    emit = Emitter(exposure, path=None if added else exposure.original_file_path or None)
    if added:
        emit("safe.exposure_added", f"exposure {exposure.name} added")
    else:
        emit("safe.exposure_removed", f"exposure {exposure.name} removed")
    return emit.changes
