"""Properties of the schema diff over generated builds: a build diffed with itself has no
changes, the diff does not depend on run or manifest order, and a rename never pairs two columns
of different types."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import msgspec
from diff_support import data_test, model, write_build
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbtgate.diff.columns import ColumnInfo, RelationColumns, column_delta
from dbtgate.diff.compare import diff_projects
from dbtgate.diff.types import compare_types

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)
TYPES = [
    "integer",
    "INT",
    "bigint",
    "varchar",
    "TEXT",
    "varchar(20)",
    "decimal(18,2)",
    "double",
    "date",
    None,
]
NAMES = ["id", "ID", "amount", "status", "note", "created_at", "customer_id", "total"]

column_lists = st.lists(
    st.tuples(st.sampled_from(NAMES), st.sampled_from(TYPES)),
    max_size=6,
    unique_by=lambda c: c[0].casefold(),
)


@st.composite
def builds(draw: st.DrawFn) -> dict:
    """A project: models with columns, contracts, versions, parents, tests, a partial catalog."""
    nodes = []
    catalog = {}
    # Several versions of one model may sit side by side (a.v1 and a.v2), as in a real project.
    relations = draw(
        st.lists(
            st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from([None, 1, 2])),
            unique_by=lambda r: r[0] + (f".v{r[1]}" if r[1] is not None else ""),
            max_size=5,
        )
    )
    for index, (name, version) in enumerate(relations):
        columns = draw(column_lists)
        contracted = draw(st.booleans())
        node = model(
            name,
            columns,
            contract=contracted,
            version=version,
            access=draw(st.sampled_from(["private", "protected", "public"])),
            materialized=draw(st.sampled_from(["table", "view", "incremental"])),
            description=draw(st.sampled_from(["", "Orders.", "One row per order."])),
            checksum=draw(st.sampled_from(["x", "y"])),
            depends_on=[nodes[i]["unique_id"] for i in range(index) if draw(st.booleans())],
            deprecation_date=draw(st.sampled_from([None, "2024-01-01", "2030-01-01"])),
        )
        nodes.append(node)
        if columns and draw(st.booleans()):
            node_tests = [data_test("not_null", node["unique_id"], columns[0][0])]
            nodes.extend(node_tests)
        if draw(st.booleans()):
            catalog[node["unique_id"]] = [(n, (t or "VARCHAR").upper()) for n, t in columns]
    return {"nodes": nodes, "catalog": catalog if draw(st.booleans()) else None}


def write(directory: Path, build: dict, *, reverse: bool = False):
    nodes = list(reversed(build["nodes"])) if reverse else build["nodes"]
    return write_build(directory, nodes, catalog=build["catalog"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(builds())
def test_a_build_diffed_with_itself_has_no_changes(build: dict) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        base = write(Path(scratch) / "base", build)
        pr = write(Path(scratch) / "pr", build, reverse=True)
        result = diff_projects(base, pr, today=NOW)
    assert result.changes == []
    assert result.unknown == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(builds(), builds())
def test_the_diff_is_deterministic_whatever_the_manifest_order(before: dict, after: dict) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        base = write(Path(scratch) / "base", before)
        pr = write(Path(scratch) / "pr", after)
        pr_reversed = write(Path(scratch) / "pr_reversed", after, reverse=True)
        first = msgspec.json.encode(diff_projects(base, pr, today=NOW))
        again = msgspec.json.encode(diff_projects(base, pr, today=NOW))
        reordered = msgspec.json.encode(diff_projects(base, pr_reversed, today=NOW))
    assert first == again == reordered


def relation(columns: list[tuple[str, str | None]]) -> RelationColumns:
    return RelationColumns(
        "catalog",
        {name.casefold(): ColumnInfo(name, t, i, "catalog") for i, (name, t) in enumerate(columns)},
        complete=True,
    )


@given(column_lists, column_lists, st.sampled_from(["duckdb", "snowflake", "postgres", None]))
def test_rename_detection_never_pairs_columns_of_different_types(
    old: list, new: list, adapter: str | None
) -> None:
    delta = column_delta(relation(old), relation(new), adapter)
    removed = {c.name for c in delta.removed}
    added = {c.name for c in delta.added}
    for before, after in delta.renamed:
        assert before.data_type is not None and after.data_type is not None
        assert compare_types(before.data_type, after.data_type, adapter) == "same"
        assert before.position == after.position
        assert before.name in removed and after.name in added
    assert len({a.name for _, a in delta.renamed}) == len(delta.renamed)
