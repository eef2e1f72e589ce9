"""Build the bundled `shop` fixture dbt project with dbt-duckdb: a base or a pull-request build.

Why this exists: the test suite and `dbtgate demo` need real dbt artifacts (manifest, run_results,
catalog, sources) from a real warehouse, not hand-written JSON. `fixtures/shop/` is the base
project; `fixtures/shop_pr/` is an overlay (its files replace or add files at the same relative
path, and `fixtures/shop_pr/DELETED` lists paths to delete) that turns it into a realistic pull
request. `fixtures/README.md` says what each build must contain.

dbt runs as a separate process (the `dbt` next to the running Python, else the one on PATH), so
the gate itself never imports dbt-core. A build is cached: it is skipped when the artifacts are
there and a stamp matches a hash of the fixture sources and of the build recipe. The stamp also
records the dbt inputs of the built project, so a project edited in place (a newcomer trying the
demo on a model of their own) is rebuilt as it stands, not gated on the build of before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import dbtgate
from dbtgate.dbt_process import run_dbt
from dbtgate.errors import DbtgateError
from dbtgate.wording import first_few

FixtureState = Literal["base", "pr"]

PROJECT_NAME = "shop"
OVERLAY_NAME = "shop_pr"
DELETED_LIST = "DELETED"
ARTIFACTS = ("manifest.json", "run_results.json", "catalog.json", "sources.json")
# `dbt docs generate` and `dbt source freshness` rewrite these two; the gate needs the pair written
# by `dbt build` (same invocation_id, results of the models and tests), so they are put back.
BUILD_ARTIFACTS = ("manifest.json", "run_results.json")
# Part of the cache key: changing how a build is made must invalidate old builds.
RECIPE = "dbt build; dbt docs generate; dbt source freshness; keep build manifest+run_results; v1"
# What dbt reads in the built project (dbt's default folders, the fixture's): an edit to one of
# these is rebuilt; dbtgate's own files (dbtgate.yml) are read afresh by every gate run anyway.
DBT_INPUT_FILES = ("dbt_project.yml", "packages.yml", "dependencies.yml", "selectors.yml")
DBT_INPUT_FOLDERS = ("models", "seeds", "snapshots", "macros", "tests", "analyses")
LOG_TAIL_LINES = 40


def install_hint(package_dir: Path | None = None) -> str:
    """How to get dbt and dbt-duckdb next to this dbtgate: the `duckdb` extra, from the checkout
    when dbtgate runs from one (an editable install: the test suite), else from PyPI (the demo
    of an installed dbtgate)."""
    checkout = (package_dir or Path(__file__).resolve().parent).parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "fixtures").is_dir():
        return f'install dbt with dbt-duckdb: pip install -e "{checkout}[duckdb]"'
    return 'install dbt with dbt-duckdb: pip install "dbtgate[duckdb]"'


PROFILES_TEMPLATE = """\
# Written by dbtgate.fixture_build: a DuckDB file private to this build.
shop:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{db_path}"
      threads: 4
"""


def fixtures_dir() -> Path:
    """The directory holding `shop/` and `shop_pr/`: inside the wheel, or in a source checkout."""
    package_dir = Path(dbtgate.__file__).resolve().parent
    for candidate in (package_dir / "_fixtures", package_dir.parent / "fixtures"):
        if (candidate / PROJECT_NAME / "dbt_project.yml").is_file():
            return candidate
    raise DbtgateError(
        f"fixture project not found: expected {package_dir / '_fixtures'} or "
        f"{package_dir.parent / 'fixtures'} to contain {PROJECT_NAME}/dbt_project.yml"
    )


def build_fixture(
    state: FixtureState,
    workdir: Path,
    *,
    echo: Callable[[str], None] | None = None,
    name: str | None = None,
) -> Path:
    """Build the fixture project for `state` under `workdir/<state>/` and return the project dir.

    The artifacts are in `<project>/target`: manifest.json and run_results.json from `dbt build`,
    catalog.json from `dbt docs generate`, sources.json from `dbt source freshness`. What it
    echoes and its errors start with `name`, the build as its caller calls it (the demo: "the
    base build (the main branch)"); `fixture base` by default, as the test suite's builds are.
    """
    if state not in ("base", "pr"):
        raise DbtgateError(f"unknown fixture state {state!r}: expected 'base' or 'pr'")
    say = echo or (lambda _message: None)
    name = name or f"fixture {state}"
    source_root = fixtures_dir()
    state_dir = Path(workdir).resolve() / state
    project_dir = state_dir / "project"
    stamp_path = state_dir / "fixture.stamp"
    db_path = state_dir / f"{PROJECT_NAME}.duckdb"
    profiles = PROFILES_TEMPLATE.format(db_path=db_path.as_posix())
    digest = _fixture_digest(source_root, state)

    state_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(state_dir / "fixture.lock"):
        stamp = _read_stamp(stamp_path)
        in_place = stamp is not None and stamp.get("fixture") == digest
        edited = _edits(stamp.get("project", {}), _project_inputs(project_dir)) if stamp else []
        if in_place and not edited and _has_artifacts(project_dir):
            # A folder copied or moved here kept the profile of where it was built: a `dbt`
            # run by hand with it would write into that folder's database.
            (state_dir / "profiles.yml").write_text(profiles, encoding="utf-8")
            say(f"{name}: up to date in {project_dir}")
            return project_dir
        if in_place:
            why = (
                f"edited since its build: {first_few(edited, 5)}"
                if edited
                else "its build is missing"
            )
            say(f"{name}: rebuilding {project_dir}, {why}")
        elif edited and project_dir.is_dir():
            # Another dbtgate's fixture: the project is written anew, and the user's edits are
            # moved aside rather than lost, beside any kept before (never over them); the stamp
            # goes with them, so that a run stopped before the build does not take the fresh
            # fixture for edits and move it aside too.
            kept = _free_path(state_dir / "project.edited")
            project_dir.rename(kept)
            stamp_path.unlink(missing_ok=True)
            say(
                f"{name}: the bundled fixture changed (another version of dbtgate), so "
                f"{project_dir} is written anew; the project as it was, with your edits "
                f"({first_few(edited, 5)}), is kept in {kept}"
            )
        dbt = _find_dbt()
        _clean_state_dir(state_dir, project_dir, stamp_path, db_path, keep_project=in_place)
        if not in_place:
            assemble_project(source_root, state, project_dir)
        (state_dir / "profiles.yml").write_text(profiles, encoding="utf-8")
        _run_build(dbt, state, project_dir, state_dir, say, name=name, edited=in_place)
        # Whether the project holds the user's edits, for the demo's words: its inputs against
        # those of the fixture as written (a user who reverts every edit has none left).
        built = _project_inputs(project_dir)
        pristine = stamp.get("pristine") if in_place and stamp else built
        stamp = {
            "fixture": digest,
            "project": built,
            "pristine": pristine,
            "edited": (
                built != pristine
                if isinstance(pristine, dict)
                else bool(edited) or bool(stamp and stamp.get("edited"))
            ),
        }
        stamp_path.write_text(json.dumps(stamp, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return project_dir


def _free_path(wanted: Path) -> Path:
    """`wanted`, or `wanted.2`, `wanted.3`... the first that does not exist yet."""
    path, number = wanted, 1
    while path.exists():
        number += 1
        path = wanted.with_name(f"{wanted.name}.{number}")
    return path


def _fixture_digest(source_root: Path, state: FixtureState) -> str:
    """Hash of every file the build reads: an edited fixture is rebuilt, an unchanged one is not.
    The profile counts as its template, not with the folder's DuckDB path in it: a demo folder
    copied or moved elsewhere is the same build (its edits kept and built in place), not a
    fixture to write anew."""
    roots = [source_root / PROJECT_NAME]
    if state == "pr":
        roots.append(source_root / OVERLAY_NAME)
    digest = hashlib.sha256()
    for text in (state, PROFILES_TEMPLATE, RECIPE):
        digest.update(text.encode("utf-8") + b"\0")
    for root in roots:
        for path in sorted(_source_files(root)):
            digest.update(f"{root.name}/{path.relative_to(root).as_posix()}".encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _source_files(root: Path) -> Iterator[Path]:
    """Files of a fixture tree, leaving out what a stray local `dbt` run could leave behind."""
    skipped = {"target", "logs", "dbt_packages", "__pycache__"}
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if (
            path.is_file()
            and not skipped.intersection(relative.parts[:-1])
            and relative.name != ".user.yml"
            and ".duckdb" not in relative.name
        ):
            yield path


def _has_artifacts(project_dir: Path) -> bool:
    return all((project_dir / "target" / name).is_file() for name in ARTIFACTS)


def holds_edits(workdir: Path, state: FixtureState) -> bool:
    """Whether the state's project was built with the user's edits of it (`dbtgate demo`
    then speaks of them, not only of what the fixture plants)."""
    stamp = _read_stamp(Path(workdir).resolve() / state / "fixture.stamp")
    return bool(stamp and stamp.get("edited"))


def _read_stamp(stamp_path: Path) -> dict | None:
    """The stamp of the last build: the fixture digest and the project's dbt inputs as built;
    None when there is none or it is of an older format (the build is then redone)."""
    try:
        stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def _project_inputs(project_dir: Path) -> dict[str, str]:
    """Hash of each file dbt reads in a built project, by its path in the project."""
    files = [project_dir / name for name in DBT_INPUT_FILES]
    for folder in DBT_INPUT_FOLDERS:
        if (project_dir / folder).is_dir():
            files.extend(_source_files(project_dir / folder))
    return {
        path.relative_to(project_dir).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(files)
        if path.is_file()
    }


def _edits(built: dict[str, str], now: dict[str, str]) -> list[str]:
    """The files edited, added or deleted since the build, each with what happened to it."""
    changes = []
    for path in sorted(built.keys() | now.keys()):
        if path not in now:
            changes.append(f"{path} (deleted)")
        elif path not in built:
            changes.append(f"{path} (added)")
        elif built[path] != now[path]:
            changes.append(path)
    return changes


@contextlib.contextmanager
def _exclusive_lock(lock_path: Path) -> Iterator[None]:
    """Serialise builds of one state dir: concurrent test runs may share a fixture cache."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; concurrent builds there are the user's call
        yield
        return
    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _find_dbt() -> str:
    """The dbt of the running environment first, so `pip install -e .[duckdb]` is what gets used."""
    beside_python = shutil.which("dbt", path=str(Path(sys.executable).parent))
    found = beside_python or shutil.which("dbt")
    if found is None:
        raise DbtgateError(
            f"dbt executable not found next to {sys.executable} or on PATH: {install_hint()}"
        )
    return found


def _clean_state_dir(
    state_dir: Path, project_dir: Path, stamp_path: Path, db_path: Path, *, keep_project: bool
) -> None:
    """Remove only what an earlier build of ours wrote, so none of it leaks into this one. An
    edited project is kept (its edits are what gets built), and so is its stamp until the build
    succeeds: a failed build of the edits is retried on the next run, never replaced by the
    bundled fixture."""
    if keep_project:
        for written in ("target", "logs"):
            shutil.rmtree(project_dir / written, ignore_errors=True)
    else:
        shutil.rmtree(project_dir, ignore_errors=True)
        stamp_path.unlink(missing_ok=True)
    for leftover in (state_dir / "profiles.yml", *state_dir.glob(f"{db_path.name}*")):
        leftover.unlink(missing_ok=True)
    saved = state_dir / "build_artifacts"
    if saved.exists():
        shutil.rmtree(saved)


def assemble_project(source_root: Path, state: FixtureState, project_dir: Path) -> None:
    """Copy `shop/` to `project_dir`; for `pr`, overlay `shop_pr/` and apply its DELETED list."""
    base = source_root / PROJECT_NAME
    project_dir.parent.mkdir(parents=True, exist_ok=True)
    for path in _source_files(base):
        _copy_file(path, project_dir / path.relative_to(base))
    if state == "base":
        return
    overlay = source_root / OVERLAY_NAME
    deleted_list = overlay / DELETED_LIST
    for path in _source_files(overlay):
        if path != deleted_list:
            _copy_file(path, project_dir / path.relative_to(overlay))
    for line_number, relative in _deleted_paths(deleted_list):
        target = (project_dir / relative).resolve()
        if project_dir.resolve() not in target.parents or not target.is_file():
            raise DbtgateError(
                f"{deleted_list}:{line_number}: {relative!r} is not a file of the "
                f"{PROJECT_NAME} fixture project"
            )
        target.unlink()


def _copy_file(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, destination)


def _deleted_paths(deleted_list: Path) -> list[tuple[int, str]]:
    if not deleted_list.is_file():
        return []
    entries = []
    for line_number, raw in enumerate(deleted_list.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if line and not line.startswith("#"):
            entries.append((line_number, line))
    return entries


def _run_build(
    dbt: str,
    state: str,
    project_dir: Path,
    state_dir: Path,
    say: Callable[[str], None],
    *,
    name: str,
    edited: bool = False,
) -> None:
    """Build, document and check freshness; exit 1 of `dbt build` is accepted for the planted
    failing test, and for any failing node of an edited project (the gate reports what failed:
    that is what someone trying the demo wants to see), as long as dbt wrote its results."""
    env = _dbt_env(state_dir)
    target = project_dir / "target"

    if edited:
        planted = "failures the gate reports"
    else:
        planted = "a failing test, planted" if state == "pr" else ""
    output, code = _run_dbt(dbt, "build", project_dir, state_dir, env, say, name, planted)
    # Exit 1 means failing tests or failing nodes; only failing tests are planted in the fixture.
    results = target / "run_results.json"
    accepted = results.is_file() if edited else _only_test_failures(results)
    if code != 0 and not (code == 1 and accepted):
        raise _dbt_error("dbt build", name, code, output, project_dir, edited)
    saved = state_dir / "build_artifacts"
    saved.mkdir(exist_ok=True)
    for artifact in BUILD_ARTIFACTS:
        shutil.copyfile(target / artifact, saved / artifact)

    output, code = _run_dbt(dbt, "docs generate", project_dir, state_dir, env, say, name)
    if code != 0:
        raise _dbt_error("dbt docs generate", name, code, output, project_dir, edited)

    output, code = _run_dbt(
        dbt, "source freshness", project_dir, state_dir, env, say, name, "a stale source, planted"
    )
    # Exit 1 is a stale source, which the fixture plants on purpose.
    if code not in (0, 1) or not (target / "sources.json").is_file():
        raise _dbt_error("dbt source freshness", name, code, output, project_dir, edited)

    for artifact in BUILD_ARTIFACTS:
        shutil.copyfile(saved / artifact, target / artifact)
    missing = [artifact for artifact in ARTIFACTS if not (target / artifact).is_file()]
    if missing:
        raise DbtgateError(f"{name}: dbt did not write {', '.join(missing)} in {target}")


def _dbt_env(state_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    # A user's own dbt settings must not redirect the fixture's artifacts or target.
    for name in ("DBT_TARGET_PATH", "DBT_PROJECT_DIR", "DBT_TARGET", "DBT_PROFILE", "DBT_STATE"):
        env.pop(name, None)
    env.update(
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_PROFILES_DIR=str(state_dir),
        DBT_USE_COLORS="false",
        DBT_PARTIAL_PARSE="true",
    )
    return env


def _run_dbt(
    dbt: str,
    command: str,
    project_dir: Path,
    state_dir: Path,
    env: dict[str, str],
    say: Callable[[str], None],
    name: str,
    planted: str = "",
) -> tuple[str, int]:
    """Run `dbt COMMAND` and say how it ended, after the build's `name`; exit 1 with `planted`
    is said to be expected."""
    args = [dbt, *command.split(), "--project-dir", str(project_dir)]
    args += ["--profiles-dir", str(state_dir)]
    started = time.monotonic()
    try:
        completed = run_dbt(args, project_dir, env)
    except OSError as error:
        raise DbtgateError(f"could not run {dbt}: {error}; {install_hint()}") from error
    expected = f" ({planted})" if planted and completed.returncode == 1 else ""
    say(
        f"{name}: dbt {command} exited {completed.returncode} "
        f"in {time.monotonic() - started:.1f}s{expected}"
    )
    return completed.stdout, completed.returncode


def _only_test_failures(run_results: Path) -> bool:
    """True when every result that did not pass is a failing test (dbt exits 1 for those too)."""
    try:
        results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    statuses = {str(result.get("status")) for result in results}
    return "fail" in statuses and statuses <= {
        "success",
        "pass",
        "fail",
        "warn",
        "skipped",
        "no-op",
    }


def _dbt_error(
    command: str, name: str, code: int, output: str, project_dir: Path, edited: bool
) -> DbtgateError:
    tail = "\n".join(output.strip().splitlines()[-LOG_TAIL_LINES:])
    hint = (
        "the project was edited since its last build"
        if edited
        else f"is dbt-duckdb installed? {install_hint()}"
    )
    return DbtgateError(
        f"{name}: `{command}` failed with exit code {code} in {project_dir} "
        f"({hint}); last lines of dbt's log:\n{tail}"
    )


def main(argv: list[str] | None = None) -> int:
    """`python -m dbtgate.fixture_build DIR`: build both states into DIR, print where they are."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print("usage: python -m dbtgate.fixture_build DIR", file=sys.stderr)
        return 2
    workdir = Path(args[0])
    try:
        for state in ("base", "pr"):
            project = build_fixture(state, workdir, echo=print)
            print(f"{state}: {project / 'target'}")
    except DbtgateError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
