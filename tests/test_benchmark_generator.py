"""The benchmark generator's output is a real, consistent dbt build, and its truth file is honest.

The speed figures in benchmarks/README.md are only worth something if the scaled manifest is one
dbt would write (every reference resolves, the counts grow with N) and if the pull-request build
differs from the base by exactly the changes recorded in truth.json: the schema-diff benchmark and
any accuracy check built on it trust that file. The diff here is computed with plain json, on
purpose independent of both the generator and dbtgate.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import run_dbtgate
from dbt_read import dbt_read, needs_dbt_core

REPO = Path(__file__).resolve().parents[1]
GENERATOR = REPO / "benchmarks" / "generate.py"
CORPUS_BUILD = REPO.parent / "shared" / "corpus" / "bouncer-dbt112"
MODELS = 200
SECTIONS = (
    "nodes",
    "sources",
    "exposures",
    "metrics",
    "semantic_models",
    "saved_queries",
    "unit_tests",
    "functions",
)
ARTIFACTS = ("manifest.json", "catalog.json", "run_results.json")

pytestmark = pytest.mark.skipif(
    not CORPUS_BUILD.is_dir(), reason=f"corpus build {CORPUS_BUILD} is absent"
)


def generate(out: Path, models: int = MODELS, seed: int = 7, source: Path = CORPUS_BUILD):
    return subprocess.run(
        [
            *(sys.executable, str(GENERATOR), "--models", str(models), "--out", str(out)),
            *("--seed", str(seed), "--source", str(source)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def read(path: Path):
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    done = generate(out)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def base(generated: Path) -> dict:
    return read(generated / "base" / "manifest.json")


def resources(manifest: dict) -> dict[str, dict]:
    return {uid: r for s in SECTIONS for uid, r in (manifest.get(s) or {}).items()}


def of_type(manifest: dict, kind: str) -> list[dict]:
    return [n for n in manifest["nodes"].values() if n["resource_type"] == kind]


def test_generated_manifest_has_exactly_the_requested_models(base: dict) -> None:
    assert len(of_type(base, "model")) == MODELS


def test_copies_belong_to_the_root_project(base: dict) -> None:
    source = read(CORPUS_BUILD / "manifest.json")
    project = source["metadata"]["project_name"]
    vendored = [m for m in of_type(source, "model") if m["package_name"] != project]
    assert vendored  # the source has installed packages: only copy 0 keeps them
    owned = [m for m in of_type(base, "model") if m["package_name"] == project]
    assert len(owned) == MODELS - len(vendored)
    for model in owned:
        assert model["unique_id"].split(".")[1] == project
        assert model["fqn"][0] == project


def test_tests_sources_and_exposures_grow_in_proportion_to_models(base: dict) -> None:
    source = read(CORPUS_BUILD / "manifest.json")
    per_copy = len(of_type(source, "model"))
    low, high = MODELS // per_copy, math.ceil(MODELS / per_copy)
    for count, per_source in (
        (len(of_type(base, "test")), len(of_type(source, "test"))),
        (len(base["sources"]), len(source["sources"])),
        (len(base["exposures"]), len(source["exposures"])),
        (len(of_type(base, "seed")), len(of_type(source, "seed"))),
    ):
        assert low * per_source <= count <= high * per_source
    # Project hooks and macros belong to the project, not to each copy (parsed a day earlier).
    assert len(of_type(base, "operation")) == len(of_type(source, "operation"))
    assert parsed_at(base, 86_400.0)["macros"] == source["macros"]


def test_every_reference_in_the_generated_manifest_resolves(base: dict) -> None:
    everything = resources(base)
    names = {n["name"] for n in base["nodes"].values()}
    for uid, resource in everything.items():
        assert resource["unique_id"] == uid
        for parent in resource.get("depends_on", {}).get("nodes", []):
            assert parent in everything, f"{uid} depends on missing {parent}"
        if resource.get("attached_node"):
            assert resource["attached_node"] in everything
        for ref in resource.get("refs") or []:
            assert ref["name"] in names, f"{uid} refs missing {ref['name']}"
    assert set(base["parent_map"]) == set(everything)
    assert set(base["child_map"]) == set(everything)
    for uid, parents in base["parent_map"].items():
        assert sorted(everything[uid].get("depends_on", {}).get("nodes", [])) == parents
        for parent in parents:
            assert uid in base["child_map"][parent]
    for uid, children in base["child_map"].items():
        for child in children:
            assert uid in base["parent_map"][child]


def test_generated_resources_have_distinct_names_files_and_relations(base: dict) -> None:
    built = [n for n in base["nodes"].values() if n["resource_type"] in ("model", "seed")]
    relations = [n["relation_name"] for n in built if n.get("relation_name")]
    assert len(relations) == len(set(relations))
    files = [n["original_file_path"] for n in built]
    assert len(files) == len(set(files))
    versions = [(n["name"], n.get("version")) for n in of_type(base, "model")]
    assert len(versions) == len(set(versions))


def test_catalog_and_run_results_name_only_manifest_resources(generated: Path, base: dict) -> None:
    everything = resources(base)
    catalog = read(generated / "base" / "catalog.json")
    run_results = read(generated / "base" / "run_results.json")
    for uid, entry in {**catalog["nodes"], **catalog["sources"]}.items():
        assert uid in everything
        relation = everything[uid].get("relation_name") or ""
        assert relation.endswith(f'"{entry["metadata"]["name"]}"')
    assert run_results["results"]
    for result in run_results["results"]:
        assert result["unique_id"] in everything
    invocation = base["metadata"]["invocation_id"]
    assert catalog["metadata"]["invocation_id"] == invocation
    assert run_results["metadata"]["invocation_id"] == invocation


@needs_dbt_core
def test_dbt_core_reads_the_generated_artifacts(generated: Path) -> None:
    builds = [str(generated / build) for build in ("base", "pr")]
    assert dbt_read("artifacts", *builds) == {build: {"models": MODELS} for build in builds}


def test_dbtgate_loads_the_generated_builds_without_warnings(generated: Path) -> None:
    from dbtgate.artifacts import load_artifacts

    for build in ("base", "pr"):
        artifacts = load_artifacts(generated / build)
        nodes = artifacts.manifest.data.nodes.values()
        assert sum(1 for n in nodes if n.resource_type == "model") == MODELS
        assert artifacts.catalog is not None and artifacts.run_results is not None
        assert artifacts.warnings == []


def test_generation_is_deterministic(generated: Path, tmp_path: Path) -> None:
    again = generate(tmp_path / "again")
    assert again.returncode == 0, again.stderr
    for path in [Path(b, a) for b in ("base", "pr") for a in ARTIFACTS] + [Path("truth.json")]:
        assert (tmp_path / "again" / path).read_bytes() == (generated / path).read_bytes(), path


def test_seed_chooses_which_models_change(generated: Path, tmp_path: Path) -> None:
    other = generate(tmp_path / "other", seed=8)
    assert other.returncode == 0, other.stderr
    assert read(tmp_path / "other" / "truth.json") != read(generated / "truth.json")


def schema_differences(before: Path, after: Path) -> set[tuple]:
    """Columns removed, warehouse types changed, descriptions emptied: from the files alone."""
    found: set[tuple] = set()
    old_manifest, new_manifest = (read(p / "manifest.json") for p in (before, after))
    old_catalog, new_catalog = (read(p / "catalog.json")["nodes"] for p in (before, after))
    for uid, old in old_manifest["nodes"].items():
        new = new_manifest["nodes"][uid]
        if old.get("description") and not new.get("description"):
            found.add((uid, "description_removed", None, old["description"], ""))
        for name, column in old.get("columns", {}).items():
            if name not in new.get("columns", {}):
                # A removal is recorded with the warehouse's type, so it must show in both files.
                warehouse = {c.lower(): c for c in old_catalog.get(uid, {}).get("columns", {})}
                gone = name.lower() in warehouse and warehouse[name.lower()] not in new_catalog.get(
                    uid, {}
                ).get("columns", {})
                if not gone:
                    found.add((uid, "column_removed_from_yaml_only", name, None, None))
            elif column.get("description") and not new["columns"][name].get("description"):
                found.add((uid, "description_removed", name, column["description"], ""))
    for uid, old in old_catalog.items():
        new_columns = new_catalog[uid]["columns"]
        for name, column in old["columns"].items():
            if name not in new_columns:
                found.add((uid, "column_removed", name, column["type"], None))
            elif new_columns[name]["type"] != column["type"]:
                found.add((uid, "type_changed", name, column["type"], new_columns[name]["type"]))
    return found


def test_truth_lists_exactly_the_differences_between_base_and_pr(generated: Path) -> None:
    truth = read(generated / "truth.json")
    recorded = {(t["unique_id"], t["change"], t["column"], t["old"], t["new"]) for t in truth}
    assert len(recorded) == len(truth) == max(3, MODELS // 100)
    assert {t["change"] for t in truth} == {
        "column_removed",
        "type_changed",
        "description_removed",
    }
    assert schema_differences(generated / "base", generated / "pr") == recorded


def parsed_at(manifest: dict, shift: float = 0.0) -> dict:
    """The manifest with every resource's parse time (`created_at`) moved by `shift`."""
    return {
        section: {
            uid: {**r, "created_at": r["created_at"] + shift}
            if isinstance(r, dict) and "created_at" in r
            else r
            for uid, r in entries.items()
        }
        if isinstance(entries, dict) and section != "metadata"
        else entries
        for section, entries in manifest.items()
    }


def test_only_the_changed_models_differ_between_base_and_pr(generated: Path, base: dict) -> None:
    """But for when dbt parsed them: two builds parsed apart stamp every resource with their own
    time (`created_at`), the base's a day before the pull request's."""
    changed = {t["unique_id"] for t in read(generated / "truth.json")}
    pr = read(generated / "pr" / "manifest.json")
    assert set(pr["nodes"]) == set(base["nodes"])
    stamped = [r for s in (*SECTIONS, "macros") for r in (base.get(s) or {}).values()]
    assert all("created_at" in r for r in stamped)
    aligned = parsed_at(base, 86_400.0)
    assert {uid for uid in base["nodes"] if aligned["nodes"][uid] != pr["nodes"][uid]} == changed
    for section in (*SECTIONS[1:], "macros", "parent_map", "child_map"):
        assert pr.get(section) == aligned.get(section), section
    catalogs = [read(generated / b / "catalog.json")["nodes"] for b in ("base", "pr")]
    assert {uid for uid in catalogs[0] if catalogs[0][uid] != catalogs[1][uid]} <= changed


def test_missing_source_artifact_is_a_one_line_error(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "manifest.json").write_text("{}")
    done = generate(tmp_path / "out", source=source)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"generate.py: {source / 'catalog.json'}: not found "
        "(the source must hold manifest.json, catalog.json, run_results.json)"
    ]


def test_dbtgate_diff_of_the_generated_pair_finds_exactly_the_recorded_changes(
    generated: Path,
) -> None:
    done = run_dbtgate(
        *("diff", "--base", "base", "--artifacts", "pr", "--json", "diff.json"), cwd=generated
    )
    assert done.returncode == 1, done.stderr  # the truth holds breaking changes: the gate fails
    changes = read(generated / "diff.json")["sections"]["diff"]["changes"]
    found: set[tuple] = set()
    code_changed: set[str] = set()
    for change in changes:
        uid, code = change["unique_id"], change["code"]
        if code.endswith((".column_removed", ".type_changed")):
            kind = code.split(".", 1)[1]
            new = change.get("new")
            found.add((uid, kind, change["column"].lower(), change["old"].upper(), new))
        elif code == "safe.description_changed":
            details = change["details"]
            if details["model"]:
                found.add((uid, "description_removed", None, None, None))
            found.update(
                (uid, "description_removed", c.lower(), None, None) for c in details["columns"]
            )
        elif code == "safe.code_changed":
            code_changed.add(uid)
        else:
            raise AssertionError(f"a change the generator did not make: {change}")
    truth = read(generated / "truth.json")
    expected = {
        (
            t["unique_id"],
            t["change"],
            t["column"] and t["column"].lower(),
            t["old"].upper() if t["change"] != "description_removed" else None,
            t["new"] if t["change"] == "type_changed" else None,
        )
        for t in truth
    }
    assert found == expected
    # A column removed or retyped is an edit of the model's SQL: that, and nothing else, changed.
    assert code_changed == {t["unique_id"] for t in truth if t["change"] != "description_removed"}
