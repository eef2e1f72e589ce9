"""JUnit XML (a testsuite per family, a testcase per rule x resource) and GitLab code quality."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from report_samples import finding, sample_report, selection_finding

from dbtgate.report.gitlab import render_gitlab
from dbtgate.report.junit import render_junit


def parse(report: dict) -> ET.Element:
    return ET.fromstring(render_junit(report).encode())


def test_junit_has_a_suite_per_family_and_a_case_per_rule_and_resource() -> None:
    root = parse(sample_report())
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert sorted(suites) == [
        "breaking",
        "docs",
        "freshness",
        "kpi",
        "lint",
        "owner",
        "run",
        "tests",
        "verdict",
    ]
    # The two LT01 findings on one model are one testcase listing both.
    lint_cases = suites["lint"].findall("testcase")
    assert [c.get("name") for c in lint_cases] == ["lint.LT01 model.shop.int_order_payments"]
    out = lint_cases[0].find("system-out").text
    assert "11:63" in out and "11:64" in out
    assert root.get("tests") == "9"  # 8 rule x resource cases and the verdict
    assert root.get("failures") == "4"
    assert root.get("skipped") == "2"
    for suite in suites.values():
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
        assert int(suite.get("skipped")) == len(suite.findall("testcase/skipped"))


def test_junit_names_a_selection_rules_case_by_the_policys_selection() -> None:
    """Two policies' tests.coverage findings, both at a line of dbtgate.yml, were one testcase
    of the config file: each is on its policy's selection."""
    coverage = [selection_finding("tier:1", 12), selection_finding("tier:2", 20)]
    cases = parse(sample_report(coverage)).findall("testsuite[@name='tests']/testcase")
    assert [(c.get("name"), c.get("file"), c.get("line")) for c in cases] == [
        ("tests.coverage tier:1", "dbtgate.yml", "12"),
        ("tests.coverage tier:2", "dbtgate.yml", "20"),
    ]


def test_junit_failure_for_blocking_and_skipped_for_waived() -> None:
    root = parse(sample_report())
    cases = {c.get("name"): c for c in root.iter("testcase")}
    failed = cases["tests.primary_key model.shop.fct_orders"]
    failure = failed.find("failure")
    assert failure.get("type") == "tests.primary_key"
    assert "fix: Add unique and not_null tests" in failure.text
    assert failed.get("file") == "models/marts/_marts.yml" and failed.get("line") == "50"
    waived = cases["docs.column_coverage model.shop.legacy_orders"].find("skipped")
    assert waived.get("message").startswith("waived by @data-platform until 2026-03-20")
    out_of_scope = cases["owner.present model.shop.dim_products"]
    assert out_of_scope.find("failure") is None and out_of_scope.find("skipped") is None


def test_junit_survives_control_characters_and_markup_in_messages() -> None:
    bad = finding(
        code="docs.placeholder",
        severity="error",
        message='desc \x00\x1b[31m <tag> & ]]> "quoted"',
        unique_id="model.shop.x",
        disposition="blocking",
    )
    root = parse(sample_report([bad]))
    failure = root.find("testsuite[@name='docs']/testcase/failure")
    assert "<tag> & ]]>" in failure.get("message")
    assert "\x00" not in failure.text


def test_junit_of_a_clean_run_holds_the_passed_verdict() -> None:
    """An empty document reads as "no test results found" to test-report actions."""
    root = parse(sample_report([]))
    assert (root.get("tests"), root.get("failures")) == ("1", "0")
    (case,) = root.iter("testcase")
    assert case.get("name") == "dbtgate verdict" and case.find("failure") is None
    assert case.find("system-out").text.startswith("dbtgate: PASS")


def test_junit_verdict_fails_with_the_gate() -> None:
    root = parse(sample_report())
    verdict = root.find("testsuite[@name='verdict']/testcase/failure")
    assert verdict.get("message") == (
        "dbtgate: FAIL — 3 blocking findings, 6 non-blocking, 1 of them waived"
    )


def test_junit_keeps_the_findings_that_do_not_block_beside_a_failure() -> None:
    blocking = finding(
        code="docs.column_coverage",
        severity="error",
        message="column a undocumented",
        unique_id="model.shop.x",
        column_name="a",
        disposition="blocking",
    )
    waived = finding(
        code="docs.column_coverage",
        severity="error",
        message="column b undocumented",
        unique_id="model.shop.x",
        column_name="b",
        disposition="baselined",
    )
    root = parse(sample_report([blocking, waived]))
    case = root.find("testsuite[@name='docs']/testcase")
    assert "column a undocumented" in case.find("failure").text
    assert "column b undocumented" in case.find("system-out").text


def test_gitlab_code_quality_lists_open_findings_with_unique_fingerprints() -> None:
    report = sample_report()
    issues = json.loads(render_gitlab(report))
    open_findings = [
        f for f in report["findings"] if f["disposition"] not in ("waived", "baselined")
    ]
    assert len(issues) == len(open_findings)
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert issue["location"]["lines"]["begin"] >= 1
    by_check = {i["check_name"]: i for i in issues}
    assert by_check["tests.primary_key"]["severity"] == "blocker"
    assert by_check["tests.primary_key"]["location"] == {
        "path": "models/marts/_marts.yml",
        "lines": {"begin": 50},
    }
    assert by_check["owner.present"]["severity"] == "critical"  # error, but out of scope
    # A KPI has no file: it points at the config (the project file when the report names one).
    assert by_check["kpi.tier1_test_coverage"]["location"]["path"] == "dbtgate.yml"


def test_gitlab_fingerprints_stay_unique_when_a_finding_repeats() -> None:
    twice = [
        finding(code="lint.LT05", severity="warn", message="long", path="a.sql", line=line)
        for line in (3, 9)
    ]
    assert twice[0].fingerprint == twice[1].fingerprint
    issues = json.loads(render_gitlab(sample_report(twice)))
    assert len({i["fingerprint"] for i in issues}) == 2


def test_junit_attributes_and_text_read_back_exactly() -> None:
    """The XML is written by hand: quotes, markup, CR, LF and tabs must come back from an XML
    parser as they went in, in attributes as in text."""
    tricky = 'a "quoted" <b> & c\r\nd\te'
    made = finding(
        code="docs.placeholder",
        severity="error",
        message="m",
        unique_id="model.shop.x",
        path=f"models/{tricky}.yml",
        line=7,
        fix=tricky,
        disposition="blocking",
    )
    root = parse(sample_report([made]))
    case = root.find("testsuite[@name='docs']/testcase")
    assert case.get("file") == f"models/{tricky}.yml" and case.get("line") == "7"
    text = case.find("failure").text
    assert text.endswith(f"fix: {tricky}".replace("\r\n", "\n"))  # XML reads CR LF as LF


def test_junit_past_its_size_keeps_the_failures_and_its_verdict_says_what_it_left_out() -> None:
    """GitLab shows nothing of a JUnit file of 30 MB: 20,000 models' findings took 52 MB. Past
    its size the file keeps the failing testcases first, breaking changes before policy
    findings, counts only what it lists, and its verdict says how many it left out and where
    they are."""
    from report_samples import many_findings

    from dbtgate.report.junit import junit_xml

    breaking = finding(
        code="breaking.column_removed",
        severity="error",
        message="contracted column id removed",
        unique_id="model.big.zz_last",
        disposition="blocking",
    )
    report = sample_report([*many_findings(400), breaking])
    whole = junit_xml(report, 10**9)
    assert whole == render_junit(report)  # small enough: nothing left out
    assert ET.fromstring(whole.encode()).get("tests") == "402"  # 401 testcases and the verdict
    cut = junit_xml(report, 50_000)
    assert len(cut.encode()) <= 50_000
    root = ET.fromstring(cut.encode())
    listed = [case for case in root.iter("testcase") if case.get("name") != "dbtgate verdict"]
    assert 0 < len(listed) < 401
    # Failures first, and of those the breaking change: the 100 advisory cases (passed) go.
    assert listed[0].get("name") == "breaking.column_removed model.big.zz_last"
    assert all(case.find("failure") is not None for case in listed)
    # Each rule keeps its share, not the first suites in the alphabet all the room.
    assert {case.get("classname") for case in listed} == {
        "breaking.column_removed",
        "docs.column_coverage",
        "owner.present",
        "tests.primary_key",
    }
    assert root.get("tests") == str(len(listed) + 1)
    assert root.get("failures") == str(len(listed) + 1)
    for suite in root.findall("testsuite"):
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
    verdict = root.find("testsuite[@name='verdict']/testcase/failure").text
    assert verdict.splitlines()[1] == (
        f"This file lists {len(listed)} of the 401 testcases, failures first, to stay under"
        " 0.05 MB: GitLab shows nothing of a JUnit file of 30 MB or more. The other"
        f" {401 - len(listed)} are in the JSON gate report (gate.json), with every finding."
    )
