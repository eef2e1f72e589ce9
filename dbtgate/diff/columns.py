"""The columns of a relation, from the best witness available, and what changed between two builds.

Three witnesses, in order of trust: catalog.json (what the warehouse holds: every column, its real
type and position), the columns declared in YAML (complete only when a contract is enforced;
otherwise often just the documented ones, and usually without types), and the output columns of
the compiled SQL as sqlglot reads them (names only; unusable when the query ends in `*`). Every
column carries the witness it came from, and the diff compares two builds on a witness both have:
a catalog entry against YAML would report every undocumented column as removed.

A relation present in one build's catalog but not the other's (a partial `docs generate`, or a
`--select state:modified+` build) is not "all columns removed": it falls back to a common witness,
and when there is none its columns are unknown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import msgspec

from dbtgate.artifacts.manifest import is_contracted
from dbtgate.diff.types import TypeChange, compare_types

if TYPE_CHECKING:
    from dbtgate.artifacts.manifest import Node, Source
    from dbtgate.diff.sql import SqlFiles
    from dbtgate.project import Project

ColumnSource = Literal["catalog", "declared", "inferred"]
SOURCE_ORDER: tuple[ColumnSource, ...] = ("catalog", "declared", "inferred")


class ColumnInfo(msgspec.Struct, frozen=True):
    name: str
    data_type: str | None
    position: int
    source: ColumnSource


class RelationColumns(msgspec.Struct, frozen=True):
    """A relation's columns by case-folded name, in position order, from one witness."""

    source: ColumnSource
    columns: dict[str, ColumnInfo]
    # True when the witness lists every column (catalog, enforced contract, SQL without `*`).
    complete: bool


def column_key(name: str) -> str:
    """Warehouses differ in how they fold unquoted names (Snowflake upper, Postgres lower): a
    column is the same column whatever case an environment reports it in."""
    return name.strip('"`[]').casefold()


def catalog_columns(project: Project, unique_id: str) -> RelationColumns | None:
    table = project.catalog_table(unique_id)
    if table is None or not table.columns:
        return None
    ordered = sorted(
        table.columns.values(), key=lambda c: c.index if c.index is not None else 1 << 30
    )
    columns = {
        column_key(c.name): ColumnInfo(c.name, c.type, position, "catalog")
        for position, c in enumerate(ordered)
    }
    return RelationColumns("catalog", columns, complete=True)


def declared_columns(resource: Node | Source) -> RelationColumns | None:
    if not resource.columns:
        return None
    columns = {
        column_key(name): ColumnInfo(c.name or name, c.data_type or None, position, "declared")
        for position, (name, c) in enumerate(resource.columns.items())
    }
    return RelationColumns("declared", columns, complete=is_contracted(resource))


def inferred_columns(sql: SqlFiles | None, resource: Node | Source) -> RelationColumns | None:
    if sql is None or resource.resource_type not in ("model", "snapshot"):
        return None
    names = sql.output_columns(resource)
    if not names:
        return None
    columns = {
        column_key(name): ColumnInfo(name, None, position, "inferred")
        for position, name in enumerate(names)
    }
    return RelationColumns("inferred", columns, complete=True)


class ColumnWitnesses(msgspec.Struct):
    """Lazy access to one relation's witnesses in one build (SQL is parsed only if asked)."""

    project: Project
    resource: Node | Source
    sql: SqlFiles | None
    _cache: dict[str, RelationColumns | None] = msgspec.field(default_factory=dict)

    def get(self, source: ColumnSource) -> RelationColumns | None:
        if source not in self._cache:
            if source == "catalog":
                found = catalog_columns(self.project, self.resource.unique_id)
            elif source == "declared":
                found = declared_columns(self.resource)
            else:
                found = inferred_columns(self.sql, self.resource)
            self._cache[source] = found
        return self._cache[source]

    def best(self) -> RelationColumns | None:
        """The relation's column model: catalog, else declared, else inferred from SQL."""
        for source in SOURCE_ORDER:
            found = self.get(source)
            if found is not None:
                return found
        return None

    def complete(self) -> RelationColumns | None:
        """The most trusted witness that lists every column, if any."""
        for source in SOURCE_ORDER:
            found = self.get(source)
            if found is not None and found.complete:
                return found
        return None


def comparable(
    old: ColumnWitnesses, new: ColumnWitnesses
) -> tuple[RelationColumns, RelationColumns] | None:
    """The two builds' columns from the most trusted witness both have; else from two complete
    witnesses (e.g. one catalog, one SQL); else None (the columns cannot be compared)."""
    for source in SOURCE_ORDER:
        before, after = old.get(source), new.get(source)
        if before is not None and after is not None:
            return before, after
    before, after = old.complete(), new.complete()
    if before is not None and after is not None:
        return before, after
    return None


class ColumnDelta(msgspec.Struct, frozen=True):
    removed: list[ColumnInfo]
    added: list[ColumnInfo]
    retyped: list[tuple[ColumnInfo, ColumnInfo, TypeChange]]
    # (old, new) pairs of a removed and an added column at the same position with the same type.
    renamed: list[tuple[ColumnInfo, ColumnInfo]]


def column_delta(
    old: RelationColumns, new: RelationColumns, adapter: str | None = None
) -> ColumnDelta:
    """What changed between two column lists. A removed and an added column are a rename only
    when they sit at the same position and both types are known and equal: a guess that pairs
    columns of different types would hide a type change behind a rename."""
    removed = [c for key, c in old.columns.items() if key not in new.columns]
    added = [c for key, c in new.columns.items() if key not in old.columns]
    retyped = []
    for key, before in old.columns.items():
        after = new.columns.get(key)
        if after is None or before.data_type == after.data_type:
            continue
        change = compare_types(before.data_type, after.data_type, adapter)
        if change is not None and change != "same":
            retyped.append((before, after, change))
    renamed = []
    if removed and added:
        added_at = {c.position: c for c in added}
        for before in removed:
            after = added_at.get(before.position)
            if after is not None and compare_types(before.data_type, after.data_type, adapter) == (
                "same"
            ):
                renamed.append((before, after))
                del added_at[before.position]
    return ColumnDelta(removed, added, retyped, renamed)
