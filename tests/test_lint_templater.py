"""The stubbed dbt context renders what real dbt models use into SQL the parser accepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbtgate.lint.dbt_project import read_dbt_project
from dbtgate.lint.templater import DbtStubTemplater, StubSettings

MACROS = """
{% macro cents_to_dollars(column) %}
    {{ return(adapter.dispatch('cents_to_dollars')(column)) }}
{% endmacro %}
{% macro default__cents_to_dollars(column) %}({{ column }} / 100){% endmacro %}
{% macro duckdb__cents_to_dollars(column) %}({{ column }} / 100.0){% endmacro %}
{% macro default__safe_divide(a, b) %}({{ a }} / nullif({{ b }}, 0)){% endmacro %}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "dbt_project.yml").write_text(
        "name: demo\nprofile: demo_profile\nvars:\n  global_limit: 5\n"
        "  demo:\n    threshold: 42\n  other_package:\n    threshold: 1\n"
    )
    (tmp_path / "packages.yml").write_text(
        "packages:\n"
        "  - package: dbt-labs/dbt_utils\n    version: 1.1.1\n"
        "  - git: https://github.com/calogica/dbt-expectations.git\n    revision: 0.10.0\n"
        "  - local: ../shared-macros\n"
    )
    (tmp_path / "macros").mkdir()
    (tmp_path / "macros" / "money.sql").write_text(MACROS)
    return tmp_path


def render(project: Path, sql: str, fname: str = "models/fct_orders.sql", **context) -> str:
    from sqlfluff.core import FluffConfig

    files = read_dbt_project(project)
    config = FluffConfig(overrides={"dialect": "duckdb"})
    config.set_value(["templater", "jinja", "load_macros_from_path"], str(project / "macros"))
    for key, value in context.items():
        config.set_value(["templater", "jinja", "context", key], value)
    templater = DbtStubTemplater(
        StubSettings(
            project_name=files.name,
            adapter_type="duckdb",
            profile_name=files.profile,
            vars=files.vars,
            package_namespaces=files.package_namespaces,
        )
    )
    templated, errors = templater.process(in_str=sql, fname=str(project / fname), config=config)
    assert errors == []
    return templated.templated_str.strip()


def test_relations_render_as_table_names(project):
    sql = (
        "select * from {{ ref('orders') }}, {{ ref('shop', 'customers') }}, "
        "{{ ref('summary', v=2) }}, {{ source('raw', 'payments') }}, {{ this }}"
    )
    assert render(project, sql) == (
        "select * from orders, customers, summary_v2, raw_payments, fct_orders"
    )


def test_incremental_branch_and_config_render(project):
    sql = (
        "{{ config(materialized='incremental') }}select 1 from t"
        "{% if is_incremental() %} where d > (select max(d) from {{ this }}){% endif %}"
        "{% if config.get('materialized', 'view') == 'view' %} -- view{% endif %}"
    )
    assert render(project, sql) == (
        "select 1 from t where d > (select max(d) from fct_orders) -- view"
    )


def test_vars_come_from_the_project_then_the_default_then_the_name(project):
    sql = "select {{ var('threshold') }}, {{ var('global_limit') }}, {{ var('x', 7) }}, {{ var('y') }}"
    assert render(project, sql) == "select 42, 5, 7, y"


def test_env_var_never_reads_the_environment(project, monkeypatch):
    monkeypatch.setenv("DBT_SECRET_SCHEMA", "from_the_environment")
    sql = "select '{{ env_var('DBT_SECRET_SCHEMA') }}', '{{ env_var('DBT_TARGET', 'dev') }}'"
    assert render(project, sql) == "select 'DBT_SECRET_SCHEMA', 'dev'"


def test_target_describes_the_adapter(project):
    sql = "select '{{ target.name }}', '{{ target.type }}', '{{ target.profile_name }}'"
    assert render(project, sql) == "select 'dev', 'duckdb', 'demo_profile'"


def test_dispatch_finds_the_project_macro_for_the_adapter_first(project):
    sql = (
        "select {{ cents_to_dollars('amount_cents') }} as amount, "
        "{{ adapter.dispatch('safe_divide')('a', 'b') }} as ratio, "
        "{{ dbt.safe_divide('c', 'd') }} as other"
    )
    assert render(project, sql) == (
        "select (amount_cents / 100.0) as amount, (a / nullif(b, 0)) as ratio, "
        "(c / nullif(d, 0)) as other"
    )


def test_package_macros_without_the_package_render_as_placeholders(project):
    sql = (
        "select {{ dbt_utils.generate_surrogate_key(['a', 'b']) }} as id, "
        "{{ dbt_expectations.some_macro() }} as x, {{ dbt.current_timestamp() }} as ts "
        "from {{ adapter.dispatch('unknown', 'pkg')() }}"
    )
    assert render(project, sql) == (
        "select dbt_utils_generate_surrogate_key as id, dbt_expectations_some_macro as x, "
        "dbt_current_timestamp as ts from pkg_unknown"
    )


def test_run_query_returns_an_empty_table(project):
    sql = (
        "{% set result = run_query('select distinct method from payments') %}"
        "{% if execute %}{% set methods = result.columns[0].values() %}"
        "{% else %}{% set methods = [] %}{% endif %}"
        "select {{ methods | length }}{% for row in result %}, {{ row }}{% endfor %}"
    )
    assert render(project, sql) == "select 0"


def test_context_from_the_project_sqlfluff_config_wins(project):
    assert render(project, "select '{{ project_name }}'", project_name="custom") == (
        "select 'custom'"
    )


def test_package_namespaces_come_from_packages_yml_and_installed_packages(project):
    (project / "dbt_packages" / "audit_helper").mkdir(parents=True)
    assert read_dbt_project(project).package_namespaces == (
        "audit_helper",
        "dbt_expectations",
        "dbt_utils",
        "shared_macros",
    )


def test_path_settings_left_empty_are_dbts_defaults_and_source_paths_still_counts(tmp_path):
    """dbt reads `model-paths: ~` as unset (its default) and, where model-paths is not set,
    the name it had before dbt 1.0 (`source-paths`): a project written either way is linted
    where dbt finds its models, not refused."""
    (tmp_path / "dbt_project.yml").write_text(
        "name: p\nmodel-paths: ~\nmacro-paths:\ntest-paths: [checks]\n", encoding="utf-8"
    )
    files = read_dbt_project(tmp_path)
    assert (files.model_paths, files.macro_paths) == (("models",), ("macros",))
    assert files.sql_paths == ("models", "analyses", "checks", "snapshots")
    (tmp_path / "dbt_project.yml").write_text("name: p\nsource-paths: [src]\n", encoding="utf-8")
    assert read_dbt_project(tmp_path).model_paths == ("src",)
    (tmp_path / "dbt_project.yml").write_text(
        "name: p\nsource-paths: [src]\nmodel-paths: [models]\n", encoding="utf-8"
    )
    assert read_dbt_project(tmp_path).model_paths == ("models",)
