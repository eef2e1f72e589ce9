"""Time dbtgate's SQL lint: the fixture pull request, a generated 200-file project, and a pull
request that edits a macro 40 models call.

Lint cost is a fixed setup (importing sqlfluff, building its config, dialect and rule set once)
plus a per-file cost (template, parse, lint), so this prints both, for the changed files only
(what a pull request pays) and for every file (`--all`). Each scenario is a real git repository:
the base on `main`, the change committed on `pr`. Timings are taken in process (run_lint's own
clock) and as the whole `dbtgate lint` command (a fresh Python, imports included).

A macro's callers are rendered with today's macros and with the base's, and those renderings
are linted: rendering, with the project's macros loaded, is most of their cost.

    python benchmarks/lint_bench.py [--models 200] [--changed 10] [--callers 40] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "fixtures"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
}
_REF = re.compile(r"ref\('([a-z_0-9]+)'\)")
# Appended to each changed model of the generated project: new lint debt on new lines.
CHANGE = "-- changed in the pull request\nwhere 1 = 1 AND 2 = 2\n"
# The macro of the macro scenario, and its edit in the pull request: a qualified column makes
# each caller's unqualified ones inconsistent (RF03).
CENTS = "{% macro cents(col) %}{{ col }} / 100{% endmacro %}\n"
CALLER = "select\n    {{ cents('amount') }} as dollars,\n    id  as x\nfrom {{ ref('t') }} as t\n"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, check=True, capture_output=True)


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", message)


def fixture_repo(workdir: Path) -> Path:
    """fixtures/shop on main, the shop_pr overlay committed on pr."""
    repo = workdir / "fixture"
    shutil.copytree(FIXTURES / "shop", repo)
    git(repo, "init", "--quiet", "--initial-branch=main")
    commit_all(repo, "base")
    git(repo, "checkout", "--quiet", "-b", "pr")
    overlay = FIXTURES / "shop_pr"
    for source in overlay.rglob("*"):
        if source.is_file() and source.name != "DELETED":
            target = repo / source.relative_to(overlay)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    commit_all(repo, "pull request")
    return repo


def generated_repo(workdir: Path, models: int, changed: int) -> Path:
    """`models` SQL models made from the fixture's models (copy k renames every model and its
    refs with a `_cNNN` suffix), with `changed` of them edited on the pr branch."""
    repo = workdir / f"generated_{models}"
    templates = sorted((FIXTURES / "shop" / "models").rglob("*.sql"))
    (repo / "models").mkdir(parents=True)
    shutil.copyfile(FIXTURES / "shop" / "dbt_project.yml", repo / "dbt_project.yml")
    written: list[Path] = []
    for index in range(models):
        copy, template = divmod(index, len(templates))
        suffix = f"_c{copy:03d}"
        text = _REF.sub(
            lambda m, s=suffix: f"ref('{m.group(1)}{s}')", templates[template].read_text()
        )
        path = repo / "models" / f"c{copy:03d}" / f"{templates[template].stem}{suffix}.sql"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    git(repo, "init", "--quiet", "--initial-branch=main")
    commit_all(repo, "base")
    git(repo, "checkout", "--quiet", "-b", "pr")
    step = max(1, len(written) // max(changed, 1))
    for path in written[::step][:changed]:
        path.write_text(path.read_text() + CHANGE)
    commit_all(repo, "pull request")
    return repo


def macro_repo(workdir: Path, callers: int) -> Path:
    """`callers` models calling a macro, which the pr branch edits (no model file changes)."""
    repo = workdir / f"macro_{callers}"
    (repo / "models").mkdir(parents=True)
    (repo / "macros").mkdir()
    shutil.copyfile(FIXTURES / "shop" / "dbt_project.yml", repo / "dbt_project.yml")
    (repo / "macros" / "cents.sql").write_text(CENTS)
    (repo / "models" / "t.sql").write_text("select 1 as id, 100 as amount\n")
    for index in range(callers):
        (repo / "models" / f"caller_{index:03d}.sql").write_text(CALLER)
    git(repo, "init", "--quiet", "--initial-branch=main")
    commit_all(repo, "base")
    git(repo, "checkout", "--quiet", "-b", "pr")
    (repo / "macros" / "cents.sql").write_text(CENTS.replace("{{ col }}", "t.{{ col }}"))
    commit_all(repo, "pull request")
    return repo


def lint_in_process(project: Path, lint_all: bool) -> tuple[int, float, float]:
    """(files, setup seconds, per-file seconds) from run_lint's own clock."""
    from dbtgate.config import Config, LintConfig
    from dbtgate.lint.run import project_without_build, run_lint

    config = Config(scope="changed", lint=LintConfig(enabled=True, dialect="duckdb"))
    run = run_lint(project_without_build(project), config, lint_all=lint_all, base_ref="main")
    files = len(run.files)
    per_file = sum(linted.seconds for linted in run.files) / files if files else 0.0
    return files, run.setup_seconds, per_file


def lint_command(project: Path, lint_all: bool) -> float:
    """Wall time of the whole `dbtgate lint` process (exit 0 or 1 are both fine)."""
    (project / "dbtgate.yml").write_text(
        "scope: changed\nlint: {dialect: duckdb, base_ref: main}\n"
    )
    args = [
        sys.executable,
        "-m",
        "dbtgate.cli",
        "lint",
        "--quiet",
        *(["--all"] if lint_all else []),
    ]
    started = time.perf_counter()
    done = subprocess.run(args, cwd=project, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    (project / "dbtgate.yml").unlink()
    if done.returncode not in (0, 1):
        raise SystemExit(f"dbtgate lint failed in {project}: {done.stderr.strip()}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=200, help="models in the generated project")
    parser.add_argument("--changed", type=int, default=10, help="models the generated PR edits")
    parser.add_argument("--callers", type=int, default=40, help="models calling the edited macro")
    parser.add_argument("--workdir", type=Path, help="where to create the repositories")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="dbtgate-lint-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    import sqlfluff.core  # noqa: F401  # timed on its own: paid once per process

    import_seconds = time.perf_counter() - started
    scenarios = [
        ("fixture PR, changed files", fixture_repo(workdir), False),
        ("fixture PR, --all", workdir / "fixture", True),
    ]
    generated = generated_repo(workdir, args.models, args.changed)
    scenarios += [
        (f"{args.models} models, {args.changed} changed", generated, False),
        (f"{args.models} models, --all", generated, True),
        (f"macro edit, {args.callers} callers", macro_repo(workdir, args.callers), False),
    ]
    print(f"sqlfluff import: {import_seconds:.2f}s (once per process)")
    header = f"{'scenario':<28} {'files':>5} {'setup s':>8} {'ms/file':>8} {'command s':>10}"
    print(header)
    print("-" * len(header))
    for label, project, lint_all in scenarios:
        files, setup, per_file = lint_in_process(project, lint_all)
        wall = lint_command(project, lint_all)
        print(f"{label:<28} {files:>5} {setup:>8.2f} {per_file * 1000:>8.0f} {wall:>10.2f}")
    print(f"repositories in {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
