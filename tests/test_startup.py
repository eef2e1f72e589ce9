"""The gate's path stays light: `dbtgate check` (with a base build on disk) and `--version` never
import the heavy libraries that only some commands need.

Start-up is part of every gate run (CI on each push, a pre-commit hook), so sqlfluff, sqlglot,
gitpython, jinja and dbt-core are imported by the commands that use them and nowhere else, and
the options are parsed by argparse, not a CLI framework (Typer and click cost ~0.1 s a run). How
long start-up takes is measured in benchmarks/ (run.py), never in a timed test; this test pins
the cause of a slow start-up instead: which modules got imported.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from corpus import corpus_dir

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("sqlfluff", "sqlglot", "git", "jinja2", "dbt", "pydantic", "typer", "click")
# Parts of dbtgate that only some rules need: the SQL reader of the `code.*` rules compiles its
# regular expressions on import (~7 ms), as does the reader of `config()` calls that places a
# config change on its line (~5 ms). And standard modules only some paths use: the report's
# JSON Schema file (importlib.resources, only to validate a saved report) and the random token
# of GitHub Actions' stop-commands (secrets, which imports hmac).
ON_DEMAND = (
    "dbtgate.sql_references",
    "dbtgate.setting_lines",
    "importlib.resources",
    "secrets",
)
# `--version` needs only the version string: not the console, the config or artifact loaders, or
# the gate.
GATE = ("rich", "yaml", "msgspec", "dbtgate.gate", "dbtgate.config", "dbtgate.artifacts")


def imported_after(*argv: str, cwd: Path, watch: tuple[str, ...] = HEAVY) -> set[str]:
    """The WATCH modules in sys.modules after `dbtgate ARGV` ran in a fresh process."""
    code = (
        "import json, sys\n"
        f"sys.argv = ['dbtgate', *{list(argv)!r}]\n"
        "from dbtgate.cli import main\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    code = exit.code\n"
        f"print(json.dumps([code, [m for m in {watch!r} if m in sys.modules]]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, check=False
    )
    assert done.returncode == 0, done.stderr
    exit_code, modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert exit_code in (0, 1), done.stdout[-2000:]
    return set(modules)


def test_version_imports_nothing_heavy(tmp_path: Path) -> None:
    assert imported_after("--version", cwd=tmp_path, watch=HEAVY + GATE) == set()


def test_check_with_a_base_on_disk_imports_no_sql_git_or_dbt_library(tmp_path: Path) -> None:
    base, build = corpus_dir("recce-pair/base"), corpus_dir("recce-pair/pr2")
    config = REPO / "benchmarks" / "dbtgate.yml"
    argv = ("check", "--artifacts", str(build), "--base", str(base), "--config", str(config))
    assert imported_after(*argv, cwd=tmp_path, watch=HEAVY + ON_DEMAND) == set()


def test_check_on_a_pipe_does_not_import_rich(tmp_path: Path, monkeypatch) -> None:
    """A CI log is a pipe: the report is plain text (`PlainConsole`), and rich, whose import is
    ~30 ms of every run, is only for terminals."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    build = corpus_dir("recce-pair/pr2")
    config = REPO / "benchmarks" / "dbtgate.yml"
    argv = ("check", "--artifacts", str(build), "--config", str(config))
    assert imported_after(*argv, cwd=tmp_path, watch=("rich",)) == set()
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert imported_after(*argv, cwd=tmp_path, watch=("rich",)) == {"rich"}


def test_check_records_the_commit_only_for_a_report(tmp_path: Path) -> None:
    """The commit the audit trail records (`inputs.git`) costs a `git log` process and the import
    of subprocess; only the reports show it, so a run printing the console alone does neither,
    and a run writing a report records it."""
    project = tmp_path / "project"
    shutil.copytree(corpus_dir("recce-pair/pr2"), project / "target")
    (project / "dbt_project.yml").write_text("name: jaffle_shop\nprofile: x\n", encoding="utf-8")
    who = ["-c", "user.name=CI", "-c", "user.email=ci@example.com"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], [*who, "commit", "-qm", "build"]):
        subprocess.run(["git", "-C", str(project), *args], check=True, capture_output=True)
    config = str(REPO / "benchmarks" / "dbtgate.yml")
    argv = ("check", "--artifacts", str(project / "target"), "--config", config)
    watch = ("subprocess", "dbtgate.checkout")
    assert imported_after(*argv, cwd=project, watch=watch) == set()
    report = tmp_path / "gate.json"
    assert imported_after(*argv, "--json", str(report), cwd=project, watch=watch) == set(watch)
    sha = subprocess.run(
        ["git", "-C", str(project), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    recorded = json.loads(report.read_text())["inputs"]
    assert recorded["git"] == {"commit": sha, "refs": ["main"], "edited": 0}
    # In the place the gate gave it before it was looked up for the reports alone.
    assert list(recorded)[-2:] == ["project_file", "git"]
