"""SQL snapshots (`{% snapshot name %} ... {% endsnapshot %}` under `snapshot-paths`) are linted as
models are: their changed lines measured with git or against a base build, `lint.exclude` and
`.sqlfluffignore` applied, under both templaters (jinja renders the block's body, as dbt compiles
it), on the fixture project in real git repositories with real sqlfluff."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cli_support import dbtgate
from lint_repos import (
    FIXTURES,
    dbt_lint_report,
    dbt_templater_sqlfluff,
    duckdb_profiles,
    git,
    main_then_pr,
    needs_dbt_templater,
)

from dbtgate.artifacts import load_artifacts
from dbtgate.base import find_dbt
from dbtgate.lint import snapshot_blocks
from dbtgate.lint.build_changes import changes_against_build
from dbtgate.lint.run import project_without_build
from dbtgate.project import Project

SNAPSHOT = "snapshots/orders_snapshot.sql"
# As dbt's docs write a snapshot: the body not indented in its block, which sqlfluff's LT02 (a
# block's body is indented) reports on each of its lines; and old debt on line 14 (LT01).
BODY = "select\n    order_id,\n    status  as order_status\nfrom {{ ref('stg_orders') }}\n"
CONFIG = (
    "{{\n    config(\n      target_schema='snapshots',\n      unique_key='order_id',\n"
    "      strategy='check',\n      check_cols='all',\n    )\n}}\n"
)
OLD = "{% snapshot orders_snapshot %}\n\n" + CONFIG + "\n" + BODY + "\n{% endsnapshot %}\n"
# The pull request writes a violation on line 13 (LT01).
NEW = OLD.replace("    order_id,", "    order_id  as id,")
LEGACY = "snapshots/legacy/old_snapshot.sql"
LEGACY_SQL = OLD.replace("orders_snapshot", "old_snapshot").replace("order_id,", "order_id ,")
DBTGATE = (
    'scope: changed\nlint: {enabled: true, dialect: duckdb, exclude: ["snapshots/legacy/*"]}\n'
)


def shop_files() -> dict[str, str]:
    """The fixture project's files, by path from its folder."""
    shop = FIXTURES / "shop"
    return {
        path.relative_to(shop).as_posix(): path.read_text()
        for path in sorted(shop.rglob("*"))
        if path.is_file()
    }


def found(report: dict[str, Any], path: str = SNAPSHOT) -> list[tuple[int, str, str]]:
    return sorted(
        (f["line"], f["code"], f["disposition"]) for f in report["findings"] if f["path"] == path
    )


def snapshot_pr(root: Path, settings: dict[str, str] | None = None) -> Path:
    """The fixture with the snapshot on main, and a pull request editing it (and the excluded
    legacy snapshot): the project's folder, the repository's root."""
    main = shop_files() | {"dbtgate.yml": DBTGATE, SNAPSHOT: OLD, LEGACY: LEGACY_SQL}
    pr = {SNAPSHOT: NEW, LEGACY: LEGACY_SQL.replace("order_id ,", "order_id  ,")}
    return main_then_pr(root, main | (settings or {}), pr)


EXPECTED = [
    # The line the pull request wrote blocks, its LT02 too; the block's unindented body (LT02)
    # and the old spacing on a line it did not touch are old debt.
    (12, "lint.LT02", "out_of_scope"),
    (13, "lint.LT01", "blocking"),
    (13, "lint.LT02", "blocking"),
    (14, "lint.LT01", "out_of_scope"),
    (14, "lint.LT02", "out_of_scope"),
    (15, "lint.LT02", "out_of_scope"),
]


def test_a_changed_snapshot_is_linted_on_its_changed_lines_under_the_jinja_templater(tmp_path):
    project = snapshot_pr(tmp_path / "repo")
    report_path = tmp_path / "lint.json"
    done = dbtgate("lint", "--base-ref", "main", "--json", str(report_path), cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(report_path.read_text())
    assert report["sections"]["lint"]["files"] == [SNAPSHOT]  # not the excluded legacy one
    assert found(report) == EXPECTED
    # Its fix hint works where it is pasted, on the line the change wrote.
    hints = {f["fix"] for f in report["findings"] if f["disposition"] == "blocking"}
    hint = f"dbtgate lint --fix LT01 {SNAPSHOT} --base-ref main"
    assert hint in hints
    fixed = dbtgate(*hint.split()[1:], cwd=project)
    assert "1 file fixed (snapshots/orders_snapshot.sql: 1 LT01)" in fixed.stdout, fixed.stderr
    assert (project / SNAPSHOT).read_text() == OLD.replace("    order_id,", "    order_id as id,")


def test_a_snapshot_whose_body_sqlfluff_is_told_not_to_indent_has_no_lt02(tmp_path):
    """sqlfluff indents a Jinja block's body (LT02): `template_blocks_indent = false` in the
    project's .sqlfluff lets a snapshot be written as dbt's docs write it."""
    sqlfluff = "[sqlfluff:indentation]\ntemplate_blocks_indent = false\n"
    project = snapshot_pr(tmp_path / "repo", {".sqlfluff": sqlfluff})
    report_path = tmp_path / "lint.json"
    done = dbtgate("lint", "--base-ref", "main", "--json", str(report_path), cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(report_path.read_text())
    assert found(report) == [(13, "lint.LT01", "blocking"), (14, "lint.LT01", "out_of_scope")]


@pytest.mark.slow
@needs_dbt_templater
def test_the_dbt_templater_lints_a_changed_snapshot_alike(tmp_path):
    """dbt compiles the snapshot; sqlfluff's dbt templater maps it to the file's lines: the same
    findings as under jinja."""
    profiles = duckdb_profiles(tmp_path, "shop")
    root = tmp_path / "repo"
    settings = {
        ".sqlfluff": dbt_templater_sqlfluff(root, profiles),
        "dbtgate.yml": DBTGATE.replace("dialect: duckdb", "dialect: duckdb, templater: dbt"),
    }
    project = snapshot_pr(root, settings)
    report = dbt_lint_report(project, tmp_path / "lint.json")
    assert report["sections"]["lint"]["templater"] == "dbt"
    assert report["sections"]["lint"]["files"] == [SNAPSHOT]
    assert found(report) == EXPECTED


def test_a_snapshot_is_measured_against_the_base_builds_block(tmp_path):
    """Without git, against a base build: dbt keeps only a snapshot's body in its manifest
    (`raw_code`, the text between the tags, as dbt 1.11 writes it), so the file as the base had
    it is today's block around that body. Against the body alone, the tags read as written by
    the change, and the body's LT02s, which a file without its block does not have, as caused
    by it: every line of the snapshot blocked."""
    project = tmp_path / "shop"
    shutil.copytree(FIXTURES / "shop", project)
    (project / "dbtgate.yml").write_text(DBTGATE)
    (project / SNAPSHOT).parent.mkdir()
    (project / SNAPSHOT).write_text(NEW)
    base = tmp_path / "base"
    base.mkdir()
    body = OLD.split("{% snapshot orders_snapshot %}", 1)[1].split("{% endsnapshot %}", 1)[0]
    node = {
        "unique_id": "snapshot.shop.orders_snapshot",
        "resource_type": "snapshot",
        "package_name": "shop",
        "name": "orders_snapshot",
        "path": "orders_snapshot.sql",
        "original_file_path": SNAPSHOT,
        "raw_code": body,
        "fqn": ["shop", "orders_snapshot", "orders_snapshot"],
    }
    manifest = {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
            "project_name": "shop",
            "adapter_type": "duckdb",
        },
        "nodes": {node["unique_id"]: node},
    }
    (base / "manifest.json").write_text(json.dumps(manifest))
    report_path = tmp_path / "lint.json"
    done = dbtgate("lint", "--base", str(base), "--json", str(report_path), cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(report_path.read_text())
    assert report["sections"]["lint"]["changes_from"] == "base build"
    assert found(report) == EXPECTED


def _block(name: str, unique_key: str, columns: list[str]) -> str:
    """A snapshot block as dbt's docs write one; blocks of other keys and columns share only
    their tags' and config's shape, so git's diff of them has one shortest answer."""
    selected = ",\n".join(f"    {column}" for column in columns)
    return (
        f"{{% snapshot {name} %}}\n\n{{{{\n    config(\n      target_schema='snapshots',\n"
        f"      unique_key='{unique_key}',\n      strategy='check',\n      check_cols='all',\n"
        f"    )\n}}}}\n\nselect\n{selected}\nfrom {{{{ ref('stg_{name}') }}}}\n\n"
        "{% endsnapshot %}\n"
    )


FIRST = _block("first", "order_id", ["order_id", "status  as order_status"])
SECOND = _block("second", "customer_id", ["customer_id", "name", "email", "created_at"])
THIRD = _block("third", "payment_id", ["payment_id", "amount", "method"])


def _git_lines(repo: Path, relative: str) -> frozenset[int]:
    """The lines of the checked-out file that git's diff against main says were written."""
    lines: set[int] = set()
    for hunk in re.finditer(
        r"^@@ -\S+ \+(\d+)(?:,(\d+))? @@", git(repo, "diff", "-U0", "main", "--", relative), re.M
    ):
        start, count = int(hunk.group(1)), int(hunk.group(2) or 1)
        lines.update(range(start, start + count))
    return frozenset(lines)


def _snapshot_manifest(target: Path, relative: str, text: str) -> Path:
    """A manifest of the snapshots of the file `text` as dbt writes it: each block's body
    between its tags (raw_code), the file's checksum (sha256 of its stripped text) on each."""
    checksum = {"name": "sha256", "checksum": hashlib.sha256(text.strip().encode()).hexdigest()}
    nodes = {}
    for found in re.finditer(r"\{% snapshot (\w+) %\}(.*?)\{% endsnapshot %\}", text, re.S):
        uid = f"snapshot.shop.{found.group(1)}"
        nodes[uid] = {
            "unique_id": uid,
            "resource_type": "snapshot",
            "package_name": "shop",
            "name": found.group(1),
            "path": Path(relative).name,
            "original_file_path": relative,
            "raw_code": found.group(2),
            "checksum": checksum,
            "fqn": ["shop", found.group(1)],
        }
    manifest = {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
            "project_name": "shop",
            "adapter_type": "duckdb",
        },
        "nodes": nodes,
    }
    target.mkdir()
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target


def _several_snapshots(tmp_path: Path, before: list[str], after: list[str]) -> tuple[Path, Any]:
    """A repository whose main holds the snapshot blocks `before` in one file and whose checked
    out pull request holds `after`; the file's change measured against a base build of main."""
    relative = "snapshots/several.sql"
    files = {"dbt_project.yml": "name: shop\nversion: '1.0'\nprofile: shop\n"}
    repo = main_then_pr(
        tmp_path / "repo", files | {relative: "\n".join(before)}, {relative: "\n".join(after)}
    )
    base = load_artifacts(_snapshot_manifest(tmp_path / "base", relative, "\n".join(before)))
    found = changes_against_build(
        project_without_build(repo), Project.from_artifacts(base, repo), repo, [repo / relative]
    ).changes.get(repo / relative)
    assert found is not None
    # The base's file (as dbt reads it, stripped), rebuilt from its bodies.
    assert found.base_text is not None
    assert found.base_text.strip() == "\n".join(before).strip()
    return repo, found


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param([FIRST, SECOND], [FIRST, SECOND.replace("second", "renamed")], id="renamed"),
        pytest.param(
            [FIRST, SECOND],
            [FIRST.replace("first", "renamed").replace("order_id,", "order_id  as id,"), SECOND],
            id="renamed-and-edited",
        ),
        pytest.param([FIRST, SECOND], [FIRST, THIRD, SECOND], id="added-between"),
        pytest.param([FIRST], [THIRD, FIRST], id="added-first"),
        pytest.param([FIRST], [FIRST, THIRD], id="added-last"),
    ],
)
def test_a_block_renamed_or_added_in_a_file_of_snapshots_has_the_lines_git_says(
    tmp_path, before, after
):
    """dbt keeps each block's body alone (raw_code): the file as the base had it is rebuilt
    block by block, by name, a renamed block by the body of the base's snapshot gone from the
    file; its changed lines are git's: a renamed block its tag line (and the lines edited in
    it), an added one its lines (a renamed block read as new: all of them)."""
    repo, found = _several_snapshots(tmp_path, before, after)
    assert found.lines == _git_lines(repo, "snapshots/several.sql")


TWO = "snapshots/two.sql"
# The pull request writes a violation in the second block, on line 32 (LT01).
TWO_OLD = FIRST + "\n" + SECOND
TWO_NEW = FIRST + "\n" + SECOND.replace("    name,", "    name  as customer_name,")
TWO_EXPECTED = [
    # The first block (lines 1-18): its unindented body (LT02) and old spacing (LT01), old debt.
    (12, "lint.LT02", "out_of_scope"),
    (13, "lint.LT02", "out_of_scope"),
    (14, "lint.LT01", "out_of_scope"),
    (14, "lint.LT02", "out_of_scope"),
    (15, "lint.LT02", "out_of_scope"),
    # The second (lines 19-38): the line the pull request wrote blocks, its indent too.
    (30, "lint.LT02", "out_of_scope"),
    (31, "lint.LT02", "out_of_scope"),
    (32, "lint.LT01", "blocking"),
    (32, "lint.LT02", "blocking"),
    (33, "lint.LT02", "out_of_scope"),
    (34, "lint.LT02", "out_of_scope"),
    (35, "lint.LT02", "out_of_scope"),
]


def two_pr(root: Path, settings: dict[str, str] | None = None) -> Path:
    """The fixture with a file of two snapshot blocks on main, and a pull request writing a
    violation in its second block: the project's folder, the repository's root."""
    main = shop_files() | {"dbtgate.yml": DBTGATE, TWO: TWO_OLD}
    return main_then_pr(root, main | (settings or {}), {TWO: TWO_NEW})


def lint_json(project: Path, report_path: Path, *args: str) -> dict[str, Any]:
    done = dbtgate("lint", *args, "--json", str(report_path), cwd=project)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return json.loads(report_path.read_text())


def test_each_block_of_a_file_of_several_snapshots_is_linted_on_the_files_own_lines(tmp_path):
    """dbt allows several `{% snapshot %}` blocks in one file (older projects have them).
    Linted whole, their bodies are two statements with nothing between them; each block is
    linted alone instead, the other blanked, so its findings are on the file's own lines and
    only the line the pull request wrote blocks."""
    project = two_pr(tmp_path / "repo")
    report = lint_json(project, tmp_path / "lint.json", "--base-ref", "main")
    assert report["sections"]["lint"]["files"] == [TWO]
    assert found(report, TWO) == TWO_EXPECTED
    assert not [note for note in report["notes"] if "snapshot" in note]
    texts = {(f["line"], f["code"]): f["key"] for f in report["findings"] if f["path"] == TWO}
    assert texts[(32, "lint.LT01")] == "name  as customer_name,"


def test_a_file_of_several_snapshots_finds_what_each_block_alone_finds(tmp_path):
    """The blocks linted together find what each finds in a file of its own, at its lines in
    the file: nothing lost, nothing found twice, nothing found of the blanking. Three blocks,
    with a comment before the first and text between them, every line counted as changed."""
    project = tmp_path / "shop"
    shutil.copytree(FIXTURES / "shop", project)
    (project / "dbtgate.yml").write_text(DBTGATE)
    (project / "snapshots").mkdir()
    # Blank lines holding spaces (LT01) before the first block and between the blocks.
    top = "-- legacy snapshots, three to a file\n   \n"
    between = ["  \n-- customers\n\n", "\t\n"]
    alone = [top + FIRST, SECOND, THIRD]
    several = top + FIRST + between[0] + SECOND + between[1] + THIRD
    (project / "snapshots" / "several.sql").write_text(several)
    for index, text in enumerate(alone):
        (project / "snapshots" / f"alone_{index}.sql").write_text(text)
    report = lint_json(project, tmp_path / "lint.json", "--all")
    assert [f for f in report["sections"]["lint"]["files"] if f.startswith("snapshots/")] == [
        "snapshots/alone_0.sql",
        "snapshots/alone_1.sql",
        "snapshots/alone_2.sql",
        "snapshots/several.sql",
    ]
    offsets = [0, len((top + FIRST + between[0]).splitlines())]
    offsets.append(offsets[1] + len((SECOND + between[1]).splitlines()))
    lines = several.splitlines()
    gaps = [
        number
        for number, line in enumerate(lines, 1)
        if line.strip() == "" and line and number > len(top.splitlines())
    ]
    assert len(gaps) == 2
    expected = sorted(
        [
            *(
                (line + offsets[index], code, column)
                for index in range(3)
                for line, code, column in _found_at(report, f"snapshots/alone_{index}.sql")
            ),
            # The text between blocks is linted once, by the block above it.
            *((line, "LT01", 1) for line in gaps),
        ]
    )
    assert (2, "LT01", 1) in expected  # before the first block: linted with it
    assert _found_at(report, "snapshots/several.sql") == expected


def _found_at(report: dict[str, Any], path: str) -> list[tuple[int, str, int]]:
    return sorted(
        (f["line"], f["code"].removeprefix("lint."), f["column"])
        for f in report["findings"]
        if f["path"] == path
    )


def test_fix_mends_each_block_of_a_file_of_several_snapshots_in_place(tmp_path):
    """`lint --fix` fixes a file of several blocks block by block: scoped to the change, only
    the line it wrote; whole, every block, the file otherwise as it was, linting clean after."""
    project = two_pr(tmp_path / "repo")
    fixed = dbtgate("lint", "--fix", "LT01", TWO, "--base-ref", "main", cwd=project)
    assert f"1 file fixed ({TWO}: 1 LT01)" in fixed.stdout, fixed.stdout + fixed.stderr
    assert (project / TWO).read_text() == TWO_NEW.replace("name  as", "name as")
    whole = dbtgate("lint", "--fix", "LT01,LT02", TWO, "--whole", cwd=project)
    assert f"1 file fixed ({TWO}: 1 LT01, 10 LT02)" in whole.stdout, whole.stdout + whole.stderr
    text = (project / TWO).read_text()
    assert snapshot_blocks.names(text) == ["first", "second"]
    assert "    select\n        order_id,\n        status as order_status\n" in text
    assert "        name as customer_name,\n" in text
    assert text.count("\n") == TWO_NEW.count("\n")
    again = lint_json(project, tmp_path / "after.json", "--all")
    assert found(again, TWO) == []


def test_a_file_whose_snapshot_blocks_share_a_line_is_said_not_linted(tmp_path):
    """Two blocks on one line (`{% endsnapshot %}{% snapshot b %}`): no text of one block alone
    keeps the other off it, so the file is not linted, and a note says why and what to do; a
    `--fix` of it is refused, the file left as it was."""
    shared = FIRST.rstrip("\n") + SECOND
    project = two_pr(tmp_path / "repo", {"snapshots/shared.sql": shared})
    (project / "snapshots" / "shared.sql").write_text(shared.replace("status  as", "status   as"))
    report = lint_json(project, tmp_path / "lint.json", "--base-ref", "main")
    assert report["sections"]["lint"]["files"] == [TWO]
    assert found(report, "snapshots/shared.sql") == []
    assert (
        "lint: snapshots/shared.sql: not linted: two of its snapshot blocks share a line, so "
        "neither can be linted without the other (put each {% snapshot %} tag on a line of its "
        "own)"
    ) in report["notes"]
    before = (project / "snapshots" / "shared.sql").read_text()
    done = dbtgate("lint", "--fix", "LT01", "snapshots/shared.sql", "--whole", cwd=project)
    assert "snapshots first and second share a line" in done.stdout, done.stdout + done.stderr
    assert (project / "snapshots" / "shared.sql").read_text() == before


# Two blocks reading two of the fixture's models, as dbt builds them; the pull request writes a
# violation in the second (line 34, LT01), where the first holds old debt (line 16, LT01).
LEGACY_TWO = "snapshots/legacy_two.sql"
LEGACY_TWO_OLD = (
    "-- Legacy snapshots, two to a file as older projects wrote them.\n\n"
    + _block("orders_snapshot", "order_id", ["order_id", "status  as order_status"]).replace(
        "stg_orders_snapshot", "stg_orders"
    )
    + "\n"
    + _block("customers_snapshot", "customer_id", ["customer_id", "first_name"]).replace(
        "stg_customers_snapshot", "stg_customers"
    )
)
LEGACY_TWO_NEW = LEGACY_TWO_OLD.replace("    first_name\n", "    first_name  as given_name\n")
LEGACY_TWO_EXPECTED = [
    (14, "lint.LT02", "out_of_scope"),
    (15, "lint.LT02", "out_of_scope"),
    (16, "lint.LT01", "out_of_scope"),
    (16, "lint.LT02", "out_of_scope"),
    (17, "lint.LT02", "out_of_scope"),
    (32, "lint.LT02", "out_of_scope"),
    (33, "lint.LT02", "out_of_scope"),
    (34, "lint.LT01", "blocking"),
    (34, "lint.LT02", "blocking"),
    (35, "lint.LT02", "out_of_scope"),
]


def _dbt(project: Path, profiles: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    command = [find_dbt(os.environ), *args, "--profiles-dir", str(profiles)]
    return subprocess.run(command, cwd=project, capture_output=True, text=True, env=env)


@pytest.mark.slow
@needs_dbt_templater
def test_a_file_of_two_snapshots_is_linted_fixed_and_still_built_by_dbt(tmp_path):
    """The real thing, under the dbt templater: dbt compiles each block as its own snapshot
    (the second block's `ref` is not the first's), the findings are on each block's lines, as
    the jinja templater finds them, measured with git and against a base build dbt parsed; the
    file `lint --fix` rewrites is built by dbt-duckdb, both snapshots taken."""
    profiles = duckdb_profiles(tmp_path, "shop")
    root = tmp_path / "repo"
    settings = {
        ".sqlfluff": dbt_templater_sqlfluff(root, profiles),
        "dbtgate.yml": DBTGATE.replace("dialect: duckdb", "dialect: duckdb, templater: dbt"),
    }
    main = shop_files() | settings | {LEGACY_TWO: LEGACY_TWO_OLD}
    project = main_then_pr(root, main, {LEGACY_TWO: LEGACY_TWO_NEW})
    report = dbt_lint_report(project, tmp_path / "lint.json")
    assert report["sections"]["lint"]["templater"] == "dbt"
    assert report["sections"]["lint"]["files"] == [LEGACY_TWO]
    assert found(report, LEGACY_TWO) == LEGACY_TWO_EXPECTED
    assert not report["notes"]
    # Against a base build of main that dbt parsed (each block's body its snapshot's raw_code).
    base = tmp_path / "base"
    git(project, "worktree", "add", "--quiet", str(base), "main")
    parsed = _dbt(base, profiles, "parse")
    assert parsed.returncode == 0, parsed.stdout + parsed.stderr
    against = dbtgate(
        "lint", "--base", str(base / "target"), "--json", str(tmp_path / "base.json"), cwd=project
    )
    assert against.returncode == 1, against.stdout + against.stderr
    by_build = json.loads((tmp_path / "base.json").read_text())
    assert by_build["sections"]["lint"]["changes_from"] == "base build"
    assert found(by_build, LEGACY_TWO) == LEGACY_TWO_EXPECTED
    # Fixed whole, block by block; dbt builds the file, both snapshots.
    fixed = dbtgate("lint", "--fix", "LT01,LT02", LEGACY_TWO, "--whole", cwd=project)
    assert f"1 file fixed ({LEGACY_TWO}: 2 LT01, 8 LT02)" in fixed.stdout, fixed.stderr
    text = (project / LEGACY_TWO).read_text()
    assert snapshot_blocks.names(text) == ["orders_snapshot", "customers_snapshot"]
    assert "    select\n        order_id,\n        status as order_status\n" in text
    built = _dbt(project, profiles, "build")
    assert built.returncode == 0, built.stdout + built.stderr
    results = json.loads((project / "target" / "run_results.json").read_text())["results"]
    taken = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("snap")}
    assert taken == {
        "snapshot.shop.orders_snapshot": "success",
        "snapshot.shop.customers_snapshot": "success",
    }


def test_the_jinja_templater_finds_in_the_two_snapshots_what_dbt_does(tmp_path):
    """The file of the dbt test above, under the jinja templater: the same findings (the dbt
    test asserts the same list)."""
    main = shop_files() | {"dbtgate.yml": DBTGATE, LEGACY_TWO: LEGACY_TWO_OLD}
    project = main_then_pr(tmp_path / "repo", main, {LEGACY_TWO: LEGACY_TWO_NEW})
    report = lint_json(project, tmp_path / "lint.json", "--base-ref", "main")
    assert found(report, LEGACY_TWO) == LEGACY_TWO_EXPECTED


def test_each_finding_of_a_file_of_several_snapshots_names_the_snapshot_it_is_in(tmp_path):
    """A file of several blocks is several dbt nodes: each finding names its block's snapshot
    (its owner, its fingerprint), not one node of the file for all."""
    project = two_pr(tmp_path / "repo")
    artifacts = _snapshot_manifest(tmp_path / "target", TWO, TWO_NEW)
    report = lint_json(
        project, tmp_path / "lint.json", "--base-ref", "main", "--artifacts", str(artifacts)
    )
    named = {(f["line"], f["code"]): f["unique_id"] for f in report["findings"] if f["path"] == TWO}
    assert sorted(named) == [(line, code) for line, code, _ in TWO_EXPECTED]
    for (line, _), unique_id in named.items():
        assert unique_id == ("snapshot.shop.first" if line <= 18 else "snapshot.shop.second")
    # The same line in both blocks, with the same violation, is one finding of each snapshot.
    keys = {f["fingerprint"] for f in report["findings"] if f["key"] == "select"}
    assert len(keys) == 2


def test_a_file_of_several_snapshots_is_measured_block_by_block_against_a_base_build(tmp_path):
    """Without git, against a base build whose manifest keeps each block's body: each block is
    measured against its own snapshot's body, a renamed one against the body of the base's
    snapshot gone from the file, as a file of one block is; only the line the pull request
    wrote in it blocks (its tag line, renamed, has no finding)."""
    project = tmp_path / "shop"
    shutil.copytree(FIXTURES / "shop", project)
    (project / "dbtgate.yml").write_text(DBTGATE)
    (project / "snapshots").mkdir()
    renamed = TWO_NEW.replace("{% snapshot second %}", "{% snapshot second_renamed %}")
    (project / TWO).write_text(renamed)
    base = _snapshot_manifest(tmp_path / "base", TWO, TWO_OLD)
    report = lint_json(project, tmp_path / "lint.json", "--base", str(base))
    assert report["sections"]["lint"]["changes_from"] == "base build"
    assert found(report, TWO) == TWO_EXPECTED


def test_a_macro_change_reaching_one_block_of_several_blocks_there_alone(tmp_path):
    """A pull request editing a macro that the second block calls: the file is linted as the
    macro's caller, block by block, and what the macro change broke is found in that block, on
    its line; the first block's old debt stays out."""
    cents = "{% macro cents(column) %}{{ column }} / 100{% endmacro %}\n"
    calling = (
        FIRST + "\n" + SECOND.replace("    email,", "    {{ cents('email') }} as email_cents,")
    )
    main = shop_files() | {"dbtgate.yml": DBTGATE, "macros/cents.sql": cents, TWO: calling}
    broken = cents.replace("/ 100", "/ 100 as cents_value")
    project = main_then_pr(tmp_path / "repo", main, {"macros/cents.sql": broken})
    report = lint_json(project, tmp_path / "lint.json", "--base-ref", "main")
    assert report["sections"]["lint"]["files"] == [TWO]
    assert found(report, TWO) == [
        (33, "lint.LT02", "blocking"),
        (33, "lint.unparsable", "blocking"),
    ]


def test_a_fix_one_block_refuses_refuses_the_whole_file_which_is_left_as_it_was(tmp_path):
    """A fix of the line the pull request wrote in the second block would move its leading comma
    onto the line above, which it did not touch: refused, as in a file of one block, naming
    the snapshot; the file is left as it was."""
    lead = TWO_OLD.replace("    customer_id,\n    name,", "    customer_id\n    , name,")
    main = shop_files() | {"dbtgate.yml": DBTGATE, TWO: lead}
    edited = lead.replace("    , name,", "    , name  as customer_name,")
    project = main_then_pr(tmp_path / "repo", main, {TWO: edited})
    done = dbtgate("lint", "--fix", "LT04", TWO, "--base-ref", "main", cwd=project)
    assert (
        f"lint --fix: not fixed {TWO}: snapshot second: the fixes would also change line 31, "
        "which the change did not touch"
    ) in done.stdout, done.stdout + done.stderr
    assert (project / TWO).read_text() == edited


# Run first in a child dbtgate: sqlfluff-templater-dbt's class as a release renaming its private
# `_find_node` would leave it: no `_find_node` on the class, the templater working as before (it
# calls its method by the new name; here, the real method is the instance's while it renders).
RENAMED_FIND_NODE = """
from sqlfluff_templater_dbt.templater import DbtTemplater

DbtTemplater._find_dbt_node = DbtTemplater._find_node
del DbtTemplater._find_node
_unsafe_process = DbtTemplater._unsafe_process


def _renamed(self, *args, **kwargs):
    self._find_node = self._find_dbt_node
    try:
        return _unsafe_process(self, *args, **kwargs)
    finally:
        del self._find_node


DbtTemplater._unsafe_process = _renamed
"""
RENAME = ("snapshot orders_snapshot", "snapshot lone_snapshot")


@pytest.mark.slow
@needs_dbt_templater
def test_a_dbt_templater_without_find_node_leaves_a_file_of_snapshots_unlinted_saying_why(
    tmp_path,
):
    """dbtgate has dbt compile each block of a file of several as its own snapshot through the
    dbt templater's private `_find_node`. A sqlfluff-templater-dbt without it (an upstream
    rename) renders no block: the file is not linted and a note says why and what lints it,
    not a "sqlfluff failed" finding, nor a crash; its `--fix` is refused, saying why; a file of
    one snapshot, which needs no choice, is linted as before. The rename is made in the child
    dbtgate that lints (a `sitecustomize` on its path), on the real templater's class."""
    profiles = duckdb_profiles(tmp_path, "shop")
    root = tmp_path / "repo"
    settings = {
        ".sqlfluff": dbt_templater_sqlfluff(root, profiles),
        "dbtgate.yml": DBTGATE.replace("dialect: duckdb", "dialect: duckdb, templater: dbt"),
    }
    # A file of one snapshot beside it (not LEGACY_TWO's orders_snapshot: dbt's names are one).
    lone = "snapshots/lone_snapshot.sql"
    main = shop_files() | settings | {LEGACY_TWO: LEGACY_TWO_OLD, lone: OLD.replace(*RENAME)}
    project = main_then_pr(root, main, {LEGACY_TWO: LEGACY_TWO_NEW, lone: NEW.replace(*RENAME)})
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(RENAMED_FIND_NODE)
    env = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "PYTHONPATH": str(site)}
    report_path = tmp_path / "lint.json"
    done = dbtgate("lint", "--base-ref", "main", "--json", str(report_path), cwd=project, env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(report_path.read_text())
    assert report["sections"]["lint"]["files"] == [lone]
    assert found(report, lone) == EXPECTED
    assert found(report, LEGACY_TWO) == []
    version = importlib.metadata.version("sqlfluff-templater-dbt")
    assert report["notes"] == [
        f"lint: {LEGACY_TWO}: not linted: it holds several snapshot blocks, and each must be "
        f"compiled as its own snapshot, but the installed sqlfluff-templater-dbt {version} has "
        "no `_find_node`, the private method by which dbtgate has dbt compile one snapshot of "
        "a file (lint.templater: jinja would lint it, as would a sqlfluff-templater-dbt that "
        "has it)"
    ]
    assert "sqlfluff failed" not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    fixed = dbtgate("lint", "--fix", "LT01", LEGACY_TWO, "--whole", cwd=project, env=env)
    assert (
        f"lint --fix: not fixed {LEGACY_TWO}: its snapshot blocks cannot be rendered one at a "
        f"time: the installed sqlfluff-templater-dbt {version} has no `_find_node`"
    ) in fixed.stdout, fixed.stdout + fixed.stderr
    assert (project / LEGACY_TWO).read_text() == LEGACY_TWO_NEW
    # The same project, the templater as installed: the file is linted block by block.
    assert found(dbt_lint_report(project, tmp_path / "again.json"), LEGACY_TWO) == (
        LEGACY_TWO_EXPECTED
    )


def test_blocks_only_moved_are_no_change_against_a_base_build_and_gits_lines_with_git(tmp_path):
    """A pull request that only swaps a file's two snapshot blocks. Against a base build, whose
    manifest keeps each block's body but not their order, the file as the base had it is
    today's: nothing changed, nothing linted. With git, the change is git's diff, as for any
    lines moved in a model: what it marks as written (a move is lines deleted and added, here
    some of each block's, as git matches them) is the pull request's, the rest old debt."""
    swapped = SECOND + "\n" + FIRST
    main = shop_files() | {"dbtgate.yml": DBTGATE, TWO: TWO_OLD}
    project = main_then_pr(tmp_path / "repo", main, {TWO: swapped})
    base = load_artifacts(_snapshot_manifest(tmp_path / "base", TWO, TWO_OLD))
    against_build = changes_against_build(
        project_without_build(project),
        Project.from_artifacts(base, project),
        project,
        [project / TWO],
    )
    assert against_build.changes.get(project / TWO) is None
    report = lint_json(project, tmp_path / "lint.json", "--base-ref", "main")
    written = _git_lines(project, TWO)
    assert written and written != frozenset(range(1, swapped.count("\n") + 1))
    findings = found(report, TWO)
    assert {line for line, _, disposition in findings if disposition == "blocking"} == {
        line for line, _, _ in findings if line in written
    }
    assert any(disposition == "out_of_scope" for _, _, disposition in findings)


@pytest.mark.parametrize("reaches", [True, False], ids=["macro-reaches-it", "macro-does-not"])
def test_a_macro_change_reaching_a_file_whose_blocks_share_a_line_says_once_it_is_not_linted(
    tmp_path, reaches
):
    """A file whose snapshot blocks share a line calls a macro the pull request edits: when the
    edit changes what it renders, the notes say once that it was not linted (not also that its
    base rendering failed: its base version is no more linted than it); when it does not (a
    macro added to the macro's file), the file is no caller the change reached, and no note
    names it."""
    cents = "{% macro cents(column) %}{{ column }} / 100{% endmacro %}\n"
    calling = SECOND.replace("    email,", "    {{ cents('email') }} as email_cents,")
    shared = FIRST.rstrip("\n") + calling
    main = shop_files() | {
        "dbtgate.yml": DBTGATE,
        "macros/cents.sql": cents,
        "snapshots/shared.sql": shared,
    }
    edited = (
        cents.replace("/ 100", "/ 100.0")
        if reaches
        else cents + "{% macro dollars(column) %}{{ column }}{% endmacro %}\n"
    )
    project = main_then_pr(tmp_path / "repo", main, {"macros/cents.sql": edited})
    report = lint_json(project, tmp_path / "lint.json", "--base-ref", "main")
    assert report["sections"]["lint"]["files"] == []
    naming_it = [note for note in report["notes"] if "snapshots/shared.sql" in note]
    if not reaches:
        assert naming_it == []
        return
    assert naming_it == [
        "lint: 1 macro changed (macros/cents.sql): 1 SQL file calling them renders "
        "differently, linted too (snapshots/shared.sql); only what the macro change caused "
        "there blocks",
        "lint: snapshots/shared.sql: not linted: two of its snapshot blocks share a line, so "
        "neither can be linted without the other (put each {% snapshot %} tag on a line of its "
        "own)",
    ]
