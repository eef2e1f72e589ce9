"""`--base REF`: the base build parsed by dbt from a git ref, in a real temporary git repository
holding the fixture project (commit 1: fixtures/shop; commit 2: the shop_pr overlay).

The pull request's artifacts are the real PR build (tests/conftest.py `shop_builds`); the base is
whatever `dbt parse` makes of HEAD~1 in a temporary worktree, as in a CI job that kept no base
artifacts."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from cli_support import COMMAND, dbtgate

from dbtgate.base import find_dbt
from dbtgate.errors import DbtgateError
from dbtgate.fixture_build import assemble_project, fixtures_dir

pytestmark = pytest.mark.slow

PROFILES = """\
shop:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{path}"
"""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A monorepo with the dbt project under `analytics/`, base and PR as two commits."""
    root = tmp_path_factory.mktemp("repo")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "ci@example.com")
    git(root, "config", "user.name", "CI")
    project = root / "analytics"
    assemble_project(fixtures_dir(), "base", project)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "shop: base")
    assemble_project(fixtures_dir(), "pr", project)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "shop: reshape orders_summary v2, add customer_segments")
    return root


@pytest.fixture(scope="module")
def profiles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("profiles")
    (directory / "profiles.yml").write_text(
        PROFILES.format(path=(directory / "shop.duckdb").as_posix()), encoding="utf-8"
    )
    return directory


def run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return dbtgate(*args, cwd=cwd, env={"HOME": str(cwd), **env})


def worktrees(repo: Path) -> list[str]:
    return [
        line
        for line in git(repo, "worktree", "list", "--porcelain").splitlines()
        if line.startswith("worktree ")
    ]


def diff_args(shop_builds, profiles: Path, report: Path) -> list[str]:
    return [
        "diff",
        "--base",
        "HEAD~1",
        "--artifacts",
        str(shop_builds.pr / "target"),
        "--project-dir",
        "analytics",
        "--profiles-dir",
        str(profiles),
        "--json",
        str(report),
    ]


def test_base_ref_is_parsed_in_a_worktree_diffed_and_cached_by_commit(
    repo, profiles, shop_builds, tmp_path
):
    cache = tmp_path / "cache"
    report = tmp_path / "diff.json"
    done = run(*diff_args(shop_builds, profiles, report), cwd=repo, DBTGATE_CACHE_DIR=str(cache))
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr == ""
    diff = json.loads(report.read_text(encoding="utf-8"))["sections"]["diff"]
    breaking = [(c["code"], c["unique_id"], c["column"]) for c in diff["changes"][:2]]
    assert breaking == [
        ("breaking.column_removed", "model.shop.orders_summary.v2", "item_count"),
        ("breaking.type_changed", "model.shop.orders_summary.v2", "total_amount"),
    ]
    assert diff["counts"]["breaking"] == 2
    added = {(c["code"], c["unique_id"]) for c in diff["changes"]}
    assert ("safe.model_added", "model.shop.customer_segments") in added
    assert ("safe.column_added", "model.shop.customer_ltv") in added
    # `dbt parse` writes no catalog: the note says the columns are those declared in YAML.
    [catalog_note] = [note for note in diff["notes"] if "no catalog.json for the base" in note]
    # ... and that `dbt docs generate` here would not give the parsed base one.
    assert "pass --base DIR" in catalog_note and "docs generate" not in catalog_note
    # ... which is why some columns are unknown: said there, not in a second note of its own.
    assert not any("partial catalog" in note for note in diff["notes"])
    # `dbt parse` compiles nothing: the SQL changes are not compared for filters and grain,
    # said once in a note, not on each row.
    code_changed = [c["reason"] for c in diff["changes"] if c["code"] == "safe.code_changed"]
    assert code_changed == [
        f"{name}: SQL changed"
        for name in ("customer_ltv", "int_order_payments", "orders_summary v2")
    ]
    assert (
        "3 SQL changes (safe.code_changed) not compared for filters and grain: "
        "a --base git ref is only parsed by dbt, so the base build has no compiled SQL (pass "
        "--base DIR, a build's target directory, to compare them)"
    ) in diff["notes"]
    # The worktree is gone; the manifest is cached under the base commit's sha.
    assert len(worktrees(repo)) == 1
    sha = git(repo, "rev-parse", "HEAD~1").strip()
    assert (cache / "base" / sha / "analytics" / "manifest.json").is_file()

    # A second run needs no dbt at all: the cache answers.
    again = tmp_path / "again.json"
    cached = run(
        *diff_args(shop_builds, profiles, again),
        cwd=repo,
        DBTGATE_CACHE_DIR=str(cache),
        DBTGATE_DBT="/nonexistent/dbt",
    )
    assert cached.returncode == 1, cached.stdout + cached.stderr
    first = json.loads(report.read_text(encoding="utf-8"))["sections"]["diff"]
    assert json.loads(again.read_text(encoding="utf-8"))["sections"]["diff"] == first

    # `check` compares the KPIs too: a parsed base has no run results, and the note says why.
    gate = tmp_path / "gate.json"
    checked = run(
        "check",
        *diff_args(shop_builds, profiles, gate)[1:],
        cwd=repo,
        DBTGATE_CACHE_DIR=str(cache),
        DBTGATE_DBT="/nonexistent/dbt",
    )
    assert checked.returncode == 1, checked.stdout + checked.stderr
    notes = json.loads(gate.read_text(encoding="utf-8"))["sections"]["kpis"]["notes"]
    parsed = [note for note in notes if "parsed by `dbt parse`" in note]
    assert parsed == [
        "vs base build: test pass rate, tier-1 test pass rate not compared: --base HEAD~1 is "
        "parsed by `dbt parse`, which writes no run_results.json (a build's target directory "
        "as --base DIR has it)",
        "vs base build: source freshness not compared: --base HEAD~1 is parsed by `dbt parse`, "
        "which writes no sources.json (a build's target directory as --base DIR has it)",
    ]


def test_a_branch_is_compared_with_where_it_left_main_and_a_hook_s_index_is_untouched(
    repo, profiles, shop_builds, tmp_path
):
    """`--base main` after main moved on: what main gained since (here a model) is not this
    branch's change. Run from a pre-commit hook, git's GIT_INDEX_FILE must not reach the base
    worktree (`git worktree add` wrote the base commit's tree into the commit's index)."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    git(clone, "config", "user.email", "ci@example.com")
    git(clone, "config", "user.name", "CI")
    git(clone, "checkout", "-q", "-b", "feature")
    git(clone, "branch", "-f", "main", "HEAD~1")
    git(clone, "checkout", "-q", "main")
    (clone / "analytics" / "models" / "marts" / "main_only.sql").write_text("select 1 as id\n")
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "-m", "main moves on")
    git(clone, "checkout", "-q", "feature")
    index_before = git(clone, "ls-files", "--stage")

    args = diff_args(shop_builds, profiles, tmp_path / "diff.json")
    args[args.index("HEAD~1")] = "main"
    done = run(
        *args,
        cwd=clone,
        DBTGATE_CACHE_DIR=str(tmp_path / "cache"),
        GIT_INDEX_FILE=str(clone / ".git" / "index"),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert git(clone, "ls-files", "--stage") == index_before
    assert git(clone, "status", "--porcelain") == ""
    report = json.loads((tmp_path / "diff.json").read_text(encoding="utf-8"))
    changes = {(c["code"], c["unique_id"]) for c in report["sections"]["diff"]["changes"]}
    assert ("breaking.column_removed", "model.shop.orders_summary.v2") in changes
    assert not [c for c in changes if "main_only" in c[1]]
    merge_base = git(clone, "merge-base", "main", "HEAD").strip()
    assert report["inputs"]["base_ref"] == {
        "ref": "main",
        "sha": merge_base,
        "tip": git(clone, "rev-parse", "main").strip(),
    }
    # The reports name the base by its ref, not by the cached build's folder.
    assert report["inputs"]["base"]["manifest"]["shown"] == f"main at {merge_base[:12]}"
    assert any("compared with where this branch left it" in note for note in report["notes"])


def test_a_release_gated_against_the_tag_before_names_both_under_the_verdict(
    repo, profiles, shop_builds, tmp_path
):
    """A release manager gates v1.1 with `--base v1.0`: the HTML page and the markdown say,
    under the verdict, which release they are of (the tag at the commit checked out) and which
    tag and commit the change was measured against; the page's title names the release."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    git(clone, "tag", "v1.0", "HEAD~1")
    git(clone, "tag", "v1.1", "HEAD")
    out = tmp_path / "reports"
    args = diff_args(shop_builds, profiles, tmp_path / "gate.json")
    args[0], args[args.index("HEAD~1")] = "check", "v1.0"
    done = run(
        *args, "--out", str(out), "--format", "md,html", cwd=clone, DBTGATE_CACHE_DIR=str(tmp_path)
    )
    assert done.returncode == 1, done.stdout + done.stderr
    release, previous = (git(clone, "rev-parse", ref).strip()[:7] for ref in ("v1.1", "v1.0"))
    page = (out / "gate.html").read_text(encoding="utf-8")
    assert "<title>dbtgate FAIL — shop v1.1</title>" in page
    assert (
        f"<b>of:</b> commit {release} (tag v1.1, main, origin/main, origin/HEAD) · "
        f"<b>against:</b> v1.0 (commit {previous})</p>"
    ) in page
    markdown = (out / "gate.md").read_text(encoding="utf-8")
    assert f"**against** v1.0 (commit {previous})\n" in markdown


def test_the_cache_keeps_the_base_commits_used_last(repo, profiles, shop_builds, tmp_path):
    """A manifest is cached per base commit: the cache keeps the ten used last and removes
    the older ones when it adds one, where it grew by one a day without end."""
    commits = tmp_path / "cache" / "base"
    for age in range(1, 12):
        entry = commits / f"{age:040x}"
        (entry / "analytics").mkdir(parents=True)
        (entry / "analytics" / "manifest.json").write_text("{}", encoding="utf-8")
        os.utime(entry, (time.time() - age * 86400,) * 2)
    done = run(
        *diff_args(shop_builds, profiles, tmp_path / "diff.json"),
        cwd=repo,
        DBTGATE_CACHE_DIR=str(tmp_path / "cache"),
    )
    assert done.returncode == 1, done.stderr
    sha = git(repo, "rev-parse", "HEAD~1").strip()
    kept = sorted(entry.name for entry in commits.iterdir())
    assert kept == sorted([sha, *(f"{age:040x}" for age in range(1, 10))])


def test_the_users_git_hooks_do_not_run_in_the_base_worktree(repo, profiles, shop_builds, tmp_path):
    """A post-checkout hook (husky's, pre-commit's) ran in the temporary worktree when dbtgate
    checked the base out: it is the user's checkout's hook, not the gate's."""
    marker = tmp_path / "hook-ran"
    hook = repo / ".git" / "hooks" / "post-checkout"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n", encoding="utf-8")
    hook.chmod(0o755)
    try:
        done = run(
            *diff_args(shop_builds, profiles, tmp_path / "diff.json"),
            cwd=repo,
            DBTGATE_CACHE_DIR=str(tmp_path / "cache"),
        )
    finally:
        hook.unlink()
    assert done.returncode == 1, done.stdout + done.stderr
    assert not marker.exists()
    # The hook itself works: git runs it on a checkout of the user's own.
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n", encoding="utf-8")
    hook.chmod(0o755)
    try:
        git(repo, "checkout", "-q", "HEAD")
    finally:
        hook.unlink()
    assert marker.exists()


def test_a_sigterm_while_git_adds_the_worktree_waits_until_it_is_registered():
    """Unwinding in the middle of `git worktree add` left git to register the worktree after the
    cleanup had looked for it (seen in CI): the signal is held until the add returns, then the
    run ends with a termination's status, from inside the cleanup's reach."""
    from dbtgate.base import _terminated_unwinds

    steps = []
    with pytest.raises(SystemExit) as ended, _terminated_unwinds() as held:
        with held():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)  # the handler has run by now: held, not raised
            steps.append("add finished")
        steps.append("after the add")
    assert steps == ["add finished"]
    assert ended.value.code == 128 + signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_sigterm_during_the_cleanup_waits_until_the_worktree_is_removed(
    profiles, tmp_path, monkeypatch
):
    """The cleanup is held as the add is: a SIGTERM that came while it ran (after the parse, or
    here after a base commit without the project) ended it half-way, the worktree left
    registered and its directory in TMPDIR."""
    from dbtgate import base

    root = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "main", str(root))
    who = ("-c", "user.name=CI", "-c", "user.email=ci@example.com")
    (root / "README.md").write_text("no project yet\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, *who, "commit", "-qm", "start")
    (root / "dbt_project.yml").write_text("name: shop\nprofile: shop\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, *who, "commit", "-qm", "add the project")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    remove = base._remove_worktree

    def terminated_first(repo, worktree: Path) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        remove(repo, worktree)

    monkeypatch.setattr(base, "_remove_worktree", terminated_first)
    with pytest.raises(SystemExit) as ended:
        base.load_base_ref(
            "HEAD~1",
            project_dir=root,
            profiles_dir=profiles,
            cache_dir=tmp_path / "cache",
            environ={},
        )
    assert ended.value.code == 128 + signal.SIGTERM
    assert len(worktrees(root)) == 1
    assert list(scratch.iterdir()) == []


def test_sigterm_during_the_base_parse_removes_the_worktree(repo, profiles, shop_builds, tmp_path):
    """A cancelled CI job or `kill` sends SIGTERM: the run stops with a termination's status
    and, as on Ctrl-C, leaves no worktree registered in the repository nor its directory."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    environ = {
        "NO_COLOR": "1",
        "PATH": "/usr/bin:/bin",
        "HOME": str(repo),
        "TMPDIR": str(scratch),
        "DBTGATE_CACHE_DIR": str(tmp_path / "cache"),
    }
    args = diff_args(shop_builds, profiles, tmp_path / "diff.json")
    process = subprocess.Popen(
        [*COMMAND, *args],
        cwd=repo,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while len(worktrees(repo)) < 2:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the base worktree never appeared"
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert "Traceback" not in stderr
    assert len(worktrees(repo)) == 1
    assert list(scratch.iterdir()) == []


# A git in front of the real one that is slow at one step of the base worktree (`worktree add`
# or `worktree remove`, $SLOW_STEP), so that a Ctrl-C lands while that step runs: it says when
# the step starts (step.started) and ends (step.done). At the add it ignores SIGINT and goes on
# (as a git past the point where it stops on one: it registers the worktree whoever still
# listens); at the remove it dies of SIGINT before removing anything.
SLOW_GIT = """#!/bin/sh
case " $* " in
  *" worktree $SLOW_STEP "*)
    [ "$SLOW_STEP" = add ] && trap '' INT
    touch "$MARKERS/step.started"
    sleep 2
    "$REAL_GIT" "$@" >"$MARKERS/out" 2>"$MARKERS/err"; status=$?
    touch "$MARKERS/step.done"
    cat "$MARKERS/out"; cat "$MARKERS/err" >&2
    exit $status;;
esac
exec "$REAL_GIT" "$@"
"""


def project_added_in_head(root: Path) -> None:
    """A repository whose HEAD~1 has no dbt project: `--base HEAD~1` adds its worktree, finds no
    project and cleans up, without running dbt."""
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    who = ("-c", "user.name=CI", "-c", "user.email=ci@example.com")
    (root / "README.md").write_text("no project yet\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, *who, "commit", "-qm", "start")
    (root / "dbt_project.yml").write_text("name: shop\nprofile: shop\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, *who, "commit", "-qm", "add the project")


def _interactive() -> None:
    """The child as a terminal's foreground job: a process group of its own, for Ctrl-C to
    reach all of it (dbtgate and its git), and SIGINT handled (not ignored, as a background
    job's may be)."""
    os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("step", ["add", "remove"])
def test_ctrl_c_while_git_adds_or_removes_the_worktree_waits_for_it(
    step, profiles, shop_builds, tmp_path
):
    """Ctrl-C signals the whole process group: git's step and dbtgate. Python raised
    KeyboardInterrupt in the middle of it: at the add, the cleanup looked for the worktree
    before git had registered it; at the remove, the rest of the cleanup (the fallback removal,
    `git worktree prune`, the temporary directory) was skipped. Either left the worktree
    registered in the user's repository. The interrupt now waits for the step, then the run
    ends as an interrupted one: exit 130, "interrupted", no traceback."""
    root = tmp_path / "repo"
    project_added_in_head(root)
    markers = tmp_path / "markers"
    markers.mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").write_text(SLOW_GIT, encoding="utf-8")
    (bin_dir / "git").chmod(0o755)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    environ = {
        "NO_COLOR": "1",
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(root),
        "TMPDIR": str(scratch),
        "DBTGATE_CACHE_DIR": str(tmp_path / "cache"),
        "DBTGATE_DBT": "/bin/true",  # found, never run: the base commit has no project
        "REAL_GIT": shutil.which("git") or "git",
        "SLOW_STEP": step,
        "MARKERS": str(markers),
    }
    args = ["diff", "--base", "HEAD~1", "--artifacts", str(shop_builds.pr / "target")]
    args += ["--project-dir", str(root), "--profiles-dir", str(profiles)]
    process = subprocess.Popen(
        [*COMMAND, *args],
        cwd=root,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_interactive,
    )
    try:
        deadline = time.monotonic() + 60
        while not (markers / "step.started").exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, f"git worktree {step} never ran"
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    deadline = time.monotonic() + 30
    while step == "add" and not (markers / "step.done").exists():  # an add left running
        assert time.monotonic() < deadline, "git worktree add never finished"
        time.sleep(0.05)
    assert process.returncode == 130, stderr
    assert stderr.strip() == "dbtgate: interrupted"
    assert len(worktrees(root)) == 1
    assert list(scratch.iterdir()) == []


def test_a_base_commit_without_the_project_is_gated_whole_or_named_where_it_was(
    profiles, shop_builds, tmp_path
):
    """The pull request that adds the dbt project: its base commit has none to parse, so
    `check` gates the whole project and says why (it stopped, exit 2, with nothing to do about
    it); `diff` has nothing to compare and says so. A project that moved: the base commit's
    is named, with --base PATH to compare with its build."""
    root = tmp_path / "new"
    git(root.parent, "init", "-q", "-b", "main", str(root))
    (root / "README.md").write_text("no project yet\n", encoding="utf-8")
    who = ("-c", "user.name=CI", "-c", "user.email=ci@example.com")
    git(root, "add", "-A")
    git(root, *who, "commit", "-qm", "start")
    assemble_project(fixtures_dir(), "pr", root / "analytics")
    git(root, "add", "-A")
    git(root, *who, "commit", "-qm", "add the project")
    cache = str(tmp_path / "cache")
    pr_build = str(shop_builds.pr / "target")
    checked = run(
        *("check", "--base", "HEAD~1", "--artifacts", pr_build, "--project-dir", "analytics"),
        *("--profiles-dir", str(profiles)),
        cwd=root,
        DBTGATE_CACHE_DIR=cache,
    )
    assert checked.returncode in (0, 1), checked.stderr
    assert (
        "warning: HEAD~1: the base commit " in checked.stdout
        and "has no dbt project: this change adds it, so there is no base build to compare "
        "with: the whole project is gated, as the change's"
        in checked.stdout
    ), checked.stdout
    diffed = run(
        *diff_args(shop_builds, profiles, tmp_path / "diff.json"), cwd=root, DBTGATE_CACHE_DIR=cache
    )
    assert diffed.returncode == 2
    assert diffed.stderr.count("\n") == 1, diffed.stderr
    assert "has no dbt project: this change adds it" in diffed.stderr
    assert len(worktrees(root)) == 1
    git(root, "mv", "analytics", "transform")
    git(root, *who, "commit", "-qm", "move it")
    moved = run(
        *("diff", "--base", "HEAD~1", "--artifacts", pr_build, "--project-dir", "transform"),
        *("--profiles-dir", str(profiles)),
        cwd=root,
        DBTGATE_CACHE_DIR=cache,
    )
    assert moved.returncode == 2
    assert (
        "has no dbt_project.yml at transform, but at analytics: if the project moved, pass "
        "--base PATH" in moved.stderr
    ), moved.stderr
    assert len(worktrees(root)) == 1


def test_failed_parse_of_the_base_ref_is_exit_2_and_leaves_no_worktree(repo, shop_builds, tmp_path):
    broken = tmp_path / "profiles"
    broken.mkdir()
    (broken / "profiles.yml").write_text("other_project:\n  target: dev\n  outputs: {}\n")
    cache = tmp_path / "cache"
    done = run(
        *diff_args(shop_builds, broken, tmp_path / "diff.json"),
        cwd=repo,
        DBTGATE_CACHE_DIR=str(cache),
    )
    assert done.returncode == 2
    first_line = done.stderr.splitlines()[0]
    assert "HEAD~1: `dbt parse` of the base commit" in first_line
    assert "pass --base PATH" in first_line
    assert "Traceback" not in done.stderr
    assert len(worktrees(repo)) == 1
    assert not list(cache.glob("base/*/analytics/manifest.json"))


def test_base_ref_without_dbt_says_to_pass_a_path(repo, profiles, shop_builds, tmp_path):
    done = run(
        *diff_args(shop_builds, profiles, tmp_path / "diff.json"),
        cwd=repo,
        DBTGATE_CACHE_DIR=str(tmp_path / "cache"),
        DBTGATE_DBT="dbt-not-installed-here",
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert "pass --base PATH" in done.stderr
    assert len(worktrees(repo)) == 1


def test_no_dbt_beside_python_nor_on_path_is_a_clear_error(tmp_path):
    with pytest.raises(DbtgateError) as raised:
        find_dbt({"PATH": str(tmp_path)}, python=str(tmp_path / "bin" / "python"))
    assert str(raised.value).startswith("dbt is not installed")
    assert "pass --base PATH" in str(raised.value)
    # The pre-commit hook's own environment has no dbt: the variable that names the user's.
    assert "name its executable in DBTGATE_DBT" in str(raised.value)


def test_unknown_ref_is_exit_2_naming_the_ref(repo, profiles, shop_builds, tmp_path):
    args = diff_args(shop_builds, profiles, tmp_path / "diff.json")
    args[args.index("HEAD~1")] = "no-such-branch"
    done = run(*args, cwd=repo, DBTGATE_CACHE_DIR=str(tmp_path / "cache"))
    assert done.returncode == 2
    assert done.stderr.startswith(
        "dbtgate: error: no-such-branch: --base is neither a directory nor a git ref"
    )
    assert sorted(os.listdir(repo)) == [".git", "analytics"]


def test_a_base_branch_missing_from_the_clone_says_which_fetch_brings_it(repo, tmp_path):
    """CI checks out one commit by default: the error names the fetch, not only the ref."""
    from dbtgate.base import load_base_ref

    def error(clone: Path, ref: str) -> str:
        with pytest.raises(DbtgateError) as raised:
            load_base_ref(
                ref, project_dir=clone / "analytics", profiles_dir=None, cache_dir=None, environ={}
            )
        return str(raised.value)

    shallow, full = tmp_path / "shallow", tmp_path / "full"
    subprocess.run(["git", "clone", "-q", "--depth", "1", repo.as_uri(), str(shallow)], check=True)
    subprocess.run(["git", "clone", "-q", repo.as_uri(), str(full)], check=True)
    assert error(shallow, "origin/release") == (
        "origin/release: --base is neither a directory nor a git ref of "
        f"{shallow.resolve()} (the clone is shallow: fetch `git fetch origin release`, or check "
        "out with `fetch-depth: 0` in actions/checkout; close names: `origin/main`)"
    )
    assert error(full, "origin/release").endswith(
        "(not fetched? `git fetch origin release`; close names: `origin/main`)"
    )
    assert error(full, "no-such-branch").endswith(
        f"git ref of {full} (no branch, tag or commit `no-such-branch`)"
    )


def test_worktree_that_git_cannot_create_is_exit_2_with_gits_reason(
    repo, profiles, shop_builds, tmp_path
):
    clone = tmp_path / "clone"
    shutil.copytree(repo, clone)
    # git keeps its worktrees' bookkeeping in .git/worktrees: a file there makes `add` fail.
    shutil.rmtree(clone / ".git" / "worktrees", ignore_errors=True)
    (clone / ".git" / "worktrees").write_text("not a directory", encoding="utf-8")
    done = run(
        *diff_args(shop_builds, profiles, tmp_path / "diff.json"),
        cwd=clone,
        DBTGATE_CACHE_DIR=str(tmp_path / "cache"),
    )
    assert done.returncode == 2
    assert done.stderr.startswith("dbtgate: error: HEAD~1: cannot check out the base commit"), (
        done.stderr
    )
    assert "fatal:" in done.stderr and "pass --base PATH" in done.stderr
    assert done.stderr.count("\n") == 1


def test_the_base_is_parsed_with_the_packages_installed_where_the_project_says(tmp_path):
    """`packages-install-path: deps`: the checkout's installed packages are lent to the base
    worktree there (its parse found none in dbt_packages and failed); with none installed, the
    error says to run `dbt deps` here, as the base borrows this checkout's."""
    repo = tmp_path / "repo"
    (repo / "pkgs" / "utils" / "macros").mkdir(parents=True)
    (repo / "models").mkdir()
    (repo / "dbt_project.yml").write_text(
        "name: proj\nversion: '1.0'\nprofile: proj\npackages-install-path: deps\n"
    )
    (repo / "packages.yml").write_text("packages:\n  - local: pkgs/utils\n")
    (repo / "pkgs" / "utils" / "dbt_project.yml").write_text("name: utils\nversion: '1.0'\n")
    (repo / "pkgs" / "utils" / "macros" / "cents.sql").write_text(
        "{% macro cents(x) %}({{ x }} * 100){% endmacro %}\n"
    )
    (repo / "models" / "orders.sql").write_text("select {{ utils.cents(1) }} as amount\n")
    (repo / ".gitignore").write_text("deps/\ntarget/\nlogs/\n")
    (repo / "profiles.yml").write_text(
        f"proj:\n  target: dev\n  outputs:\n    dev: {{type: duckdb, path: '{tmp_path}/d.duckdb'}}\n"
    )
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "-m", "base")
    (repo / "models" / "orders.sql").write_text("select {{ utils.cents(2) }} as amount\n")
    # The pull request's manifest: a `dbt parse` with the package in place as `dbt deps` puts
    # a local one (a link to its folder).
    (repo / "deps").mkdir()
    (repo / "deps" / "utils").symlink_to(repo / "pkgs" / "utils", target_is_directory=True)
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    parsed = subprocess.run(
        [find_dbt(os.environ), "parse", "--profiles-dir", "."],
        cwd=repo,
        env=env,
        text=True,
        capture_output=True,
    )
    assert parsed.returncode == 0, parsed.stdout
    args = ("diff", "--base", "main", "--profiles-dir", ".")
    done = run(*args, cwd=repo, DBTGATE_CACHE_DIR=str(tmp_path / "cache"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "safe.code_changed" in done.stdout and "orders" in done.stdout, done.stdout
    assert len(worktrees(repo)) == 1

    shutil.rmtree(repo / "deps")
    (repo / "deps").mkdir()  # `dbt clean`, say: nothing installed
    done = run(*args, cwd=repo, DBTGATE_CACHE_DIR=str(tmp_path / "cache2"))
    assert done.returncode == 2
    assert (
        "failed (exit 2) (the base commit is parsed with the packages installed here: run "
        in (done.stderr.splitlines()[0])
    )
