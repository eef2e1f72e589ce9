"""Test rules: is each model's grain protected, and how much of a selection is tested at all?

A model without a tested key can silently fan out rows on a join and double every number built on
it; these rules ask for the cheapest protection dbt offers (generic tests and constraints).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from dbtgate.artifacts.manifest import Node, Source, UnitTestFixture
from dbtgate.keys import key_name, resource_key, single_key_column
from dbtgate.project import Project, TestRef, display_name
from dbtgate.rules.registry import (
    Count,
    Minimums,
    Refinement,
    Regex,
    Share,
    Violation,
    regex_problem,
    rule,
)
from dbtgate.wording import counted, first_few


@rule(
    "tests.primary_key",
    severity="error",
    applies_to=("model", "snapshot"),
    why="""
        A model whose key is not tested can gain duplicate rows (a join that fans out, an
        incremental run that appends twice) without any test failing, and every metric built on
        it is then wrong. `unique` + `not_null` on the key is the cheapest guard dbt offers.
    """,
    failing="""
        models:
          - name: fct_orders
            columns:
              - name: order_id
                data_tests: [not_null]      # no unique: duplicates pass
    """,
    passing="""
        models:
          - name: fct_orders
            columns:
              - name: order_id
                data_tests: [unique, not_null]
    """,
    fix="""
        Add `unique` and `not_null` tests to the key column; for a composite key use
        `dbt_utils.unique_combination_of_columns`; on a contracted model a `primary_key`
        constraint also counts (set `accept_constraints: false` where the warehouse does not
        enforce it and you want tests).
    """,
)
def primary_key(
    model: Node, project: Project, *, accept_constraints: bool = True
) -> Iterator[Violation]:
    """The model's primary key is tested.

    Passes with `unique` and `not_null` on the same column (tests, or column constraints), a
    `primary_key` constraint (model or column level), or a composite-key test
    (dbt_utils.unique_combination_of_columns, dbt_expectations.expect_compound_columns_to_be_unique,
    dbt_constraints.primary_key). A composite-key test that lists one column only proves it
    unique: that column needs a `not_null` test (or constraint) too, as after `unique`.
    Constraints count only under an enforced contract: without one dbt does not create them.
    The KPI scorecard's `primary key tested` (`pk_tested`) counts the same way.
    """
    proven, unique, not_null = resource_key(project, model, constraints=accept_constraints)
    if proven:
        return
    details = {"unique": sorted(unique), "not_null": sorted(not_null)}
    half = sorted(unique ^ not_null)
    if half:
        column = half[0]
        missing = "unique" if column in not_null else "not_null"
        has = "not_null" if missing == "unique" else "unique"
        yield Violation(
            f"{display_name(model)} has no tested primary key: {column} has {has} but no {missing} test",
            fix=f"Add a `{missing}` test to {column} "
            "(or a primary_key constraint under an enforced contract).",
            details=details,
        )
    else:
        yield Violation(
            f"{display_name(model)} has no tested primary key: no column has both unique and not_null "
            "tests, and there is no enforced primary_key constraint",
            details=details,
        )


@rule(
    "tests.min_per_model",
    severity="warn",
    applies_to=("model", "seed", "snapshot", "source"),
    why="""
        An untested model is only as good as the last time someone looked at its data. A floor
        on the number of tests makes "add a test" part of adding a model.
    """,
    failing="""
        # policy: tests.min_per_model: {severity: error, min: 2}
        models:
          - name: dim_products
            columns:
              - name: product_id
                data_tests: [unique]
    """,
    passing="""
        models:
          - name: dim_products
            columns:
              - name: product_id
                data_tests: [unique, not_null]
    """,
    fix="Add data tests (generic tests in YAML, or singular tests that read it through `ref()` "
    "or `source()`).",
)
def min_per_model(model: Node | Source, project: Project, *, min: Count = 1) -> Violation | None:
    """The resource (model, seed, snapshot or source table) has at least `min` data tests (generic
    or singular).

    A source table counts its tests the same way: a raw table's `not_null` and `unique` tests
    are the first to tell a broken load from a broken model. As dbt-checkpoint's
    check-model-has-tests and check-source-has-tests."""
    count = len(project.tests_on(model.unique_id))
    if count >= min:
        return None
    return Violation(
        f"{display_name(model)} has {counted(count, 'test')}, the policy asks for at least {min}",
        details={"tests": count, "min": min},
    )


def _group_problem(group: dict[str, Any]) -> str | None:
    unknown = sorted(str(key) for key in group if key not in ("tests", "min"))
    if unknown:
        return f"unknown key {unknown[0]!r} in a group (a group has `tests` and `min`)"
    names = group.get("tests")
    if not isinstance(names, list) or not names:
        return "a group needs `tests`, a list of one test name or more"
    if not all(isinstance(name, str) and name for name in names):
        return f"a group's `tests` are test names, got {names!r}"
    minimum = group.get("min", 1)
    if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 0:
        return f"a group's `min` is a count of 0 or more, got {minimum!r}"
    return None


def _groups_problem(value: list[dict[str, Any]]) -> str | None:
    if not value:
        return "give at least one group (an empty list would check nothing)"
    return next(filter(None, map(_group_problem, value)), None)


# Groups of test names, each with how many tests among its names the resource needs
# (`[{tests: [unique, unique_combination_of_columns], min: 1}]`; `min` is 1 when left out).
TestGroups = Annotated[
    list[dict[str, Any]],
    Refinement(
        "list of {tests: [name, ...], min: count}",
        _groups_problem,
        {
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "tests": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "string", "minLength": 1},
                    },
                    "min": {"type": "integer", "minimum": 0},
                },
                "required": ["tests"],
                "additionalProperties": False,
            },
        },
    ),
]


def _some_tests(params: dict[str, Any]) -> str | None:
    if params["tests"] is None and params["groups"] is None:
        return "set `tests` and/or `groups` (with neither, the rule checks nothing)"
    return None


def _names_of(test: TestRef) -> set[str]:
    """The names a policy may give a test by: its own, and its package's (both lower case)."""
    return {test.kind.lower(), test.qualified_kind.lower()}


@rule(
    "tests.required",
    severity="warn",
    applies_to=("model", "seed", "snapshot", "source"),
    why="""
        A team's test standard is usually more than a count: every mart has a `relationships`
        test to its dimensions, every status column an `accepted_values` test, every source a
        freshness-proof `not_null` on its load timestamp. Naming the tests a selection needs
        makes the standard a check instead of a review comment. Some standards accept one of
        several tests (a key is proven by `unique` or by a composite-key test): a group names
        them, and any of its tests counts.
    """,
    failing="""
        # policy: {select: "path:models/marts", rules: {tests.required: {tests: {relationships: 1},
        #          groups: [{tests: [unique, unique_combination_of_columns], min: 1}]}}}
        models:
          - name: fct_orders
            columns:
              - name: customer_id
                data_tests: [not_null]
    """,
    passing="""
        models:
          - name: fct_orders
            data_tests:
              - dbt_utils.unique_combination_of_columns:
                  arguments: {combination_of_columns: [order_id, line_number]}
            columns:
              - name: customer_id
                data_tests:
                  - not_null
                  - relationships: {to: ref('dim_customers'), field: customer_id}
    """,
    fix="Add the tests the policy names (generic tests in the resource's YAML; `singular` "
    "counts tests in tests/ that ref it); for a group, any of its tests.",
    params_check=_some_tests,
)
def required(
    resource: Node,
    project: Project,
    *,
    tests: Minimums | None = None,
    groups: TestGroups | None = None,
) -> Violation | None:
    """The resource has at least the number of tests of each name in `tests`, and at least
    `min` tests among the names of each of the `groups`.

    Names are `unique`, `not_null`, `relationships`, `accepted_values`, a package's test as
    `dbt_utils.unique_combination_of_columns` or without its package, and `singular` for tests
    that ref the resource; compared case-insensitively. A group counts tests, each once: two
    `unique` tests are 2 of `min: 2`. As dbt-checkpoint's check-model-has-tests-by-name and
    check-source-has-tests-by-name (`tests`), and check-model-has-tests-by-group and
    check-source-has-tests-by-group (a group; checkpoint counts the names among `--tests`
    that the resource has a test of, so its `--test-cnt 1` is `min: 1`)."""
    found: dict[str, int] = {}
    on_resource = project.tests_on(resource.unique_id)
    for test in on_resource:
        for name in _names_of(test):
            found[name] = found.get(name, 0) + 1
    short = [
        (name, found.get(name.lower(), 0), minimum)
        for name, minimum in sorted((tests or {}).items())
        if found.get(name.lower(), 0) < minimum
    ]
    short_groups = []
    for group in groups or ():
        names = {name.lower() for name in group["tests"]}
        count = sum(1 for test in on_resource if _names_of(test) & names)
        minimum = group.get("min", 1)
        if count < minimum:
            short_groups.append((group["tests"], count, minimum))
    if not short and not short_groups:
        return None
    return Violation(
        f"{display_name(resource)} lacks tests the policy asks for: "
        + ", ".join(
            [f"{name} ({count} of {minimum})" for name, count, minimum in short]
            + [
                f"{' or '.join(names)} ({count} of {minimum})"
                for names, count, minimum in short_groups
            ]
        ),
        details={
            "missing": {name: {"found": n, "min": m} for name, n, m in short},
            "missing_groups": [
                {"tests": names, "found": n, "min": m} for names, n, m in short_groups
            ],
        },
    )


def _column_tests_problem(value: dict[str, list[str]]) -> str | None:
    if not value:
        return "give at least one column pattern and its tests (an empty map would check nothing)"
    for pattern, names in value.items():
        problem = regex_problem(pattern)
        if problem:
            return f"{pattern!r}: {problem}"
        if not names or not all(names):
            return f"{pattern!r}: give the names of one test or more"
    return None


# Column name patterns and the tests each matching column needs (`{".*_id": [not_null]}`).
ColumnTests = Annotated[
    dict[str, list[str]],
    Refinement(
        "map of regex -> test names (at least one)",
        _column_tests_problem,
        {
            "minProperties": 1,
            "propertyNames": {"minLength": 1},
            "additionalProperties": {"minItems": 1, "items": {"minLength": 1}},
        },
    ),
]


@rule(
    "tests.column_tests",
    severity="warn",
    applies_to=("model", "seed", "snapshot", "source"),
    why="""
        Column names carry promises: `customer_id` is a key that is never null, `is_active`
        a flag with two values, `email` something that must stay unique. A policy that ties
        the tests to the names keeps the promise on every new column of that name, without a
        reviewer reading each YAML entry.
    """,
    failing="""
        # policy: {select: "path:models/marts", rules: {tests.column_tests:
        #          {tests: {".*_id": [not_null], "is_.*": [not_null, accepted_values]}}}}
        models:
          - name: fct_orders
            columns:
              - name: customer_id
              - name: is_refunded
                data_tests: [not_null]
    """,
    passing="""
        models:
          - name: fct_orders
            columns:
              - name: customer_id
                data_tests: [not_null]
              - name: is_refunded
                data_tests:
                  - not_null
                  - accepted_values: {arguments: {values: [true, false]}}
    """,
    fix="Add the tests the policy names to the column (`data_tests:` under the column in the "
    "resource's YAML).",
)
def column_tests(
    resource: Node | Source,
    project: Project,
    *,
    tests: ColumnTests = {},  # noqa: B006
    use_catalog: bool = True,
) -> Iterator[Violation]:
    """Each column whose name matches one of the patterns of `tests` has a test of each name
    the pattern lists (`{".*_id": [not_null], "is_.*": [not_null, accepted_values]}`).

    The columns are the declared ones and, with a catalog.json, the warehouse's (an undeclared
    column has no tests, so it fails; `use_catalog: false` judges the declared ones only). A
    pattern is a regular expression matched as a whole and case-insensitively, as warehouses
    fold names; a column matching several patterns needs all their tests. Test names are as
    tests.required reads them: `not_null`, or a package's `dbt_utils.not_empty_string` with or
    without its package, compared case-insensitively; a constraint is not a test. As
    dbt-bouncer's check_column_has_specified_test (the catalog's columns, one pattern and one
    test a check; its `^is_` is `is_.*` here) and check_model_column_has_specified_test
    (`use_catalog: false`)."""
    for column in project.column_names(resource, use_catalog=use_catalog):
        wanted = sorted(
            {
                name
                for pattern, names in tests.items()
                if re.fullmatch(pattern, column, re.IGNORECASE)
                for name in names
            },
            key=str.lower,
        )
        if not wanted:
            continue
        have = set().union(*map(_names_of, project.tests_on(resource.unique_id, column)))
        missing = [name for name in wanted if name.lower() not in have]
        if missing:
            yield Violation(
                f"column {column} of {display_name(resource)} lacks the "
                f"{_listed(missing)} {'test' if len(missing) == 1 else 'tests'} that "
                "columns of its name need",
                column_name=column,
                details={"missing": missing},
            )


def _listed(names: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`: the tests a column lacks, as a sentence names them."""
    return " and ".join(filter(None, [", ".join(names[:-1]), names[-1]]))


@rule(
    "tests.unit_tests",
    severity="warn",
    applies_to=("model",),
    needs=("unit_tests",),
    why="""
        Data tests check the rows a model produced; a unit test checks the logic that produces
        them, on inputs chosen to hit the edge cases (nulls, refunds, a leap day) before any
        real data does. The models whose logic is the business's rules (revenue, churn,
        attribution) are the ones to hold to it, which is what a selection is for.
    """,
    failing="""
        # policy: {select: "tier:1", rules: {tests.unit_tests: error}}
        models:
          - name: fct_revenue      # tier 1, no unit test
    """,
    passing="""
        unit_tests:
          - name: test_refunds_are_negative
            model: fct_revenue
            given:
              - input: ref('stg_payments')
                rows: [{order_id: 1, amount: -5, kind: refund}]
            expect:
              rows: [{order_id: 1, revenue: -5}]
    """,
    fix="Add a unit test for the model (`unit_tests:` in its properties YAML, dbt 1.8+).",
)
def unit_tests(model: Node, project: Project, *, min: Count = 1) -> Violation | None:
    """The model has at least `min` unit tests (dbt 1.8+).

    Counted per model version: a unit test that covers versions 1 and 2 counts for each. A
    manifest written before dbt 1.8 has no unit tests at all: the rule then checks nothing,
    and a note says why, rather than a finding on every model; one config serves the projects
    of an organisation still on older dbt versions."""
    count = len(project.unit_tests_by_model.get(model.unique_id, ()))
    if count >= min:
        return None
    return Violation(
        f"{display_name(model)} has {counted(count, 'unit test')}, the policy asks for at "
        f"least {min}",
        details={"unit_tests": count, "min": min},
    )


# The formats of a unit test's rows (dbt's `format:`), dict when the YAML names none.
UNIT_TEST_FORMATS = ("dict", "csv", "sql")


def _formats_problem(value: list[str]) -> str | None:
    return None if value else "give at least one format (an empty list would pass no unit test)"


Formats = Annotated[
    list[Literal["dict", "csv", "sql"]],
    Refinement("list of dict | csv | sql (at least one)", _formats_problem, {"minItems": 1}),
]


def _formats_restricted(params: dict[str, Any]) -> str | None:
    """A `params_check`: with every format allowed on both sides the rule passes every test."""
    if all(set(params[side]) >= set(UNIT_TEST_FORMATS) for side in ("given", "expect")):
        return (
            "set `given` and/or `expect` to fewer formats than dict, csv and sql (with all "
            "three on both, every unit test passes)"
        )
    return None


@rule(
    "tests.unit_test_formats",
    severity="warn",
    applies_to=("model",),
    params_check=_formats_restricted,
    why="""
        A unit test is read far more often than it is written: by whoever changes the model
        next and has to see what its inputs were. Rows as YAML dicts name each value's column;
        in a CSV block or a SQL query the reader matches values to a header by position, and a
        fixture file puts the rows in another file. One format across the project makes every
        unit test read the same (`sql`, which dbt needs for ephemeral inputs, can be allowed
        where it is needed).
    """,
    failing="""
        # policy: tests.unit_test_formats: {given: [dict], expect: [dict]}
        unit_tests:
          - name: test_clv_logic
            model: customers
            given:
              - input: ref('stg_payments')
                format: csv
                rows: |
                  payment_id,customer_id,amount
                  1,7,500
            expect:
              rows: [{customer_id: 7, lifetime_value: 500}]
    """,
    passing="""
        unit_tests:
          - name: test_clv_logic
            model: customers
            given:
              - input: ref('stg_payments')
                rows: [{payment_id: 1, customer_id: 7, amount: 500}]
            expect:
              rows: [{customer_id: 7, lifetime_value: 500}]
    """,
    fix="Write the unit test's rows in a format the policy allows (`format: dict`, the "
    "default, is YAML rows), or allow its format for the models that need it.",
)
def unit_test_formats(
    model: Node,
    project: Project,
    *,
    given: Formats = list(UNIT_TEST_FORMATS),  # noqa: B006
    expect: Formats = list(UNIT_TEST_FORMATS),  # noqa: B006
) -> Iterator[Violation]:
    """The model's unit tests give their inputs in the `given` formats and their expected
    rows in the `expect` formats (dict, csv, sql; dbt 1.8+).

    One finding per unit test whose formats are not allowed, naming each input that is not,
    on the model it tests: the first of its `depends_on` (dbt Fusion lists another version
    after it). A unit test of several versions of a model is one per version, each judged on
    its own; an input or expectation with no `format` is dict, dbt's default."""
    unit_tests = project.manifest.unit_tests or {}
    for uid in project.unit_tests_by_model.get(model.unique_id, ()):
        unit_test = unit_tests[uid]
        tested = unit_test.depends_on.nodes if unit_test.depends_on else None
        if not tested or tested[0] != model.unique_id:
            continue
        wrong = [
            f"{fixture.input or 'an input'} as {_format(fixture)}"
            for fixture in unit_test.given or ()
            if _format(fixture) not in given
        ]
        parts = [f"gives {', '.join(wrong)} (allowed: {', '.join(given)})"] if wrong else []
        expected = _format(unit_test.expect)
        if expected not in expect:
            parts.append(f"expects its rows as {expected} (allowed: {', '.join(expect)})")
        if parts:
            yield Violation(
                f"unit test {unit_test.name} of {display_name(model)} {' and '.join(parts)}",
                key=uid,
                details={
                    "unit_test": uid,
                    "given": [_format(fixture) for fixture in unit_test.given or ()],
                    "expect": expected,
                },
            )


def _format(fixture: UnitTestFixture | None) -> str:
    return (fixture.format if fixture is not None else None) or "dict"


@rule(
    "tests.coverage",
    severity="error",
    applies_to=("model",),
    selection=True,
    why="""
        Team KPIs such as "80% of tier-1 models tested" only hold if the gate measures them on
        every change. This rule looks at the selection as a whole, so a few legacy models do not
        each need a waiver while the share stays above the target.
    """,
    failing="""
        # policy on tier:1: tests.coverage: {severity: error, min: 0.8}
        # 3 of the 5 tier-1 models have no test at all: 40% < 80%
    """,
    passing="""
        # 4 of the 5 tier-1 models have at least one test: 80% >= 80%
    """,
    fix="Add tests to the untested models listed in the finding's details.",
)
def coverage(models: list[Node], project: Project, *, min: Share = 0.8) -> Violation | None:
    """At least a share `min` (0..1) of the selected models have one test or more.

    Reported once for the selection (not per model), at the policy's line in the config. With a
    base build the finding says the base build's share; under `scope: changed` it is the
    change's when the base build passes or has a higher share (the change lowered it), else
    outside the change: legacy debt does not block an unrelated pull request.
    """
    if not models:
        return None
    untested = sorted(m.unique_id for m in models if not project.tests_on(m.unique_id))
    tested = len(models) - len(untested)
    share = tested / len(models)
    if share >= min:
        return None
    # model.<package>.<name>[.v<version>] -> name[.v<version>]
    shown = first_few([uid.split(".", 2)[-1] for uid in untested], 5)
    return Violation(
        f"{tested} of {len(models)} selected models are tested ({share:.0%} < {min:.0%}); "
        f"untested: {shown}",
        details={
            "tested": tested,
            "total": len(models),
            "share": round(share, 4),
            "min": min,
            "untested": untested[:50],
        },
    )


@rule(
    "tests.relationships_to_parents",
    severity="warn",
    applies_to=("model", "snapshot"),
    why="""
        When a model carries the key of one of its parents (orders.customer_id from customers),
        an orphaned value means a join upstream dropped or invented rows. A `relationships`
        test states the link and catches it.
    """,
    failing="""
        models:
          - name: int_order_items_priced      # parent stg_products has key product_id
            columns:
              - name: product_id                # no relationships test
    """,
    passing="""
        models:
          - name: int_order_items_priced
            columns:
              - name: product_id
                data_tests:
                  - relationships:
                      arguments: {to: ref('stg_products'), field: product_id}
    """,
    fix="Add a `relationships` test from the column to the parent that owns the key.",
)
def relationships_to_parents(model: Node, project: Project) -> Iterator[Violation]:
    """Columns that carry a direct parent's key have a `relationships` test.

    A parent's key is a column with a uniqueness guarantee there (unique test or constraint).
    The model's own key is exempt: its unique-tested columns, or, when none is tested, its first
    declared column (the usual place of a key).
    """
    columns = {
        (key_name(c.name or name) or ""): (c.name or name)
        for name, c in (model.columns or {}).items()
    }
    if not columns:
        return
    tests = project.tests_on(model.unique_id)
    _, own_unique, _ = resource_key(project, model)
    own_key = own_unique or {next(iter(columns))}
    related = {key_name(t.column_name) for t in tests if t.kind == "relationships"}
    for parent_id in sorted(set(project.parents.get(model.unique_id, ()))):
        parent = project.resource(parent_id)
        if parent is None or getattr(parent, "resource_type", "") not in {
            "model",
            "seed",
            "snapshot",
            "source",
        }:
            continue
        _, parent_unique, _ = resource_key(project, parent)
        for column in sorted((parent_unique & columns.keys()) - own_key - related):
            yield Violation(
                f"{model.name}.{columns[column]} is the key of its parent {parent.name} but has "
                "no relationships test",
                column_name=columns[column],
                key=parent_id,
                details={"parent": parent_id},
            )


@rule(
    "tests.where_config",
    severity="warn",
    applies_to=("test",),
    why="""
        A generic test scans the whole table it tests on every run: on an event table of
        billions of rows a `not_null` costs as much as the model's own build. A `where`
        config (the last days' partitions, rows not yet archived) keeps what tests cost
        bounded, and the filter is the line a new test forgets.
    """,
    failing="""
        # policy: {select: "resource_type:test path:models/events", rules: {tests.where_config:
        #          {pattern: "event_date"}}}
        models:
          - name: fct_events
            columns:
              - name: event_id
                data_tests: [not_null]
    """,
    passing="""
        models:
          - name: fct_events
            columns:
              - name: event_id
                data_tests:
                  - not_null:
                      config:
                        where: "event_date >= current_date - 3"
    """,
    fix="Set `config: {where: ...}` on the test (for all of a folder's tests, `+where` under "
    "`data_tests:` in dbt_project.yml), written to match `pattern` when the policy sets one.",
)
def where_config(test: Node, *, pattern: Regex | None = None) -> Violation | None:
    """The generic data test has a `where` config, and with `pattern`, one that contains a
    match for it.

    Only under a policy that selects tests (`resource_type:test`; `*` selects none). The
    filter as dbt rendered it when it parsed the project (`{{ var('days') }}` resolved; a
    placeholder that an overridden get_where_subquery macro replaces, `__recent__`, as
    written); `pattern` is searched anywhere in it (`re.search`). Singular tests are skipped:
    dbt ignores `where` on them. As dbt-bouncer's check_test_has_where_config, whose
    `regexp_pattern` matches at the start (its `X` is `pattern: "^X"`)."""
    if test.test_metadata is None:
        return None
    where = ((test.config.where if test.config else None) or "").strip()
    if not where:
        return Violation(f"test {test.name} has no where config")
    if pattern is None or re.search(pattern, where):
        return None
    return Violation(
        f"test {test.name}'s where config ({where}) has no match for the pattern {pattern}",
        details={"where": where, "pattern": pattern},
    )


@rule(
    "tests.unique_at_column_level",
    severity="warn",
    applies_to=("model", "seed", "snapshot"),
    why="""
        A composite-key test of one column is a `unique` test in disguise. Readers look for a
        key's test on its column, where dbt docs and catalogs list column tests; a model-level
        test hides it there, and it has usually outlived a key that once had two columns. A
        `unique` test on the column says the same, where it is looked for.
    """,
    failing="""
        models:
          - name: fct_orders
            data_tests:
              - dbt_utils.unique_combination_of_columns:
                  arguments: {combination_of_columns: [order_id]}
    """,
    passing="""
        models:
          - name: fct_orders
            columns:
              - name: order_id
                data_tests: [unique, not_null]
    """,
    fix="Replace the model-level test with a `unique` test on the column.",
)
def unique_at_column_level(model: Node, project: Project) -> Iterator[Violation]:
    """No model-level composite-key test lists a single column.

    The tests are dbt_utils' `unique_combination_of_columns` and dbt_expectations'
    `expect_compound_columns_to_be_unique`; each offending test is reported, on its own list
    item under the model's `data_tests:` (or `tests:`). A list built by Jinja at run time (a
    string in the manifest) is not judged. As dbt-score's
    single_column_uniqueness_at_column_level."""
    for test in project.tests_on(model.unique_id):
        column = single_key_column(test)
        if column is None:
            continue
        yield Violation(
            f"{display_name(model)} tests the uniqueness of {column} alone with "
            f"{test.qualified_kind}, a model-level test",
            column_name=column,
            key=test.unique_id,
            fix=f"Replace {test.qualified_kind} with a `unique` test on column {column}.",
            details={"test": test.unique_id, "column": column},
        )
