"""Which deleted file an untracked one was moved from (`dbtgate.alike`), and what lint and the
baseline's renames (`git_renames`) each make of a tie, on real git repositories."""

from __future__ import annotations

from pathlib import Path

from lint_repos import commit_all, git, init_repo

from dbtgate.alike import most_alike
from dbtgate.git_renames import renamed_files
from dbtgate.lint.changes import changes_against, open_repo

MODEL = "".join(f"select {n} as column_{n}\n" for n in range(1, 21))


def edited(text: str, *numbers: int) -> str:
    """`text` with the lines `numbers` (from 1) rewritten."""
    lines = text.splitlines(keepends=True)
    for number in numbers:
        lines[number - 1] = f"select {number} as rewritten_{number}\n"
    return "".join(lines)


def test_the_candidate_sharing_most_lines_at_least_half_is_the_one():
    text = edited(MODEL, 1)
    found = most_alike(text, [("far", edited(MODEL, *range(1, 15))), ("near", MODEL)])
    assert found is not None and (found.key, found.text, found.tied) == ("near", MODEL, False)
    # Less than half the lines shared: none.
    assert most_alike(text, [("far", edited(MODEL, *range(1, 15)))]) is None
    assert most_alike(text, []) is None


def test_a_tie_is_reported_with_the_first_of_the_equals():
    text = edited(MODEL, 1)
    found = most_alike(text, [("a", MODEL), ("b", MODEL), ("c", edited(MODEL, 2, 3))])
    assert found is not None and (found.key, found.tied) == ("a", True)
    # A better one after a tie ends it.
    found = most_alike(text, [("a", edited(MODEL, 5)), ("b", edited(MODEL, 6)), ("c", text)])
    assert found is not None and (found.key, found.tied) == ("c", False)


def test_candidates_are_read_as_they_come():
    """Lint reads a deleted file's text from git only when it is compared (`texts` caches it)."""
    read: list[str] = []

    def candidates():
        for key in ("a", "b"):
            read.append(key)
            yield key, MODEL

    found = most_alike(MODEL, candidates())
    assert found is not None and found.key == "a" and read == ["a", "b"]


def two_deleted_one_moved_by_hand(root: Path, second: str = MODEL) -> Path:
    """A repository whose working tree deleted two models (the second of text `second`: by
    default the first's) and holds, untracked, a file moved with `mv`, not yet added, as alike
    to the first as to a copy of it."""
    init_repo(root)
    models = root / "models"
    models.mkdir()
    (models / "first.sql").write_text(MODEL)
    (models / "second.sql").write_text(second)
    (models / "other.sql").write_text("select 1 as one\n")
    commit_all(root, "base")
    git(root, "checkout", "--quiet", "-b", "pr")
    (models / "first.sql").unlink()
    (models / "second.sql").unlink()
    (models / "moved.sql").write_text(edited(MODEL, 4))
    return models / "moved.sql"


def test_the_baseline_pairs_no_file_equally_alike_two_deleted_ones(tmp_path):
    """Which model's debt the file should carry is a guess: none is carried, as git reads none
    renamed; where one of the two is the more alike, it is the one."""
    two_deleted_one_moved_by_hand(tmp_path / "tied")
    assert renamed_files(tmp_path / "tied", ["main"]) == {}
    two_deleted_one_moved_by_hand(tmp_path / "apart", second=edited(MODEL, 1, 2))
    assert renamed_files(tmp_path / "apart", ["main"]) == {"models/moved.sql": "models/first.sql"}


def test_lint_reads_a_file_equally_alike_two_deleted_ones_as_moved_from_the_first(tmp_path):
    """Lint only needs which of the file's lines the move did not write: the first in path
    order is taken, and its one edited line counts."""
    moved = two_deleted_one_moved_by_hand(tmp_path / "repo")
    changes = changes_against(open_repo(tmp_path / "repo"), "main")
    found = changes.get(moved)
    assert found is not None and found.status == "renamed"
    assert found.previous_path == tmp_path / "repo" / "models" / "first.sql"
    assert found.lines == {4}
