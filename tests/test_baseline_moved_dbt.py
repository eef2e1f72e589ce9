"""A model renamed and edited in one pull request, in a real git repository parsed by real dbt:
its file's checksum changed, so only git can say it is the old model under a new name. Where
git's rename detection pairs the files, the model's recorded debt follows it; where git does
not (a file rewritten, or no repository), its findings are new, as they always were."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_support import dbtgate
from lint_repos import commit_all, git, init_repo
from policy_support import read_json, write_config
from test_diff_incremental_dbt import dbt

pytestmark = pytest.mark.slow

CONFIG = """\
version: 1
scope: all
baseline: dbtgate-baseline.json
policies:
  - select: "resource_type:model"
    rules:
      owner.present: error
      docs.model_description: error
"""
CUSTOMERS = """\
select
    1 as customer_id,
    'Ada' as first_name,
    'Lovelace' as last_name,
    'UK' as country
"""
PKG = "inc"


def parse(project: Path, target: str = "target") -> None:
    done = dbt(project, project / "unused.duckdb", target, "parse")
    assert done.returncode == 0, done.stdout


def check(project: Path, *args: str) -> tuple[int, str, dict]:
    done = dbtgate("check", "--json", "gate.json", *args, cwd=project)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return done.returncode, " ".join(done.stdout.split()), read_json(project / "gate.json")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """`main` with two models whose debt is recorded, on a `pr` branch checked out; the dbt
    project in a folder of the repository. Returns the project's folder."""
    root = init_repo(tmp_path / "repo")
    project = root / "analytics"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(f"name: {PKG}\nversion: '1.0'\nprofile: inc\n")
    (project / ".gitignore").write_text("target/\nlogs/\nprofiles.yml\n*.duckdb\n")
    (project / "models" / "stg_customers.sql").write_text(CUSTOMERS)
    (project / "models" / "stg_orders.sql").write_text("select\n    1 as order_id\n")
    write_config(project, CONFIG)
    parse(project)
    recorded = dbtgate("baseline", cwd=project)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    commit_all(root, "main, with its debt recorded")
    parse(project, "base")  # main's build, as CI keeps it for pull requests
    git(root, "checkout", "--quiet", "-b", "pr")
    return project


def rename_and_edit(project: Path, text: str) -> None:
    git(project, "mv", "models/stg_customers.sql", "models/stg_clients.sql")
    (project / "models" / "stg_clients.sql").write_text(text)
    commit_all(project, "rename stg_customers to stg_clients, with a column more")
    parse(project)


def test_a_model_renamed_and_edited_keeps_its_debt_where_git_reads_the_rename(repo):
    old, new = f"model.{PKG}.stg_customers", f"model.{PKG}.stg_clients"
    recorded = read_json(repo / "dbtgate-baseline.json")["findings"]
    debt = sorted(e["code"] for e in recorded if e["unique_id"] == old)
    assert debt == ["docs.model_description", "owner.present"]
    rename_and_edit(repo, CUSTOMERS + "    , 'ada@example.com' as email\n")

    returncode, stdout, report = check(repo)
    assert returncode == 0, stdout
    moved = [f for f in report["findings"] if f.get("unique_id") == new]
    assert sorted(f["code"] for f in moved) == debt
    assert {f["disposition"] for f in moved} == {"baselined"}
    section = report["sections"]["baseline"]
    assert section["gone"] == [] and section["fixed"] == []
    assert {c["moved_from"] for c in section["carried"]} == {"models/stg_customers.sql"}
    assert (
        "2 entries matched under a renamed resource's new name, whose file git reads as renamed "
        "(models/stg_customers.sql; "
    ) in stdout
    for code in debt:
        assert f"{code} on {old} -> {new}" in stdout
    # The reports name the old file as findings do, from the repository's root; the console
    # from the working directory (the project's folder here, its models folder below).
    note = next(n for n in report["notes"] if "git reads as renamed" in n)
    assert "git reads as renamed (analytics/models/stg_customers.sql; " in note
    assert note.startswith("baseline analytics/dbtgate-baseline.json: 2 entries matched")
    below = dbtgate("check", "--project-dir", "..", cwd=repo / "models")
    said = " ".join(below.stdout.split())
    assert "note: baseline ../dbtgate-baseline.json: 2 entries matched" in said, below.stdout
    assert "git reads as renamed (stg_customers.sql; " in said, below.stdout

    # With main's build, the old model is the one the base had at the old path.
    returncode, _, report = check(repo, "--base", "base")
    assert returncode == 0
    assert [c["moved_from"] for c in report["sections"]["baseline"]["carried"]] == [
        "models/stg_customers.sql"
    ] * 2

    pruned = dbtgate("baseline", "--prune", cwd=repo)
    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    assert " ".join(pruned.stdout.split()) == (
        "pruned dbtgate-baseline.json: nothing to drop; moved 2 entries to a renamed resource's "
        "name; 4 entries left"
    )
    after = read_json(repo / "dbtgate-baseline.json")["findings"]
    assert sorted(e["code"] for e in after if e["unique_id"] == new) == debt
    assert not [e for e in after if e["unique_id"] == old]


def test_a_model_rewritten_under_a_new_name_or_outside_git_starts_afresh(repo, tmp_path):
    """git pairs files by content: a model rewritten is not read as renamed, so its debt is not
    carried; nor is anything without a repository to ask."""
    git(repo, "rm", "--quiet", "models/stg_customers.sql")
    (repo / "models" / "stg_clients.sql").write_text(
        "with source as (\n    select 7 as id\n)\n\nselect id as client_id\nfrom source\n"
    )
    commit_all(repo, "a new model in place of the old one")
    parse(repo)
    returncode, stdout, report = check(repo)
    assert returncode == 1
    section = report["sections"]["baseline"]
    assert section["carried"] == []
    assert {e["unique_id"] for e in section["gone"]} == {f"model.{PKG}.stg_customers"}
    assert "whose file git reads as renamed" not in stdout

    # Renamed and edited as git would pair it, but in a folder no repository holds.
    rename_elsewhere = tmp_path / "copy"
    shutil.copytree(repo, rename_elsewhere)
    (rename_elsewhere / "models" / "stg_clients.sql").write_text(
        CUSTOMERS + "    , 'ada@example.com' as email\n"
    )
    parse(rename_elsewhere)
    returncode, _, report = check(rename_elsewhere)
    assert returncode == 1
    assert report["sections"]["baseline"]["carried"] == []


def counting_git(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A PATH whose `git` is the real one, each run written to a log first: what a check asks
    git, counted as the user's machine would run it."""
    real = shutil.which("git")
    assert real is not None
    folder = tmp_path / "bin"
    folder.mkdir()
    log = tmp_path / "git.log"
    script = folder / "git"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\nexec "{real}" "$@"\n')
    script.chmod(0o755)
    return {"PATH": f"{folder}:/usr/bin:/bin"}, log


def renames_asked(log: Path) -> list[str]:
    """The git commands a check ran besides recording its checkout (`git log -1`, `git
    status`): those asking which files were renamed."""
    lines = log.read_text().splitlines() if log.exists() else []
    return [
        line for line in lines if not any(f" {cmd} " in f"{line} " for cmd in ("log", "status"))
    ]


def test_entries_left_on_a_deleted_model_cost_no_git_with_a_base_build_and_one_without(
    repo, tmp_path
):
    """`stg_orders` was deleted on main after its debt was recorded, and nobody pruned: every
    later check holds an entry on a model no longer built. With main's build as the base, the
    model is not in it either, so no rename in this change can be its: git is not asked.
    Without one, one git command says what was renamed."""
    git(repo, "checkout", "--quiet", "main")
    git(repo, "rm", "--quiet", "models/stg_orders.sql")
    git(repo, "commit", "--quiet", "-m", "stg_orders is no more")
    parse(repo, "base")
    git(repo, "checkout", "--quiet", "pr")
    git(repo, "merge", "--quiet", "main")
    (repo / "models" / "stg_customers.sql").write_text(CUSTOMERS + "    , 'x' as segment\n")
    git(repo, "commit", "--quiet", "-am", "a column more")
    parse(repo)
    # As a clone has it: origin/HEAD, the first base ref dbtgate tries, is main.
    git(repo, "update-ref", "refs/remotes/origin/main", "main")
    git(repo, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
    env, log = counting_git(tmp_path)

    done = dbtgate("check", "--base", "base", cwd=repo, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "on resources or columns no longer in the build" in " ".join(done.stdout.split())
    assert renames_asked(log) == []

    done = dbtgate("check", cwd=repo, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    asked = renames_asked(log)
    assert len(asked) == 1 and " diff --merge-base " in f" {asked[0]}", asked


def test_an_entry_a_rename_fixed_reads_fixed_not_gone(repo):
    """The pull request renames `stg_customers`, edits it, and describes it: its missing
    description was fixed, and says so, rather than read as debt on a deleted model."""
    old, new = f"model.{PKG}.stg_customers", f"model.{PKG}.stg_clients"
    (repo / "models" / "stg_clients.yml").write_text(
        "models:\n  - name: stg_clients\n    description: One row per client.\n"
    )
    rename_and_edit(repo, CUSTOMERS + "    , 'ada@example.com' as email\n")

    returncode, stdout, report = check(repo)
    assert returncode == 0, stdout
    section = report["sections"]["baseline"]
    assert section["gone"] == []
    assert [(e["code"], e["unique_id"]) for e in section["fixed"]] == [
        ("docs.model_description", old)
    ]
    assert [(c["entry"]["code"], c["unique_id"]) for c in section["carried"]] == [
        ("owner.present", new)
    ]
    assert (
        f"1 of 4 entries fixed since it was written (docs.model_description on {new} (was {old}))"
    ) in stdout
    assert "no longer in the build" not in stdout

    pruned = dbtgate("baseline", "--prune", cwd=repo)
    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    assert " ".join(pruned.stdout.split()) == (
        "pruned dbtgate-baseline.json: dropped 1 entry (1 fixed); moved 1 entry to a renamed "
        "resource's name; 3 entries left"
    )


def test_a_model_moved_with_mv_before_git_add_keeps_its_debt_and_nothing_is_staged(repo):
    """An engineer renames the file with `mv`, edits it and checks before `git add`: git sees a
    deleted file and an untracked one, and the debt follows where the two are alike as git
    would pair them once staged; the user's index is left as it was."""
    old, new = f"model.{PKG}.stg_customers", f"model.{PKG}.stg_clients"
    models = repo / "models"
    (models / "stg_customers.sql").rename(models / "stg_clients.sql")
    with (models / "stg_clients.sql").open("a") as sql:
        sql.write("    , 'ada@example.com' as email\n")
    parse(repo)
    (repo / "gate.json").touch()  # the report the check writes, untracked like the move
    status = git(repo, "status", "--porcelain", "--untracked-files=all")

    returncode, stdout, report = check(repo)
    assert returncode == 0, stdout
    section = report["sections"]["baseline"]
    assert section["gone"] == []
    assert {
        (c["entry"]["unique_id"], c["unique_id"], c.get("moved_from")) for c in section["carried"]
    } == {(old, new, "models/stg_customers.sql")}
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == status

    # Two untracked copies as alike as each other: which one is the old model is a guess.
    (models / "stg_customers_copy.sql").write_text((models / "stg_clients.sql").read_text())
    parse(repo)
    returncode, _, report = check(repo)
    assert returncode == 1
    assert report["sections"]["baseline"]["carried"] == []


FIXED_IN_YAML = """\
models:
  - name: stg_clients
    description: One row per client.
    config:
      meta: {owner: "@crm"}
"""


@pytest.mark.parametrize("where", ["git", "git-and-base", "no-git"])
def test_a_model_renamed_whose_every_finding_was_fixed_reads_fixed(repo, tmp_path, where):
    """`git mv` and its YAML written in one pull request: no finding is left to carry an entry
    to the new name, yet the model was renamed, not deleted, and its debt is paid off. dbt's
    checksum says so without git too (a shallow clone in CI, which lacks the base branch)."""
    old = f"model.{PKG}.stg_customers"
    git(repo, "mv", "models/stg_customers.sql", "models/stg_clients.sql")
    (repo / "models" / "stg_clients.yml").write_text(FIXED_IN_YAML)
    commit_all(repo, "rename stg_customers to stg_clients, described and owned")
    if where == "no-git":
        repo = Path(shutil.copytree(repo, tmp_path / "outside"))
    parse(repo)
    base = ["--base", "base"] if where == "git-and-base" else []

    returncode, stdout, report = check(repo, *base)
    assert returncode == 0, stdout
    section = report["sections"]["baseline"]
    assert section["gone"] == [] and section["carried"] == []
    assert sorted((e["code"], e["unique_id"]) for e in section["fixed"]) == [
        ("docs.model_description", old),
        ("owner.present", old),
    ]
    assert "no longer in the build" not in stdout
    if where == "git":
        # The checksum paired the model: git has nothing left to pair, and is not asked.
        env, log = counting_git(tmp_path)
        assert dbtgate("check", cwd=repo, env=env).returncode == 0
        assert renames_asked(log) == []
    if where == "no-git":
        # Two new models of the old one's file, both fixed: which one it was renamed to is a
        # guess, and the entries read as on a model deleted.
        models = repo / "models"
        (models / "stg_clients_copy.sql").write_bytes((models / "stg_clients.sql").read_bytes())
        (models / "stg_clients_copy.yml").write_text(
            FIXED_IN_YAML.replace("stg_clients", "stg_clients_copy")
        )
        parse(repo)
        _, _, report = check(repo)
        assert len(report["sections"]["baseline"]["gone"]) == 2
        (models / "stg_clients_copy.sql").unlink()
        (models / "stg_clients_copy.yml").unlink()
        parse(repo)

    pruned = dbtgate("baseline", "--prune", *base, cwd=repo)
    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    assert " ".join(pruned.stdout.split()) == (
        "pruned dbtgate-baseline.json: dropped 2 entries (2 fixed); 2 entries left"
    )


@pytest.mark.parametrize("where", ["git", "no-git"])
def test_a_model_renamed_beside_an_unchanged_copy_of_its_file_pairs_with_neither(
    repo, tmp_path, where
):
    """`git mv` and, in the same pull request, a copy of the old file added unchanged: two new
    models have the old file's checksum, and which one is the old model is a guess. Neither
    carries its entries (the copy, which kept the findings, blocks; they read gone), nor does
    git's own guess (`diff -M` reads the copy as the rename, its name sorting first)."""
    git(repo, "mv", "models/stg_customers.sql", "models/stg_clients.sql")
    (repo / "models" / "stg_clients.yml").write_text(FIXED_IN_YAML)
    shutil.copy(repo / "models" / "stg_clients.sql", repo / "models" / "stg_a_copy.sql")
    commit_all(repo, "rename stg_customers to stg_clients, fixed, and a copy of it")
    assert "R100\tanalytics/models/stg_customers.sql\tanalytics/models/stg_a_copy.sql" in git(
        repo, "diff", "-M", "--name-status", "main"
    )
    if where == "no-git":
        repo = Path(shutil.copytree(repo, tmp_path / "outside"))
    parse(repo)

    returncode, stdout, report = check(repo)
    assert returncode == 1, stdout
    section = report["sections"]["baseline"]
    assert section["carried"] == [] and section["fixed"] == []
    assert sorted((e["code"], e["unique_id"]) for e in section["gone"]) == [
        ("docs.model_description", f"model.{PKG}.stg_customers"),
        ("owner.present", f"model.{PKG}.stg_customers"),
    ]
    blocking = [
        (f["code"], f["unique_id"]) for f in report["findings"] if f["disposition"] == "blocking"
    ]
    assert sorted(blocking) == [
        ("docs.model_description", f"model.{PKG}.stg_a_copy"),
        ("owner.present", f"model.{PKG}.stg_a_copy"),
    ]

    # The copy gone, the one new model of the file is the old one renamed, fixed.
    (repo / "models" / "stg_a_copy.sql").unlink()
    parse(repo)
    returncode, _, report = check(repo)
    assert returncode == 0
    assert len(report["sections"]["baseline"]["fixed"]) == 2


TWIN_YAML = 'models:\n  - name: stg_twin\n    config:\n      meta: {owner: "@crm"}\n'


@pytest.mark.parametrize("deleted", [False, True], ids=["renamed", "renamed-and-one-deleted"])
def test_a_model_renamed_and_edited_beside_an_older_copy_of_its_file_follows_git(repo, deleted):
    """`main` gained a copy of `stg_customers` (owned, undescribed) after the baseline was
    written; the pull request renames and edits `stg_customers`. Without a base build the copy
    has the old file's checksum and looks renamed from it, but git reads this change: the old
    file was renamed to `stg_clients`, and the copy was not touched. The entries follow git's
    rename, as they do with a base build (which knows the copy is older), and the copy's
    finding, never recorded, is its own; another model deleted in the change (git asked
    anyway) changes nothing."""
    old, new, twin = (
        f"model.{PKG}.{name}" for name in ("stg_customers", "stg_clients", "stg_twin")
    )
    (repo / "models" / "stg_twin.sql").write_text(CUSTOMERS)
    (repo / "models" / "stg_twin.yml").write_text(TWIN_YAML)
    commit_all(repo, "a copy of stg_customers, owned")
    git(repo, "branch", "--quiet", "-f", "main")
    parse(repo, "base")  # main's build, the copy in it
    if deleted:
        git(repo, "rm", "--quiet", "models/stg_orders.sql")
    rename_and_edit(repo, CUSTOMERS + "    , 'ada@example.com' as email\n")
    assert "stg_customers.sql\tanalytics/models/stg_clients.sql" in git(
        repo, "diff", "-M", "--name-status", "main"
    )

    for base in ([], ["--base", "base"]):
        returncode, stdout, report = check(repo, *base)
        assert returncode == 1, stdout
        section = report["sections"]["baseline"]
        assert sorted(
            (c["entry"]["code"], c["entry"]["unique_id"], c["unique_id"], c.get("moved_from"))
            for c in section["carried"]
        ) == [
            (code, old, new, "models/stg_customers.sql")
            for code in ("docs.model_description", "owner.present")
        ], base
        assert section["fixed"] == []
        assert [e["unique_id"] for e in section["gone"]] == [f"model.{PKG}.stg_orders"] * (
            2 if deleted else 0
        )
        blocking = [
            (f["code"], f["unique_id"])
            for f in report["findings"]
            if f["disposition"] == "blocking"
        ]
        assert blocking == [("docs.model_description", twin)], base
        assert (
            "2 entries matched under a renamed resource's new name, whose file git reads as "
            "renamed (models/stg_customers.sql; "
        ) in stdout
        assert "whose file dbt read unchanged" not in stdout

    # The rename's edit describes the model: its entry reads fixed under the new name, and
    # the prune moves the other to it; nothing is left on the copy.
    (repo / "models" / "stg_clients.yml").write_text(
        "models:\n  - name: stg_clients\n    description: One row per client.\n"
    )
    parse(repo)
    returncode, stdout, report = check(repo)
    assert returncode == 1, stdout
    section = report["sections"]["baseline"]
    assert [(e["code"], e["unique_id"]) for e in section["fixed"]] == [
        ("docs.model_description", old)
    ]
    assert [(c["entry"]["code"], c["unique_id"]) for c in section["carried"]] == [
        ("owner.present", new)
    ]
    assert f"(docs.model_description on {new} (was {old}))" in stdout
    assert twin.split(".")[-1] + " (was" not in stdout

    pruned = dbtgate("baseline", "--prune", cwd=repo)
    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    dropped = (
        "dropped 3 entries (1 fixed, 2 on resources or columns no longer built)"
        if deleted
        else "dropped 1 entry (1 fixed)"
    )
    assert " ".join(pruned.stdout.split()) == (
        f"pruned dbtgate-baseline.json: {dropped}; moved 1 entry to a renamed resource's name; "
        f"{'1 entry' if deleted else '3 entries'} left; 1 finding not in it left out, to count "
        "as new (`dbtgate baseline` without --prune records every finding)"
    )
    after = read_json(repo / "dbtgate-baseline.json")["findings"]
    assert [(e["code"], e["unique_id"]) for e in after if e["unique_id"] in (old, new, twin)] == [
        ("owner.present", new)
    ]
