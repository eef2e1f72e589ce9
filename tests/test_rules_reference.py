"""`dbtgate rules` explains every code a report can show (policy rules, the other checks' codes,
sqlfluff's lint rules), and docs/rules.md is the same text, generated, never edited by hand."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cli_support import dbtgate, plain_env, run_dbtgate
from policy_support import read_json, write_config
from report_samples import sample_report

from dbtgate.codes import CodeDoc, code_docs
from dbtgate.config import KpiName
from dbtgate.errors import DbtgateError
from dbtgate.rules.reference import find_docs, render_markdown, rule_example_lexer
from dbtgate.rules.registry import builtin_rules, load_rules
from dbtgate.rules.sqlfluff_docs import lint_code_doc, lint_rules

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs" / "rules.md"
STATUS = ROOT / "dbtgate" / "status"


def test_docs_rules_md_is_generated_from_the_registries():
    expected = render_markdown(builtin_rules(), code_docs())
    assert DOCS.read_text(encoding="utf-8") == expected, (
        "docs/rules.md is out of date: regenerate it with "
        "`python -m dbtgate.rules.reference > docs/rules.md`"
    )


def test_every_code_the_status_families_emit_is_documented():
    source = "\n".join(path.read_text() for path in sorted(STATUS.glob("*.py")))
    emitted = set(re.findall(r"code=\"((?:run|freshness)\.[a-z_]+)\"", source))
    emitted |= set(re.findall(r"code, severity = \"(freshness\.[a-z_]+)\"", source))
    assert {"run.errors", "run.not_run", "freshness.error", "freshness.warn"} <= emitted
    emitted |= {f"kpi.{name}" for name in KpiName.__args__}
    emitted |= {"waiver.expired", "waiver.stale"}
    assert sorted(emitted - set(code_docs())) == []


def test_documented_codes_are_complete_and_their_severity_is_a_severity():
    for code, doc in code_docs().items():
        assert doc.code == code
        assert re.fullmatch(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*", code), code
        assert doc.severity in ("error", "warn", "info"), code
        assert doc.summary and doc.what and doc.why and doc.fix, code
    # A code is a rule or a documented code, never both: one place explains it.
    assert set(code_docs()) & set(load_rules()) == set()


def test_default_severities_follow_the_config_defaults(tmp_path):
    docs = code_docs()
    assert (docs["run.test_failures"].severity, docs["run.skipped"].severity) == ("error", "warn")
    assert (docs["freshness.missing"].severity, docs["kpi.freshness"].severity) == ("warn", "error")
    assert "default target 80%" in docs["kpi.tier1_test_coverage"].what


def test_every_sqlfluff_rule_reads_as_plain_text():
    codes = [code for code, _name, _summary in lint_rules()]
    assert "lint.LT01" in codes and len(codes) > 50
    for code in codes:
        doc = lint_code_doc(code)
        assert doc is not None and doc.code == code
        assert doc.summary and doc.what and doc.why and doc.fix, code
        assert ".. code-block" not in doc.example and ":force:" not in doc.example, code
        for text in (doc.what, doc.why, doc.fix):
            # reStructuredText markup is converted, not shown raw (SQL examples stay verbatim).
            assert "``" not in text and not re.search(r"(^|\n)\.\. ", text), (code, text)
            assert not re.search(r":\w+:`", text), (code, text)


def test_lint_codes_resolve_by_code_name_or_old_code_in_any_case():
    assert lint_code_doc("lint.layout.spacing").code == "lint.LT01"
    assert lint_code_doc("lint.L001").code == "lint.LT01"
    assert lint_code_doc("lint.cv03").code == "lint.CV03"
    assert lint_code_doc("lint.XX99") is None
    assert lint_code_doc("LT01") is None  # findings always carry the `lint.` prefix
    cv03 = lint_code_doc("lint.CV03")
    assert cv03.example.startswith("-- anti-pattern\nSELECT\n    a,\n    b,\nFROM foo")
    assert "-- best practice" in cv03.example
    assert "select_clause_trailing_comma" in cv03.fix
    assert "`dbtgate lint --fix CV03 FILE` rewrites it for you" in cv03.fix


def test_find_docs_prefers_rules_then_codes_then_sqlfluff():
    rules = load_rules()
    assert find_docs("tests.primary_key", rules) is rules["tests.primary_key"]
    assert isinstance(find_docs("breaking.column_removed", rules), CodeDoc)
    assert find_docs("lint.AM04", rules).summary.startswith("Query produces an unknown number")
    # sqlfluff's own spelling, as its messages and `-- noqa: CP01` comments write it.
    assert find_docs("CP01", rules).code == "lint.CP01"
    assert find_docs("cp01", rules).code == "lint.CP01"
    with pytest.raises(DbtgateError, match="unknown rule or finding code 'XX99'"):
        find_docs("XX99", rules)


# -- the command line ---------------------------------------------------------------------------


def test_rules_lists_policy_rules_and_every_other_code_by_family(tmp_path):
    result = dbtgate("rules", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.index("Policy rules") < out.index("Other finding codes")
    for code in (
        "tests.primary_key",
        "breaking.column_removed",
        "risky.type_widened",
        "run.test_failures",
        "freshness.error",
        "kpi.tier1_test_coverage",
        "waiver.stale",
    ):
        assert re.search(rf"│ {re.escape(code)} +│", out), code
    assert "`dbtgate rules lint` lists them, `dbtgate rules lint.LT01` explains one" in out
    # Grouped by family: run.* rows sit together, between the other families.
    rows = [m.group(1) for m in re.finditer(r"^│ ([a-z0-9_]+\.[a-z0-9_]+) +│", out, re.M)]
    families = [row.split(".")[0] for row in rows[len(builtin_rules()) :]]
    assert families == sorted(families)


@pytest.mark.parametrize("columns", [80, 120])
def test_rules_on_a_narrow_terminal_is_a_block_a_rule_within_its_width(tmp_path, columns):
    """At 80 and 120 columns the five-column table left what a rule checks 5 and 21
    characters, a word a line: each rule is then its line and its indented prose."""
    result = run_dbtgate("rules", cwd=tmp_path, env=plain_env(COLUMNS=str(columns)))
    assert result.returncode == 0, result.stderr
    policies = result.stdout.split("Other finding codes")[0]
    assert "│" not in policies
    assert max(map(len, policies.splitlines())) <= columns
    heads = [line.split()[0] for line in policies.splitlines()[1:] if not line.startswith(" ")]
    assert heads == sorted(builtin_rules())
    assert "\ntests.primary_key  error  model, snapshot\n" in policies
    summary = " ".join(builtin_rules()["tests.primary_key"].docs.summary.split())
    block = policies.split("tests.primary_key  error")[1].split("\ntests.")[0]
    assert " ".join(block.split("\n", 1)[1].split()).endswith(summary)


def test_rules_family_lists_only_that_family(tmp_path):
    result = dbtgate("rules", "run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "run.not_run" in result.stdout
    assert "Policy rules" not in result.stdout and "kpi." not in result.stdout
    docs = dbtgate("rules", "docs", cwd=tmp_path)
    assert "docs.placeholder" in docs.stdout and "Other finding codes" not in docs.stdout
    lint = dbtgate("rules", "lint", cwd=tmp_path)
    assert re.search(r"│ lint\.LT01 +│ layout\.spacing +│ Inappropriate Spacing\.", lint.stdout)
    assert "lint.unparsable" in lint.stdout  # documented by the lint family itself


def test_rules_code_explains_a_status_code(tmp_path):
    result = dbtgate("rules", "run.test_failures", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith(
        "run.test_failures  A data test or unit test failed or errored in the last run."
    )
    assert "default severity: error" in out
    for title in ("What it reports", "Why it matters", "How to fix", "Example"):
        assert f"\n{title}\n" in out, title
    assert "compiled query" in out


@pytest.mark.parametrize("code", ["breaking.column_removed", "governance.contract_enforced"])
def test_rules_code_wraps_its_title_like_the_text_below_it(tmp_path, code):
    """At 80 columns a long summary ran past the terminal in one line, which broke it inside a
    word, while the text under it wrapped whole words: the title wraps too, its code whole and
    first, the summary's words kept."""
    out = run_dbtgate("rules", code, cwd=tmp_path, env=plain_env(COLUMNS="80")).stdout
    title = out.split("\ndefault severity:")[0].splitlines()
    assert len(title) > 1 and all(len(line) <= 78 for line in title)
    assert title[0].startswith(f"{code}  ")
    assert all(line.startswith("  ") for line in title[1:])
    rule = builtin_rules().get(code)
    summary = rule.docs.summary if rule else code_docs()[code].summary
    assert " ".join(" ".join(title).split()) == f"{code} {' '.join(summary.split())}"


def test_rules_code_says_which_parameters_are_required_optional_or_defaulted(tmp_path):
    """An optional parameter (default null) reads as optional, not as `... or null = null`,
    and a refinement's qualifier stays apart from the rest of the line."""
    out = dbtgate("rules", "tests.required", cwd=tmp_path).stdout
    assert "  tests: map of name -> count (at least one), optional\n" in out
    assert "or null" not in out and "= null" not in out
    out = dbtgate("rules", "modeling.children", cwd=tmp_path).stdout
    assert "  min: count (>= 0) = 0\n  max: count (>= 0), optional\n" in out
    out = dbtgate("rules", "governance.access", cwd=tmp_path).stdout
    assert "  allowed: list[str] (at least one), required\n" in out
    markdown = DOCS.read_text(encoding="utf-8")
    assert "| `max` | `count (>= 0)` | optional |" in markdown
    assert "| `allowed` | `list[str] (at least one)` | required |" in markdown


def test_every_rule_example_shown_as_yaml_is_yaml():
    # SQL taken for YAML is highlighted as YAML, and a flow list a user copies must load.
    problems = []
    for code, rule in builtin_rules().items():
        for name, example in (("failing", rule.docs.failing), ("passing", rule.docs.passing)):
            if rule_example_lexer(example) != "yaml":
                continue
            try:
                loaded = yaml.safe_load(example)
            except yaml.YAMLError as exc:
                problems.append(f"{code} {name}: {str(exc).splitlines()[0]}")
                continue
            if not (loaded is None or isinstance(loaded, dict | list)):
                problems.append(f"{code} {name}: reads as the text {loaded!r:.40}")
    assert problems == []


@pytest.mark.parametrize("code", ["lint.layout.spacing", "layout.spacing", "LT01"])
def test_rules_code_explains_a_lint_code_from_sqlfluff(tmp_path, code):
    """A lint finding's message ends with sqlfluff's name of its rule, `(layout.spacing)`:
    pasted into `dbtgate rules` as printed, it was an unknown code."""
    result = dbtgate("rules", code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("lint.LT01  Inappropriate Spacing.")
    assert "sqlfluff rule LT01 (`layout.spacing`)" in out
    assert "-- anti-pattern" in out and "JOIN bar USING (a)" in out
    assert "`lint.severity: {LT01: warn}`" in out


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("run.not_rn", "unknown rule or finding code 'run.not_rn' (did you mean run.not_run?)"),
        ("lint.LT99", "unknown rule or finding code 'lint.LT99' (did you mean lint.LT09?)"),
        ("tests.primary_kee", "code 'tests.primary_kee' (did you mean tests.primary_key?)"),
        ("zzz", "unknown rule or finding code 'zzz' (list them with `dbtgate rules`)"),
        # A typo of a family means that family: difflib, over every code, offered freshness.warn
        # for freshnes.stale. No code of it is near `stale`: its list is what to read.
        (
            "freshnes.stale",
            "'freshnes.stale' (`dbtgate rules freshness` lists the codes of freshness)",
        ),
        (
            "freshness.stal",
            "'freshness.stal' (`dbtgate rules freshness` lists the codes of freshness)",
        ),
        ("doc.column_coverag", "'doc.column_coverag' (did you mean docs.column_coverage?)"),
        ("owners.present", "'owners.present' (did you mean owner.present?)"),
        ("fresness", "'fresness' (did you mean freshness?)"),
        ("lint.unparseable", "'lint.unparseable' (did you mean lint.unparsable?)"),
        ("xyz.stale", "'xyz.stale' (list them with `dbtgate rules`)"),
        # sqlfluff's names, as lint findings print them, and its codes, misspelt by a character
        (
            "capitalisation.keyword",
            "code 'capitalisation.keyword' (did you mean capitalisation.keywords?)",
        ),
        (
            "lint.capitalisation.keyword",
            "(did you mean lint.capitalisation.keywords?)",
        ),
        ("CP011", "code 'CP011' (did you mean CP01?)"),
        # A character from LT01 and from LT10 to LT15: naming one would be a guess.
        ("LT1", "code 'LT1' (list them with `dbtgate rules`)"),
    ],
)
def test_an_unknown_code_is_one_line_with_a_suggestion(tmp_path, code, message):
    result = dbtgate("rules", code, cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("dbtgate: error: unknown rule or finding code ")
    assert line.endswith(message)


@pytest.mark.parametrize(
    ("code", "quoted", "meant"),
    [
        # A sqlfluff name is lower case: it was quoted back as 'lint.CAPITALISATION.KEYWORD'.
        (
            "lint.capitalisation.keyword",
            "lint.capitalisation.keyword",
            "lint.capitalisation.keywords",
        ),
        ("Docs.Model_Descripton", "Docs.Model_Descripton", "docs.model_description"),
        ("LINT.cp011", "LINT.cp011", "lint.CP01"),
    ],
)
def test_an_unknown_code_is_quoted_as_typed_and_suggested_as_documented(
    tmp_path, code, quoted, meant
):
    result = dbtgate("rules", code, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"dbtgate: error: unknown rule or finding code {quoted!r} (did you mean {meant}?)"
    )


@pytest.mark.parametrize(
    ("code", "heading"),
    [
        ("lint.Capitalisation.Keywords", "lint.CP01  "),
        ("LINT.cp01", "lint.CP01  "),
        ("Lint.L010", "lint.CP01  "),
        ("LINT.UNPARSABLE", "lint.unparsable  "),
        ("Docs.Model_Description", "docs.model_description  "),
        ("RUN.Not_Run", "run.not_run  "),
    ],
)
def test_a_code_in_any_case_is_explained_under_its_documented_spelling(tmp_path, code, heading):
    result = dbtgate("rules", code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(heading)


def test_a_family_in_any_case_lists_that_family(tmp_path):
    result = dbtgate("rules", "RUN", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "run.not_run" in result.stdout and "kpi." not in result.stdout


def test_rules_markdown_includes_the_configs_plugin_rules(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "acme.py").write_text(
        "from dbtgate.rules import rule\n\n"
        "@rule('acme.tidy', why='w', failing='models: []', passing='models: []', fix='f')\n"
        "def tidy(model):\n    '''Acme models are tidy.'''\n"
    )
    write_config(tmp_path, "version: 1\nplugins: [rules]\n")
    result = dbtgate("rules", "--markdown", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "### acme.tidy\n\nAcme models are tidy." in result.stdout
    assert "### run.not_run" in result.stdout
    both = dbtgate("rules", "--markdown", "run.not_run", cwd=tmp_path)
    assert both.returncode == 2
    assert "--markdown prints the whole reference" in both.stderr


def test_listing_the_rules_does_not_import_sqlfluff(tmp_path):
    code = (
        "import sys\n"
        "from dbtgate.cli import dispatch\n"
        "assert dispatch(['rules', 'run.errors']) == 0\n"
        "print('sqlfluff' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert result.returncode == 0, result.stderr
    *explained, imported = result.stdout.strip().splitlines()
    assert "run.errors" in "\n".join(explained)
    assert imported == "False"


# -- reports carry the same help --------------------------------------------------------------


def test_html_report_explains_each_code_it_shows():
    from dbtgate.report.html import render_html

    page = render_html(sample_report())
    assert '<section id="rules"><h2>Rules in this report</h2>' in page
    run_docs = code_docs()["run.test_failures"]
    assert f'<code title="{run_docs.summary}">' in page
    assert f"<code>run.test_failures</code> {run_docs.summary}</summary>" in page
    assert "<code>lint.LT01</code> Inappropriate Spacing.</summary>" in page


def test_sarif_carries_sqlfluff_help_for_lint_codes():
    from dbtgate.report.sarif import sarif_log

    rules = {r["id"]: r for r in sarif_log(sample_report())["runs"][0]["tool"]["driver"]["rules"]}
    lint = rules["lint.LT01"]
    assert lint["shortDescription"]["text"] == "Inappropriate Spacing."
    assert "```sql\n-- anti-pattern" in lint["help"]["markdown"]


# -- every code of a real gate run is explained -------------------------------------------------


@pytest.mark.slow
def test_every_code_in_the_fixture_gate_report_is_explained(shop_builds, tmp_path):
    report = tmp_path / "gate.json"
    result = dbtgate(
        "check",
        "--artifacts",
        "target",
        "--base",
        str(shop_builds.base / "target"),
        "--json",
        str(report),
        cwd=shop_builds.pr,
    )
    assert result.returncode in (0, 1), result.stderr
    codes = {f["code"] for f in read_json(report)["findings"]}
    families = {code.split(".")[0] for code in codes}
    assert {"tests", "docs", "breaking", "run"} <= families, families
    rules = load_rules()
    for code in sorted(codes):
        docs = find_docs(code, rules)
        assert docs.code == code or code.startswith("lint."), code


def test_every_table_row_keeps_its_cells_when_github_renders_it():
    """A `|` inside a code span ends a GitHub table cell: the choices `'all' | 'any' | 'one'`
    split a parameter's row into five cells, its default under the wrong header."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(DOCS.read_text(encoding="utf-8"))
    widths, cells, headers = [], 0, 0
    for token in tokens:
        if token.type == "thead_open":
            headers = 0
        elif token.type == "th_open":
            headers += 1
        elif token.type == "tr_open":
            cells = 0
        elif token.type == "td_open":
            cells += 1
        elif token.type == "tr_close" and cells:
            widths.append((headers, cells))
    assert widths and all(cells == headers for headers, cells in widths)
    texts = [t.content for t in tokens if t.type == "inline" and "'any'" in t.content]
    assert texts and all("'all' | 'any' | 'one'" in text for text in texts)


def test_rules_code_never_wraps_a_word_at_its_hyphen():
    """A peer's hook (`check-source-columns-have-desc`), a flag (`--base-ref`) or a label
    (`breaking-change-ok`) is typed as printed: wrapped at its hyphen it reads as two words."""
    import io

    from rich.console import Console

    from dbtgate.rules.reference import print_rule

    split = []
    for rule in builtin_rules().values():
        out = io.StringIO()
        print_rule(Console(file=out, width=100, color_system=None), rule)
        split += [
            f"{rule.code}: {line}"
            for line in out.getvalue().splitlines()
            if re.search(r"\w-$", line)
        ]
    assert split == []
