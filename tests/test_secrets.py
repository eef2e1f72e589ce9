"""The step's GitHub token never reaches dbt nor any text dbtgate posts or writes, and text from
the pull request cannot start a workflow command or an escape sequence (dbtgate.secrets,
dbtgate.plain_text)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from cli_support import dbtgate
from fake_github import FakeGitHub

from dbtgate.dbt_process import run_dbt
from dbtgate.plain_text import indented_lines, one_line
from dbtgate.report.failure import publish_error
from dbtgate.report.github import comment_marker
from dbtgate.report.options import RenderOptions
from dbtgate.secrets import scrub_tokens

TOKEN = "ghs_fakeTOKEN0123456789abcdef"


def test_dbt_runs_without_the_github_tokens(tmp_path):
    """What dbtgate starts for the base build reads the pull request's profile and packages."""
    printed = run_dbt(
        [sys.executable, "-c", "import os; print(sorted(k for k in os.environ if 'TOKEN' in k))"],
        tmp_path,
        {"GITHUB_TOKEN": TOKEN, "GH_TOKEN": TOKEN, "MY_WAREHOUSE_TOKEN": "kept", "PATH": ""},
    )
    assert printed.stdout.strip() == "['MY_WAREHOUSE_TOKEN']"


def test_scrubbing_masks_every_token_and_leaves_short_values():
    environ = {"GITHUB_TOKEN": TOKEN, "GH_TOKEN": "1"}
    text = f"Runtime Error: '{TOKEN}' is not of type 'integer' (threads: 1)"
    assert (
        scrub_tokens(text, environ) == "Runtime Error: '***' is not of type 'integer' (threads: 1)"
    )
    assert scrub_tokens("x ghp_personal0123 y", {}, "ghp_personal0123") == "x *** y"


def test_the_error_comment_and_summary_never_quote_the_token(tmp_path):
    """A failed `dbt parse` of the base quotes dbt's output, which the pull request's profile
    can make print the token (reproduced: `threads: "{{ env_var('GITHUB_TOKEN') }}"`)."""
    with FakeGitHub(TOKEN) as github:
        github.add_pull_request("acme/shop", 7)
        environ = {
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_API_URL": github.api_url,
            "GITHUB_REPOSITORY": "acme/shop",
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        }
        stderr = io.StringIO()
        publish_error(
            f"origin/main: `dbt parse` of the base commit failed:\n'{TOKEN}' is not an integer",
            project="shop",
            key=None,
            focus="",
            comment=True,
            repo=None,
            pr=7,
            options=RenderOptions(),
            environ=environ,
            stderr=stderr,
        )
        (comment,) = github.comments("acme/shop", 7)
    assert comment["body"].startswith(comment_marker("shop"))
    assert TOKEN not in comment["body"] and "\\*\\*\\*" in comment["body"]
    assert TOKEN not in (tmp_path / "summary.md").read_text()
    assert "PR comment created with the error" in stderr.getvalue()


def test_control_codes_never_reach_the_terminal():
    fake_pass = "\x1b[1A\x1b[2K\x1b[32mdbtgate: PASS\x1b[0m\x1b]52;c;aGk=\x07\x00\x9b31m"
    assert one_line(fake_pass) == "[1A[2K[32mdbtgate: PASS[0m]52;c;aGk=31m"
    assert one_line("a\nb\r\nc\u2028d\te") == "a b  c d\te"
    assert indented_lines("dbt failed:\n::error::forged\r\nnext") == (
        "dbt failed:\n  | ::error::forged\n  | next"
    )


def test_an_error_line_cannot_start_a_workflow_command(tmp_path):
    """A config key is quoted in its error; its line breaks must not make lines of their own."""
    (tmp_path / "dbtgate.yml").write_text(
        "version: 1\npolicies:\n  - select: '*'\n    rules:\n"
        '      "docs.model_description\\n::error file=README.md::FORGED\\n::add-mask::x": 5\n'
    )
    result = dbtgate("validate", cwd=tmp_path)
    assert result.returncode == 2
    *lines, count = result.stderr.splitlines()
    assert lines[0].startswith("dbtgate: error: dbtgate.yml:")
    assert all(line.startswith("  | ") for line in lines[1:]), lines
    assert not any(line.startswith("::") for line in lines)
    assert count == "dbtgate.yml: 1 problem"


def test_a_crash_replaces_the_earlier_verdict_too(tmp_path, monkeypatch):
    """Not only input errors: whatever stops `check` (an internal error), the job summary and
    the verdict output say the gate could not run, rather than nothing."""
    from dbtgate import cli

    def crash(*args, **kwargs):
        raise RuntimeError("something nobody foresaw")

    (tmp_path / "dbt_project.yml").write_text("name: shop\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "outputs"))
    monkeypatch.setattr(cli, "_gate_and_publish", crash)
    with pytest.raises(RuntimeError):
        cli.dispatch(["check"])
    summary = Path(tmp_path / "summary.md").read_text()
    assert "dbtgate: ERROR, no verdict (dbt project shop)" in summary
    assert "internal error: RuntimeError: something nobody foresaw" in summary
    assert (tmp_path / "outputs").read_text() == "verdict=error\n"
