"""The terminal report: grouped by disposition and owner, plain when piped, colourless under
NO_COLOR, the verdict last (also with --quiet), progress only on a terminal."""

from __future__ import annotations

import io
import re

import msgspec
from hypothesis import given
from hypothesis import strategies as st
from report_samples import project_and_unowned, sample_findings, sample_result
from rich.console import Console

from dbtgate.findings import Finding
from dbtgate.report.console import (
    PlainConsole,
    is_terminal,
    most_needed_first,
    print_result,
    print_summary,
    stage,
    untrusted_output,
)
from dbtgate.summary import ProjectSummary

COLOUR = re.compile(r"\x1b\[[0-9;]*?(?:3[0-9]|9[0-7]|38;[0-9;]+)m")


def rendered(*, terminal: bool, quiet: bool = False) -> str:
    out = io.StringIO()
    console = Console(file=out, force_terminal=terminal, width=200, highlight=False)
    print_result(console, sample_result(), quiet=quiet)
    return out.getvalue()


def test_piped_output_is_plain_text_grouped_by_disposition_then_owner(monkeypatch) -> None:
    monkeypatch.setenv("DBTGATE_TODAY", "2026-03-01")
    text = rendered(terminal=False)
    assert "\x1b[" not in text
    lines = text.splitlines()
    blocking = lines.index("Blocking (3)")
    assert lines[blocking + 1] == "-" * len("Blocking (3)")
    hint = next(i for i, line in enumerate(lines) if line.startswith("To ship with a finding"))
    owners = [line for line in lines[blocking + 2 : hint] if line[:1] != " "]
    assert owners == ["@finance-eng", "Finance Analytics", "Marketing Analytics"]
    assert "        fix: Add unique and not_null tests on order_id." in lines
    # After the blocking findings, the waiver entry for the most needed one a waiver is for
    # (not the breaking change: an acknowledgement is its way out).
    # Named by what it waives: the PR comment may leave the finding out of those it shows.
    assert lines[hint].endswith(
        "e.g. the run.test_failures finding of "
        "test.shop.not_null_customer_ltv_avg_order_value.d09aefd175:"
    )
    assert lines[hint + 1 : hint + 7] == [
        "  - rule: run.test_failures",
        '    select: "test.shop.not_null_customer_ltv_avg_order_value.d09aefd175"',
        '    reason: "why it may ship as it is, and what will fix it"',
        '    owner: "Marketing Analytics"',
        "    expires: 2026-03-31",
        "",
    ]
    assert (
        "        waived by @data-platform until 2026-03-20: legacy model, rewritten in Q3" in lines
    )
    headings = [line for line in lines if re.fullmatch(r"[A-Z].* \(\d+\)", line)]
    assert [h.split(" (")[0] for h in headings] == [
        "Blocking",
        "Advisory",
        "Outside the change",
        "Waived",
        "In the baseline",
    ]
    assert lines[-1] == "dbtgate: FAIL — 3 blocking findings, 6 non-blocking, 1 of them waived"
    # The diff's counts, from a result read back from a saved report (its sections are JSON).
    assert lines[-2] == (
        "schema diff against the base: 1 breaking, 0 risky, 1 safe "
        "(`dbtgate diff` lists every change)"
    )


def test_a_kpi_is_the_whole_projects_listed_first_and_not_under_no_owner() -> None:
    """A gated KPI has no resource, so no owner: under "(no owner)" it read as one more model
    nobody owns. Its group, with a rule's on a policy's whole selection, comes first in every
    status, "(no owner)" keeps the resources."""
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200, highlight=False)
    print_result(console, sample_result([*sample_findings(), *project_and_unowned()]))
    lines = out.getvalue().splitlines()
    blocking = lines.index("Blocking (6)")
    hint = next(i for i, line in enumerate(lines) if line.startswith("To ship with a finding"))
    owners = [
        (i, line) for i, line in enumerate(lines[:hint]) if i > blocking + 1 and line[:1] != " "
    ]
    assert [owner for _, owner in owners] == [
        "Whole project or selection",
        "@finance-eng",
        "Finance Analytics",
        "Marketing Analytics",
        "(no owner)",
    ]
    (whole, _), *_, (unowned, _) = owners
    assert "kpi.test_pass_rate test pass rate is 97.5%" in lines[whole + 1]
    assert "tests.coverage 40% of the 5 models selected by tier:1" in lines[whole + 3]
    assert not lines[whole + 1].endswith(" ")  # on no file: nothing where the place would be
    assert [line.rstrip() for line in lines[unowned + 1 : hint]] == [
        "  error owner.present dim_orphans has no owner"
    ]
    advisory = next(i for i, line in enumerate(lines) if line.startswith("Advisory"))
    assert lines[advisory + 2] == "Whole project or selection"
    assert "kpi.tier1_test_coverage" in lines[advisory + 3]


def test_quiet_prints_only_notes_and_the_verdict() -> None:
    lines = rendered(terminal=False, quiet=True).splitlines()
    assert lines == [
        "note: sources.json absent: freshness not gated",
        "dbtgate: FAIL — 3 blocking findings, 6 non-blocking, 1 of them waived",
    ]


def test_colours_on_a_terminal_and_none_under_no_color(monkeypatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert COLOUR.search(rendered(terminal=True))
    monkeypatch.setenv("NO_COLOR", "1")
    text = rendered(terminal=True)
    assert not COLOUR.search(text)
    assert "dbtgate: FAIL" in text


def test_progress_is_drawn_on_a_terminal_only() -> None:
    for terminal, drawn in ((False, False), (True, True)):
        out = io.StringIO()
        console = Console(file=out, force_terminal=terminal, width=120)
        with stage(console, "running checks", total=3) as advance:
            advance(3)
        assert ("running checks" in out.getvalue()) is drawn
    quiet = io.StringIO()
    with stage(Console(file=quiet, force_terminal=True), "running checks", quiet=True):
        pass
    assert quiet.getvalue() == ""


def test_a_stage_says_what_it_waits_for_when_that_is_slower_than_its_name() -> None:
    """`dbt parse` of a --base ref takes seconds of "loading artifacts": the spinner says so."""
    for terminal in (False, True):
        out = io.StringIO()
        console = Console(file=out, force_terminal=terminal, width=120)
        with stage(console, "loading artifacts") as loading:
            loading.describe("dbt parse of --base [main] (0123abcd), once per commit")
        assert ("dbt parse of --base [main]" in out.getvalue()) is terminal


def test_max_findings_caps_each_group_and_says_how_many_more() -> None:
    from report_samples import many_findings

    findings = many_findings(40)  # 30 blocking, 10 advisory
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200, highlight=False)
    print_result(console, sample_result(findings), max_findings=4)
    lines = out.getvalue().splitlines()
    assert sum(1 for line in lines if line.startswith("  error ")) == 4
    assert sum(1 for line in lines if line.startswith("  warn ")) == 4
    assert (
        "… and 26 more (`--max-findings 0` prints all; the reports `--json FILE` and `--out DIR` "
        "write hold every finding)"
    ) in lines
    assert (
        "… and 6 more (`--max-findings 0` prints all; the reports `--json FILE` and `--out DIR` "
        "write hold every finding)"
    ) in lines
    # The first findings in report order are the ones shown.
    assert "model_00001 fails" in out.getvalue() and "model_00039 fails" not in out.getvalue()
    assert lines[-1] == "dbtgate: FAIL — 30 blocking findings, 10 non-blocking"


def test_a_capped_group_counts_its_findings_per_rule_largest_first() -> None:
    from report_samples import finding, many_findings

    # 30 blocking (10 per rule) and 10 advisory, plus 3 blocking owner.present: the lines
    # printed are of one rule, the counts say where the rest of the findings are.
    extra = [
        finding(
            code="owner.present",
            severity="error",
            message=f"m{n}: no owner",
            disposition="blocking",
        )
        for n in range(3)
    ]
    findings = many_findings(40) + extra
    out = io.StringIO()
    console = Console(file=out, width=200, highlight=False)
    print_result(console, sample_result(findings), max_findings=4)
    lines = out.getvalue().splitlines()
    counts = [line for line in lines if line.startswith("by rule: ")]
    assert counts == [
        "by rule: owner.present 13, docs.column_coverage 10, tests.primary_key 10",
        "by rule: docs.column_coverage 4, owner.present 3, tests.primary_key 3",
    ]
    # Under each group's heading and its underline, before the findings listed.
    headings = [at for at, line in enumerate(lines) if line.startswith(("Blocking (", "Advisory"))]
    assert [lines[at + 2] for at in headings] == counts
    # A group printed whole needs no count.
    out = io.StringIO()
    console = Console(file=out, width=200, highlight=False)
    print_result(console, sample_result(findings), max_findings=0)
    assert "by rule:" not in out.getvalue()


def test_a_capped_group_names_the_reports_written_that_hold_the_rest() -> None:
    from report_samples import many_findings

    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200, highlight=False)
    reports = ["reports/gate.html", "reports/gate.json"]
    print_result(console, sample_result(many_findings(40)), max_findings=4, full_reports=reports)
    assert (
        "… and 26 more (`--max-findings 0` prints all; every finding is in reports/gate.html and "
        "reports/gate.json)"
    ) in out.getvalue().splitlines()


def test_max_findings_zero_prints_every_finding() -> None:
    from report_samples import many_findings

    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200, highlight=False)
    print_result(console, sample_result(many_findings(450)), max_findings=0)
    text = out.getvalue()
    assert text.count("\n  error ") + text.count("\n  warn ") == 450
    assert "more (all in the" not in text


def test_no_waiver_is_suggested_for_breaking_lint_and_waiver_findings_which_have_their_own_way_out():
    """Their fix says it (an acknowledgement, `dbtgate lint --fix`): `dbtgate lint`, whose
    findings are all lint, printed a waiver entry for CP01 under them."""
    from report_samples import finding

    lint = finding(
        code="lint.CP01",
        severity="error",
        message="Keywords must be lower case.",
        unique_id="model.shop.orders",
        path="models/orders.sql",
        line=3,
        fix="dbtgate lint --fix CP01 models/orders.sql",
        disposition="blocking",
    )
    # An expired waiver blocking under `fail_on: warn`: its fix is to renew it, not another.
    expired = finding(
        code="waiver.expired",
        severity="warn",
        message="waiver for owner.present on 'orders' (owner @data) expired on 2026-01-31",
        path="dbtgate.yml",
        line=12,
        fix="Fix the findings, or renew the waiver: a new `expires` date and an updated `reason`.",
        disposition="blocking",
    )
    own_way_out = [
        lint,
        expired,
        *(f for f in sample_findings() if f.disposition != "blocking" or f.family == "breaking"),
    ]
    out = io.StringIO()
    print_result(Console(file=out, force_terminal=False, width=200), sample_result(own_way_out))
    assert "Blocking (3)" in out.getvalue()
    assert "ship with a finding" not in out.getvalue()


def test_one_rule_saying_the_same_on_many_lines_of_a_file_prints_once_with_every_place() -> None:
    from report_samples import finding

    def lint(line: int, column: int, message: str = "Keywords must be lower case.") -> Finding:
        return finding(
            code="lint.CP01",
            severity="error",
            message=message,
            unique_id="model.shop.orders",
            path="models/orders.sql",
            line=line,
            column=column,
            key=f"{line}:{column}",
            fix="sqlfluff fix --rules CP01 models/orders.sql",
            owner="@finance-eng",
            disposition="blocking",
        )

    repeats = [lint(10, 9), lint(10, 14), lint(12, 1), lint(13, 2, "Function names too.")]
    many = [lint(20 + n, 1) for n in range(13)]
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=300, highlight=False)
    print_result(console, sample_result(repeats + many))
    lines = out.getvalue().splitlines()
    assert lines[lines.index("Blocking (17)") + 2 :][:5] == [
        "@finance-eng",
        "  error lint.CP01 Keywords must be lower case. (16×)  models/orders.sql:10:9, 10:14, "
        "12:1, 20:1, 21:1, 22:1, 23:1, 24:1, 25:1, 26:1, 27:1, 28:1, and 4 more",
        "        fix (this and the next one): sqlfluff fix --rules CP01 models/orders.sql",
        "  error lint.CP01 Function names too.  models/orders.sql:13:2",
        "",
    ]


def test_a_fix_repeated_by_the_findings_after_it_is_said_once_for_them() -> None:
    """10,000 models' CI log printed 'Declare its columns with descriptions in its properties
    YAML.' under 89 findings in a row, and a 300-character fix under each of 29 breaking
    changes: the fix is said under the first of a run of one rule and one fix, with how many
    after it it is for; a run ends where the rule, the fix or the owner does."""
    from report_samples import finding

    def docs(index: int, owner: str = "@crm", fix: str | None = "Describe it.") -> Finding:
        return finding(
            code="docs.model_description",
            severity="error",
            message=f"m{index} has no description",
            unique_id=f"model.shop.m{index}",
            path=f"models/m{index}.sql",
            line=1,
            fix=fix,
            owner=owner,
            disposition="blocking",
        )

    found = [
        *(docs(i) for i in range(4)),
        docs(4, fix="Describe it in its YAML."),
        docs(5, fix=None),
        docs(6, fix=None),
        docs(7, owner="@finance"),
        docs(8, owner="@finance"),
    ]
    out = io.StringIO()
    print_result(Console(file=out, force_terminal=False, width=300), sample_result(found))
    lines = out.getvalue().splitlines()
    start = lines.index("Blocking (9)") + 2
    assert lines[start : start + 14] == [
        "@crm",
        "  error docs.model_description m0 has no description  models/m0.sql:1",
        "        fix (this and the next 3): Describe it.",
        "  error docs.model_description m1 has no description  models/m1.sql:1",
        "  error docs.model_description m2 has no description  models/m2.sql:1",
        "  error docs.model_description m3 has no description  models/m3.sql:1",
        "  error docs.model_description m4 has no description  models/m4.sql:1",
        "        fix: Describe it in its YAML.",
        "  error docs.model_description m5 has no description  models/m5.sql:1",
        "  error docs.model_description m6 has no description  models/m6.sql:1",
        "@finance",
        "  error docs.model_description m7 has no description  models/m7.sql:1",
        "        fix (this and the next one): Describe it.",
        "  error docs.model_description m8 has no description  models/m8.sql:1",
    ]


def _summary() -> ProjectSummary:
    return ProjectSummary(
        name="shop",
        dbt_version="1.11.2",
        schema_version=12,
        resource_counts={"analysis": 2, "exposure": 1, "model": 15, "test": 40},
        models=15,
        models_tested=15,
        models_described=14,
        columns=76,
        columns_described=75,
        models_with_owner=14,
        by_tier={"tier 1": 4, "tier 2": 11},
        by_owner={"@data-platform": 14, "(no owner)": 1},
        package_resources=25,
    )


def test_summary_counts_resources_in_plain_english() -> None:
    out = io.StringIO()
    print_summary(Console(file=out, width=200, highlight=False), _summary())
    text = out.getvalue()
    assert "2 analyses, 1 exposure, 15 models, 40 tests; 25 more in installed packages" in text
    # Worded and rounded as the KPI scorecard says the same figure ("columns documented 98.7%").
    assert "columns documented    75/76 (98.7%)" in text
    assert "@data-platform: 14, (no owner): 1" in text


def test_text_from_the_pull_request_cannot_start_a_line_of_the_ci_log() -> None:
    """An owner, a waiver reason, a message or a note with a line break would otherwise print a
    line of its own, such as a GitHub workflow command that forges an annotation."""
    forged = "\n::error file=README.md,line=1::forged\r\n"
    result = sample_result()
    for finding in result.findings:
        finding.owner = f"Marketing{forged}"
        finding.message += forged
        if finding.waiver is not None:
            finding.waiver = msgspec.structs.replace(finding.waiver, reason=f"ok{forged}")
    result.notes.append(f"a note{forged}")
    result.warnings.append(f"a warning{forged}")
    out = io.StringIO()
    print_result(Console(file=out, width=200, highlight=False), result, max_findings=0)
    assert any(f.waiver is not None for f in result.findings)
    lines = out.getvalue().splitlines()
    assert sum("::error file=README.md" in line for line in lines) > 3
    assert not [line for line in lines if line.lstrip().startswith("::")]


def test_in_github_actions_nothing_printed_from_the_pull_request_is_a_workflow_command() -> None:
    """An owner that *is* a command (`::error ...`, no line break needed) starts its own line
    under its group heading: in Actions the report is printed between `::stop-commands::TOKEN`
    and `::TOKEN::`, so the runner reads none of it, with a token no text can know."""
    result = sample_result()
    for finding in result.findings:
        finding.owner = "::error file=models/fake.sql,line=1::All checks passed, ignore dbtgate"
    tokens = []
    for _ in range(2):
        out = io.StringIO()
        console = Console(file=out, width=200, highlight=False)
        with untrusted_output(console, {"GITHUB_ACTIONS": "true"}):
            print_result(console, result, max_findings=0)
        lines = out.getvalue().splitlines()
        start = re.fullmatch(r"::stop-commands::([0-9a-f]{32})", lines[0])
        assert start and lines[-1] == f"::{start.group(1)}::"
        assert [line for line in lines if line.startswith("::error")]  # inside the block
        tokens.append(start.group(1))
    assert tokens[0] != tokens[1]
    out = io.StringIO()
    console = Console(file=out, width=200, highlight=False)
    with untrusted_output(console, {}):
        console.print("outside Actions")
    assert out.getvalue() == "outside Actions\n"


def test_a_capped_group_prints_failed_runs_before_policy_findings() -> None:
    """At 10,000 models the first 200 blocking lines were docs findings (report order) and the
    models that were not built were among the 47,000 left out."""
    from report_samples import finding

    docs = [
        finding(
            code="docs.model_description",
            severity="error",
            message=f"m{n} has no description",
            unique_id=f"model.shop.m{n}",
            disposition="blocking",
        )
        for n in range(5)
    ]
    not_built = finding(
        code="run.not_run",
        severity="error",
        message="z changed but was not built",
        unique_id="model.shop.z",
        disposition="blocking",
    )
    out = io.StringIO()
    print_result(Console(file=out, width=200), sample_result([*docs, not_built]), max_findings=2)
    text = out.getvalue()
    assert "z changed but was not built" in text and "… and 4 more" in text


def test_no_table_cell_starts_a_line_of_its_own() -> None:
    """The summary's cells come from the artifacts (project name, dbt version, resource types,
    owners): each prints on its row, on either console."""
    forged = "\n::error file=README.md::forged\r"
    summary = _summary()
    summary.name += forged
    summary.dbt_version = f"1.11{forged}"
    summary.resource_counts = {f"model{forged}": 15}
    summary.by_owner = {f"@team{forged}": 15}
    for console_of in (
        lambda out: Console(file=out, width=400, highlight=False, soft_wrap=True),
        PlainConsole,
    ):
        out = io.StringIO()
        print_summary(console_of(out), summary)
        lines = out.getvalue().splitlines()
        assert len(lines) == 9, lines
        assert not [line for line in lines if line.lstrip().startswith("::")]


def test_a_pipe_gets_from_the_plain_console_what_rich_prints_there() -> None:
    """`dbtgate check` in CI prints through PlainConsole (no rich import); the text, tables
    included, is what rich printed on a pipe (rich pads table rows with trailing spaces)."""
    from report_samples import many_findings

    result = sample_result(many_findings(30) + sample_result().findings)
    result.warnings.append("a [bold]warning[/bold] with :warning: markup and an emoji code")
    result.notes.append("note [link=x]text[/link]")
    texts = []
    for console_of in (
        lambda out: Console(file=out, width=160, highlight=False, soft_wrap=True, emoji=False),
        PlainConsole,
    ):
        out = io.StringIO()
        console = console_of(out)
        print_summary(console, _summary())
        print_result(console, result, max_findings=5)
        texts.append([line.rstrip() for line in out.getvalue().splitlines()])
    rich_text, plain_text = texts
    assert plain_text == rich_text
    assert "warning: a [bold]warning[/bold] with :warning: markup and an emoji code" in plain_text
    assert "note: note [link=x]text[/link]" in plain_text
    assert "KPIs with a target" in plain_text and "dbt project shop" in "\n".join(plain_text)


def test_the_report_is_plain_unless_rich_would_see_a_terminal() -> None:
    piped = io.StringIO()
    assert not is_terminal(piped, {})
    assert is_terminal(piped, {"FORCE_COLOR": "1"})
    assert not is_terminal(piped, {"FORCE_COLOR": ""})
    assert is_terminal(piped, {"TTY_COMPATIBLE": "1", "FORCE_COLOR": ""})

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert is_terminal(Tty(), {})
    assert not is_terminal(Tty(), {"TTY_COMPATIBLE": "0"})
    for environ in ({}, {"FORCE_COLOR": "1"}, {"TTY_COMPATIBLE": "1"}, {"TTY_COMPATIBLE": "0"}):
        assert is_terminal(piped, environ) == Console(file=piped, _environ=environ).is_terminal


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["error", "warn", "info"]),
            st.sampled_from(["docs.model_description", "run.not_run", "lint.CP01", "breaking.x"]),
        ),
        max_size=40,
    )
)
def test_most_needed_first_is_a_stable_sort_by_severity_then_family(pairs) -> None:
    """The capped console group is ordered by runs of (severity, code), not finding by finding:
    the same order as a stable sort of the findings, whatever order they come in."""
    from report_samples import finding

    from dbtgate.findings import SEVERITY_ORDER
    from dbtgate.report.view import family_rank

    findings = [
        finding(code=code, severity=severity, message=str(n))
        for n, (severity, code) in enumerate(pairs)
    ]
    expected = sorted(
        findings,
        key=lambda f: SEVERITY_ORDER[f.severity] * 10 + family_rank(f.code.split(".", 1)[0]),
    )
    assert [f.message for f in most_needed_first(findings)] == [f.message for f in expected]


def test_the_counts_of_a_capped_group_are_grouped_in_thousands() -> None:
    """At 10,000 models: `… and 38,689 more`, `by rule: owner.present 9,975`, as the verdict
    line writes its counts (`wording.number`)."""
    from report_samples import many_findings

    findings = many_findings(4000)  # 3,000 blocking (1,000 per rule), 1,000 advisory
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200, highlight=False)
    print_result(console, sample_result(findings), max_findings=4)
    lines = out.getvalue().splitlines()
    assert any(line.startswith("… and 2,996 more (`--max-findings 0`") for line in lines)
    assert lines[-1] == "dbtgate: FAIL — 3,000 blocking findings, 1,000 non-blocking"
    (blocking_counts, _) = [line for line in lines if line.startswith("by rule: ")]
    assert blocking_counts == (
        "by rule: docs.column_coverage 1,000, owner.present 1,000, tests.primary_key 1,000"
    )


def test_a_heading_too_wide_for_the_terminal_wraps_and_is_not_cut(tmp_path) -> None:
    """At 80 columns `Outside the change (...) (N)` is wider than the terminal: rich's rule cut
    it with an ellipsis, count and all. It wraps, and the rule follows its last line (a
    terminal without colour: NO_COLOR and FORCE_COLOR, as `script` gives one)."""
    from cli_support import plain_env, run_dbtgate
    from diff_support import model, write_build
    from policy_support import write_config

    write_build(tmp_path / "base", [model("legacy"), model("orders")])
    pr = tmp_path / "pr"
    write_build(pr, [model("legacy"), model("orders", checksum="c1")])
    write_config(
        pr,
        """
        version: 1
        scope: changed
        policies:
          - select: "*"
            rules: {docs.model_description: error}
        """,
    )
    for columns in (80, 200):
        done = run_dbtgate(
            "check",
            "--base",
            "../base/target",
            cwd=pr,
            env=plain_env(COLUMNS=str(columns), FORCE_COLOR="1"),
        )
        assert done.returncode == 1, done.stderr
        lines = done.stdout.splitlines()
        assert "…" not in done.stdout
        start = next(i for i, line in enumerate(lines) if line.startswith("Outside the change"))
        end = next(i for i in range(start, len(lines)) if "─" in lines[i])
        heading = " ".join(line.rstrip("─ ") for line in lines[start : end + 1])
        assert heading == (
            "Outside the change (on resources, lines or config entries this change did not "
            "touch, or KPIs it did not lower; not blocking) (1)"
        )
        assert all(len(line) <= columns for line in lines[start : end + 1])
        assert lines[end].endswith("─" * 3) and len(lines[end]) == columns
        assert (end > start) == (columns == 80)


def _terminal_lines(found: list[Finding], width: int = 80, **options: object) -> list[str]:
    """The report of `found` on a terminal `width` columns wide, colour codes taken out."""
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=width, highlight=False)
    print_result(console, sample_result(found), **options)
    return re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue()).splitlines()


def _long_findings() -> list[Finding]:
    from report_samples import finding

    url = "https://docs.example.com/" + "very-long-segment/" * 6 + "contracts.html"
    return [
        finding(
            code="breaking.column_removed",
            severity="error",
            message="contracted column item_count removed; 3 downstream models and 2 exposures "
            "read it and will fail at their next build",
            unique_id="model.shop.orders_summary",
            path="models/marts/_orders_summary.yml",
            line=46,
            fix="Restore the column, or bump the model's version and keep the old one until "
            f"its consumers move (see {url}).",
            owner="@analytics",
            disposition="blocking",
        ),
        finding(
            code="docs.model_description",
            severity="warn",
            message="stg_orders has no description",
            unique_id="model.shop.stg_orders",
            path="models/staging/stg_orders.sql",
            line=1,
            owner="@analytics",
            disposition="blocking",
        ),
    ]


def test_a_long_finding_wraps_at_words_under_its_message_on_a_terminal() -> None:
    """At 80 columns a finding of 150 characters broke mid-word and went on at column 0, out of
    the list: on a terminal it wraps at a space, its continuation indented under the message
    (as the fix line is), and its fix likewise; a URL wider than the terminal is left whole on
    a line of its own, for the terminal to fold, not cut."""
    found = _long_findings()
    url = found[0].fix.split("(see ", 1)[1].rstrip(").")
    assert len(url) > 80
    assert _listed(_terminal_lines(found)) == [
        "  error breaking.column_removed contracted column item_count removed; 3",
        "        downstream models and 2 exposures read it and will fail at their next",
        "        build  models/marts/_orders_summary.yml:46",
        "        fix: Restore the column, or bump the model's version and keep the old",
        "          one until its consumers move (see",
        f"          {url}).",
        "  warn  docs.model_description stg_orders has no description",
        "        models/staging/stg_orders.sql:1",
    ]
    # Whatever the width: no line wider than the terminal but the URL's, no word split, the
    # continuation lines indented under the message, no trailing space.
    for width in (60, 80, 100, 120):
        listed = _listed(_terminal_lines(found, width=width))
        assert [line for line in listed if len(line) > width] == [f"          {url})."]
        words = f"{found[0].message} {found[0].path}:46 fix: {found[0].fix} {found[1].message}"
        assert set(words.split()) <= {word for line in listed for word in line.split()}
        assert all(line.startswith(("  error ", "  warn ", "        ")) for line in listed)
        assert not any(line.endswith(" ") for line in listed)


def _listed(lines: list[str]) -> list[str]:
    """The lines of the owner's list under its name, to the waiver the gate suggests."""
    start = lines.index("@analytics") + 1
    return lines[start : next(i for i in range(start, len(lines)) if lines[i].startswith("To "))]


def test_a_pipe_keeps_each_finding_on_one_line_whatever_its_width() -> None:
    """A CI log, a pipe or `--max-findings 0 > file` is searched and diffed line by line: there
    a finding is one line, as wide as it is, whatever width rich was given."""
    found = _long_findings()
    for console in (
        PlainConsole(io.StringIO()),
        Console(file=io.StringIO(), force_terminal=False, width=80, highlight=False),
    ):
        print_result(console, sample_result(found))
        text = console.file.getvalue()
        assert f"  error breaking.column_removed {found[0].message}  {found[0].path}:46\n" in text
        assert f"        fix: {found[0].fix}\n" in text


def test_a_finding_that_fits_the_terminal_prints_as_it_did() -> None:
    """Wrapping only touches what is wider than the terminal: at 300 columns the lines are
    those of a pipe."""
    found = _long_findings()
    piped = io.StringIO()
    print_result(PlainConsole(piped), sample_result(found))
    assert _listed(_terminal_lines(found, width=300)) == _listed(piped.getvalue().splitlines())


def test_wide_characters_count_as_the_two_columns_they_take() -> None:
    """A message in Japanese: each character takes two columns of the terminal, so a line of
    them breaks at half the characters an ASCII line would, and fits."""
    from rich.cells import cell_len

    from dbtgate.report.console_wrap import wrapped

    words = " ".join(["注文の列"] * 20)  # 8 columns a word
    pieces = [("  ", None), ("error", "bold red"), (" ", None), (words, None), ("\n", None)]
    lines = "".join(text for text, _ in wrapped(pieces, 40)).splitlines()
    assert all(cell_len(line) <= 40 for line in lines) and len(lines) > 4
    assert lines[1].startswith("        注文の列")
    assert " ".join(" ".join(lines).split()) == f"error {words}"


def test_a_long_note_and_what_was_not_checked_wrap_on_a_terminal_only() -> None:
    """The notes above the findings and the `not checked:` line beside the verdict are read on
    the same terminal: wrapped at words there, their continuation indented by 2; one line each
    on a pipe."""
    result = sample_result(_long_findings())
    note = "sources.json absent: source freshness not gated (run `dbt source freshness " + (
        "--target-path freshness-target` after the build and copy its sources.json here)"
    )
    result.notes.append(note)
    result.not_checked += [
        "policies (no dbtgate.yml)",
        "breaking changes (no base build: --base PATH|REF)",
        "source freshness (no sources.json)",
    ]
    out = io.StringIO()
    print_result(Console(file=out, force_terminal=True, width=80, highlight=False), result)
    lines = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue()).splitlines()
    start = lines.index(
        "note: sources.json absent: source freshness not gated (run `dbt source freshness"
    )
    assert lines[start + 1 : start + 3] == [
        "  --target-path freshness-target` after the build and copy its sources.json",
        "  here)",
    ]
    not_checked = next(i for i, line in enumerate(lines) if line.startswith("not checked:"))
    assert lines[not_checked : not_checked + 2] == [
        "not checked: policies (no dbtgate.yml) · breaking changes (no base build: --base",
        "  PATH|REF) · source freshness (no sources.json)",
    ]
    piped = io.StringIO()
    print_result(PlainConsole(piped), result)
    assert f"note: {note}\n" in piped.getvalue()


def test_a_ci_log_coloured_by_force_color_keeps_a_finding_on_one_line(monkeypatch) -> None:
    """FORCE_COLOR=1 in a CI job makes rich see a terminal, of its default 80 columns, which no
    terminal folds at: without COLUMNS, the log keeps each finding on one line."""
    monkeypatch.delenv("COLUMNS", raising=False)
    found = _long_findings()
    out = io.StringIO()
    print_result(Console(file=out, force_terminal=True, highlight=False), sample_result(found))
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())
    assert f"  error breaking.column_removed {found[0].message}  {found[0].path}:46\n" in text
    monkeypatch.setenv("COLUMNS", "80")
    out = io.StringIO()
    print_result(Console(file=out, force_terminal=True, highlight=False), sample_result(found))
    listed = _listed(re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue()).splitlines())
    assert "        build  models/marts/_orders_summary.yml:46" in listed


def test_a_fix_command_wider_than_the_terminal_stays_one_line_to_paste() -> None:
    """`fix: dbtgate lint --fix LT05 ... --base ../base/target` broken over two lines pasted
    into a shell as two commands, the first run without its `--base`: the command goes whole
    onto the line under its label, for the terminal to fold (a folded line copies as one)."""
    from report_samples import lint_repeats

    command = (
        "dbtgate lint --fix CP01 models/intermediate/int_order_payments.sql "
        "--base ../../base/project/target"
    )
    [found] = lint_repeats(1, fix=command, owner="@analytics")
    lines = _terminal_lines([found], width=80)
    assert lines[lines.index("        fix:") + 1] == f"          {command}"
    # Prose fixes still wrap at words (the test above), and a command that fits is left as is.
    assert f"        fix: {command}" in _terminal_lines([found], width=200)
