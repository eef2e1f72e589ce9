"""The code family: tables named directly in a model's SQL, forbidden patterns, long models; and
the tokenizer they read the SQL with, held to real projects' SQL (the corpus) for false alarms."""

from __future__ import annotations

import ast
import json
import keyword
import re
from pathlib import Path

import pytest
from cli_support import dbtgate
from corpus import CORPUS, corpus_dir
from hypothesis import given
from hypothesis import strategies as st
from policy_support import by_code, corpus_project, edited_bouncer, gate, rule_config, write_config

from dbtgate.artifacts import load_artifacts
from dbtgate.errors import DbtgateError
from dbtgate.project import Project
from dbtgate.rules.code import signature_arguments
from dbtgate.rules.registry import load_rules
from dbtgate.sql_references import hard_coded_references, mask

PKG = "dbt_bouncer_test_project"
STG_ORDERS = f"model.{PKG}.stg_orders"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("select 1 from dummy_table", ["dummy_table"]),
        (
            'select * from analytics.raw.orders o join "payments" p on 1 = 1',
            ["analytics.raw.orders", '"payments"'],
        ),
        ("select * from `proj.ds.tbl`", ["`proj.ds.tbl`"]),
        ("select * from [dbo].[orders]", ["[dbo].[orders]"]),
        ("select * from {{ var('events') }}", ["{{ var('events') }}"]),
        ("select * from {{ target.schema }}.orders", ["{{ target.schema }}.orders"]),
        ("select * from a.b x, c.d as y, {{ ref('z') }} z where 1 = 1", ["a.b", "c.d"]),
        ("select * from (select * from raw.t) s", ["raw.t"]),
        ("select array(select x from raw.t)", ["raw.t"]),
        ("select * from t where exists (select 1 from raw.u)", ["t", "raw.u"]),
        (
            "{% if is_incremental() %} select * from {{ this }} {% endif %}\nselect 1 from public.t",
            ["public.t"],
        ),
        ("select * from ONLY raw.t", ["raw.t"]),
        # Not references: CTEs, ref/source/this, templated names, functions, comments, strings.
        ("with a as (select * from {{ ref('x') }}) select * from a", []),
        ("with recursive r (n) as (select 1 union all select n + 1 from r) select * from r", []),
        ("select extract(year from o.created_at) from {{ ref('o') }} o", []),
        ("select substring(x from 2 for 3), trim(both from y) from {{ ref('a') }}", []),
        ("select a is distinct from b from {{ source('a', 'b') }}", []),
        ("-- from x.y\n/* join z.w */ select 'from q.r' from {{ this }}", []),
        ("{# from x.y #}{% set t = 'from q.r' %} select * from {{ ref('a') }}", []),
        ("select * from stg_{{ x }}", []),
        ("select * from analytics.{{ x }}", []),
        ("select * from unnest(arr) join lateral flatten(input => x) f on true", []),
        ("select * from {{ ref('a') }} left join schema.fn(1) on true", []),
        ("select * from table(flatten(x))", []),
        ("select * from @stage/file.csv", []),
        # From a review across dialects: quoted and materialized CTEs, unnested columns of an
        # alias, both readings of a backslash, `//` and `#` comments, `from first`, `dual`.
        ('with "stgOrders" as (select 1) select * from "stgOrders"', []),
        ("with o as not materialized (select * from {{ ref('a') }}) select * from o", []),
        ("select * from {{ ref('a') }} o cross join o.items i, o.tags t", []),
        ("select * from {{ ref('a') }} where p like 'a\\_%' escape '\\' and n = 'from raw.x'", []),
        ("select 'it\\'s' as s, 'from raw.y' as t from {{ ref('a') }}", []),
        ("select 1 from {{ ref('a') }} // was: from raw.orders\n# and from raw.b\n", []),
        ("select nth_value(x, 2) from first over (order by y) from {{ ref('a') }}", []),
        ("select current_date from dual", []),
        ("with t$1 as (select 1) select * from t$1", []),
        # ... and what it read wrong: the branches of an `{% if %}`, a list after a subquery,
        # a multi-line Jinja schema, a var() part, `this.schema`, a BigQuery project.
        (
            "select * from\n{% if target.name == 'dev' %}\n  {{ ref('s') }}\n{% else %}\n"
            "  prod_db.raw.orders\n{% endif %}",
            ["prod_db.raw.orders"],
        ),
        ("select * from {% if x %}raw.a{% else %}raw.b{% endif %} where 1 = 1", ["raw.a", "raw.b"]),
        ("select * from (select 1) s, raw.calendar c", ["raw.calendar"]),
        ("select * from {{\n  target.schema\n}}.orders", ["{{ target.schema }}.orders"]),
        ("select * from analytics.{{ var('t') }}", ["analytics.{{ var('t') }}"]),
        ("select * from {{ this.schema }}.lookup", ["{{ this.schema }}.lookup"]),
        ("select * from my-project.ds.t", ["my-project.ds.t"]),
        ("select * from {{ ref('a') }} a, raw.calendar c", ["raw.calendar"]),
        ("-- orders as (select 1)\nselect * from orders", ["orders"]),
        ("select * from x, [a..b\n] where 1 = 1", ["x"]),
        ("select * from raw.a as t (c1, c2), raw.b", ["raw.a", "raw.b"]),
        (
            "select * from identifier('raw.orders') join identifier($t) on true",
            ["identifier('raw.orders')"],
        ),
    ],
)
def test_the_tables_a_query_names_directly(code, expected):
    assert [r.text for r in hard_coded_references(code)] == expected


_SQLISH = st.lists(
    st.sampled_from(
        [
            *("select", "from", "join", "FROM", "with", "as", "(", ")", ",", ".", " ", "\n"),
            *("orders", "o", "raw", "cte", "lateral", "distinct", "is", "extract", "where", "on"),
            *("{{ ref('a') }}", "{{ this }}", "{{ this.schema }}", "{{ var('v') }}", "{{ x }}"),
            *("{% if x %}", "{% endif %}", "{# c #}", "-- c\n", "/* c */", "'s'", "'", '"q"'),
            *("`b`", "[b]", "{{", "}}", "\\", "$", "#", "//", "-", "materialized"),
        ]
    ),
    max_size=30,
).map("".join)


@given(code=_SQLISH, unqualified=st.booleans())
def test_the_quick_look_never_hides_a_reference(code, unqualified):
    """`_may_name_tables` skips the masked reading for most models: it must never skip one
    where that reading finds a table."""
    import dbtgate.sql_references as scanner

    quick = scanner.hard_coded_references(code, unqualified=unqualified)
    original = scanner._may_name_tables
    scanner._may_name_tables = lambda low, unqualified: True
    try:
        full = scanner.hard_coded_references(code, unqualified=unqualified)
    finally:
        scanner._may_name_tables = original
    assert quick == full


def test_references_carry_the_line_they_start_on_and_unqualified_is_optional():
    code = "select\n  1\nfrom\n  raw.t\njoin orders on true"
    found = hard_coded_references(code)
    assert [(r.text, r.line) for r in found] == [("raw.t", 4), ("orders", 5)]
    assert [r.text for r in hard_coded_references(code, unqualified=False)] == ["raw.t"]


_NAME = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda name: name not in {"from", "join", "select", "with", "as", "on", "in", "or", "and"}
)


@given(schema=_NAME, table=_NAME, filler=st.sampled_from(["--", "/*", "'"]))
def test_a_table_in_a_comment_or_a_string_is_never_a_reference(schema, table, filler):
    closing = {"--": "\n", "/*": "*/", "'": "'"}[filler]
    code = f"select {filler} from {schema}.{table} {closing} from {{{{ ref('m') }}}}"
    assert hard_coded_references(code) == []
    assert [r.text for r in hard_coded_references(f"{code} join {schema}.{table} on 1 = 1")] == [
        f"{schema}.{table}"
    ]


def test_no_false_alarm_in_the_corpus_sql():
    """Every SQL model of every real build in the corpus (about 200): the only table named
    directly is ticketswap's `select 1 from dummy_table`."""
    manifests = sorted(CORPUS.glob("**/manifest*.json")) if CORPUS.is_dir() else []
    if not manifests:
        pytest.skip(f"corpus absent: {CORPUS}")
    found = []
    models = 0
    for path in manifests:
        for uid, node in json.loads(path.read_text())["nodes"].items():
            if node["resource_type"] != "model" or node.get("language", "sql") != "sql":
                continue
            models += 1
            code = node.get("raw_code", node.get("raw_sql")) or ""
            found += [(uid, r.text) for r in hard_coded_references(code)]
    assert models > 150
    assert found == [("sample_node", "dummy_table")]  # its unique_id, as the file has it


def _with_code(tmp_path: Path, code: dict[str, str]) -> Project:
    """The bouncer build with models' raw_code replaced."""

    def edit(manifest: dict) -> None:
        for uid, text in code.items():
            manifest["nodes"][uid]["raw_code"] = text

    return edited_bouncer(tmp_path, edit)


def test_hard_coded_reference_names_the_ref_or_source_to_use(tmp_path):
    project = _with_code(
        tmp_path,
        {
            STG_ORDERS: "with o as (\n  select * from main_stg_crm.stg_customers\n)\n"
            "select * from o join dbt.main.customers c on true\n"
            "join raw.unknown u on true\njoin raw.unknown u2 on true",
        },
    )
    config = rule_config(tmp_path, "code.hard_coded_reference", "error", select="stg_orders")
    findings = by_code(gate(project, config).findings, "code.hard_coded_reference")
    assert [(f.message, f.line, f.key, f.fix) for f in findings] == [
        (
            "stg_orders reads main_stg_crm.stg_customers by name (line 2), not through ref() or "
            "source()",
            2,
            "main_stg_crm.stg_customers",
            "Replace main_stg_crm.stg_customers with {{ ref('stg_customers') }} (stg_customers), "
            "which the manifest builds as that table.",
        ),
        (
            "stg_orders reads dbt.main.customers by name (line 4), not through ref() or source()",
            4,
            "dbt.main.customers",
            "Replace dbt.main.customers with {{ source('dummy_source', 'customers') }} (source "
            "dummy_source.customers), which the manifest builds as that table.",
        ),
        (
            "stg_orders reads raw.unknown by name (lines 5 and 6), not through ref() or source()",
            5,
            "raw.unknown",
            "Read the table through `ref()` (a model, seed or snapshot) or `source()` (declare "
            "it as a source first).",
        ),
    ]
    assert all(f.path == "models/staging/crm/stg_orders.sql" for f in findings)
    assert findings[2].details["lines"] == [5, 6]


def test_a_table_that_is_a_seed_and_a_source_gets_both_in_the_fix(tmp_path):
    """Projects declare their seeds as sources too (one relation, two names): both read it."""

    def edit(manifest: dict) -> None:
        manifest["nodes"][STG_ORDERS]["raw_code"] = "select * from main.raw_customers"
        source = manifest["sources"][f"source.{PKG}.dummy_source.customers"]
        source["relation_name"] = '"dbt"."main"."raw_customers"'

    project = edited_bouncer(tmp_path, edit)
    config = rule_config(tmp_path, "code.hard_coded_reference", select="stg_orders")
    (finding,) = by_code(gate(project, config).findings, "code.hard_coded_reference")
    assert finding.fix == (
        "Replace main.raw_customers with {{ ref('raw_customers') }} (raw_customers) or "
        "{{ source('dummy_source', 'customers') }} (source dummy_source.customers): the manifest "
        "builds that table as each."
    )


def _stg_orders_on_disk(tmp_path: Path, text: str) -> Project:
    """A build whose stg_orders dbt read as `select *` from raw.orders, in a project whose
    stg_orders.sql now holds `text`."""
    (tmp_path / "build").mkdir()
    project = _with_code(tmp_path / "build", {STG_ORDERS: "select *\nfrom raw.orders"})
    sql = tmp_path / "models" / "staging" / "crm" / "stg_orders.sql"
    sql.parent.mkdir(parents=True)
    sql.write_text(text)
    project.project_dir = tmp_path
    return project


def test_a_finding_points_at_the_line_of_the_file_dbt_stripped(tmp_path):
    """dbt strips the SQL file: two blank lines at its top move every line down by two."""
    project = _stg_orders_on_disk(tmp_path, "\n\nselect *\nfrom raw.orders\n")
    config = rule_config(tmp_path, "code.hard_coded_reference", select="stg_orders")
    (finding,) = by_code(gate(project, config).findings, "code.hard_coded_reference")
    assert (finding.path, finding.line) == ("models/staging/crm/stg_orders.sql", 4)
    # The message and the details name the file's line too, not the line of dbt's copy.
    assert finding.details["lines"] == [4]
    assert "(line 4)" in finding.message
    assert project.stale_code == set()  # the file is the code dbt read


def test_a_file_edited_since_the_manifest_is_named_in_a_note(tmp_path):
    """The code rules read the SQL dbt read: when the file on disk differs (edited, no `dbt
    parse` since), the findings may describe lines that moved, and the gate says so."""
    project = _stg_orders_on_disk(tmp_path, "select *\nfrom raw.orders_v2\n")
    config = rule_config(tmp_path, "code.hard_coded_reference", select="stg_orders")
    result = gate(project, config)
    (finding,) = by_code(result.findings, "code.hard_coded_reference")
    assert finding.message.startswith("stg_orders reads raw.orders by name (line 2)")
    assert project.stale_code == {STG_ORDERS}
    assert (
        "models/staging/crm/stg_orders.sql changed since the manifest was written: the findings "
        "placed on its lines (code.*, run.errors) describe the SQL dbt read (run `dbt parse` to "
        "refresh target/)"
    ) in result.notes


def test_the_note_names_the_edited_file_as_the_findings_do_from_the_repository_root(tmp_path):
    import subprocess

    from dbtgate.checks import CheckContext
    from dbtgate.config import load_config
    from dbtgate.gate import run_gate
    from dbtgate.locate import Locator

    repo = tmp_path / "repo"
    (repo / "analytics").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    project = _stg_orders_on_disk(repo / "analytics", "select *\nfrom raw.orders_v2\n")
    config = rule_config(tmp_path, "code.hard_coded_reference", select="stg_orders")
    context = CheckContext(project=project, config=load_config(config))
    result = run_gate(context, Locator.for_project(project.project_dir), families={"policies"})
    (finding,) = by_code(result.findings, "code.hard_coded_reference")
    assert finding.path == "analytics/models/staging/crm/stg_orders.sql"
    assert any(note.startswith(f"{finding.path} changed since") for note in result.notes)


def test_python_models_are_not_read_as_sql(tmp_path):
    project = _with_code(
        tmp_path, {f"model.{PKG}.py_order_stats": "df = spark.sql('select * from raw.t')"}
    )
    config = rule_config(tmp_path, "code.hard_coded_reference", select="py_order_stats")
    assert by_code(gate(project, config).findings, "code.hard_coded_reference") == []


def test_forbidden_pattern_reports_each_match_once_with_the_reason(tmp_path):
    project = _with_code(
        tmp_path,
        {
            STG_ORDERS: "-- select * is fine in a comment\nselect * from {{ ref('a') }}\n"
            "union all\nSELECT  *\nfrom {{ ref('b') }};"
        },
    )
    config = rule_config(
        tmp_path,
        "code.forbidden_pattern",
        r"{pattern: '(?i)select\s+\*', reason: list the columns}",
        select="stg_orders",
    )
    (finding,) = by_code(gate(project, config).findings, "code.forbidden_pattern")
    assert finding.message == (
        r"stg_orders matches the forbidden pattern (?i)select\s+\* ('select *' at lines 2 and 4)"
        ": list the columns"
    )
    assert (finding.path, finding.line) == ("models/staging/crm/stg_orders.sql", 2)
    with_comments = rule_config(
        tmp_path, "code.forbidden_pattern", r"{pattern: 'select \*', comments: true}", "stg_orders"
    )
    (finding,) = by_code(gate(project, with_comments).findings, "code.forbidden_pattern")
    assert finding.line == 1
    semicolon = rule_config(tmp_path, "code.forbidden_pattern", r"{pattern: ';\s*$'}", "stg_orders")
    (finding,) = by_code(gate(project, semicolon).findings, "code.forbidden_pattern")
    assert (finding.line, finding.details["match"]) == (5, ";")


def test_forbidden_pattern_without_a_pattern_is_a_config_error_at_its_line(tmp_path):
    artifacts = corpus_dir("bouncer-dbt112")
    if not artifacts.is_dir():
        pytest.skip(f"corpus absent: {artifacts}")
    config = rule_config(tmp_path, "code.forbidden_pattern", "{reason: later}")
    result = dbtgate("check", "--artifacts", str(artifacts), "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.endswith(
        "dbtgate.yml:5: policies[0].rules.code.forbidden_pattern: pattern: required: give a "
        "regular expression (an empty one would check nothing)"
    )
    bad = rule_config(tmp_path, "code.forbidden_pattern", "{pattern: '(unclosed'}")
    result = dbtgate("check", "--artifacts", str(artifacts), "--config", str(bad), cwd=tmp_path)
    assert result.returncode == 2
    assert "pattern: not a regular expression" in result.stderr


def test_max_lines_points_at_the_first_line_over(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = rule_config(tmp_path, "code.max_lines", "{max: 52}")
    findings = by_code(gate(project, config).findings, "code.max_lines")
    assert sorted((f.resource_name, f.line, f.details["lines"]) for f in findings) == [
        ("customers", 53, 60),
        ("customers", 53, 61),
        ("customers", 53, 61),
    ]
    assert findings[0].message.endswith("lines long; at most 52")


def test_code_is_read_once_and_only_when_a_code_rule_runs(tmp_path):
    project = _with_code(tmp_path, {STG_ORDERS: "select 1 from raw.t"})
    gate(project, rule_config(tmp_path, "docs.model_description"))
    assert "code" not in project._apart
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "*"
            rules: {code.hard_coded_reference: warn, code.max_lines: warn}
        """,
    )
    gate(project, config)
    assert "code" in project._apart and project.code(STG_ORDERS) == "select 1 from raw.t"


@given(
    code=st.text(alphabet=st.sampled_from(list("ab -/*'\"`[]{}#%\n().;")), max_size=80),
    strings=st.booleans(),
    jinja=st.booleans(),
)
def test_masking_keeps_every_position_and_line(code, strings, jinja):
    """Findings take their line from the mask's positions: it must never shift them."""
    masked = mask(code, strings=strings, jinja=jinja)
    assert len(masked) == len(code)
    assert [i for i, c in enumerate(masked) if c == "\n"] == [
        i for i, c in enumerate(code) if c == "\n"
    ]


def test_snapshot_and_macro_findings_point_into_their_blocks(tmp_path):
    """A snapshot's code is its block's body and a macro's is its block: found in the file on
    disk, the finding lands on the file's line; without the file, on the declaration."""
    snapshot = f"snapshot.{PKG}.snapshot_orders"
    macro = f"macro.{PKG}.cents_to_dollars"
    body = "\n    select *\n    from raw.orders\n"
    block = (
        "{% macro cents_to_dollars(column_name) %}\n    ({{ column_name }} / 100)\n{% endmacro %}"
    )

    def edit(manifest: dict) -> None:
        node = manifest["nodes"][snapshot]
        node["raw_code"], node["original_file_path"] = body, "snapshots/snapshot_orders.sql"
        manifest["macros"][macro]["macro_sql"] = block

    (tmp_path / "build").mkdir()
    project = edited_bouncer(tmp_path / "build", edit)
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "*"
            rules:
              code.hard_coded_reference: warn
              code.forbidden_pattern: {pattern: '/ 100'}
        """,
    )
    without_files = gate(project, config).findings
    (reference,) = by_code(without_files, "code.hard_coded_reference")
    assert (reference.path, reference.line) == ("snapshots/snapshot_orders.sql", 1)
    assert "raw.orders by name (line 3 of its code)" in reference.message
    (pattern,) = by_code(without_files, "code.forbidden_pattern")
    assert pattern.unique_id == macro and pattern.line != 2  # the macro's declaration, not line 2

    (tmp_path / "snapshots").mkdir()
    (tmp_path / "snapshots" / "snapshot_orders.sql").write_text(
        f"-- orders over time\n{{% snapshot snapshot_orders %}}\n{body}{{% endsnapshot %}}\n"
    )
    (tmp_path / "macros").mkdir()
    (tmp_path / "macros" / "cents_to_dollars.sql").write_text(
        "{% macro other() %}\n  1\n{% endmacro %}\n\n" + block + "\n"
    )
    (tmp_path / "build2").mkdir()
    project = edited_bouncer(tmp_path / "build2", edit)  # afresh: it reads the files once
    project.project_dir = tmp_path
    with_files = gate(project, config).findings
    (reference,) = by_code(with_files, "code.hard_coded_reference")
    assert (reference.path, reference.line, reference.details["lines"]) == (
        "snapshots/snapshot_orders.sql",
        5,
        [5],
    )
    assert reference.message.endswith("raw.orders by name (line 5), not through ref() or source()")
    (pattern,) = by_code(with_files, "code.forbidden_pattern")
    assert (pattern.path, pattern.line) == ("macros/cents_to_dollars.sql", 6)


def test_code_of_an_unexpected_type_is_a_one_line_error_naming_the_file(tmp_path):
    """The gate's decode skips the code: its first reader must report a bad value as the
    loader does (exit 2, the file and the key), not a traceback."""

    def edit(manifest: dict) -> None:
        manifest["nodes"][STG_ORDERS]["raw_code"] = 5

    target = edited_bouncer(tmp_path, edit).artifacts.manifest.path.parent
    config = rule_config(tmp_path, "code.max_lines")
    result = dbtgate("check", "--artifacts", str(target), "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"dbtgate: error: {target / 'manifest.json'}: field of unexpected type")
    assert STG_ORDERS in line and "raw_code" in line


def test_unused_macro_flags_macros_nothing_calls(tmp_path):
    cents = f"macro.{PKG}.cents_to_dollars"

    def edit(manifest: dict) -> None:
        for section in ("nodes", "macros"):
            for caller in manifest[section].values():
                called = (caller.get("depends_on") or {}).get("macros") or []
                if cents in called:
                    called.remove(cents)
        manifest["macros"][f"macro.{PKG}.materialization_audit_default"] = {
            **manifest["macros"][cents],
            "name": "materialization_audit_default",
            "unique_id": f"macro.{PKG}.materialization_audit_default",
        }

    config = rule_config(tmp_path / "config", "code.unused_macro", select="resource_type:macro")
    # As written, every macro of the project is called, but generate_schema_name, which
    # overrides dbt's own (dbt calls it).
    assert gate(corpus_project("bouncer-dbt112"), config).findings == []
    [finding] = by_code(gate(edited_bouncer(tmp_path, edit), config).findings, "code.unused_macro")
    assert finding.unique_id == cents
    assert finding.message == "macro cents_to_dollars is called by nothing in the build"


def test_unused_macro_judges_nothing_without_the_manifest_file():
    # Without the file, the calls cannot be read: no macro is known to be unused.
    project = corpus_project("bouncer-dbt112")
    bare = Project.from_manifest(project.manifest)
    macro = bare.macros[f"macro.{PKG}.cents_to_dollars"]
    assert load_rules()["code.unused_macro"].run(macro, {"project": bare}, {}) == []


def test_unused_is_incremental_is_reported_where_the_model_is_not_incremental(tmp_path):
    # int_incremental calls is_incremental() and is incremental: it passes, as it is.
    project = _with_code(
        tmp_path,
        {
            STG_ORDERS: "-- is_incremental() in a comment is no call\nselect 1 as id\n"
            "{% if is_incremental() %} where 2 = 2 {% endif %}\n"
            "{% if is_incremental( ) %} and 3 = 3 {% endif %}",
        },
    )
    config = rule_config(tmp_path, "code.unused_is_incremental", "error")
    findings = by_code(gate(project, config).findings, "code.unused_is_incremental")
    assert [(f.unique_id, f.message, f.details["lines"]) for f in findings] == [
        (
            STG_ORDERS,
            "stg_orders calls is_incremental() (lines 3 and 4) but is materialized as view, "
            "where it is always false",
            [3, 4],
        )
    ]
    assert findings[0].severity == "error"


def test_unused_is_incremental_passes_every_model_of_the_corpus_build(tmp_path):
    project = corpus_project("bouncer-dbt112")
    assert "is_incremental()" in (project.code(f"model.{PKG}.int_incremental") or "")
    config = rule_config(tmp_path, "code.unused_is_incremental")
    assert by_code(gate(project, config).findings, "code.unused_is_incremental") == []


def _macro_signatures() -> list[tuple[str, str]]:
    """Every macro of the bouncer build (dbt's, its adapter's and packages' too, ~1,000) with
    its code, for the signature parser."""
    path = corpus_dir("bouncer-dbt112") / "manifest.json"
    if not path.is_file():
        pytest.skip(f"corpus absent: {path}")
    macros = json.loads(path.read_text())["macros"].values()
    return [(macro["unique_id"], macro["macro_sql"]) for macro in macros]


_KEYWORD = re.compile(rf"\b({'|'.join(keyword.kwlist)})\b")
_OPENING = re.compile(r"\{%-?\s*(?:macro|test)\s+\w+\s*\((.*?)\)\s*-?%\}", re.DOTALL)


def test_macro_signatures_read_as_python_reads_them():
    """The truth: a Jinja signature is a Python one (`a, b=[1, 2], c='x,y'`), which `ast`
    parses; materializations open no signature."""
    signatures = _macro_signatures()
    assert len(signatures) > 1000
    for unique_id, code in signatures:
        opening = _OPENING.search(code)
        if opening is None:
            assert signature_arguments(code) is None, unique_id
            continue
        # dbt_utils' star(from, except=[]): Jinja's names may be Python's keywords.
        python = _KEYWORD.sub(r"\1_kw", opening.group(1))
        function = ast.parse(f"def f({python}): pass").body[0]
        names = [a.arg.removesuffix("_kw") for a in function.args.args]
        assert signature_arguments(code) == names, unique_id


def test_max_arguments_on_the_root_projects_macros(tmp_path):
    """apply_grants(relation, grant_config, should_revoke) and the generic test
    values_below_threshold(model, column_name, threshold) take 3; the default max, 4, as
    bouncer's, passes all five."""
    project = corpus_project("bouncer-dbt112")
    assert (
        by_code(
            gate(project, rule_config(tmp_path / "a", "code.max_arguments")).findings,
            "code.max_arguments",
        )
        == []
    )
    config = rule_config(tmp_path / "b", "code.max_arguments", "{max: 2}")
    findings = by_code(gate(project, config).findings, "code.max_arguments")
    assert sorted((f.resource_name, f.message) for f in findings) == [
        ("apply_grants", "macro apply_grants takes 3 arguments; at most 2"),
        (
            "test_values_below_threshold",
            "macro test_values_below_threshold takes 3 arguments; at most 2",
        ),
    ]
    assert findings[0].details["max"] == 2


def _required_macros(project: Project, tmp_path: Path, setting: str, select: str) -> dict:
    config = rule_config(tmp_path, "code.required_macros", setting, select)
    findings = by_code(gate(project, config).findings, "code.required_macros")
    return {f.unique_id.removeprefix(f"model.{PKG}."): f.message for f in findings}


def test_required_macros_reads_the_calls_dbt_records(tmp_path):
    """dbt-bouncer's check_model_depends_on_macros: of the bouncer project's staging models,
    stg_payments calls cents_to_dollars; int_incremental calls dbt's is_incremental."""
    project = corpus_project("bouncer-dbt112")
    staging = "path:models/staging"
    expected = {
        name: f"{name} does not call the macros cents_to_dollars"
        for name in ("stg_customers", "stg_orders", "stg_raw_orders_for_snapshot")
    }
    assert _required_macros(project, tmp_path, "{macros: [cents_to_dollars]}", staging) == expected
    # By package and name, and by unique_id, as dbt-bouncer names them.
    for named in (f"{PKG}.cents_to_dollars", f"macro.{PKG}.cents_to_dollars"):
        found = _required_macros(project, tmp_path, f"{{macros: ['{named}']}}", staging)
        assert sorted(found) == sorted(expected)
    # Another package's macro of the name is not this one.
    found = _required_macros(project, tmp_path, "{macros: [dbt.cents_to_dollars]}", staging)
    assert "stg_payments" in found
    either = "{macros: [cents_to_dollars, dbt.is_incremental], criteria: any}"
    found = _required_macros(project, tmp_path, either, f"package:{PKG}")
    assert "stg_payments" not in found and "int_incremental" not in found
    assert found["orders"] == ("orders has none of the macros cents_to_dollars, dbt.is_incremental")


def test_required_macros_criteria_one_counts_the_macros_called(tmp_path):
    def edit(manifest: dict) -> None:
        node = manifest["nodes"][f"model.{PKG}.stg_payments"]
        node["depends_on"]["macros"].append("macro.dbt.is_incremental")

    project = edited_bouncer(tmp_path, edit)
    one = "{macros: [cents_to_dollars, is_incremental], criteria: one}"
    found = _required_macros(project, tmp_path, one, "path:models/staging")
    assert found["stg_payments"] == (
        "stg_payments has 2 of the macros cents_to_dollars, is_incremental "
        "(cents_to_dollars, is_incremental); exactly one is allowed"
    )
    assert found["stg_orders"] == (
        "stg_orders has none of the macros cents_to_dollars, is_incremental "
        "(exactly one is required)"
    )


def test_required_macros_must_name_a_macro(tmp_path):
    config = rule_config(tmp_path, "code.required_macros", "warn")
    with pytest.raises(DbtgateError, match=r"dbtgate\.yml:5: .*macros: required"):
        gate(corpus_project("bouncer-dbt112"), config)


@pytest.mark.slow
def test_required_macros_on_the_fixture(shop_builds, tmp_path):
    """The fixture's one incremental model, fct_orders, calls is_incremental; the other marts
    call no macro."""
    project = Project.from_artifacts(load_artifacts(shop_builds.pr / "target"), shop_builds.pr)
    config = rule_config(
        tmp_path, "code.required_macros", "{macros: [dbt.is_incremental]}", "path:models/marts"
    )
    findings = by_code(gate(project, config).findings, "code.required_macros")
    marts = {
        uid
        for uid, node in project.nodes.items()
        if node.resource_type == "model" and node.original_file_path.startswith("models/marts/")
    }
    assert {f.unique_id for f in findings} == marts - {"model.shop.fct_orders"}
    (dim,) = [f for f in findings if f.unique_id == "model.shop.dim_customers"]
    assert (dim.path, dim.message) == (
        "models/marts/_marts.yml",
        "dim_customers does not call the macros dbt.is_incremental",
    )


def test_another_adapters_implementation_of_a_dispatched_macro_is_used(tmp_path):
    """jaffle_shop's cents_to_dollars dispatches to `default__`, `postgres__`, `bigquery__` and
    `fabric__` implementations; a DuckDB build records only the calls of the first: the others
    run on other warehouses and are not unused. A macro nothing calls still is."""
    import shutil

    target = tmp_path / "target"
    target.mkdir()
    shutil.copy(
        corpus_dir("schema-versions") / "manifest_v12_dbt1.12.json", target / "manifest.json"
    )
    project = Project.from_artifacts(load_artifacts(target))
    rule = load_rules()["code.unused_macro"]
    for name in ("postgres", "bigquery", "fabric"):
        macro = project.macros[f"macro.jaffle_shop.{name}__cents_to_dollars"]
        assert rule.run(macro, {"project": project}, {}) == [], name
    raw = json.loads((target / "manifest.json").read_text())
    for node in (*raw["nodes"].values(), *raw["macros"].values()):
        called = (node.get("depends_on") or {}).get("macros") or []
        node.setdefault("depends_on", {})["macros"] = [m for m in called if "cents" not in m]
    (target / "manifest.json").write_text(json.dumps(raw))
    uncalled = Project.from_artifacts(load_artifacts(target))
    macro = uncalled.macros["macro.jaffle_shop.postgres__cents_to_dollars"]
    assert len(rule.run(macro, {"project": uncalled}, {})) == 1
