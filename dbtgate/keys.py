"""What proves a resource's key: the one answer the `tests.primary_key` rule, the relationships
rule and the scorecard's `pk_tested` share, so a model the rule passes is a model the KPI counts.

A key is proven by `unique` + `not_null` on one column (generic tests, dbt_expectations' twins, or
column constraints), by a `primary_key` constraint, or by a composite-key test. Constraints count
only under an enforced contract: without one dbt does not put them in the DDL, so they guarantee
nothing. A composite-key test that lists one column is a `unique` test written the long way: it
proves that half only, and the column needs a not-null guarantee too, as after `unique`.
"""

from __future__ import annotations

from typing import Any

from dbtgate.artifacts.manifest import is_contracted
from dbtgate.project import Project, TestRef

# Generic tests that prove a key by themselves (composite keys, key constraints as tests).
KEY_TESTS = frozenset(
    {
        "unique_combination_of_columns",  # dbt_utils
        "expect_compound_columns_to_be_unique",  # dbt_expectations
        "primary_key",  # dbt_constraints
    }
)
# Composite-key tests that check uniqueness only, and the argument that lists their columns.
COLUMN_LISTS = {
    "unique_combination_of_columns": "combination_of_columns",  # dbt_utils
    "expect_compound_columns_to_be_unique": "column_list",  # dbt_expectations
}
UNIQUE_TESTS = frozenset({"unique", "expect_column_values_to_be_unique"})
NOT_NULL_TESTS = frozenset({"not_null", "expect_column_values_to_not_be_null"})


def key_name(name: str | None) -> str | None:
    """A column name as keys compare it: unquoted, lower case."""
    return name.strip('"`[]').lower() if name else None


def single_key_column(test: TestRef) -> str | None:
    """The one column a composite-key test lists, as written; None for any other test, a list
    of several columns, or one that Jinja builds at run time (a string in the manifest)."""
    columns = test.kwargs.get(COLUMN_LISTS.get(test.kind, ""))
    if isinstance(columns, list) and len(columns) == 1 and isinstance(columns[0], str):
        return columns[0]
    return None


def key_columns(
    resource: Any, tests: list[TestRef], *, constraints: bool = True
) -> tuple[bool, set[str], set[str]]:
    """(key proven, columns with a uniqueness guarantee, columns with a not-null guarantee),
    from the resource's tests and, with `constraints` and an enforced contract, its
    constraints."""
    unique: set[str] = set()
    not_null: set[str] = set()
    for test in tests:
        if test.kind in KEY_TESTS:
            single = single_key_column(test)
            if single is None:
                return True, unique, not_null
            unique.add(key_name(single) or "")
            continue
        column = key_name(test.column_name)
        if column is None:
            continue
        if test.kind in UNIQUE_TESTS:
            unique.add(column)
        elif test.kind in NOT_NULL_TESTS:
            not_null.add(column)
    if constraints and is_contracted(resource):
        for constraint in getattr(resource, "constraints", None) or ():
            if constraint.type == "primary_key":
                return True, unique, not_null
            if constraint.type == "unique" and len(constraint.columns or ()) == 1:
                unique.add(key_name(constraint.columns[0]) or "")
        columns = getattr(resource, "columns", None) or {}
        # Few columns carry constraints: filtered in one comprehension, not a loop per column.
        for name, column in [(n, c) for n, c in columns.items() if c.constraints]:
            for constraint in column.constraints:
                if constraint.type == "primary_key":
                    return True, unique, not_null
                if constraint.type == "unique":
                    unique.add(key_name(column.name or name) or "")
                elif constraint.type == "not_null":
                    not_null.add(key_name(column.name or name) or "")
    return bool(unique & not_null), unique, not_null


def resource_key(
    project: Project, resource: Any, *, constraints: bool = True
) -> tuple[bool, set[str], set[str]]:
    """`key_columns` of a resource with its tests, computed once per resource and project:
    `tests.primary_key`, `tests.relationships_to_parents` and the scorecard's `pk_tested`
    all ask, the first and the last for every model. The sets are shared: read them only."""
    cache_key = (resource.unique_id, constraints)
    found = project.key_proofs.get(cache_key)
    if found is None:
        found = project.key_proofs[cache_key] = key_columns(
            resource, project.tests_on(resource.unique_id), constraints=constraints
        )
    return found
