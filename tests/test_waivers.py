"""Waivers end to end through the command line: an active waiver waives, an expired one stops
waiving and says so at its config line, a waiver that covers nothing is reported as stale."""

from __future__ import annotations

import datetime as dt
import json
import re
from html import escape
from pathlib import Path

import pytest
from cli_support import dbtgate
from corpus import CORPUS
from policy_support import (
    by_code,
    corpus_project,
    gate,
    manifest_only_copy,
    read_json,
    write_config,
)

from dbtgate.report.escape import md_text
from dbtgate.waivers import SUGGESTED_OWNER, SUGGESTED_REASON

BOUNCER = CORPUS / "bouncer-dbt112"
PKG = "dbt_bouncer_test_project"
# int_exclude_via_meta_config is the corpus build's one model without a description.
UNDESCRIBED = f"model.{PKG}.int_exclude_via_meta_config"
POLICY = """\
version: 1
policies:
  - select: "resource_type:model"
    rules:
      docs.model_description: error
waivers:
"""
# The day the command-line tests judge waivers on, whatever the calendar says.
ON_2026_12_02 = {"DBTGATE_TODAY": "2026-12-02"}


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    if not BOUNCER.is_dir():
        pytest.skip(f"corpus absent: {BOUNCER}")
    manifest_only_copy(BOUNCER, tmp_path / "target")
    return tmp_path


def waiver(rule: str, select: str, expires: str, owner: str = "@data-platform") -> str:
    return (
        f"  - rule: {rule}\n"
        f'    select: "{select}"\n'
        f'    reason: "scratch model, removed next quarter"\n'
        f'    owner: "{owner}"\n'
        f"    expires: {expires}\n"
    )


def check(workdir: Path, config: str) -> tuple[int, str, dict]:
    write_config(workdir, config)
    result = dbtgate("check", "--artifacts", "target", "--json", "gate.json", cwd=workdir)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return result.returncode, result.stdout, read_json(workdir / "gate.json")


def earlier_build(workdir: Path) -> Path:
    """`workdir/base`: the build's manifest as an earlier build of the same code (another
    invocation), so that against it nothing changed."""
    base = manifest_only_copy(BOUNCER, workdir / "base")
    manifest = read_json(base / "manifest.json")
    manifest["metadata"]["invocation_id"] = "an-earlier-build"
    (base / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return base


def findings(report: dict, code: str) -> list[dict]:
    return [f for f in report["findings"] if f["code"] == code]


def test_an_active_waiver_waives_and_the_gate_passes(workdir):
    returncode, stdout, report = check(
        workdir,
        POLICY + waiver("docs.model_description", "int_exclude_via_meta_config", "2999-12-31"),
    )
    assert returncode == 0
    [waived] = findings(report, "docs.model_description")
    assert waived["unique_id"] == UNDESCRIBED
    assert waived["disposition"] == "waived"
    assert waived["waiver"] == {
        "rule": "docs.model_description",
        "select": "int_exclude_via_meta_config",
        "reason": "scratch model, removed next quarter",
        "owner": "@data-platform",
        "expires": "2999-12-31",
    }
    assert report["waivers"][0]["findings"] == 1
    assert "Waived (1)" in stdout
    assert "waived by @data-platform until 2999-12-31: scratch model, removed next quarter" in (
        stdout
    )
    assert findings(report, "waiver.expired") == findings(report, "waiver.stale") == []


def test_an_expired_waiver_stops_waiving_and_says_so_at_its_line(workdir):
    returncode, stdout, report = check(
        workdir,
        POLICY + waiver("docs.model_description", "int_exclude_via_meta_config", "2020-01-31"),
    )
    assert returncode == 1
    [finding] = findings(report, "docs.model_description")
    assert (finding["disposition"], finding["waiver"]) == ("blocking", None)
    [expired] = findings(report, "waiver.expired")
    assert (expired["path"], expired["line"], expired["owner"]) == (
        "dbtgate.yml",
        7,
        "@data-platform",
    )
    assert expired["message"] == (
        "waiver for docs.model_description on 'int_exclude_via_meta_config' (owner @data-platform) "
        "expired on 2020-01-31; it no longer waives 1 finding"
    )
    # In the words of the expiring notice and of `dbtgate rules waiver.expired`.
    assert expired["fix"] == (
        "Fix the findings, or renew the waiver: a new `expires` date and an updated `reason`."
    )
    assert expired["disposition"] == "advisory"
    # Said by the console as this finding, with the line on the finding it held and the entry
    # that renews it: a note above said the finding again in other words (and gate.md and
    # gate.html listed it again under the inputs).
    assert stdout.count("waiver for docs.model_description") == 1
    assert "waiver.expired waiver for docs.model_description" in stdout
    assert not [line for line in stdout.splitlines() if line.startswith("note:") and "waiv" in line]
    assert "renew the waiver that expired on 2020-01-31 at dbtgate.yml:7" in stdout
    assert "until 2020-01-31 (config line 7): expired, so it is no longer waived" in stdout
    assert not [note for note in report["notes"] if "waiver" in note]
    from dbtgate.report.markdown import render_markdown

    markdown = render_markdown(report)
    assert markdown.count("waiver for docs.model_description") == 1  # the finding
    assert not re.search(r"^- note: .*waiver", markdown, re.M)
    assert "**Waivers:** 1 expired: `docs.model_description`" in markdown


def test_a_waiver_that_covers_nothing_is_stale(workdir):
    config = (
        POLICY
        # Selects a model, but the model has a description: nothing to waive.
        + waiver("docs.model_description", "stg_orders", "2999-12-31")
        # Selects nothing at all: the model was renamed or deleted.
        + waiver("docs.model_description", "legacy_report", "2999-12-31", owner="@crm")
        # Selects nothing either: a typo, and the name meant is said.
        + waiver("docs.model_description", "int_exclude_via_meta_confg+", "2999-12-31")
    )
    returncode, stdout, report = check(workdir, config)
    assert returncode == 1  # the undescribed model is not waived by any
    stale = findings(report, "waiver.stale")
    assert sorted((f["line"], f["owner"], f["message"]) for f in stale) == [
        (
            7,
            "@data-platform",
            "waiver for docs.model_description on 'stg_orders' (owner @data-platform) matches "
            "no finding: the docs.model_description finding it waived is no longer reported, so "
            "the entry at dbtgate.yml:7 can be removed",
        ),
        (
            12,
            "@crm",
            "waiver for docs.model_description on 'legacy_report' (owner @crm) selects no "
            "resource (renamed or deleted?) and matches no finding",
        ),
        (
            17,
            "@data-platform",
            "waiver for docs.model_description on 'int_exclude_via_meta_confg+' (owner "
            "@data-platform) selects no resource (did you mean int_exclude_via_meta_config?) and "
            "matches no finding",
        ),
    ]
    assert all(f["fix"].startswith("Remove the waiver") for f in stale)
    # One that selects nothing may be of a renamed resource: its fix says how to keep it.
    by_line = sorted(stale, key=lambda f: f["line"])
    assert [f["fix"].endswith("new name if it was renamed.") for f in by_line] == [
        False,
        True,
        True,
    ]
    # Each fix says where the entry to remove is.
    renamed = ", or point its `select` at the resource's new name if it was renamed."
    assert [f["fix"] for f in by_line] == [
        "Remove the waiver at dbtgate.yml:7: what it waived is no longer reported.",
        f"Remove the waiver at dbtgate.yml:12{renamed}",
        f"Remove the waiver at dbtgate.yml:17{renamed}",
    ]
    assert "waiver.stale" in stdout


def test_a_waiver_whose_finding_was_fixed_says_it_can_go_and_where(workdir):
    """The model got its description: the waiver that covered it matches nothing now, and its
    finding says so, with the entry's file and line to delete."""
    config = POLICY + waiver("docs.model_description", "int_exclude_via_meta_config", "2999-12-31")
    _, _, report = check(workdir, config)
    assert [f["disposition"] for f in findings(report, "docs.model_description")] == ["waived"]
    data = json.loads((workdir / "target" / "manifest.json").read_text())
    data["nodes"][UNDESCRIBED]["description"] = "Rows excluded by their meta config."
    (workdir / "target" / "manifest.json").write_text(json.dumps(data))
    returncode, stdout, report = check(workdir, config)
    assert returncode == 0
    [stale] = findings(report, "waiver.stale")
    assert (stale["message"], stale["fix"]) == (
        "waiver for docs.model_description on 'int_exclude_via_meta_config' (owner "
        "@data-platform) matches no finding: the docs.model_description finding it waived is "
        "no longer reported, so the entry at dbtgate.yml:7 can be removed",
        "Remove the waiver at dbtgate.yml:7: what it waived is no longer reported.",
    )
    assert "the entry at dbtgate.yml:7 can be removed" in " ".join(stdout.split())


@pytest.mark.parametrize(
    ("select", "hint"),
    [
        # Nothing like it: `model.<package>.` alone is no likeness.
        (f"model.{PKG}.nonexistent", " (renamed or deleted?)"),
        # Renamed by a letter: the name it has now.
        (f"model.{PKG}.stg_payment", f" (did you mean model.{PKG}.stg_payments?)"),
        ("stg_payment", " (did you mean stg_payments?)"),
        # Another layer's model of the same subject is no typo of it.
        ("fct_payments", " (renamed or deleted?)"),
    ],
)
def test_a_waiver_that_selects_nothing_suggests_only_a_name_it_may_have_meant(
    workdir, select, hint
):
    _, _, report = check(workdir, POLICY + waiver("docs.model_description", select, "2999-12-31"))
    [stale] = findings(report, "waiver.stale")
    assert stale["message"] == (
        f"waiver for docs.model_description on '{select}' (owner @data-platform) selects no "
        f"resource{hint} and matches no finding"
    )


def test_an_expired_waiver_that_covered_nothing_is_reported_once_as_expired(workdir):
    _, _, report = check(
        workdir, POLICY + waiver("docs.model_description", "stg_orders", "2020-01-01")
    )
    [reported] = [f for f in report["findings"] if f["family"] == "waiver"]
    assert reported["code"] == "waiver.expired"
    assert reported["message"].endswith(
        "expired on 2020-01-01; nothing it covered is found any more"
    )
    assert reported["fix"] == "Remove the expired waiver: it waives nothing in this build."


def test_a_run_of_some_checks_leaves_an_expired_waiver_of_another_family_to_check(workdir):
    """`dbtgate diff` runs the breaking family only: a docs waiver covering nothing there
    said "it no longer waives 0 findings" of findings that run never looks for."""
    write_config(workdir, POLICY + waiver("docs.model_description", UNDESCRIBED, "2020-01-01"))
    earlier_build(workdir)
    diff = dbtgate(
        "diff", "--artifacts", "target", "--base", "base", "--json", "diff.json", cwd=workdir
    )
    assert diff.returncode == 0, diff.stdout + diff.stderr
    assert read_json(workdir / "diff.json")["findings"] == []
    _, _, report = check(
        workdir, POLICY + waiver("docs.model_description", UNDESCRIBED, "2020-01-01")
    )
    assert [f["code"] for f in report["findings"] if f["family"] == "waiver"] == ["waiver.expired"]


def test_a_family_pattern_waives_every_rule_of_the_family(workdir):
    config = POLICY.replace(
        "docs.model_description: error",
        "docs.model_description: error\n      docs.column_coverage: {severity: error, min: 1.0}",
    ) + waiver("docs.*", "int_exclude_via_meta_config", "2999-12-31")
    _, _, report = check(workdir, config)
    on_model = [f for f in report["findings"] if f["unique_id"] == UNDESCRIBED]
    assert {f["code"] for f in on_model} == {"docs.model_description", "docs.column_coverage"}
    assert {f["disposition"] for f in on_model} == {"waived"}


def test_a_waiver_lasts_through_its_expiry_day(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = write_config(
        tmp_path,
        POLICY + waiver("docs.model_description", "int_exclude_via_meta_config", "2026-03-31"),
    )
    on_the_day = gate(project, config, options={"today": dt.date(2026, 3, 31)}).findings
    assert by_code(on_the_day, "docs.model_description")[0].disposition == "waived"
    the_day_after = gate(project, config, options={"today": dt.date(2026, 4, 1)}).findings
    assert by_code(the_day_after, "docs.model_description")[0].disposition == "blocking"
    assert len(by_code(the_day_after, "waiver.expired")) == 1


def test_a_waiver_in_its_last_days_is_announced_and_still_waives(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = write_config(
        tmp_path,
        POLICY + waiver("docs.model_description", "int_exclude_via_meta_config", "2026-03-31"),
    )

    def on(day: dt.date, config=config):
        found = gate(project, config, options={"today": day}).findings
        assert by_code(found, "docs.model_description")[0].disposition == "waived"
        return by_code(found, "waiver.expiring")

    assert on(dt.date(2026, 3, 17)) == []  # 14 days left: not yet (the default notice is 14)
    [notice] = on(dt.date(2026, 3, 18))
    assert notice.message == (
        "waiver for docs.model_description on 'int_exclude_via_meta_config' (owner "
        "@data-platform) expires in 13 days, on 2026-03-31; then its 1 finding will no longer be waived"
    )
    assert (notice.severity, notice.disposition, notice.line) == ("info", "advisory", 7)
    assert notice.details["days_left"] == 13
    [last_day] = on(dt.date(2026, 3, 31))
    assert "expires today, on 2026-03-31" in last_day.message
    [one_day] = on(dt.date(2026, 3, 30))
    assert "expires in 1 day, on" in one_day.message

    longer = write_config(
        tmp_path,
        "waiver_notice_days: 30\n"
        + POLICY
        + waiver("docs.model_description", "int_exclude_via_meta_config", "2026-03-31"),
    )
    assert len(on(dt.date(2026, 3, 2), longer)) == 1
    off = write_config(
        tmp_path,
        "waiver_notice_days: 0\n"
        + POLICY
        + waiver("docs.model_description", "int_exclude_via_meta_config", "2026-03-31"),
    )
    assert on(dt.date(2026, 3, 31), off) == []


def test_under_scope_changed_an_expiring_waiver_is_advisory_not_outside_the_change(tmp_path):
    """The notice is about the config, for the waiver's owner: a change that does not touch
    the waived model must not file it among the findings outside the change."""
    project = corpus_project("bouncer-dbt112")
    config = write_config(
        tmp_path,
        "scope: changed\n"
        + POLICY
        + waiver("docs.model_description", "int_exclude_via_meta_config", "2026-03-31"),
    )
    result = gate(project, config, changed=set(), options={"today": dt.date(2026, 3, 25)})
    [notice] = by_code(result.findings, "waiver.expiring")
    assert (notice.disposition, notice.changed) == ("advisory", True)
    assert result.decision == "pass"


def test_under_scope_changed_waiver_findings_are_the_changes_in_every_report(workdir):
    """An expired or stale waiver is the team's config, whatever the change touched: under
    `scope: changed` it is gated with the change (here blocking, under `fail_on: warn`), and
    the console, the PR comment and the HTML page all list it there, not outside the change."""
    config = (
        "scope: changed\nfail_on: warn\n"
        + POLICY
        + waiver("docs.model_description", "int_exclude_via_meta_config", "2020-01-31")
        + waiver("docs.model_description", "legacy_report", "2999-12-31", owner="@crm")
    )
    write_config(workdir, config)
    base = earlier_build(workdir)
    result = dbtgate(
        "check", "--artifacts", "target", "--base", str(base), "--out", "out", cwd=workdir
    )
    assert result.returncode == 1, result.stdout + result.stderr
    report = read_json(workdir / "out" / "gate.json")
    by_disposition = {f["code"]: f["disposition"] for f in report["findings"]}
    assert by_disposition == {
        "docs.model_description": "out_of_scope",  # on a model the change did not touch
        "waiver.expired": "blocking",
        "waiver.stale": "blocking",
    }
    console = result.stdout
    blocking = console[console.index("Blocking (2)") : console.index("Outside the change")]
    assert "waiver.expired" in blocking and "waiver.stale" in blocking
    assert "waiver." not in console[console.index("Outside the change") :]
    markdown = (workdir / "out" / "gate.md").read_text()
    outside = markdown.index("<details><summary>Outside the change")
    assert markdown.index("#### Blocking findings (2)") < markdown.index("`waiver.expired`")
    assert markdown.index("`waiver.stale`") < outside
    assert "`waiver." not in markdown[outside:]
    html = (workdir / "out" / "gate.html").read_text()
    rows = re.findall(
        r'data-disposition="([a-z_]+)"[^>]*><td[^>]*>\w+</td><td><a class="rule-link" '
        r'href="#rule-([\w.]+)"',
        html,
    )
    assert sorted(rows) == [
        ("blocking", "waiver.expired"),
        ("blocking", "waiver.stale"),
        ("out_of_scope", "docs.model_description"),
    ]


def test_an_expiring_waiver_is_marked_in_the_console_and_the_reports(workdir):
    expires = "2026-12-07"
    write_config(
        workdir,
        POLICY + waiver("docs.model_description", "int_exclude_via_meta_config", expires),
    )
    result = dbtgate(
        "check", "--artifacts", "target", "--out", "out", cwd=workdir, env=ON_2026_12_02
    )
    assert result.returncode == 0, result.stdout + result.stderr  # still waived: no block
    assert (
        "info  waiver.expiring waiver for docs.model_description on 'int_exclude_via_meta_config'"
        f" (owner @data-platform) expires in 5 days, on {expires}; then its 1 finding will no longer be waived"
    ) in result.stdout
    # The waived finding's line, the comment's and the page's waiver tables: the same words.
    assert f"waived by @data-platform until {expires} (expires in 5 days):" in result.stdout
    markdown = (workdir / "out" / "gate.md").read_text()
    owner, date = md_text("@data-platform"), md_text(expires)
    assert f"| {owner} | **{date}** (expires in 5 days) |" in markdown
    html = (workdir / "out" / "gate.html").read_text()
    assert f'<td data-label="expires" class="expiring">{expires} (expires in 5 days)</td>' in html
    # The page's row of the waived finding too, as the console's line: not the date alone.
    assert f"waived by @data-platform until {expires} (expires in 5 days):" in html


def test_a_waiver_of_a_whole_project_finding_that_selects_resources_says_how_to_waive_it(
    workdir,
):
    """`rule: "kpi.*", select: "tier:1"`: the KPI's finding blocks beside a stale waiver that
    said "the problem it excused is gone"; it is there, on the whole project, which only
    `select: "*"` waives."""
    kpi = "kpi: {targets: {docs_models: 1.0}, gate: [docs_models]}\nwaivers:\n"
    config = POLICY.replace("waivers:\n", kpi) + waiver(
        "kpi.*", "resource_type:model", "2999-12-31"
    )
    returncode, _, report = check(workdir, config)
    assert returncode == 1
    assert findings(report, "kpi.docs_models")
    [stale] = findings(report, "waiver.stale")
    assert stale["message"] == (
        "waiver for kpi.* on 'resource_type:model' (owner @data-platform) matches no finding: "
        "the kpi.* finding is on the whole project or a policy's selection, which only "
        '`select: "*"` waives'
    )
    assert stale["fix"] == (
        'Set its `select: "*"` to waive them, or remove the waiver at dbtgate.yml:8.'
    )


def test_a_stale_waiver_is_not_announced_as_expiring(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = write_config(
        tmp_path, POLICY + waiver("docs.model_description", "stg_orders", "2026-03-31")
    )
    found = gate(project, config, options={"today": dt.date(2026, 3, 30)}).findings
    assert {f.disposition for f in by_code(found, "docs.model_description")} == {"blocking"}
    assert by_code(found, "waiver.expiring") == []  # it waives nothing: nothing will count again


def test_waiver_notice_days_must_not_be_negative(workdir):
    write_config(workdir, "version: 1\nwaiver_notice_days: -3\n")
    result = dbtgate("check", "--artifacts", "target", cwd=workdir)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "dbtgate: error: dbtgate.yml:2: waiver_notice_days: expected a number of at least 0, got -3"
    )


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            "docs.model_descripton",
            "unknown rule 'docs.model_descripton' (did you mean docs.model_description?)",
        ),
        ("run.test_failure", "unknown rule 'run.test_failure' (did you mean run.test_failures?)"),
        ("breaking.column_remove", "(did you mean breaking.column_removed?)"),
        # A typo in the family, and a pattern that matches no code.
        (
            "doc.column_coverage",
            "unknown rule 'doc.column_coverage' (did you mean docs.column_coverage?)",
        ),
        ("owners.present", "unknown rule 'owners.present' (did you mean owner.present?)"),
        (
            "freshnes.stale",
            "unknown rule 'freshnes.stale' (`dbtgate rules freshness` lists the codes of freshness)",
        ),
        ("doc.*", "rule 'doc.*' matches no code (did you mean docs.*?)"),
        (
            "docs.zz*",
            "rule 'docs.zz*' matches no code (`dbtgate rules docs` lists the codes of docs)",
        ),
        (
            "acme.custom_check",
            "unknown rule 'acme.custom_check': dbtgate has no family 'acme' (a plugin's rules: "
            "list the plugin under `plugins:`; `dbtgate rules` lists every code)",
        ),
    ],
)
def test_a_waiver_for_an_unknown_code_stops_the_run_at_its_line(workdir, rule, message):
    write_config(workdir, POLICY + waiver(rule, "stg_orders", "2999-12-31"))
    result = dbtgate("check", "--artifacts", "target", cwd=workdir)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "dbtgate.yml:7: waiver: " in line
    assert line.endswith(message)


def test_waivers_for_lint_codes_and_patterns_that_match_a_code_are_taken(workdir):
    config = (
        POLICY
        + waiver("lint.LT01", "stg_orders", "2999-12-31")
        + waiver("run.*", "stg_orders", "2999-12-31")
        + waiver("'*.model_description'", "stg_orders", "2999-12-31")
    )
    _, _, report = check(workdir, config)
    assert len(findings(report, "waiver.stale")) == 3


@pytest.mark.parametrize(("key", "blank"), [("reason", '""'), ("owner", '"  "')])
def test_a_waiver_without_a_reason_or_an_owner_stops_the_run(workdir, key, blank):
    text = waiver("docs.model_description", "stg_orders", "2999-12-31")
    text = "\n".join(
        f"    {key}: {blank}" if line.strip().startswith(f"{key}:") else line
        for line in text.splitlines()
    )
    write_config(workdir, POLICY + text + "\n")
    result = dbtgate("check", "--artifacts", "target", cwd=workdir)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert f"dbtgate.yml:7: waiver for docs.model_description: `{key}` is empty" in line


def test_a_command_that_runs_some_checks_only_reports_no_stale_waiver(workdir):
    """`dbtgate diff` runs the breaking checks only: the policy finding a waiver covers is not
    produced there, and that does not make the waiver stale."""
    write_config(workdir, POLICY + waiver("docs.model_description", UNDESCRIBED, "2999-12-31"))
    base = json.loads((workdir / "target" / "manifest.json").read_text())
    base["metadata"]["invocation_id"] = "00000000-0000-4000-8000-000000000000"  # an earlier build
    (workdir / "base").mkdir()
    (workdir / "base" / "manifest.json").write_text(json.dumps(base))
    result = dbtgate(
        "diff", "--artifacts", "target", "--base", "base", "--json", "diff.json", cwd=workdir
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert findings(read_json(workdir / "diff.json"), "waiver.stale") == []
    _, _, report = check(
        workdir, POLICY + waiver("docs.model_description", UNDESCRIBED, "2999-12-31")
    )
    assert [f["disposition"] for f in findings(report, "docs.model_description")] == ["waived"]


def test_a_renewal_below_the_old_entry_takes_over_its_findings(tmp_path):
    """The old entry, its renewal and a broad waiver all cover the model: the one lasting
    longest holds the finding (the first in the file among equals), none is stale, and the old
    entry's notice names the renewal instead of saying its finding counts again."""
    project = corpus_project("bouncer-dbt112")
    config = write_config(
        tmp_path,
        "fail_on: warn\n"
        + POLICY
        + waiver("docs.model_description", "int_exclude_via_meta_config", "2026-03-31")
        + waiver("docs.model_description", "int_exclude_via_meta_config", "2026-06-30")
        + waiver("docs.*", "resource_type:model", "2026-06-30"),
    )
    result = gate(project, config, options={"today": dt.date(2026, 3, 25)})
    [waived] = by_code(result.findings, "docs.model_description")
    assert (waived.disposition, waived.waiver.expires) == ("waived", "2026-06-30")
    assert waived.waiver.select == "int_exclude_via_meta_config"
    assert by_code(result.findings, "waiver.stale") == []
    [notice] = by_code(result.findings, "waiver.expiring")
    assert notice.message == (
        "waiver for docs.model_description on 'int_exclude_via_meta_config' (owner "
        "@data-platform) expires in 6 days, on 2026-03-31; its 1 finding stays waived by the "
        "waiver at line 13 (until 2026-06-30)"
    )
    assert notice.fix.startswith("Remove this waiver")
    assert (notice.line, notice.details["findings"]) == (8, 0)
    assert result.decision == "pass"  # under `fail_on: warn` too


def test_an_expired_entry_whose_renewal_holds_its_findings_says_so(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = write_config(
        tmp_path,
        POLICY
        + waiver("docs.model_description", "int_exclude_via_meta_config", "2026-03-31")
        + waiver("docs.model_description", "int_exclude_via_meta_config", "2026-06-30"),
    )
    result = gate(project, config, options={"today": dt.date(2026, 4, 2)})
    [expired] = by_code(result.findings, "waiver.expired")
    assert expired.message.endswith(
        "expired on 2026-03-31; its 1 finding stays waived by the waiver at line 12 "
        "(until 2026-06-30)"
    )
    assert expired.fix.startswith("Remove the expired waiver")
    assert expired.details["findings"] == 0  # none counts again
    assert not any("no longer waived" in note for note in result.notes)
    assert by_code(result.findings, "docs.model_description")[0].disposition == "waived"


def test_a_waiver_expiring_before_a_broader_one_names_what_counts_again_and_what_stays(
    tmp_path,
):
    """The narrow waiver covers two rules on the model; a broader one, lasting longer, covers
    one of them: the other counts again when the narrow one expires."""
    project = corpus_project("bouncer-dbt112")
    config = write_config(
        tmp_path,
        POLICY.replace(
            "docs.model_description: error",
            "docs.model_description: error\n      docs.column_coverage: {severity: error, min: 1.0}",
        )
        + waiver("docs.*", "int_exclude_via_meta_config", "2026-03-31")
        + waiver("docs.model_description", "resource_type:model", "2026-06-30"),
    )
    result = gate(project, config, options={"today": dt.date(2026, 3, 25)})
    [notice] = by_code(result.findings, "waiver.expiring")
    assert notice.message.endswith(
        "; then its 1 finding will no longer be waived; 1 more stays waived by the waiver at line 13 "
        "(until 2026-06-30)"
    )
    assert (notice.details["findings"], notice.details["held_by_others"]) == (1, 1)


def test_the_reports_do_not_mark_a_renewal_as_expiring_with_the_entry_it_renews(workdir):
    old, renewed = "2026-12-07", "2027-03-02"
    write_config(
        workdir,
        POLICY
        + waiver("docs.model_description", "int_exclude_via_meta_config", old)
        + waiver("docs.model_description", "int_exclude_via_meta_config", renewed),
    )
    result = dbtgate(
        "check", "--artifacts", "target", "--out", "out", cwd=workdir, env=ON_2026_12_02
    )
    assert result.returncode == 0, result.stdout + result.stderr
    markdown = (workdir / "out" / "gate.md").read_text()
    assert f"| {md_text('@data-platform')} | {md_text(renewed)} |" in markdown
    assert "(expires in" not in markdown
    assert (
        f'<td data-label="expires" class="">{renewed}'
        in (workdir / "out" / "gate.html").read_text()
    )


def test_dbtgate_today_pins_the_day_and_the_report_records_it(workdir):
    """A waiver is judged on DBTGATE_TODAY's day (a past run reproduced, a test), and the gate
    report says which day its expiry notes count from."""
    write_config(
        workdir,
        POLICY + waiver("docs.model_description", "int_exclude_via_meta_config", "2026-12-02"),
    )
    on_the_day = dbtgate(
        "check", "--artifacts", "target", "--json", "on.json", cwd=workdir, env=ON_2026_12_02
    )
    after = dbtgate(
        "check",
        "--artifacts",
        "target",
        "--json",
        "after.json",
        cwd=workdir,
        env={"DBTGATE_TODAY": "2026-12-03"},
    )
    assert on_the_day.returncode == 0, on_the_day.stdout + on_the_day.stderr
    assert "expires today, on 2026-12-02" in on_the_day.stdout
    assert after.returncode == 1
    assert "expired on 2026-12-02" in after.stdout
    assert read_json(workdir / "on.json")["inputs"]["waivers_as_of"] == "2026-12-02"
    assert read_json(workdir / "after.json")["inputs"]["waivers_as_of"] == "2026-12-03"


def test_a_report_without_waivers_records_no_day(workdir):
    write_config(workdir, POLICY + "  []\n")
    dbtgate("check", "--artifacts", "target", "--json", "gate.json", cwd=workdir)
    assert "waivers_as_of" not in read_json(workdir / "gate.json")["inputs"]


def test_a_failing_check_prints_the_waiver_to_paste_and_pasted_it_waives(workdir):
    """An engineer who must ship with a blocking finding learns the entry's shape where the
    finding is, not from the docs: rule, selection, owner and an end date filled in."""
    write_config(workdir, POLICY + "  []\n")
    failed = dbtgate("check", "--artifacts", "target", cwd=workdir, env=ON_2026_12_02)
    assert failed.returncode == 1
    lines = failed.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("To ship with a finding"))
    assert "waive it under `waivers:` in dbtgate.yml" in lines[start]
    entry = lines[start + 1 : start + 6]
    assert entry == [
        "  - rule: docs.model_description",
        f'    select: "{UNDESCRIBED}"',
        '    reason: "why it may ship as it is, and what will fix it"',
        '    owner: "@your-team"',  # the model has none
        "    expires: 2027-01-01",
    ]
    # Pasted as it is, the placeholder reason is refused: the waiver must say why.
    write_config(workdir, POLICY + "\n".join(entry) + "\n")
    pasted = dbtgate("check", "--artifacts", "target", cwd=workdir, env=ON_2026_12_02)
    assert pasted.returncode == 2
    assert pasted.stderr.strip() == (
        "dbtgate: error: dbtgate.yml:7: waiver for docs.model_description: `reason` is still the "
        "placeholder 'why it may ship as it is, and what will fix it' (a waiver needs the reason "
        "it is accepted and the owner who answers for it)"
    )
    entry[2] = '    reason: "scratch model, removed next quarter"'
    write_config(workdir, POLICY + "\n".join(entry) + "\n")
    unowned = dbtgate("check", "--artifacts", "target", cwd=workdir, env=ON_2026_12_02)
    assert "`owner` is still the placeholder '@your-team'" in unowned.stderr
    entry[3] = '    owner: "@data-platform"'
    write_config(workdir, POLICY + "\n".join(entry) + "\n")
    waived = dbtgate("check", "--artifacts", "target", cwd=workdir, env=ON_2026_12_02)
    assert waived.returncode == 0, waived.stdout + waived.stderr
    assert "waived by @data-platform until 2027-01-01:" in waived.stdout
    assert "ship with a finding" not in waived.stdout


def test_the_waiver_intro_wraps_at_words_on_a_terminal_and_the_entry_stays_whole(workdir):
    """On a terminal 60 columns wide the line before the entry is wrapped at words, its
    continuation indented by 2, as the finding and note lines above it are (it ran on, to be
    folded mid-word by the terminal); the entry's YAML lines are left whole, to paste. A pipe
    keeps the intro on one line."""
    write_config(workdir, POLICY + "  []\n")
    args = ("check", "--artifacts", "target")
    piped = dbtgate(*args, cwd=workdir, env=ON_2026_12_02).stdout.splitlines()
    intro = next(line for line in piped if line.startswith("To ship with a finding"))
    assert len(intro) > 60
    on_a_terminal = dbtgate(
        *args, cwd=workdir, env={**ON_2026_12_02, "TTY_COMPATIBLE": "1", "COLUMNS": "60"}
    ).stdout
    terminal = re.sub(r"\x1b\[[0-9;]*m", "", on_a_terminal).splitlines()  # bold, dim
    start = next(i for i, line in enumerate(terminal) if line.startswith("To ship with a finding"))
    end = next(i for i, line in enumerate(terminal) if line.startswith("  - rule: "))
    wrapped = terminal[start:end]
    # A word wider than the terminal (the finding's unique_id) goes whole onto a line of its own.
    assert len(wrapped) > 2 and all(len(line) <= 60 or " " not in line.strip() for line in wrapped)
    assert all(line.startswith("  ") and line[2] != " " for line in wrapped[1:]), wrapped
    assert " ".join(line.strip() for line in wrapped) == intro
    entry = piped[piped.index(intro) + 1 : piped.index(intro) + 6]
    assert terminal[end : end + 5] == entry


@pytest.mark.parametrize(
    ("item", "keys"),
    [("  - ", "    "), ("    - ", "      "), ("- ", "  "), ("  -   ", "      ")],
    ids=["two-spaces", "four-spaces", "flush-with-the-key", "wide-dash"],
)
def test_the_suggested_waiver_is_indented_as_the_config_s_own_list(workdir, item, keys):
    """Pasted at the end of the config's `waivers:` list, the entry must read as one more of
    its entries: one indented otherwise is not YAML (`- ` flush with the key, then `  - `), or
    not part of the list."""
    other = (
        f'{item}rule: docs.column_coverage\n{keys}select: "*"\n{keys}reason: "in the '
        f'catalog"\n{keys}owner: "@data-platform"\n{keys}expires: 2099-01-01\n'
    )
    config = (
        "version: 1\npolicies:\n"
        f'{item}select: "resource_type:model"\n{keys}rules:\n'
        f"{keys}  docs.model_description: error\n"
        f"{keys}  docs.column_coverage: {{severity: warn, min: 1}}\n"
        f"waivers:\n{other}"
    )
    write_config(workdir, config)
    failed = dbtgate("check", "--artifacts", "target", cwd=workdir, env=ON_2026_12_02)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    lines = failed.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("To ship with a finding"))
    entry = lines[start + 1 : start + 6]
    assert entry[0] == f"{item}rule: docs.model_description"
    assert all(line.startswith(keys) and line[len(keys)] != " " for line in entry[1:]), entry
    pasted = (
        "\n".join(entry)
        .replace(SUGGESTED_REASON, "scratch model, removed next quarter")
        .replace(SUGGESTED_OWNER, "@data-platform")
    )
    write_config(workdir, config + pasted + "\n")
    valid = dbtgate("validate", cwd=workdir)
    assert valid.returncode == 0, valid.stderr
    waived = dbtgate("check", "--artifacts", "target", cwd=workdir, env=ON_2026_12_02)
    assert waived.returncode == 0, waived.stdout + waived.stderr


def test_the_pr_comment_and_the_html_page_carry_the_consoles_waiver_entry(workdir):
    """The author reads the PR comment, not the CI log: it and the HTML page fold the entry
    the console prints, with its end date, the gate's (re-rendered later: the same)."""
    write_config(workdir, POLICY + "  []\n")
    failed = dbtgate(
        "check", "--artifacts", "target", "--out", "out", cwd=workdir, env=ON_2026_12_02
    )
    assert failed.returncode == 1
    lines = failed.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("To ship with a finding"))
    entry = lines[start + 1 : start + 6]
    assert entry[4] == "    expires: 2027-01-01"
    markdown = (workdir / "out" / "gate.md").read_text()
    assert (
        "<details><summary>To ship with the docs.model_description finding as it is: the waiver "
        "entry to paste</summary>\n\nTo ship with a finding as it is for now, waive it under "
        "`waivers:` in dbtgate.yml"
    ) in markdown
    assert "```yaml\n" + "\n".join(entry) + "\n```\n\n</details>" in markdown
    # After the blocking findings it is for, before the rest of the comment.
    assert markdown.index("#### Blocking findings") < markdown.index("```yaml")
    html = (workdir / "out" / "gate.html").read_text()
    assert f"<pre><code>{escape(chr(10).join(entry))}</code></pre>" in html
    report = read_json(workdir / "out" / "gate.json")
    assert report["sections"]["suggested_waiver"]["renews"] is None
    later = dbtgate(
        "report",
        "out/gate.json",
        "--out",
        "again",
        cwd=workdir,
        env={"DBTGATE_TODAY": "2027-03-01"},
    )
    assert later.returncode == 0, later.stdout + later.stderr
    assert (workdir / "again" / "gate.md").read_text() == markdown


def test_no_waiver_is_suggested_where_the_config_is_toml(workdir):
    """A YAML entry cannot be pasted into pyproject.toml's [tool.dbtgate]."""
    write_config(
        workdir,
        '[tool.dbtgate]\npolicies = [{select = "resource_type:model", rules = '
        '{"docs.model_description" = "error"}}]\n',
        "pyproject.toml",
    )
    failed = dbtgate("check", "--artifacts", "target", "--json", "gate.json", cwd=workdir)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "ship with" not in failed.stdout
    assert "suggested_waiver" not in read_json(workdir / "gate.json")["sections"]


def test_the_waiver_suggested_where_one_expired_renews_that_entry(workdir):
    """A second entry beside the expired one would leave it reported on every run: the hint
    names the entry to renew (a pattern, quoted for YAML), and replacing it with the hint,
    its reason written again, waives the finding."""
    expired = waiver("'*.model_description'", "resource_type:model", "2026-11-30")
    write_config(workdir, POLICY + expired)
    failed = dbtgate(
        "check", "--artifacts", "target", "--json", "gate.json", cwd=workdir, env=ON_2026_12_02
    )
    assert failed.returncode == 1
    [finding] = findings(read_json(workdir / "gate.json"), "docs.model_description")
    assert finding["details"]["expired_waiver"] == {
        "line": 7,
        "rule": "*.model_description",
        "select": "resource_type:model",
        "owner": "@data-platform",
        "expires": "2026-11-30",
    }
    lines = failed.stdout.splitlines()
    # The finding says what waived it until when, where it is read (it read as new).
    expired = "waived by @data-platform until 2026-11-30 (config line 7): expired, so it is no longer waived"
    assert [line.strip() for line in lines if "expired, so" in line] == [expired]
    from dbtgate.report.html import render_html
    from dbtgate.report.markdown import render_markdown

    report = read_json(workdir / "gate.json")
    assert f"  - {md_text(expired)}\n" in render_markdown(report)
    assert f'<div class="fix">{escape(expired)}</div>' in render_html(report)
    start = next(i for i, line in enumerate(lines) if line.startswith("To ship with"))
    assert lines[start] == (
        "To ship with the docs.model_description finding as it is for now, renew the waiver that "
        "expired on 2026-11-30 at dbtgate.yml:7 rather than add a second entry: replace it "
        "with this one, its reason written again:"
    )
    entry = lines[start + 1 : start + 6]
    assert entry == [
        '  - rule: "*.model_description"',
        '    select: "resource_type:model"',
        '    reason: "why it may ship as it is, and what will fix it"',
        '    owner: "@data-platform"',  # the waiver's, who answers for it
        "    expires: 2027-01-01",
    ]
    entry[2] = '    reason: "scratch model, removed once the Q1 report ships"'
    write_config(workdir, POLICY + "\n".join(entry) + "\n")
    renewed = dbtgate(
        "check", "--artifacts", "target", "--json", "gate.json", cwd=workdir, env=ON_2026_12_02
    )
    assert renewed.returncode == 0, renewed.stdout + renewed.stderr
    report = read_json(workdir / "gate.json")
    assert [f["disposition"] for f in findings(report, "docs.model_description")] == ["waived"]
    assert [f["family"] for f in report["findings"]].count("waiver") == 0


def test_a_bad_dbtgate_today_stops_check_before_any_finding_is_printed(workdir):
    """Even with no waiver to judge: the suggested waiver's end date counts from that day, and
    an error halfway through the findings would read as a crash."""
    write_config(workdir, POLICY + "  []\n")
    result = dbtgate("check", "--artifacts", "target", cwd=workdir, env={"DBTGATE_TODAY": "soon"})
    assert result.returncode == 2
    assert result.stderr == (
        "dbtgate: error: DBTGATE_TODAY='soon': expected a date (YYYY-MM-DD), the day waivers "
        "are judged on; unset it to use today's\n"
    )
    assert "Blocking" not in result.stdout


def test_no_waiver_is_suggested_for_a_build_to_redo():
    """A model that did not build (`run.errors`), a changed model not built or results of
    another build: the way out is a build, and a waiver pasted from the hint would ship a model
    that does not build. A blocking policy finding gets the suggestion instead; with nothing
    but such findings, none is suggested."""
    from dbtgate.config import Config
    from dbtgate.findings import Finding
    from dbtgate.waivers import finding_to_waive

    def blocking(code: str, uid: str) -> Finding:
        return Finding(
            code=code, severity="error", message="m", unique_id=uid, disposition="blocking"
        )

    build = [
        blocking("run.errors", "model.p.broken"),
        blocking("run.not_run", "model.p.unbuilt"),
        blocking("run.stale_results", "model.p.old"),
        blocking("run.skipped", "model.p.after_the_broken"),
    ]
    assert finding_to_waive(build, Config()) is None
    docs = blocking("docs.model_description", "model.p.undescribed")
    failing = blocking("run.test_failures", "test.p.not_null_x")
    assert finding_to_waive([*build, docs], Config()) is docs
    # A failing test is data the team may accept for a while: it is still suggested, first.
    assert finding_to_waive([*build, docs, failing], Config()) is failing
    # Unless a finding's waiver expired: renewing that entry is the decision to take again.
    docs.details = {"expired_waiver": {"line": 7, "rule": "docs.*", "select": "*"}}
    assert finding_to_waive([*build, failing, docs], Config()) is docs


@pytest.mark.parametrize("edited", [True, False])
def test_the_waiver_tables_say_how_many_waived_findings_are_on_the_change(workdir, edited):
    """A waiver written for a model's old debt also covers what a pull request adds to that
    model: against a base build, the comment's and the page's waiver tables count the waived
    findings on what the change touched, so a reviewer sees the change edit what a waiver
    excuses; of a model the change left alone they give the count alone."""
    write_config(
        workdir,
        POLICY + waiver("docs.model_description", "int_exclude_via_meta_config", "2999-12-31"),
    )
    base = earlier_build(workdir)
    if edited:  # the model's SQL as it was before the pull request
        manifest = read_json(base / "manifest.json")
        manifest["nodes"][UNDESCRIBED]["checksum"]["checksum"] = "0" * 64
        (base / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = dbtgate(
        "check", "--artifacts", "target", "--base", str(base), "--out", "out", cwd=workdir
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [waived] = findings(read_json(workdir / "out" / "gate.json"), "docs.model_description")
    assert (waived["disposition"], waived["changed"]) == ("waived", edited)
    cell = "1 (1 on the change)" if edited else "1"
    markdown = (workdir / "out" / "gate.md").read_text()
    assert f"| scratch model, removed next quarter | {cell} |" in markdown
    html = (workdir / "out" / "gate.html").read_text()
    assert f'<td data-label="findings">{cell}</td>' in html
