"""Changed files and lines from a real git repository: commits, renames, uncommitted edits."""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_repos import commit_all, git, init_repo

from dbtgate.artifacts.manifest import Manifest, ManifestMetadata, Node
from dbtgate.errors import DbtgateError
from dbtgate.lint.changes import (
    changed_lines,
    changes_against,
    in_commit_hook,
    nodes_by_file,
    open_repo,
)
from dbtgate.project import Project

MODEL = "\n".join(f"select {n} as column_{n}" for n in range(1, 21)) + "\n"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def edit_lines(text: str, replacements: dict[int, str]) -> str:
    lines = text.splitlines()
    for number, new in replacements.items():
        lines[number - 1] = new
    return "\n".join(lines) + "\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """main: four models under dbt/ and a README; pr: one edit, one rename with an edit, one
    new file, one deletion, plus an edit outside the dbt project."""
    root = init_repo(tmp_path / "repo")
    write(root / "README.md", "readme\n")
    for name in ("edited", "renamed", "deleted", "untouched"):
        write(root / "dbt" / "models" / f"{name}.sql", MODEL.replace("column", name))
    commit_all(root, "base")
    git(root, "checkout", "--quiet", "-b", "pr")
    edited = root / "dbt/models/edited.sql"
    edited.write_text(edit_lines(edited.read_text(), {3: "select 3 as changed", 7: "select 7"}))
    (root / "dbt/models/marts").mkdir()
    git(root, "mv", "dbt/models/renamed.sql", "dbt/models/marts/moved.sql")
    moved = root / "dbt/models/marts/moved.sql"
    moved.write_text(edit_lines(moved.read_text(), {12: "select 12 as edited_after_move"}))
    write(root / "dbt/models/added.sql", "select 1 as one\nselect 2 as two\n")
    (root / "dbt/models/deleted.sql").unlink()
    write(root / "README.md", "changed readme\n")
    commit_all(root, "pull request")
    return root


def test_edited_file_reports_only_the_lines_the_change_wrote(repo):
    changes = changes_against(open_repo(repo), "main")
    edited = changes.get(repo / "dbt/models/edited.sql")
    assert edited is not None
    assert edited.status == "modified"
    assert edited.lines == {3, 7}
    assert edited.touches(3) and not edited.touches(4)
    # The base's text, to tell a violation the change caused on an untouched line from old debt.
    assert edited.base_text == MODEL.replace("column", "edited")


def test_renamed_file_is_not_new_and_only_its_edited_lines_count(repo):
    changes = changes_against(open_repo(repo), "main")
    moved = changes.get(repo / "dbt/models/marts/moved.sql")
    assert moved is not None
    assert moved.status == "renamed"
    assert moved.previous_path == repo / "dbt/models/renamed.sql"
    assert moved.lines == {12}
    assert not moved.touches(1)
    assert moved.base_text == MODEL.replace("column", "renamed")


def test_a_file_moved_with_mv_is_a_rename_before_git_add(repo):
    """`mv` rather than `git mv`: git sees a deleted file and an untracked one until both are
    staged, and the whole moved file read as new (its old debt blocked). The deleted file it
    shares most lines with makes it a rename, whose edited line alone counts; a new file
    sharing less than half of a deleted one's lines stays new."""
    untouched = repo / "dbt/models/untouched.sql"
    text = untouched.read_text()
    untouched.unlink()
    moved = repo / "dbt/models/marts/by_hand.sql"
    moved.write_text(edit_lines(text, {4: "select 4 as edited_after_mv"}))
    write(repo / "dbt/models/unlike.sql", "select 1 as one\n" + text.splitlines()[0] + "\n")
    changes = changes_against(open_repo(repo), "main")
    by_hand = changes.get(moved)
    assert by_hand is not None and by_hand.status == "renamed"
    assert by_hand.previous_path == untouched
    assert by_hand.lines == {4}
    assert by_hand.base_text == text
    unlike = changes.get(repo / "dbt/models/unlike.sql")
    assert unlike is not None and unlike.status == "added" and unlike.lines is None
    # Under pre-commit the untracked file is not in the commit at all.
    assert changes_against(open_repo(repo), "main", untracked=False).get(moved) is None


def test_pure_rename_changes_no_line(repo):
    git(repo, "mv", "dbt/models/untouched.sql", "dbt/models/still_untouched.sql")
    commit_all(repo, "move only")
    changes = changes_against(open_repo(repo), "main")
    moved = changes.get(repo / "dbt/models/still_untouched.sql")
    assert moved is not None and moved.status == "renamed"
    assert moved.lines == frozenset()
    assert not moved.touches(None)


def test_new_file_counts_every_line_and_deleted_or_untouched_files_are_absent(repo):
    changes = changes_against(open_repo(repo), "main")
    added = changes.get(repo / "dbt/models/added.sql")
    assert added is not None and added.status == "added" and added.lines is None
    assert added.touches(1) and added.touches(None)
    assert changes.get(repo / "dbt/models/deleted.sql") is None
    assert changes.get(repo / "dbt/models/untouched.sql") is None


def test_uncommitted_staged_and_untracked_edits_count(repo):
    untouched = repo / "dbt/models/untouched.sql"
    untouched.write_text(edit_lines(untouched.read_text(), {5: "select 5 as unstaged"}))
    edited = repo / "dbt/models/edited.sql"
    edited.write_text(edit_lines(edited.read_text(), {15: "select 15 as staged"}))
    git(repo, "add", "dbt/models/edited.sql")
    write(repo / "dbt/models/scratch.sql", "select 1\n")
    changes = changes_against(open_repo(repo), "main")
    assert changes.get(untouched).lines == {5}
    assert changes.get(edited).lines == {3, 7, 15}
    scratch = changes.get(repo / "dbt/models/scratch.sql")
    assert scratch is not None and scratch.status == "added" and scratch.lines is None
    # Under pre-commit, the change is the commit: the scratch file beside it is not in it.
    committing = changes_against(open_repo(repo), "main", untracked=False)
    assert committing.get(repo / "dbt/models/scratch.sql") is None
    assert committing.get(edited).lines == {3, 7, 15}
    assert in_commit_hook({"PRE_COMMIT": "1"}) and not in_commit_hook({})


def test_change_is_measured_from_the_merge_base_not_the_base_tip(repo):
    """Commits that land on main after the branch was cut are not part of the pull request."""
    git(repo, "checkout", "--quiet", "main")
    untouched = repo / "dbt/models/untouched.sql"
    untouched.write_text(edit_lines(untouched.read_text(), {1: "select 1 as on_main"}))
    commit_all(repo, "main moves on")
    git(repo, "checkout", "--quiet", "pr")
    changes = changes_against(open_repo(repo), "main")
    assert changes.get(repo / "dbt/models/untouched.sql") is None
    assert changes.merge_base == git(repo, "merge-base", "main", "pr").strip()


def test_diff_is_limited_to_the_dbt_project_directory(repo):
    changes = changes_against(open_repo(repo / "dbt"), "main", within=repo / "dbt")
    assert changes.repo_root == repo.resolve()
    assert repo / "README.md" not in changes.files
    assert set(changes.files) == {
        repo / "dbt/models/edited.sql",
        repo / "dbt/models/marts/moved.sql",
        repo / "dbt/models/added.sql",
    }


def test_macro_folders_outside_the_project_are_in_the_diff_too(repo, tmp_path):
    """A monorepo's macros shared by its dbt projects (`macro-paths: [../shared_macros]`): an
    edit there, committed or not yet added, is the change's; the rest of the repository, and a
    folder outside it, are not."""
    write(repo / "shared_macros/cents.sql", "{% macro cents() %}1{% endmacro %}\n")
    commit_all(repo, "shared macros")
    git(repo, "checkout", "--quiet", "main")
    git(repo, "merge", "--quiet", "--ff-only", "pr")
    git(repo, "checkout", "--quiet", "-b", "shared")
    write(repo / "shared_macros/cents.sql", "{% macro cents() %}2{% endmacro %}\n")
    write(repo / "shared_macros/new.sql", "{% macro new() %}3{% endmacro %}\n")
    write(repo / "README.md", "edited again\n")
    changes = changes_against(
        open_repo(repo / "dbt"),
        "main",
        within=repo / "dbt",
        also=[repo / "dbt/../shared_macros", tmp_path / "outside"],
    )
    assert set(changes.files) == {repo / "shared_macros/cents.sql", repo / "shared_macros/new.sql"}
    assert changes.files[repo / "shared_macros/cents.sql"].lines == frozenset({1})
    assert changes.files[repo / "shared_macros/new.sql"].status == "added"
    alone = changes_against(open_repo(repo / "dbt"), "main", within=repo / "dbt")
    assert alone.files == {}


def test_unknown_base_ref_is_a_clear_error(repo):
    with pytest.raises(DbtgateError, match="base ref 'origin/nope' is not known to git"):
        changes_against(open_repo(repo), "origin/nope")


def test_an_unknown_base_ref_gets_the_same_help_as_base_ref_of_check(repo, tmp_path):
    """The README's `origin/main` in a repository with no remote: no fetch brings it, so the
    branches with a close name are offered (lint said to fetch it, check named `main`); with
    the remote there, the fetch that brings the branch is named."""
    with pytest.raises(DbtgateError) as raised:
        changes_against(open_repo(repo), "origin/main")
    assert str(raised.value).endswith(
        "base ref 'origin/main' is not known to git (no branch, tag or commit `origin/main`; "
        "close names: `main`)"
    )
    git(repo, "remote", "add", "origin", str(tmp_path))
    with pytest.raises(DbtgateError) as raised:
        changes_against(open_repo(repo), "origin/main")
    assert str(raised.value).endswith("(not fetched? `git fetch origin main`; close names: `main`)")


def test_directory_outside_git_is_a_clear_error(tmp_path):
    with pytest.raises(DbtgateError, match=r"not inside a git repository.*--all"):
        open_repo(tmp_path)


@pytest.mark.parametrize(
    ("patch", "lines"),
    [
        (b"@@ -3 +3 @@\n-a\n+b\n", {3}),
        (b"@@ -3,0 +4,2 @@\n+a\n+b\n", {4, 5}),
        (b"@@ -5,2 +4,0 @@\n-a\n-b\n", set()),
        (b"@@ -1,2 +1,3 @@ select\n+a\n@@ -10 +11 @@\n+b\n", {1, 2, 3, 11}),
    ],
)
def test_changed_lines_come_from_the_new_side_of_each_hunk(patch, lines):
    assert changed_lines(patch) == lines


def test_files_map_to_root_project_nodes_by_original_file_path(tmp_path):
    project_dir = tmp_path / "repo" / "dbt"
    nodes = {
        "model.shop.orders": Node(
            unique_id="model.shop.orders",
            resource_type="model",
            package_name="shop",
            original_file_path="models/orders.sql",
        ),
        "test.shop.assert_x": Node(
            unique_id="test.shop.assert_x",
            resource_type="test",
            package_name="shop",
            original_file_path="tests/assert_x.sql",
        ),
        "test.shop.not_null_orders_id.abc": Node(
            unique_id="test.shop.not_null_orders_id.abc",
            resource_type="test",
            package_name="shop",
            original_file_path="models/schema.yml",
        ),
        "model.utils.helper": Node(
            unique_id="model.utils.helper",
            resource_type="model",
            package_name="utils",
            original_file_path="models/helper.sql",
        ),
    }
    manifest = Manifest(metadata=ManifestMetadata(project_name="shop"), nodes=nodes)
    project = Project.from_manifest(manifest, project_dir=project_dir)
    assert nodes_by_file(project) == {
        project_dir.resolve() / "models/orders.sql": "model.shop.orders",
        project_dir.resolve() / "tests/assert_x.sql": "test.shop.assert_x",
    }
