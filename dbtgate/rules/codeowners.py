"""CODEOWNERS: who owns a file, as GitHub decides it (last matching pattern wins).

The `owner.allowed` rule can require a model's declared owner to be one of the file's code
owners, so that ownership in dbt and review rights in the repository say the same thing. The
file is found and read once by the CLI (rules never read files) and passed to rules as an input.
"""

from __future__ import annotations

import re
from pathlib import Path

from msgspec import Struct, field

from dbtgate.errors import DbtgateError, lookup_problem
from dbtgate.pipes import is_pipe, read_bytes

# Where GitHub looks for the file, in its order of precedence, relative to the repository root.
LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")


class CodeOwnersRule(Struct, frozen=True):
    pattern: str
    regex: re.Pattern[str]
    owners: tuple[str, ...]
    line: int


class CodeOwners(Struct):
    """Parsed CODEOWNERS; `prefix` is the dbt project's directory relative to the file's root,
    so project-relative paths (original_file_path) can be matched; `root` is that folder (the
    repository's root, whose paths the patterns name), for files found elsewhere than in the
    root project (an installed package's)."""

    path: Path
    prefix: str = ""
    rules: list[CodeOwnersRule] = field(default_factory=list)
    root: Path | None = None

    def owners_of(self, project_path: str) -> list[str]:
        """The owners of a file of the root dbt project, by its path in the project."""
        path = project_path.replace("\\", "/").lstrip("/")
        if self.prefix:
            path = f"{self.prefix.rstrip('/')}/{path}"
        return self.owners_at(path)

    def owners_at(self, path: str) -> list[str]:
        """The owners of the file at `path` from `root` (the last matching entry's)."""
        for entry in reversed(self.rules):
            if entry.regex.match(path):
                return list(entry.owners)
        return []

    def path_of(self, file: Path) -> str | None:
        """`file` on disk as the patterns name it: where it really is, from `root` (a `local:`
        package's symlink followed to its folder in the repository; a hub package's file where
        `dbt deps` put it, `analytics/dbt_packages/hub_pkg/models/x.sql`). None when it really
        is outside `root` (a symlink to a folder elsewhere): no file of the repository, which
        CODEOWNERS has no say over."""
        if self.root is None:
            return None
        real, root = file.resolve(), self.root.resolve()
        if real == root or not real.is_relative_to(root):
            return None
        return real.relative_to(root).as_posix()


def parse_codeowners(
    text: str, path: Path, prefix: str = "", root: Path | None = None
) -> CodeOwners:
    result = CodeOwners(path=path, prefix=prefix, root=root)
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        pattern, *owners = line.split()
        result.rules.append(CodeOwnersRule(pattern, _pattern_regex(pattern), tuple(owners), number))
    return result


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """gitignore-style: `/x` anchors at the root, `x/` matches a directory's contents, `*` stays
    within a path segment, `**` crosses segments; a pattern without `/` matches at any depth."""
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    body = pattern.strip("/")
    directory = pattern.endswith("/")
    out = []
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif body.startswith("**", i):
            out.append(".*")
            i += 2
        elif body[i] == "*":
            out.append("[^/]*")
            i += 1
        elif body[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(body[i]))
            i += 1
    regex = "".join(out)
    prefix = "" if anchored else "(?:.*/)?"
    # A pattern matches the path itself or anything below it (a directory).
    suffix = "/.*" if directory else "(?:/.*)?"
    return re.compile(f"^{prefix}{regex}{suffix}$")


def same_owner(owner: str, code_owner: str) -> bool:
    """`@org/team` (CODEOWNERS) is the same owner as `@org/team`, `@team` or `team`."""
    a = owner.strip().lstrip("@").lower()
    b = code_owner.strip().lstrip("@").lower()
    return a == b or a == b.rsplit("/", 1)[-1] or a.rsplit("/", 1)[-1] == b


def find_codeowners(
    project_dir: Path | None, explicit: str | None = None, where: str = ""
) -> CodeOwners | None:
    """The CODEOWNERS that governs the dbt project: `explicit` (configured at `where`, the
    config's `file:line: `), else the first found in the project directory or one of its
    parents (stopping at the repository root)."""
    if explicit:
        path = Path(explicit)
        problem = lookup_problem(path)
        if problem is None and path.is_dir():
            problem = "is a directory, expected the CODEOWNERS file"
        piped = problem is None and is_pipe(path)  # `<(git show main:CODEOWNERS)`, read once
        if not piped and (problem is not None or not path.is_file()):
            raise DbtgateError(f"{where}owner.codeowners: {path}: {problem or 'file not found'}")
        if piped:
            root = _repository_root(project_dir)
        else:
            root = path.parent.parent if path.parent.name in (".github", "docs") else path.parent
        return _read(path, root, project_dir)
    if project_dir is None:
        return None
    start = project_dir.resolve()
    for directory in (start, *start.parents):
        for location in LOCATIONS:
            candidate = directory / location
            if candidate.is_file():
                return _read(candidate, directory, project_dir)
        if (directory / ".git").exists():
            break
    return None


def _repository_root(project_dir: Path | None) -> Path:
    """The root a piped CODEOWNERS's patterns name paths from: a pipe's folder (/dev/fd) says
    nothing of where the file belongs, and GitHub reads it from the repository's root, the
    nearest folder up from the dbt project (else the current one) holding `.git`; without
    one, the current folder (as a piped config's paths are the current folder's)."""
    here = Path.cwd()
    start = project_dir.resolve() if project_dir is not None else here
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return here


def _read(path: Path, root: Path, project_dir: Path | None) -> CodeOwners:
    try:
        text = read_bytes(path).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DbtgateError(f"{path}: cannot read CODEOWNERS: {exc}") from None
    prefix = ""
    if project_dir is not None:
        try:
            prefix = project_dir.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            prefix = ""
    return parse_codeowners(text, path, "" if prefix == "." else prefix, root)
