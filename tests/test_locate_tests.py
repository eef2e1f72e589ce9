"""Locating a generic data test on the line that declares it: its entry under the column or
under the model's (the version's, the source table's) own tests, in each spelling dbt reads;
and on the fixture, through the gate, the SARIF report and the GitHub annotations; a model's
finding about one of its tests, on that test's line, in a small project dbt parses."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
from cli_support import dbtgate
from policy_support import write_config

from dbtgate.artifacts.manifest import Node, Source, TestMetadata
from dbtgate.findings import Finding, fingerprint
from dbtgate.locate import Locator

PROPERTIES = textwrap.dedent(
    """\
    version: 2
    models:
      - name: orders
        data_tests:
          - dbt_utils.expression_is_true:
              arguments:
                expression: "amount >= 0"
          - dbt_utils.expression_is_true:
              arguments:
                expression: "paid_amount >= 0"
        columns:
          - name: order_id
            data_tests:
              - unique
              - not_null:
                  config:
                    where: "order_date > '2024-01-01'"
          - name: status
            data_tests:
              - accepted_values:
                  values: [placed, shipped]
              - accepted_values:
                  values: [placed, returned]
              - name: status_is_known
                test_name: accepted_values
                values: [placed]
          - name: amount
            tests:
              - is_positive
          - name: note
      - name: customers
        versions:
          - v: 2
            columns:
              - name: email
                data_tests: [not_null]
    sources:
      - name: shop
        tables:
          - name: raw_orders
            data_tests:
              - not_null:
                  column_name: id
            columns:
              - name: id
                data_tests:
                  - unique
                  - unique:
                      name: id_is_unique_again
    """
)


def _locator(tmp_path: Path) -> Locator:
    (tmp_path / "models").mkdir(exist_ok=True)
    (tmp_path / "models" / "_models.yml").write_text(PROPERTIES)
    return Locator(tmp_path)


def _model(name: str, version: int | None = None) -> Node:
    return Node(
        unique_id=f"model.shop.{name}",
        resource_type="model",
        name=name,
        patch_path="models/_models.yml",
        original_file_path=f"models/{name}.sql",
        version=version,
    )


def _test(
    kind: str,
    column: str | None = None,
    *,
    name: str | None = None,
    namespace: str | None = None,
    **kwargs,
) -> Node:
    name = name or f"{kind}_{column or 'model'}"
    return Node(
        unique_id=f"test.shop.{name}.abc123",
        resource_type="test",
        name=name,
        original_file_path="models/_models.yml",
        column_name=column,
        test_metadata=TestMetadata(
            name=kind,
            namespace=namespace,
            kwargs={"model": "{{ get_where_subquery(ref('x')) }}", **kwargs}
            | ({"column_name": column} if column else {}),
        ),
    )


def _line(tmp_path: Path, test: Node, parent: Node | Source) -> int | None:
    located = _locator(tmp_path).locate(test, test=test, parent=parent)
    assert located.path == "models/_models.yml"
    return located.line


def test_a_column_test_is_found_in_each_spelling(tmp_path):
    orders = _model("orders")
    assert _line(tmp_path, _test("unique", "order_id"), orders) == 14  # - unique
    assert _line(tmp_path, _test("not_null", "order_id"), orders) == 15  # - not_null: {...}
    assert _line(tmp_path, _test("is_positive", "amount"), orders) == 29  # old `tests:`
    named = _test("accepted_values", "status", name="status_is_known", values=["placed"])
    assert _line(tmp_path, named, orders) == 24  # - name: ... test_name: accepted_values


def test_several_tests_of_one_name_are_told_apart_by_their_arguments(tmp_path):
    orders = _model("orders")
    second = _test("accepted_values", "status", name="av_2", values=["placed", "returned"])
    assert _line(tmp_path, second, orders) == 22
    first = _test("accepted_values", "status", name="av_1", values=["placed", "shipped"])
    assert _line(tmp_path, first, orders) == 20
    paid = _test(
        "expression_is_true", namespace="dbt_utils", name="e2", expression="paid_amount >= 0"
    )
    assert _line(tmp_path, paid, orders) == 8  # model level, dbt 1.10's `arguments:`
    # Arguments no entry gives (the YAML was edited since the build): the first of the name.
    edited = _test("accepted_values", "status", name="av_3", values=["gone"])
    assert _line(tmp_path, edited, orders) == 20


def test_a_test_without_its_entry_falls_back_to_the_column_then_the_model(tmp_path):
    orders = _model("orders")
    assert _line(tmp_path, _test("unique", "note"), orders) == 30  # the column's line
    # A column the file does not list: a model-level test naming it (`column_name:`), else
    # the model's line.
    assert _line(tmp_path, _test("expression_is_true", "gone", namespace="dbt_utils"), orders) == 5
    assert _line(tmp_path, _test("relationships", "gone"), orders) == 3
    assert _line(tmp_path, _test("unique"), _model("unlisted")) == 1


def test_versions_and_source_tables_hold_tests_too(tmp_path):
    assert _line(tmp_path, _test("not_null", "email"), _model("customers", 2)) == 36
    table = Source(
        unique_id="source.shop.shop.raw_orders",
        name="raw_orders",
        source_name="shop",
        original_file_path="models/_models.yml",
    )
    assert _line(tmp_path, _test("unique", "id"), table) == 47  # under the table's column
    # Of two tests alike but for the custom name dbt gave one of them, that one by its name.
    assert _line(tmp_path, _test("unique", "id", name="id_is_unique_again"), table) == 48
    # A table-level test naming its column (column_name set): not under the column's entry.
    assert _line(tmp_path, _test("not_null", "id"), table) == 42


# -- the fixture project --------------------------------------------------------------------------

PLANTED = "not_null_customer_ltv_avg_order_value"


def _declared_line(properties: Path) -> int:
    """Where the fixture declares the planted test: the first `- not_null` after the column."""
    lines = properties.read_text().splitlines()
    column = lines.index("      - name: avg_order_value")
    return next(n for n in range(column, len(lines)) if lines[n].strip() == "- not_null") + 1


@pytest.mark.slow
def test_the_fixtures_failing_test_is_reported_on_its_line_everywhere(shop_builds, tmp_path):
    """The failing test (run.test_failures) and a rule judging the test itself
    (tests.where_config) are placed on the `- not_null` line, in the JSON report, the SARIF
    region and the GitHub annotation alike."""
    line = _declared_line(shop_builds.pr / "models" / "marts" / "_marts.yml")
    assert line > 1
    config = write_config(
        tmp_path,
        f"""\
        version: 1
        policies:
          - select: "resource_type:test,unique_id:test.shop.{PLANTED}.d09aefd175"
            rules:
              tests.where_config: warn
        """,
    )
    out = tmp_path / "out"
    args = ["check", "--artifacts", str(shop_builds.pr / "target"), "--config", str(config)]
    completed = dbtgate(*args, "--out", str(out), "--annotations", cwd=shop_builds.pr)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    findings = json.loads((out / "gate.json").read_text())["findings"]
    placed = {
        f["code"]: (f["path"], f["line"]) for f in findings if f.get("resource_name") == PLANTED
    }
    expected = ("models/marts/_marts.yml", line)
    assert placed == {"run.test_failures": expected, "tests.where_config": expected}
    sarif = json.loads((out / "gate.sarif").read_text())
    regions = {
        result["ruleId"]: result["locations"][0]["physicalLocation"]
        for result in sarif["runs"][0]["results"]
        if PLANTED in result["message"]["text"]
    }
    assert {code: where["region"]["startLine"] for code, where in regions.items()} == {
        "run.test_failures": line,
        "tests.where_config": line,
    }
    annotations = re.findall(
        rf"^::(\w+) file=models/marts/_marts.yml,line=(\d+).*{PLANTED}",
        completed.stderr + completed.stdout,
        re.MULTILINE,
    )
    assert sorted(annotations) == [("error", str(line)), ("warning", str(line))]


# -- a model's finding about one of its tests ----------------------------------------------------

KEYED_PROPERTIES = """\
version: 2
models:
  - name: order_lines
    data_tests:
      - dbt_utils.unique_combination_of_columns:
          arguments:
            combination_of_columns: [order_id, line_no]
      - dbt_utils.unique_combination_of_columns:
          arguments:
            combination_of_columns: [order_id]
    columns:
      - name: order_id
        data_tests: [not_null]
      - name: line_no
"""

# dbt_utils' test as the package defines it, installed where `dbt deps` puts packages.
UNIQUE_COMBINATION = """\
{% test unique_combination_of_columns(model, combination_of_columns) %}
select {{ combination_of_columns | join(', ') }} from {{ model }}
group by {{ combination_of_columns | join(', ') }} having count(*) > 1
{% endtest %}
"""


def _parsed_keyed_project(root: Path) -> Path:
    """A dbt project whose model has two dbt_utils composite-key tests, one of one column,
    parsed by dbt (manifest.json in target/)."""
    import os
    import shutil
    import subprocess

    files = {
        "dbt_project.yml": "name: keyed\nversion: '1.0'\nprofile: keyed\n",
        "profiles.yml": "keyed:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: k.duckdb}\n",
        "models/order_lines.sql": "select 1 as order_id, 1 as line_no\n",
        "models/_models.yml": KEYED_PROPERTIES,
        "dbt_packages/dbt_utils/dbt_project.yml": "name: dbt_utils\nversion: '1.0'\n",
        "dbt_packages/dbt_utils/macros/generic_tests/unique_combination_of_columns.sql": (
            UNIQUE_COMBINATION
        ),
    }
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    parsed = subprocess.run(
        [shutil.which("dbt") or "dbt", "parse", "--profiles-dir", "."],
        cwd=root,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert parsed.returncode == 0, parsed.stdout + parsed.stderr
    return root / "target"


@pytest.mark.slow
def test_a_composite_key_test_of_one_column_is_reported_on_its_list_item(tmp_path):
    """tests.unique_at_column_level reports the model, naming the test (`details.test`): the
    JSON report and the SARIF region place it on that test's `- dbt_utils...` item (line 8),
    not on the model nor on the order_id column, and not on the passing test of two columns
    of the same name above it. The fingerprint is the one the model, column and test give."""
    project = tmp_path / "keyed"
    target = _parsed_keyed_project(project)
    config = write_config(
        tmp_path / "config",
        """\
        version: 1
        policies:
          - select: "*"
            rules:
              tests.unique_at_column_level: warn
        """,
    )
    out = tmp_path / "out"
    args = ["check", "--artifacts", str(target), "--config", str(config), "--out", str(out)]
    completed = dbtgate(*args, cwd=project)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    [finding] = [
        f
        for f in json.loads((out / "gate.json").read_text())["findings"]
        if f["code"] == "tests.unique_at_column_level"
    ]
    assert finding["details"]["test"].startswith(
        "test.keyed.dbt_utils_unique_combination_of_columns_order_lines_order_id."
    )
    assert (finding["unique_id"], finding["column_name"]) == ("model.keyed.order_lines", "order_id")
    assert (finding["path"], finding["line"]) == ("models/_models.yml", 8)
    unplaced = Finding(
        code=finding["code"],
        severity="warn",
        message="",
        unique_id=finding["unique_id"],
        column_name=finding["column_name"],
        key=finding["key"],
    )
    assert finding["fingerprint"] == fingerprint(unplaced)
    sarif = json.loads((out / "gate.sarif").read_text())
    [result] = [
        r for r in sarif["runs"][0]["results"] if r["ruleId"] == "tests.unique_at_column_level"
    ]
    where = result["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "models/_models.yml"
    assert where["region"]["startLine"] == 8
