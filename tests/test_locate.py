"""Locating a resource or column on its YAML line, in real properties files.

Entries are matched by name case-insensitively and without quotes, the first entry wins when a
name repeats, and a large file is indexed once (each sequence by name) rather than scanned per
lookup: the lines must be the same either way."""

from __future__ import annotations

import textwrap
from pathlib import Path

from dbtgate.artifacts.manifest import Column, Exposure, Macro, MacroArgument, Node, Source
from dbtgate.locate import Location, Locator

PROPERTIES = textwrap.dedent(
    """\
    version: 2
    models:
      - name: Orders
        columns:
          - name: ORDER_ID
          - name: '"amount"'
          - name: order_id
      - name: orders
        description: a second entry with the same name, ignored
      - name: customers
        versions:
          - v: 2
            columns:
              - name: email
    sources:
      - name: shop
        tables:
          - name: raw_orders
            columns:
              - name: id
    exposures:
      - name: revenue
    """
)


def _model(name: str, **fields) -> Node:
    return Node(
        unique_id=f"model.shop.{name}",
        resource_type="model",
        name=name,
        patch_path="models/_models.yml",
        original_file_path=f"models/{name}.sql",
        **fields,
    )


def _locator(tmp_path: Path, text: str = PROPERTIES) -> Locator:
    (tmp_path / "models").mkdir(exist_ok=True)
    (tmp_path / "models" / "_models.yml").write_text(text)
    return Locator(tmp_path)


def test_names_match_case_insensitively_unquoted_and_the_first_entry_wins(tmp_path):
    locate = _locator(tmp_path).locate
    orders = _model("orders", columns={"order_id": Column(name="order_id")})
    assert locate(orders).line == 3
    assert locate(orders, "order_id").line == 5  # ORDER_ID, before the later order_id
    assert locate(orders, "amount").line == 6
    assert locate(orders, "missing").line == 3  # an unknown column: the model's entry


def test_versions_sources_and_exposures(tmp_path):
    locate = _locator(tmp_path).locate
    customers = _model("customers", version=2)
    assert locate(customers, "email").line == 14
    # A column the version does not have (removed by the PR): the version's block, not the
    # model's first line.
    assert locate(customers, "phone").line == 12
    source = Source(
        unique_id="source.shop.shop.raw_orders",
        name="raw_orders",
        source_name="shop",
        original_file_path="models/_models.yml",
    )
    assert locate(source).line == 18
    assert locate(source, "id").line == 20
    exposure = Exposure(
        unique_id="exposure.shop.revenue", name="revenue", original_file_path="models/_models.yml"
    )
    assert locate(exposure).line == 22


def test_without_an_entry_the_sql_file_is_the_location(tmp_path):
    located = _locator(tmp_path).locate(_model("unlisted"))
    assert (located.path, located.line) == ("models/unlisted.sql", 1)


def test_every_column_of_a_large_file_is_found_on_its_own_line(tmp_path):
    models, columns = 300, 8
    lines = ["version: 2", "models:"]
    for m in range(models):
        lines += [f"  - name: model_{m}", "    columns:"]
        lines += [f"      - name: col_{c}" for c in range(columns)]
    locator = _locator(tmp_path, "\n".join(lines) + "\n")
    for m in range(models):
        model = _model(f"model_{m}")
        first = 3 + m * (columns + 2)
        assert locator.locate(model).line == first
        for c in range(columns):
            assert locator.locate(model, f"col_{c}").line == first + 2 + c


MACROS = textwrap.dedent(
    """\
    version: 2

    macros:
      - name: cents_to_dollars
        description: Converts cents to dollars.
        arguments:
          - name: column_name
            type: string
          - name: Precision
            description: Digits after the point.
      - name: generate_schema_name
    """
)


def _macro(name: str, patch_path: str | None = "macros/_macros.yml") -> Macro:
    return Macro(
        unique_id=f"macro.shop.{name}",
        name=name,
        package_name="shop",
        original_file_path=f"macros/{name}.sql",
        patch_path=patch_path,
        arguments=(MacroArgument(name="column_name"),),
    )


def test_a_macro_and_its_arguments_are_found_under_macros(tmp_path):
    (tmp_path / "macros").mkdir()
    (tmp_path / "macros" / "_macros.yml").write_text(MACROS)
    locate = Locator(tmp_path).locate
    cents = _macro("cents_to_dollars")
    assert locate(cents) == Location("macros/_macros.yml", 4)
    assert locate(cents, "column_name").line == 7
    assert locate(cents, "precision").line == 9
    assert locate(cents, "rounding").line == 4  # an argument the YAML does not list
    assert locate(_macro("generate_schema_name")).line == 11


def test_a_macro_without_a_yaml_entry_is_located_on_its_sql_file(tmp_path):
    (tmp_path / "macros").mkdir()
    (tmp_path / "macros" / "_macros.yml").write_text(MACROS)
    locate = Locator(tmp_path).locate
    # dbt-core 1.12 lists the signature's arguments of a macro that no YAML declares.
    assert locate(_macro("undeclared", None), "column_name") == Location("macros/undeclared.sql", 1)
    # Declared in a file that no longer lists it (the YAML moved on since the build).
    assert locate(_macro("renamed")) == Location("macros/renamed.sql", 1)


def test_code_dbt_read_with_crlf_is_the_same_as_its_file(tmp_path):
    """dbt keeps a file's CRLF in `raw_code`; Python reads the file with universal newlines:
    the same code, not an edit (a touched CRLF model read as edited since the build)."""
    from dbtgate.locate import ResourceFiles, place_code

    files = ResourceFiles(tmp_path)
    (tmp_path / "models").mkdir()
    code = "select 1 as id\r\nfrom {{ ref('orders') }}"
    (tmp_path / "models" / "a.sql").write_bytes(f"\r\n{code}\r\n".encode())
    model = Node(
        unique_id="model.p.a", resource_type="model", name="a", original_file_path="models/a.sql"
    )
    placed = place_code(files, model, code)
    assert (placed.start, placed.stale) == (1, False)
    (tmp_path / "macros").mkdir()
    block = "{% macro m() %}\r\n  1\r\n{% endmacro %}"
    (tmp_path / "macros" / "m.sql").write_bytes(f"-- m\r\n{block}\r\n".encode())
    macro = Macro(unique_id="macro.p.m", name="m", original_file_path="macros/m.sql")
    placed = place_code(files, macro, block)
    assert (placed.start, placed.stale) == (1, False)
