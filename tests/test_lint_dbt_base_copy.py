"""The project copy the dbt templater compiles with the base's macros (`lint.dbt_base`): what
dbt reads is copied, other top-level files and hidden folders are linked (a local DuckDB
database can be gigabytes), macro folders outside the project are copied beside it and its other
folders outside (models, seeds, ...) named where they are, and a macro file written back never
goes through a link into the user's files. On real folders."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dbtgate.errors import DbtgateError
from dbtgate.lint.dbt_base import _copy_project, _name_outside_folders, _own_path


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


def test_macro_paths_outside_the_project_are_copied_and_named_in_the_copy(tmp_path):
    """`macro-paths: [macros, ../shared_macros]`: from the copy's folder `../shared_macros`
    names nothing, so the shared folder is copied beside the copy and its dbt_project.yml names
    that copy; a macro file written back there leaves the user's shared macros (and a file
    linked from them, and the project's dbt_project.yml, itself a link) as they were."""
    shared = tmp_path / "repo" / "shared_macros"
    (shared / "finance").mkdir(parents=True)
    (shared / "finance" / "cents.sql").write_text("today\n")
    elsewhere = tmp_path / "elsewhere.sql"
    elsewhere.write_text("linked\n")
    (shared / "linked.sql").symlink_to(elsewhere)
    source = project(tmp_path / "repo" / "project")
    settings = tmp_path / "settings.yml"
    settings.write_text("name: demo\nmacro-paths: [macros, ../shared_macros, ../gone]\n")
    (source / "dbt_project.yml").unlink()
    (source / "dbt_project.yml").symlink_to(settings)
    copy = tmp_path / "copy" / "project"
    _copy_project(source, copy)
    places = _name_outside_folders(source, copy)
    named = yaml.safe_load((copy / "dbt_project.yml").read_text())["macro-paths"]
    assert named[0] == "macros"
    assert [Path(path).parent for path in named[1:]] == [
        tmp_path / "copy" / "project.macro-paths"
    ] * 2
    assert places == {shared: Path(named[1]), (tmp_path / "repo" / "gone"): Path(named[2])}
    assert (Path(named[1]) / "finance" / "cents.sql").read_text() == "today\n"
    assert Path(named[2]).is_dir()  # (missing today: a deleted macro file is written there)
    for target in (Path(named[1]) / "finance" / "cents.sql", Path(named[1]) / "linked.sql"):
        _own_path(Path(named[1]), target)
        target.write_text("base\n")
    assert (shared / "finance" / "cents.sql").read_text() == "today\n"
    assert elsewhere.read_text() == "linked\n"
    assert settings.read_text() == "name: demo\nmacro-paths: [macros, ../shared_macros, ../gone]\n"


def test_a_project_with_its_macros_inside_is_copied_as_it_is(tmp_path):
    source = project(tmp_path / "project")
    (source / "dbt_project.yml").write_text("name: demo\nmacro-paths: [macros, ./more/../macros]\n")
    copy = tmp_path / "copy" / "project"
    _copy_project(source, copy)
    assert _name_outside_folders(source, copy) == {}
    assert (copy / "dbt_project.yml").read_text() == (source / "dbt_project.yml").read_text()
    assert not (tmp_path / "copy" / "project.macro-paths").exists()


def test_other_paths_outside_the_project_are_named_where_they_are(tmp_path):
    """`model-paths: [models, ../shared_models]` (and seeds, tests, docs, assets, installed
    packages, ... shared from outside): from the copy's folder those paths name nothing, so the
    copy's dbt_project.yml names the user's folders by their absolute paths, a list as a list
    and one path as one. Named, not copied or linked: dbt only reads them, and nothing is made
    beside the copy for them or written there; the paths inside the project and the settings not
    set stay as they were."""
    repo = tmp_path / "repo"
    for folder in ("shared_models", "shared_seeds", "shared_tests", "docs", "assets", "pkgs"):
        (repo / folder).mkdir(parents=True)
        (repo / folder / "a.sql").write_text("select 1\n")
    source = project(repo / "project")
    outside = {
        "model-paths": ["models", "../shared_models"],
        "seed-paths": "../shared_seeds",
        "test-paths": ["tests", "../shared_tests/"],
        "analysis-paths": ["analyses"],
        "snapshot-paths": None,
        "docs-paths": ["../docs", "models"],
        "asset-paths": [str(repo / "assets")],
        "packages-install-path": "../pkgs",
    }
    (source / "dbt_project.yml").write_text(yaml.safe_dump({"name": "demo", **outside}))
    copy = tmp_path / "copy" / "project"
    _copy_project(source, copy)
    assert _name_outside_folders(source, copy) == {}
    named = yaml.safe_load((copy / "dbt_project.yml").read_text())
    assert named == {
        "name": "demo",
        "model-paths": ["models", str(repo / "shared_models")],
        "seed-paths": str(repo / "shared_seeds"),
        "test-paths": ["tests", str(repo / "shared_tests")],
        "analysis-paths": ["analyses"],
        "snapshot-paths": None,
        "docs-paths": [str(repo / "docs"), "models"],
        "asset-paths": [str(repo / "assets")],
        "packages-install-path": str(repo / "pkgs"),
    }
    assert sorted(p.name for p in copy.parent.iterdir()) == ["project"]
    assert yaml.safe_load((source / "dbt_project.yml").read_text()) == {"name": "demo", **outside}


def test_models_and_macros_outside_the_project_together(tmp_path):
    """The macro folder outside is copied beside the copy (a changed macro is written back
    there), the model folder outside named where it is, each in its place in its list."""
    repo = tmp_path / "repo"
    (repo / "shared_macros").mkdir(parents=True)
    (repo / "shared_macros" / "cents.sql").write_text("today\n")
    (repo / "shared_models").mkdir()
    source = project(repo / "project")
    (source / "dbt_project.yml").write_text(
        "name: demo\nmacro-paths: [macros, ../shared_macros]\n"
        "model-paths: [../shared_models, models]\n"
    )
    copy = tmp_path / "copy" / "project"
    _copy_project(source, copy)
    places = _name_outside_folders(source, copy)
    named = yaml.safe_load((copy / "dbt_project.yml").read_text())
    macros = tmp_path / "copy" / "project.macro-paths" / "1-shared_macros"
    assert places == {repo / "shared_macros": macros}
    assert named["macro-paths"] == ["macros", str(macros)]
    assert named["model-paths"] == [str(repo / "shared_models"), "models"]
    assert (macros / "cents.sql").read_text() == "today\n" and not macros.is_symlink()


def test_a_path_setting_that_is_no_list_of_paths_is_a_clear_error(tmp_path):
    source = project(tmp_path / "project")
    (source / "dbt_project.yml").write_text("name: demo\nasset-paths: {a: 1}\n")
    copy = tmp_path / "copy" / "project"
    _copy_project(source, copy)
    with pytest.raises(DbtgateError, match=r"dbt_project.yml: asset-paths: expected a list"):
        _name_outside_folders(source, copy)
