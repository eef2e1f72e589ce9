"""The project copy the dbt templater compiles with the base's macros (`lint.dbt_base`): what
dbt reads is copied, other top-level files and hidden folders are linked (a local DuckDB
database can be gigabytes), and a macro file written back never goes through a link into the
user's files. On real folders."""

from __future__ import annotations

from pathlib import Path

from dbtgate.lint.dbt_base import _copy_project, _own_path


def project(root: Path) -> Path:
    for relative, text in {
        "dbt_project.yml": "name: demo\n",
        "packages.yml": "packages: []\n",
        "models/a.sql": "select 1\n",
        "macros/m.sql": "{% macro m() %}1{% endmacro %}\n",
        "local.duckdb": "a database",
        ".venv/lib/site.py": "",
        "target/manifest.json": "{}",
        "logs/dbt.log": "",
        ".git/HEAD": "ref: refs/heads/main\n",
    }.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root


def test_what_dbt_reads_is_copied_and_the_rest_linked(tmp_path):
    source = project(tmp_path / "project")
    copy = tmp_path / "copy" / "project"
    _copy_project(source, copy)
    assert sorted(p.name for p in copy.iterdir()) == [
        ".venv",
        "dbt_project.yml",
        "local.duckdb",
        "macros",
        "models",
        "packages.yml",
    ]
    for name in ("dbt_project.yml", "packages.yml", "macros", "models"):
        assert not (copy / name).is_symlink(), name
    assert (copy / "models" / "a.sql").read_text() == "select 1\n"
    for name in ("local.duckdb", ".venv"):
        assert (copy / name).is_symlink() and (copy / name).resolve() == source / name


def test_a_macro_written_back_under_a_link_of_the_project_stays_in_the_copy(tmp_path):
    """The project's macros folder links to shared macros outside it: writing the base's text
    into the copy must not change the shared file (the folder becomes the copy's own)."""
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "cents.sql").write_text("today\n")
    source = project(tmp_path / "project")
    (source / "macros" / "shared").symlink_to(shared)
    (source / "vendored").symlink_to(shared)  # a top-level link as well
    copy = tmp_path / "copy" / "project"
    _copy_project(source, copy)
    for target in (copy / "macros" / "shared" / "cents.sql", copy / "vendored" / "cents.sql"):
        _own_path(copy, target)
        assert not target.parent.is_symlink()
        assert target.read_text() == "today\n"  # the folder's other files are still there
        target.write_text("base\n")
    assert (shared / "cents.sql").read_text() == "today\n"


def test_a_linked_macro_file_deleted_in_the_copy_stays_in_the_project(tmp_path):
    source = project(tmp_path / "project")
    outside = tmp_path / "outside.sql"
    outside.write_text("{% macro added() %}{% endmacro %}\n")
    (source / "macros" / "added.sql").symlink_to(outside)
    copy = tmp_path / "copy" / "project"
    _copy_project(source, copy)
    target = copy / "macros" / "added.sql"
    _own_path(copy, target)
    target.unlink(missing_ok=True)
    assert outside.is_file() and (source / "macros" / "added.sql").is_file()
