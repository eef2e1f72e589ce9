"""The base build a pull request is compared with: artifacts on disk, or a git ref parsed by dbt.

Most CI setups keep the main branch's artifacts (`--base PATH`). When they do not, `--base REF`
(`origin/main`, a tag, a sha) checks the ref out into a temporary git worktree and runs
`dbt parse` there with the user's profiles: a manifest is all the diff needs, and parsing never
touches the warehouse. The parsed manifest is cached by commit sha, so a second run against the
same base is free, and the worktree is removed whatever happens. dbt itself stays a separate
process (the gate never imports dbt-core), found next to the running Python, on PATH, or at
$DBTGATE_DBT.

What only a git ref needs (subprocess, tempfile, signal, threading) is imported where it is
used: a base on disk, the common case, does not import it (25 M instructions, 1.3% of
`check --base` at 1,000 models).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

from dbtgate.artifacts import ArtifactSet, load_artifacts
from dbtgate.artifacts.load import ARTIFACT_FILES, WRITTEN_BY
from dbtgate.errors import DbtgateError, lookup_problem
from dbtgate.git_refs import missing_ref_hint
from dbtgate.pipes import is_pipe, pipe_for_a_folder

CACHE_ENV = "DBTGATE_CACHE_DIR"
DBT_ENV = "DBTGATE_DBT"
LOG_TAIL_LINES = 30
# How many base commits' parsed manifests the cache keeps (the ones used last).
CACHED_COMMITS = 10
# Settings of the user's environment that would send the base parse somewhere else.
_REDIRECTING_ENV = ("DBT_TARGET_PATH", "DBT_PROJECT_DIR", "DBT_LOG_PATH", "DBT_STATE")
# What the schema diff reads of a base build besides its manifest.
BASE_ARTIFACTS = frozenset({"catalog"})
# What the gate reads: the diff's, the last run's results (`run.slower` compares durations, the
# test pass rate KPIs have a figure in the base) and sources.json (so do the freshness KPIs).
GATE_BASE_ARTIFACTS = BASE_ARTIFACTS | {"run_results", "sources"}


def load_base(
    spec: str,
    *,
    project_dir: Path | None = None,
    profiles_dir: Path | None = None,
    cache_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
    optional: Collection[str] = BASE_ARTIFACTS,
    announce: Callable[[str], None] | None = None,
) -> ArtifactSet:
    """`spec` is a directory holding the base build's manifest.json (and catalog.json), or a git
    ref of the repository holding `project_dir` (default: the current directory). `optional`:
    which other artifacts of the base build to read (`BASE_ARTIFACTS`: the diff's;
    `GATE_BASE_ARTIFACTS`: the gate's). `announce` hears, before a git ref is parsed, what
    takes the time."""
    path = Path(spec)
    problem = lookup_problem(path)
    if problem is not None:
        raise DbtgateError(f"{spec}: --base cannot be looked up: {problem}")
    if path.is_dir():
        if (path / "manifest.json").exists():
            return load_artifacts(path, optional)
        if (path / "target" / "manifest.json").exists():
            return load_artifacts(path / "target", optional)
        raise DbtgateError(
            f"{path}: --base directory has no manifest.json (nor target/manifest.json), which "
            f"{WRITTEN_BY['manifest']} of the base branch writes"
        )
    piped = is_pipe(path)
    if (path.is_file() or piped) and path.name in ARTIFACT_FILES:
        # (a named pipe `mkfifo base/manifest.json` too: read, once, with its folder's files)
        return load_artifacts(path.parent, optional)
    if piped:
        raise DbtgateError(
            pipe_for_a_folder(
                spec, "--base", "the base build's folder (or its manifest.json) or a git ref"
            )
        )
    if path.is_file():
        # (its folder's manifest.json, read instead, was another build's file, or none)
        raise DbtgateError(
            f"{spec}: --base takes the base build's directory, its manifest.json or a git ref:"
            " dbtgate reads a build's files by dbt's names (manifest.json, catalog.json, ...)"
        )
    if path.name.endswith(".json"):
        # A file meant, not a git ref: said as such, not "neither a directory nor a git ref".
        raise DbtgateError(
            f"{spec}: --base file not found (give the base build's directory, which holds its "
            "manifest.json, or a git ref)"
        )
    return load_base_ref(
        spec,
        project_dir=project_dir,
        profiles_dir=profiles_dir,
        cache_dir=cache_dir,
        environ=os.environ if environ is None else environ,
        announce=announce,
    )


# What git sets for the repository a hook runs in (`git rev-parse --local-env-vars`): a
# pre-commit hook has GIT_INDEX_FILE, and `git worktree add` under it wrote the base commit's tree
# into the commit's index. The base worktree is another checkout: these must not reach it.
_HOOK_GIT_ENV = (
    "GIT_INDEX_FILE",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_PREFIX",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_SHALLOW_FILE",
    "GIT_GRAFT_FILE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_REPLACE_REF_BASE",
    "GIT_INTERNAL_SUPER_PREFIX",
)


@contextlib.contextmanager
def _outside_hook_env() -> Iterator[None]:
    """git (through gitpython, which passes on the process's environment) as outside a hook."""
    saved = {name: os.environ.pop(name) for name in _HOOK_GIT_ENV if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


@contextlib.contextmanager
def _terminated_unwinds() -> Iterator[Callable[[], contextlib.AbstractContextManager[None]]]:
    """SIGTERM (a cancelled CI job, `kill`) unwinds as Ctrl-C does, so the temporary worktree
    and its directory are removed: the default action ends the process on the spot and left a
    worktree registered in the user's repository. The exit status stays 143, a termination's.

    Yields `held`: a SIGTERM or a Ctrl-C (SIGINT) that comes while `git worktree add` runs waits
    until it is done. Unwinding in the middle left git to finish registering the worktree after
    the cleanup had looked for it (a test caught one left behind). The cleanup is held so too: a
    signal there, after the parse, would leave the worktree and its directory behind. Ctrl-C
    reaches git too (the terminal signals the whole process group), and the KeyboardInterrupt
    Python raised in the middle of the cleanup's `git worktree remove` skipped the rest of it.
    A Ctrl-C held ends the run as any other (KeyboardInterrupt: "interrupted", exit 130)."""
    import signal
    import threading

    pending: list[int] = []
    holding = False
    interrupted = signal.getsignal(signal.SIGINT)

    def unwind(signum: int, frame: object) -> None:
        if holding:
            pending.append(signum)
            return
        if signum == signal.SIGINT and callable(interrupted):
            interrupted(signum, frame)  # Python's own: KeyboardInterrupt
            return
        raise SystemExit(128 + signum)

    @contextlib.contextmanager
    def held() -> Iterator[None]:
        nonlocal holding
        holding = True
        try:
            yield
        finally:
            holding = False
            if pending:  # a signal outranks what git made of it (signalled with its group)
                signum = pending[0]
                pending.clear()  # said once: the cleanup's hold does not say it again
                if signum == signal.SIGINT:
                    raise KeyboardInterrupt
                raise SystemExit(128 + signum)

    if threading.current_thread() is not threading.main_thread():
        yield contextlib.nullcontext
        return
    # Ctrl-C is held only where Python handles it: where it is ignored (a job started in the
    # background by a shell without job control), it stays ignored.
    signals = [signal.SIGTERM] + ([signal.SIGINT] if callable(interrupted) else [])
    previous = {signum: signal.signal(signum, unwind) for signum in signals}
    try:
        yield held
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def compared_commit(repo: Any, ref: str) -> tuple[Any, Any]:
    """The commit a branch is compared with for `ref` (`main`): where the branch left it (the
    merge base with HEAD), as a pull request's diff and the lint compare, not its tip, which
    holds what main gained since (a column added there read as one this branch removed). Also
    returns the ref's tip. Without a common history (a shallow clone, an unrelated branch),
    None for the first: the caller says so."""
    tip = repo.commit(ref)
    try:
        bases = repo.merge_base(tip, repo.head.commit)
    except ValueError:  # no commits on HEAD
        return tip, tip
    return (bases[0] if bases else None), tip


@_outside_hook_env()
def load_base_ref(
    ref: str,
    *,
    project_dir: Path | None,
    profiles_dir: Path | None,
    cache_dir: Path | None,
    environ: Mapping[str, str],
    announce: Callable[[str], None] | None = None,
) -> ArtifactSet:
    """Parse the dbt project as of git `ref` (where the branch left it: `compared_commit`;
    cached by commit sha) and load its manifest. git runs as outside a hook
    (`_outside_hook_env`)."""
    import tempfile

    import git

    project = _project_dir(project_dir, ref)
    try:
        repo = git.Repo(project, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise DbtgateError(
            f"{ref}: --base is neither a directory nor a git ref ({project} is not in a git "
            "repository)"
        ) from None
    try:
        compared, tip = compared_commit(repo, ref)
        sha = (compared or tip).hexsha
    except (git.BadName, git.BadObject, ValueError, git.GitCommandError):
        raise DbtgateError(
            f"{ref}: --base is neither a directory nor a git ref of {repo.working_tree_dir}"
            f"{missing_ref_hint(repo, ref)}"
        ) from None
    root = Path(repo.working_tree_dir or project).resolve()
    relative = project.relative_to(root)
    commits = (cache_dir or default_cache_dir(environ)) / "base"
    cached = (commits / sha / (relative.as_posix() or ".")).resolve()
    if (cached / "manifest.json").is_file():
        with contextlib.suppress(OSError):
            os.utime(commits / sha)  # used: the last to be pruned (`_prune`)
        return load_artifacts(cached)
    dbt = find_dbt(environ)
    profiles = resolve_profiles_dir(profiles_dir, environ, project)
    if announce is not None:
        announce(f"dbt parse of --base {ref} ({sha[:12]}), once per commit")
    with _terminated_unwinds() as held:
        scratch: Path | None = None
        try:
            with held():
                scratch = Path(tempfile.mkdtemp(prefix="dbtgate-base-"))
                _add_worktree(repo, scratch / "worktree", sha, ref)
            base_project = scratch / "worktree" / relative
            if not (base_project / "dbt_project.yml").is_file():
                _refuse_a_base_without_the_project(repo, ref, sha, relative)
            _share_packages(project, base_project)
            target = scratch / "target"
            _parse(dbt, base_project, profiles, target, environ, ref, sha)
            _store(target / "manifest.json", cached)
            _prune(commits, keep=CACHED_COMMITS)
        finally:
            # Held too: a SIGTERM or Ctrl-C in the middle of the cleanup left what it had not
            # reached.
            with held():
                if scratch is not None:
                    _remove_worktree(repo, scratch / "worktree")
                    shutil.rmtree(scratch, ignore_errors=True)
    return load_artifacts(cached)


class NoProjectAtBase(DbtgateError):
    """The base commit holds no dbt project at all: the pull request adds it, so there is no
    base to compare with, and `check` gates without one (`dbtgate diff` stops: it has nothing
    to do)."""


def _refuse_a_base_without_the_project(repo: Any, ref: str, sha: str, relative: Path) -> None:
    """The base commit has no dbt_project.yml where the project is. Where it has one elsewhere,
    the project moved: that is named, with --base PATH to compare with a build instead. Where it
    has none, the pull request adds the project (`NoProjectAtBase`)."""
    where = relative.as_posix() or "."
    elsewhere = sorted(
        path.removesuffix("dbt_project.yml").rstrip("/") or "."
        for path in repo.git.ls_tree("-r", "--name-only", sha).splitlines()
        if path.rsplit("/", 1)[-1] == "dbt_project.yml" and "dbt_packages/" not in path
    )
    if not elsewhere:
        raise NoProjectAtBase(
            f"{ref}: the base commit {sha[:12]} has no dbt project: this change adds it, so "
            "there is no base build to compare with"
        )
    raise DbtgateError(
        f"{ref}: the base commit {sha[:12]} has no dbt_project.yml at {where}, but at "
        f"{', '.join(elsewhere[:3])}: if the project moved, pass --base PATH, a directory "
        "with the base build's manifest.json"
    )


def default_cache_dir(environ: Mapping[str, str]) -> Path:
    """$DBTGATE_CACHE_DIR, else the XDG cache directory (~/.cache/dbtgate)."""
    if environ.get(CACHE_ENV):
        return Path(environ[CACHE_ENV])
    xdg = environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "dbtgate"


def find_dbt(environ: Mapping[str, str], python: str | None = None) -> str:
    """The dbt executable: $DBTGATE_DBT, else the one next to the running Python, else PATH."""
    explicit = environ.get(DBT_ENV)
    if explicit:
        if shutil.which(explicit) is None:
            raise DbtgateError(f"{DBT_ENV}={explicit}: no such executable; {_NO_DBT_HINT}")
        return explicit
    beside = shutil.which("dbt", path=str(Path(python or sys.executable).parent))
    found = beside or shutil.which("dbt", path=environ.get("PATH", ""))
    if found is None:
        raise DbtgateError(
            f"dbt is not installed (not next to Python, not on PATH); {_NO_DBT_HINT}"
        )
    return found


_NO_DBT_HINT = (
    "--base REF needs dbt to parse the base commit: pass --base PATH, a directory with the base "
    "build's manifest.json, instead (or install dbt with your adapter, or name its executable "
    "in DBTGATE_DBT: a pre-commit hook runs in an environment of its own, without dbt)"
)


def resolve_profiles_dir(explicit: Path | None, environ: Mapping[str, str], project: Path) -> Path:
    """Where dbt would look: --profiles-dir, $DBT_PROFILES_DIR, the current directory or the
    project when they hold profiles.yml, else ~/.dbt."""
    if explicit is not None:
        candidates = [explicit]
    elif environ.get("DBT_PROFILES_DIR"):
        candidates = [Path(environ["DBT_PROFILES_DIR"])]
    else:
        candidates = [
            directory
            for directory in (Path.cwd(), project)
            if (directory / "profiles.yml").is_file()
        ] or [Path.home() / ".dbt"]
    chosen = candidates[0].expanduser().resolve()
    if not (chosen / "profiles.yml").is_file():
        raise DbtgateError(
            f"{chosen}: no profiles.yml for `dbt parse` of the base ref (pass --profiles-dir or "
            "set DBT_PROFILES_DIR)"
        )
    return chosen


def _project_dir(project_dir: Path | None, ref: str) -> Path:
    project = (project_dir or Path.cwd()).resolve()
    if not (project / "dbt_project.yml").is_file():
        raise DbtgateError(
            f"{ref}: --base is not a directory, and {project} has no dbt_project.yml to parse at "
            "that git ref (pass --project-dir)"
        )
    return project


def _share_packages(project: Path, base_project: Path) -> None:
    """Installed packages are not in git: lend the checkout's to the worktree (`dbt deps` would
    need the network), where the base's dbt_project.yml has dbt look for them: its
    `packages-install-path` (`deps`), not always dbt_packages, where a base parse found none."""
    from dbtgate.locate import install_folders

    ours = install_folders(project)
    found = next((i for i, folder in enumerate(ours) if folder.is_dir()), None)
    if found is None:
        return
    theirs = install_folders(base_project)
    lent = theirs[min(found, len(theirs) - 1)]
    if not lent.exists() and not lent.is_symlink():
        lent.parent.mkdir(parents=True, exist_ok=True)
        lent.symlink_to(ours[found].resolve(), target_is_directory=True)


def _parse(
    dbt: str,
    project: Path,
    profiles: Path,
    target: Path,
    environ: Mapping[str, str],
    ref: str,
    sha: str,
) -> None:
    env = {k: v for k, v in environ.items() if k not in _REDIRECTING_ENV}
    env.update(
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_USE_COLORS="false",
        DBT_LOG_PATH=str(target / "logs"),
    )
    args = [dbt, "parse", "--project-dir", str(project), "--profiles-dir", str(profiles)]
    args += ["--target-path", str(target)]
    from dbtgate.dbt_process import run_dbt

    try:
        completed = run_dbt(args, project, env)
    except OSError as exc:
        raise DbtgateError(f"could not run {dbt}: {exc.strerror}; {_NO_DBT_HINT}") from None
    if completed.returncode != 0 or not (target / "manifest.json").is_file():
        tail = "\n".join(completed.stdout.strip().splitlines()[-LOG_TAIL_LINES:])
        # dbt's "Run dbt deps": the base has only the packages this checkout installed.
        deps = (
            " (the base commit is parsed with the packages installed here: run `dbt deps` in "
            "the project first)"
            if "dbt deps" in completed.stdout
            else ""
        )
        raise DbtgateError(
            f"{ref}: `dbt parse` of the base commit {sha[:12]} failed (exit "
            f"{completed.returncode}){deps}; pass --base PATH to use saved artifacts instead. "
            f"Last lines of dbt's output:\n{tail}"
        )


def _store(manifest: Path, cached: Path) -> None:
    """Publish the manifest into the cache atomically: a concurrent run sees all or nothing."""
    import tempfile

    cached.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=cached.parent))
    try:
        shutil.copyfile(manifest, staging / "manifest.json")
        try:
            staging.rename(cached)
        except OSError:
            if not (cached / "manifest.json").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _prune(commits: Path, keep: int) -> None:
    """Keep the `keep` base commits used last, remove the others: a manifest is cached per
    base commit (160 MB at 10,000 models), and a laptop gating branch after branch against a
    moving main gained one a day, without end."""
    try:
        entries = [entry for entry in commits.iterdir() if not entry.name.startswith(".")]
        entries.sort(key=lambda entry: entry.stat().st_mtime, reverse=True)
    except OSError:
        return
    for entry in entries[keep:]:
        shutil.rmtree(entry, ignore_errors=True)


def _git_message(exc) -> str:
    """git's own last line (`fatal: ...`), without gitpython's `stderr: '...'` wrapping."""
    lines = [line.strip() for line in (exc.stderr or "").splitlines() if line.strip()]
    if not lines:
        return f"git exit {exc.status}"
    return lines[-1].removeprefix("stderr:").strip().strip("'")


def _add_worktree(repo: Any, worktree: Path, sha: str, ref: str) -> None:
    """Check `sha` out into `worktree`, without the user's hooks: a post-checkout hook (husky,
    pre-commit's) would run in the temporary tree, installing things or failing the checkout."""
    import git

    try:
        repo.git(c="core.hooksPath=/dev/null").worktree("add", "--detach", str(worktree), sha)
    except git.GitCommandError as exc:
        raise DbtgateError(
            f"{ref}: cannot check out the base commit {sha[:12]} into a git worktree "
            f"({_git_message(exc)}); pass --base PATH to use saved artifacts instead"
        ) from None


def _remove_worktree(repo, worktree: Path) -> None:
    """Unregister and delete the temporary worktree. Also after a failed or interrupted `add`
    (git may have registered it half-way); a cleanup that fails in turn does not hide the
    error that brought the run here."""
    import git

    try:
        repo.git.worktree("remove", "--force", str(worktree))
    except git.GitCommandError:
        shutil.rmtree(worktree, ignore_errors=True)
        with contextlib.suppress(git.GitCommandError):
            repo.git.worktree("prune")
