"""Where a model, seed, snapshot or source table removed from the pull request's build is
reported, when the pull request's files keep something of it to point at.

A resource deleted has no entry left in the pull request's YAML, and the line it had in the
base's file is, in the pull request's, another entry's: the change names the base's file alone
unless a kept entry says more. In order:

- a model the pull request disabled keeps its entry and files: the line that disables it
  (`enabled: false`), where the pull request edited it;
- as a metric removed whole is placed on its nearest reader the pull request keeps
  (`diff.semantic`), a model an exposure read is placed on the entry of the first such exposure
  the pull request keeps, in the exposure's file: the pull request had to cut its ref, and the
  dashboard behind it is what the removal hurts. The models that ref() a removed model are no
  place: the pull request changed them to read something else and they are not hurt
  (`diff.impact`), as a removed source's readers were changed;
- a model or seed renamed without an edit (`lifecycle.renamed_relations`) is placed on its new
  name's entry, where the rename was written;
- a model version is placed on its model's entry, a source table on its source's, where the
  pull request keeps other versions or tables.

With none of those, its file alone (which the pull request may have deleted too: `diff.check`
marks it). Only removals are looked at, and a YAML file is composed only for one of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dbtgate.artifacts.manifest import Node, Source
    from dbtgate.diff.changes import Change
    from dbtgate.diff.classify import DiffContext
    from dbtgate.locate import Locator


def place_removals(ctx: DiffContext, changes: list[Change]) -> None:
    """Set the file and line of each breaking or risky change of a node or source the pull
    request's build lacks, where a kept entry is its place (in place)."""
    pr = ctx.pr
    removed = [
        change
        for change in changes
        if change.change_class != "safe"
        and change.line is None
        and change.unique_id not in pr.nodes
        and change.unique_id not in pr.sources
        and (change.unique_id in ctx.base.nodes or change.unique_id in ctx.base.sources)
    ]
    if not removed or pr.project_dir is None:
        return
    from dbtgate.locate import Locator

    locator = Locator(pr.project_dir, root_package=pr.root_package)
    # The pull request's models by name and sources by source name, to find a removed one's
    # kept versions or tables: built once, for the few removals.
    kept: dict[tuple[str, str, str], list[Node | Source]] = {}
    for node in pr.nodes.values():
        kept.setdefault((node.package_name, node.resource_type, node.name), []).append(node)
    for source in pr.sources.values():
        kept.setdefault((source.package_name, "source", source.source_name), []).append(source)
    for change in removed:
        placed = (
            _disabled_setting(ctx, change.unique_id, locator)
            or _exposure_entry(ctx, change, locator)
            or _renamed_entry(ctx, change, locator)
            or _kept_sibling_entry(ctx, change.unique_id, kept, locator)
        )
        if placed is not None:
            change.path, change.line = placed


def _disabled_setting(ctx: DiffContext, uid: str, locator: Locator) -> tuple[str, int] | None:
    """A model, seed or snapshot the pull request disabled keeps its files and entry: the line
    that disables it (`enabled: false` in its config(), its YAML or dbt_project.yml), else its
    entry, where the pull request edited it."""
    disabled = ctx.pr.manifest.disabled
    variants = disabled.get(uid) if isinstance(disabled, dict) else None
    node = variants[0] if variants else None
    if node is None or node.resource_type == "source" or node.package_name != ctx.pr.root_package:
        return None
    location = locator.locate_setting(node, "enabled")
    return (location.path, location.line) if location.path and location.line else None


def _exposure_entry(ctx: DiffContext, change: Change, locator: Locator) -> tuple[str, int] | None:
    """The entry of the first exposure the removal hurts (in the order its impact names them)
    that the pull request's YAML still declares."""
    if change.code != "breaking.model_removed" or change.impact is None:
        return None
    for consumer in change.impact.exposures:
        exposure = ctx.pr.exposures.get(consumer.unique_id)
        if exposure is None or exposure.package_name != ctx.pr.root_package:
            continue
        line = locator.semantic_line(exposure)
        if line is not None:
            return exposure.original_file_path, line
    return None


def _renamed_entry(ctx: DiffContext, change: Change, locator: Locator) -> tuple[str, int] | None:
    """The entry of the model or seed the removed one was renamed to (`details.renamed_to`):
    the base's line in the base's file is another entry's in the pull request's."""
    new = ctx.pr.nodes.get(str(change.details.get("renamed_to") or ""))
    if new is None or new.package_name != ctx.pr.root_package or not new.patch_path:
        return None
    line = locator.enclosing_line(new)
    return (new.patch_path, line) if line is not None else None


def _kept_sibling_entry(
    ctx: DiffContext,
    uid: str,
    kept: dict[tuple[str, str, str], list[Node | Source]],
    locator: Locator,
) -> tuple[str, int] | None:
    """The entry of the model whose version `uid` was, or of the source whose table it was,
    found through a version or table of it the pull request kept."""
    old: Node | Source | None = ctx.base.nodes.get(uid) or ctx.base.sources.get(uid)
    if old is None or old.package_name != ctx.pr.root_package:
        return None
    is_source = uid in ctx.base.sources
    name = old.source_name if is_source else old.name  # type: ignore[union-attr]
    family = (old.package_name, old.resource_type, name)
    for sibling in sorted(kept.get(family, ()), key=lambda resource: resource.unique_id):
        line = locator.enclosing_line(sibling)
        path = sibling.original_file_path if is_source else sibling.patch_path
        if line is not None and path:
            return path, line
    return None
