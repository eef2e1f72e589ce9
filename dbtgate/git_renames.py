"""Which files git reads as renamed since the base branch: what lets a baseline's debt follow a
model renamed and edited in one pull request, whose new checksum dbt's cannot match.

Asked only when git's answer could change the report (`baseline_renames.git_could_pair`), and
then in one git command (`diff --merge-base REF -M`; two before git 2.30, which lacks the option:
`merge-base REF HEAD`, then `diff BASE -M`), without gitpython and without patches: a check whose baseline holds entries on models deleted long ago runs no git at
all. A file moved with `mv` and not yet added is a deletion and an untracked file to git: they
are paired as lint pairs them, by their lines (`moved_by_hand`), only where unambiguous, and
without staging anything (the user's index is theirs). Outside a repository, without git, or
without a base git knows, nothing is read as renamed, and the findings are new, as before: a
rename git does not vouch for is not guessed, nor one between files identical to others (told
by their blob ids; a file added and edited since it was staged, which git before 2.31 lists
without one, is hashed: one `git hash-object`, only then).
"""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from dbtgate.alike import most_alike
from dbtgate.lint.changes import DEFAULT_BASE_REFS

_TIMEOUT = 20  # seconds per git command: a gate does not hang on a huge repository's diff
_UNKNOWN_REF = 128  # git's exit code for a revision it does not know (try the next ref)
_UNKNOWN_OPTION = 129  # git's exit code for an option it does not know: `--merge-base` before 2.30
_NO_MERGE_BASE = 1  # `git merge-base`'s when the ref shares no history with HEAD
# A diff's files, renames paired, as a manifest names them: under the project, without patches.
_LISTING = ("-M", "--raw", "-z", "--no-abbrev", "--relative", "--no-color", "--", ".")


def base_refs(given: str | None, environ: Mapping[str, str]) -> list[str]:
    """The refs to measure the change from, first that git knows wins: `given` (`--base REF`,
    or the commit it was compared at), else the pull request's base branch in GitHub Actions,
    else lint's default list."""
    if given:
        return [given]
    github_base = environ.get("GITHUB_BASE_REF")
    return [f"origin/{github_base}"] if github_base else list(DEFAULT_BASE_REFS)


def renamed_files(project_dir: Path, refs: Iterable[str]) -> dict[str, str]:
    """New path -> old path, both relative to `project_dir` (as a manifest's
    `original_file_path`), of the files under it that git's rename detection (`diff -M`, at its
    default similarity of half) pairs between the merge base of the first of `refs` git knows
    and the working tree, and of those moved by hand (`moved_by_hand`); empty when git cannot
    tell. One git command per ref tried (`--relative` keeps the paths under the project, as
    the manifest names them; two before git 2.30), none outside a repository, two more where
    the change deleted a file (to pair it with one not yet added)."""
    if not _in_repository(project_dir):
        return {}
    for ref in refs:
        code, listed = _git(project_dir, "diff", "--merge-base", ref, *_LISTING)
        if code == _UNKNOWN_OPTION:
            code, listed = diff_from_merge_base(project_dir, ref)
        if code == 0:
            listing = listed.decode("utf-8", errors="surrogateescape")
            renamed, deleted = _listed(project_dir, listing)
            return renamed | moved_by_hand(project_dir, deleted)
        if code != _UNKNOWN_REF:
            return {}  # not a ref git lacks: git itself cannot answer (a broken repository)
    return {}


def diff_from_merge_base(project_dir: Path, ref: str) -> tuple[int | None, bytes]:
    """What `git diff --merge-base REF` lists, for git before 2.30, which refuses the option
    (the git of Debian 10 or an older build agent's image): the merge base asked first, then
    the diff from it to the working tree. The exit code as the one command gives it: 128 for a
    ref git does not know or that shares no history with HEAD (the next ref is tried)."""
    code, base = _git(project_dir, "merge-base", ref, "HEAD")
    if code != 0:
        return (_UNKNOWN_REF if code == _NO_MERGE_BASE else code), b""
    return _git(project_dir, "diff", base.decode("ascii").strip(), *_LISTING)


def _listed(project_dir: Path, listed: str) -> tuple[dict[str, str], dict[str, str]]:
    """The renames (new path -> old path) and deletions (path -> the blob it had) of a
    `diff --raw -z` listing. A rename between files another added or deleted file is the same
    as is git's guess (it pairs identical files in path order: a model renamed and an unchanged
    copy of it added read the copy as the rename where its name sorts first), and none: a wrong
    pair would hide a new finding. Files of the working tree git listed unhashed are hashed
    first (`_hashed`), so that identical edited copies are told as identical."""
    fields = listed.split("\0")
    renamed: dict[str, tuple[str, str]] = {}  # new path -> (old path, old blob)
    deleted: dict[str, str] = {}
    sources: list[str] = []  # the blobs of the files renamed or deleted
    targets: dict[str, str] = {}  # the files renamed to or added -> their blob
    at = 0
    while at + 1 < len(fields) and fields[at].startswith(":"):
        _, _, old_blob, new_blob, status = fields[at].split(" ")
        if status.startswith(("R", "C")):  # a rename or copy names both files
            if status.startswith("R"):
                renamed[fields[at + 2]] = (fields[at + 1], old_blob)
                sources.append(old_blob)
            targets[fields[at + 2]] = new_blob
            at += 3
            continue
        if status == "D":
            deleted[fields[at + 1]] = old_blob
            sources.append(old_blob)
        elif status == "A":
            targets[fields[at + 1]] = new_blob
        at += 2
    if renamed:
        targets |= _hashed(project_dir, [path for path, blob in targets.items() if _unhashed(blob)])
    # Counted once: a listing of thousands of files asks of each rename.
    source_counts, target_counts = Counter(sources), Counter(targets.values())
    return {
        new: old
        for new, (old, old_blob) in renamed.items()
        if not _twice(old_blob, source_counts) and not _twice(targets[new], target_counts)
    }, deleted


def _unhashed(blob: str) -> bool:
    """Whether git listed a file with no blob id (all zeros): before git 2.31, a file added
    and edited in the working tree since it was staged, even beside a rename (git hashed it
    to compare, and printed the id of the files it paired only)."""
    return blob.strip("0") == ""


def _hashed(project_dir: Path, paths: list[str]) -> dict[str, str]:
    """The blob ids of `paths` (under `project_dir`) as git would store them, in one `git
    hash-object` (none without paths); empty when git cannot read one of them, which then all
    stay unhashed, alike no other (as before they were hashed)."""
    if not paths:
        return {}
    code, out = _git(project_dir, "hash-object", "--", *paths)
    ids = out.decode("ascii", errors="replace").split()
    return dict(zip(paths, ids, strict=True)) if code == 0 and len(ids) == len(paths) else {}


def _twice(blob: str, counts: Counter[str]) -> bool:
    """Whether another file of those `counts` counts by blob has `blob` (all zeros: a file git
    could not hash, alike no other)."""
    return counts[blob] > 1 and not _unhashed(blob)


def moved_by_hand(project_dir: Path, deleted: Mapping[str, str]) -> dict[str, str]:
    """New path -> old path of the files moved with `mv` and not yet added (git reads a rename
    only once both sides are staged, and nothing is staged here: the user's index is theirs):
    an untracked file and a file the change deleted (`deleted`: path -> its blob), of the same
    kind, sharing at least half their lines (git's own threshold, as lint judges a move by
    hand), where neither is as alike to another: a wrong pair would hide a new finding."""
    if not deleted:
        return {}
    code, listed = _git(project_dir, "ls-files", "--others", "--exclude-standard", "-z", "--", ".")
    if code != 0:
        return {}
    suffixes = {Path(path).suffix for path in deleted}
    added = sorted(
        path
        for path in listed.decode("utf-8", errors="surrogateescape").split("\0")
        if path and Path(path).suffix in suffixes
    )
    if not added:
        return {}
    before = _blobs(project_dir, sorted(set(deleted.values())))
    best: dict[str, list[str]] = {}  # deleted path -> the untracked files most alike it
    for new in added:
        try:
            text = (project_dir / new).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        old = _most_alike(
            text,
            {
                path: before[blob]
                for path, blob in deleted.items()
                if Path(path).suffix == Path(new).suffix and blob in before
            },
        )
        if old is not None:
            best.setdefault(old, []).append(new)
    return {news[0]: old for old, news in best.items() if len(news) == 1}


def _most_alike(text: str, candidates: Mapping[str, str]) -> str | None:
    """The one candidate (path -> text) sharing most of `text`'s lines, at least half; None
    when none does, or two do equally: which one the file was is then a guess, and a wrong
    pair would hide a new finding."""
    found = most_alike(text, sorted(candidates.items()))
    return None if found is None or found.tied else found.key


def _blobs(project_dir: Path, blobs: list[str]) -> dict[str, str]:
    """The texts of `blobs` (object names), read in one `git cat-file --batch`."""
    code, out = _git(project_dir, "cat-file", "--batch", stdin="".join(f"{b}\n" for b in blobs))
    texts: dict[str, str] = {}
    at = 0
    while code == 0 and at < len(out):
        header_end = out.index(b"\n", at)
        name, kind, *size = out[at:header_end].decode().split(" ")
        if kind == "missing" or not size:
            at = header_end + 1
            continue
        start = header_end + 1
        end = start + int(size[0])
        texts[name] = out[start:end].decode("utf-8", errors="replace")
        at = end + 1  # the newline after the contents
    return texts


def _in_repository(directory: Path) -> bool:
    """Whether git could find a repository holding `directory` (a `.git` in it or above it, or
    one the environment names), read from the file system rather than by running git."""
    if os.environ.get("GIT_DIR"):
        return True
    start = directory.resolve()
    return any((folder / ".git").exists() for folder in (start, *start.parents))


def _git(directory: Path, *args: str, stdin: str | None = None) -> tuple[int | None, bytes]:
    """`git -C directory args...`'s exit code and output (bytes: a blob's size counts them);
    None for the code when git is missing or timed out."""
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), *args],
            capture_output=True,
            input=stdin.encode() if stdin is not None else None,
            stdin=subprocess.DEVNULL if stdin is None else None,
            timeout=_TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None, b""
    return done.returncode, done.stdout
