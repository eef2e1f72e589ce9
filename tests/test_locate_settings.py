"""Locating a config setting on the line that sets it, in real project files: the keyword of the
SQL file's `config()` (which dbt takes over the YAML), else the key under the properties entry's
`config:` (a version's before its model's), else the folder's `+key:` in dbt_project.yml, else
the model's entry. A setting the pull request deleted has no line: the entry is the place."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dbtgate.artifacts.manifest import Node
from dbtgate.locate import Location, Locator
from dbtgate.setting_lines import config_arguments

PROPERTIES = textwrap.dedent(
    """\
    version: 2
    models:
      - name: orders
        config:
          materialized: table
          access: public
          contract:
            enforced: true
          grants:
            select: [reporter, bi]
            INSERT: [loader]
      - name: customers
        access: private
        versions:
          - v: 1
          - v: 2
            config:
              materialized: view
      - name: payments
        description: configured nowhere but dbt_project.yml
    """
)

PROJECT = textwrap.dedent(
    """\
    name: shop
    models:
      +materialized: view
      shop:
        marts:
          +materialized: table
          payments:
            +grants:
              select: [bi]
    """
)


def _model(name: str, folder: str = "", **fields) -> Node:
    path = fields.pop("original_file_path", f"models/{folder}{name}.sql")
    return Node(
        unique_id=f"model.shop.{name}",
        resource_type="model",
        name=name,
        patch_path="models/_models.yml",
        original_file_path=path,
        fqn=["shop", *filter(None, [folder.strip("/")]), name],
        **fields,
    )


def _write(path: Path, text: str, newline: str = "\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode())


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_setting_is_found_on_its_key_in_the_models_yaml_entry(tmp_path, newline):
    _write(tmp_path / "models" / "_models.yml", PROPERTIES, newline)
    where = Locator(tmp_path).locate_setting
    orders = _model("orders")
    assert where(orders, "materialized") == Location("models/_models.yml", 5)
    assert where(orders, "access") == Location("models/_models.yml", 6)
    assert where(orders, "contract") == Location("models/_models.yml", 7)
    # One privilege changed: its own line (privileges compared case-insensitively, as the
    # warehouse does); several, or one the YAML does not list: the `grants:` key.
    assert where(orders, "grants", "select").line == 10
    assert where(orders, "grants", "insert").line == 11
    assert where(orders, "grants").line == 9
    assert where(orders, "grants", "delete").line == 9
    # A version's config before its model's; `access:` beside `config:` (dbt before 1.7).
    assert where(_model("customers", version=2), "materialized").line == 18
    assert where(_model("customers", version=1), "access").line == 13
    assert where(_model("customers", version=2), "access").line == 13


def test_a_setting_the_yaml_no_longer_has_falls_back_to_the_entry(tmp_path):
    _write(tmp_path / "models" / "_models.yml", PROPERTIES)
    where = Locator(tmp_path).locate_setting
    assert where(_model("payments"), "grants", "select") == Location("models/_models.yml", 19)
    assert where(_model("customers", version=1), "materialized").line == 15  # its version
    # No properties entry at all: the SQL file, as any finding on the model.
    unlisted = _model("unlisted")
    assert where(unlisted, "materialized") == Location("models/unlisted.sql", 1)


def test_meta_and_group_beside_config_are_found_where_the_key_is(tmp_path):
    """`meta:` and `group:` may be written beside `config:` as well as in it (dbt merges the
    two metas): a meta key is placed where it is written."""
    _write(
        tmp_path / "models" / "_models.yml",
        textwrap.dedent(
            """\
            version: 2
            models:
              - name: orders
                group: finance
                meta:
                  domain: sales
                config:
                  meta:
                    tier: 1
              - name: customers
                meta: {domain: sales}
            """
        ),
    )
    where = Locator(tmp_path).locate_setting
    orders = _model("orders")
    assert where(orders, "meta", "domain") == Location("models/_models.yml", 6)
    assert where(orders, "meta", "tier") == Location("models/_models.yml", 9)
    assert where(orders, "meta", "owner") == Location("models/_models.yml", 8)
    assert where(orders, "group") == Location("models/_models.yml", 4)
    assert where(_model("customers"), "meta", "domain") == Location("models/_models.yml", 11)


SQL = """\

{{
  config(
    materialized = 'incremental',
    unique_key=['id', 'day'],
    grants={'select': ['a, b)'], 'materialized': 'not a keyword'},
    on_schema_change="fail", contract={'enforced': true}
  )
}}
select 1 as id
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_the_sql_config_keyword_wins_over_the_yaml(tmp_path, newline):
    """dbt takes a model's `config()` over its properties file: the keyword is the line."""
    _write(tmp_path / "models" / "_models.yml", PROPERTIES, newline)
    _write(tmp_path / "models" / "orders.sql", SQL, newline)
    where = Locator(tmp_path).locate_setting
    orders = _model("orders")
    assert where(orders, "materialized") == Location("models/orders.sql", 4)
    assert where(orders, "grants", "select") == Location("models/orders.sql", 6)
    assert where(orders, "contract") == Location("models/orders.sql", 7)
    assert where(orders, "access") == Location("models/_models.yml", 6)


def test_a_setting_written_nowhere_but_a_spread_config_lands_on_its_line(tmp_path):
    """`{{ config(**settings) }}` may set anything: a setting the YAML and dbt_project.yml do
    not write is taken from there (or nowhere the gate can read), so that line is the place."""
    _write(tmp_path / "models" / "_models.yml", PROPERTIES)
    _write(tmp_path / "dbt_project.yml", PROJECT)
    sql = "{% set s = {} %}\n{{ config(**s) }}\nselect 1\n"
    _write(tmp_path / "models" / "marts" / "payments.sql", sql)
    where = Locator(tmp_path).locate_setting
    payments = _model("payments", "marts/")
    assert where(payments, "access") == Location("models/marts/payments.sql", 2)
    assert where(payments, "grants", "select") == Location("dbt_project.yml", 9)
    assert where(_model("orders"), "access") == Location("models/_models.yml", 6)


def test_the_config_arguments_are_the_calls_own_keywords():
    assert config_arguments(SQL) == {
        "materialized": 4,
        "unique_key": 5,
        "grants": 6,
        "on_schema_change": 7,
        "contract": 7,
    }
    one_line = "{{ config(materialized='view' if target.name == 'dev' else 'table') }}"
    assert config_arguments(one_line) == {"materialized": 1}
    # dbt merges several calls in order: the last one's keyword is the value it keeps.
    two = "{{ config(materialized='view') }}\n{{- config(alias='x', materialized='table') }}"
    assert config_arguments(two) == {"materialized": 2, "alias": 2}
    assert config_arguments("select 1 -- config(materialized='table')") == {}
    assert config_arguments("{{ config(**settings) }}") == {"**": 1}
    spread = "{{ config(\n  materialized='view',\n  **var('extra', {})\n) }}"
    assert config_arguments(spread) == {"materialized": 2, "**": 3}
    assert config_arguments("{{ config(grants={**base}) }}") == {"grants": 1}


PYTHON_MODEL = """\
def model(dbt, session):
    dbt.config(
        materialized="table",
        packages=["pandas"],
    )
    return dbt.ref("orders").to_pandas()
"""


def test_a_python_models_dbt_config_call_is_read_as_a_sql_models_config(tmp_path):
    assert config_arguments(PYTHON_MODEL) == {"materialized": 3, "packages": 4}
    assert config_arguments("x = my_dbt.config(materialized='view')") == {}
    _write(tmp_path / "models" / "_models.yml", PROPERTIES)
    _write(tmp_path / "models" / "orders.py", PYTHON_MODEL)
    orders = _model("orders", original_file_path="models/orders.py", language="python")
    where = Locator(tmp_path).locate_setting
    assert where(orders, "materialized") == Location("models/orders.py", 3)
    assert where(orders, "access") == Location("models/_models.yml", 6)


def test_a_folder_config_in_dbt_project_yml_is_the_most_specific_on_the_models_path(tmp_path):
    _write(tmp_path / "models" / "_models.yml", PROPERTIES)
    _write(tmp_path / "dbt_project.yml", PROJECT)
    where = Locator(tmp_path).locate_setting
    payments = _model("payments", "marts/")
    assert where(payments, "materialized") == Location("dbt_project.yml", 6)
    assert where(payments, "grants", "select") == Location("dbt_project.yml", 9)
    assert where(payments, "grants") == Location("dbt_project.yml", 8)
    assert where(_model("unlisted"), "materialized") == Location("dbt_project.yml", 3)
    # The properties file is more specific than the project: its key, not the folder's.
    assert where(_model("orders", "marts/"), "materialized").line == 5


def test_each_file_is_read_once_however_many_settings_are_located(tmp_path, monkeypatch):
    import dbtgate.locate as locate

    _write(tmp_path / "models" / "_models.yml", PROPERTIES)
    _write(tmp_path / "models" / "orders.sql", SQL)
    _write(tmp_path / "dbt_project.yml", PROJECT)
    read: list[str] = []
    real = locate.read_project_file

    def counting(project_dir, path):
        read.append(path)
        return real(project_dir, path)

    monkeypatch.setattr(locate, "read_project_file", counting)
    locator = Locator(tmp_path)
    for name in ("orders", "payments", "customers"):
        model = _model(name)
        for setting in ("materialized", "access", "contract", "grants"):
            locator.locate_setting(model, setting)
            locator.locate_setting(model, setting)
    # A seed's file is its data: never read for a config() call it cannot have.
    seed = Node(
        unique_id="seed.shop.countries",
        resource_type="seed",
        name="countries",
        original_file_path="seeds/countries.csv",
        fqn=["shop", "countries"],
    )
    assert locator.locate_setting(seed, "grants") == Location("seeds/countries.csv", 1)
    assert sorted(read) == [
        "dbt_project.yml",
        "models/_models.yml",
        "models/customers.sql",
        "models/orders.sql",
        "models/payments.sql",
    ]
