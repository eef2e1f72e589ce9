"""The files git reads as renamed since the base branch (`git_renames`), on real repositories:
the one command of git 2.30 and later (`diff --merge-base`), and the two that git before 2.30,
which refuses the option, answers the same with (`merge-base`, then `diff BASE`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lint_repos import commit_all, git, init_repo

from dbtgate.git_renames import _listed, diff_from_merge_base, renamed_files

MODEL = "".join(f"select {n} as c{n}\nunion all\n" for n in range(9)) + "select 9 as c9\n"
PAYMENTS = "".join(f"select {n} as payment_{n},\n" for n in range(9)) + "    9 as payment_9\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A pull request that renamed and edited one model, deleted another and left a third
    moved with `mv`, not yet added; `main` moved on since it branched (a model added there,
    which a diff from main's tip rather than the merge base would read as deleted)."""
    root = init_repo(tmp_path / "repo")
    models = root / "models"
    models.mkdir()
    (models / "customers.sql").write_text(MODEL)
    (models / "orders.sql").write_text("select 1 as order_id\n")
    (models / "payments.sql").write_text(PAYMENTS)
    commit_all(root, "base")
    git(root, "checkout", "--quiet", "-b", "pr")
    git(root, "mv", "models/customers.sql", "models/clients.sql")
    (models / "clients.sql").write_text(MODEL + "union all\nselect 10 as c10\n")
    git(root, "rm", "--quiet", "models/orders.sql")
    commit_all(root, "rename customers, drop orders")
    git(root, "checkout", "--quiet", "main")
    (models / "refunds.sql").write_text("select 1 as refund_id\n")
    commit_all(root, "main moves on")
    git(root, "checkout", "--quiet", "pr")
    (models / "payments.sql").rename(models / "charges.sql")
    (models / "charges.sql").write_text(PAYMENTS + "from charges\n")
    return root


def test_before_git_2_30_the_merge_base_is_asked_and_the_listing_is_the_same(repo):
    """The two commands list exactly what `diff --merge-base` lists, from the merge base, not
    from main's tip (whose new model would read as deleted)."""
    listing = ("-M", "--raw", "-z", "--no-abbrev", "--relative", "--no-color", "--", ".")
    one_command = git(repo, "diff", "--merge-base", "main", *listing)
    assert "models/refunds.sql" not in one_command and "models/clients.sql" in one_command
    assert diff_from_merge_base(repo, "main") == (0, one_command.encode())
    assert renamed_files(repo, ["main"]) == {
        "models/clients.sql": "models/customers.sql",
        "models/charges.sql": "models/payments.sql",
    }


def test_before_git_2_30_a_ref_git_lacks_or_without_shared_history_is_the_next_ref(repo):
    """As the one command fails on a ref git does not know or that shares no history with HEAD
    (128, and the next ref is tried), so do the two."""
    assert diff_from_merge_base(repo, "origin/main") == (128, b"")
    empty_tree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # every repository has it
    elsewhere = git(repo, "commit-tree", "-m", "another history", empty_tree).strip()
    git(repo, "update-ref", "refs/heads/unrelated", elsewhere)
    assert diff_from_merge_base(repo, "unrelated") == (128, b"")
    assert renamed_files(repo, ["origin/main", "unrelated", "main"]) == {
        "models/clients.sql": "models/customers.sql",
        "models/charges.sql": "models/payments.sql",
    }


def test_a_rename_between_files_identical_to_others_is_a_guess_and_none(repo):
    """A file renamed and an unchanged copy of it added (or two identical files deleted and one
    added): git pairs one in path order, not the one moved, and such a pair is left out."""
    models = repo / "models"
    (models / "moved.sql").write_text(PAYMENTS + "from elsewhere\n")
    (models / "twin_a.sql").write_text(MODEL.replace("c9", "twin"))
    (models / "twin_b.sql").write_text(MODEL.replace("c9", "twin"))
    commit_all(repo, "a model, and two identical ones")
    git(repo, "branch", "--quiet", "-f", "main")
    git(repo, "mv", "models/moved.sql", "models/zz_moved.sql")
    (models / "a_copy.sql").write_text((models / "zz_moved.sql").read_text())
    git(repo, "rm", "--quiet", "models/twin_a.sql", "models/twin_b.sql")
    (models / "twin.sql").write_text(MODEL.replace("c9", "twin"))
    commit_all(repo, "moved beside a copy; two twins become one")
    listing = git(repo, "diff", "-M", "--name-status", "main")
    assert "R100\tmodels/moved.sql\tmodels/a_copy.sql" in listing
    assert "R100\tmodels/twin_a.sql\tmodels/twin.sql" in listing
    assert renamed_files(repo, ["main"]) == {}


def renamed_beside_a_staged_copy_both_edited(repo: Path) -> None:
    """`git mv` and a copy of the moved file staged, both then edited alike and not staged:
    the working tree holds two identical new files, which git hashes only to compare."""
    models = repo / "models"
    (models / "moved.sql").write_text(PAYMENTS + "from elsewhere\n")
    commit_all(repo, "a model")
    git(repo, "branch", "--quiet", "-f", "main")
    git(repo, "mv", "models/moved.sql", "models/zz_moved.sql")
    (models / "a_copy.sql").write_text((models / "zz_moved.sql").read_text())
    git(repo, "add", "models/a_copy.sql")
    for name in ("zz_moved.sql", "a_copy.sql"):
        (models / name).write_text(PAYMENTS + "from elsewhere\nwhere payment_1 > 0\n")


def test_identical_copies_edited_and_not_staged_are_a_guess_and_none(repo):
    """Edited since they were staged, the two copies are identical in the working tree: git
    pairs the old file with one of them in path order, and that pair is left out too."""
    renamed_beside_a_staged_copy_both_edited(repo)
    assert "R" in git(repo, "diff", "-M", "--name-status", "main").split("\t")[0]
    assert renamed_files(repo, ["main"]) == {}


def test_before_git_2_31_a_copy_listed_unhashed_is_hashed_to_tell_it_identical(repo):
    """Git before 2.31 hashed the added files of the working tree to pair them, but printed the
    id of the files it paired only: the copy it did not pair is listed with an id of zeros, as
    on a file it never read. Such files are hashed (one `git hash-object`), so the rename is
    still git's guess between identical files."""
    renamed_beside_a_staged_copy_both_edited(repo)
    listing = ("-M", "--raw", "-z", "--no-abbrev", "--relative", "--no-color", "--", ".")
    listed = git(repo, "diff", "--merge-base", "main", *listing)
    edited = git(repo, "hash-object", "models/zz_moved.sql").strip()
    unpaired = f"{edited} A\0models/zz_moved.sql\0"
    assert unpaired in listed and f"{edited} R" in listed  # git 2.31 and later name both
    as_before_2_31 = listed.replace(unpaired, f"{'0' * 40} A\0models/zz_moved.sql\0")
    assert _listed(repo, as_before_2_31)[0] == {}

    # Where they differ, hashing the unhashed one tells git's pair unambiguous.
    (repo / "models" / "zz_moved.sql").write_text(PAYMENTS + "from elsewhere\n")
    listed = git(repo, "diff", "--merge-base", "main", *listing)
    as_before_2_31 = re.sub(r"[0-9a-f]{40} A\0", f"{'0' * 40} A\0", listed)
    assert "0" * 40 + " A\0models/a_copy.sql" in as_before_2_31
    renamed, _ = _listed(repo, as_before_2_31)
    assert renamed == {"models/zz_moved.sql": "models/moved.sql"}
