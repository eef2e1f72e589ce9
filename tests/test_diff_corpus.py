"""The schema diff on real pairs of builds from the shared corpus.

recce-pair: a real base and pull-request build of jaffle_shop (dbt 1.8.1, DuckDB). Inspected by
hand: the PR refactors `customers` onto two new intermediate models (int_customer_orders,
int_customer_payments); its SQL changes, its catalog columns and types do not; every build-time
difference besides (schema `prod` -> `dev`, compiled code, relation names) is environment.

bouncer-dbt110/111/112/20: one project built by dbt 1.10, 1.11, 1.12 and Fusion 2.0: checksums,
constraint flags and meta placement differ by version, and none of it may read as a change. The
only real differences between the files: the 1.12 build's YAML declares two more columns on the
source dummy_source.customers, and Fusion disables the Python model it cannot run.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
import shutil
from pathlib import Path

import pytest
from cli_support import dbtgate, plain_env, run_dbtgate
from corpus import corpus_dir, corpus_files, file_id

from dbtgate.artifacts import load_artifacts
from dbtgate.diff.changes import SchemaDiff
from dbtgate.diff.compare import diff_projects
from dbtgate.project import Project

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)


def project(name: str) -> Project:
    return Project.from_artifacts(load_artifacts(corpus_dir(name)))


def listed(result: SchemaDiff) -> list[tuple[str, str, str, str | None]]:
    return [(c.change_class, c.code, c.unique_id, c.column) for c in result.changes]


def test_recce_pair_lists_and_classifies_every_change() -> None:
    result = diff_projects(project("recce-pair/base"), project("recce-pair/pr2"), today=NOW)
    assert listed(result) == [
        ("safe", "safe.code_changed", "model.jaffle_shop.customers", None),
        ("safe", "safe.model_added", "model.jaffle_shop.int_customer_orders", None),
        ("safe", "safe.model_added", "model.jaffle_shop.int_customer_payments", None),
    ]
    # The manifests carry compiled SQL inline only; no compiled files: filters/grain unknown,
    # said once in a note (same dbt version, both catalogs present: the only note).
    assert result.changes[0].reason == "customers: SQL changed"
    assert result.counts == {"breaking": 0, "risky": 0, "safe": 3, "acknowledged": 0}
    assert result.unknown == []
    assert result.notes == [
        "1 SQL change (safe.code_changed) not compared for filters and grain: neither build's "
        "compiled SQL is on disk (dbt writes it to target/compiled: keep that folder with each "
        "build's manifest.json to compare them)"
    ]
    assert (result.base_dbt_version, result.pr_dbt_version, result.adapter) == (
        "1.8.1",
        "1.8.1",
        "duckdb",
    )


def test_recce_pair_reversed_reports_the_removed_models_as_risky() -> None:
    result = diff_projects(project("recce-pair/pr2"), project("recce-pair/base"), today=NOW)
    assert listed(result) == [
        ("risky", "risky.model_removed", "model.jaffle_shop.int_customer_orders", None),
        ("risky", "risky.model_removed", "model.jaffle_shop.int_customer_payments", None),
        ("safe", "safe.code_changed", "model.jaffle_shop.customers", None),
    ]
    assert all(c.details == {"how": "deleted_or_renamed"} for c in result.changes[:2])


@pytest.mark.parametrize(
    ("base", "pr"),
    [
        ("bouncer-dbt110", "bouncer-dbt112"),
        ("bouncer-dbt112", "bouncer-dbt110"),
        ("bouncer-dbt110", "bouncer-dbt111"),
        ("bouncer-dbt111", "bouncer-dbt112"),
        ("bouncer-dbt112", "bouncer-dbt20"),
        ("bouncer-dbt20", "bouncer-dbt112"),
    ],
)
def test_builds_by_different_dbt_versions_show_no_spurious_breaking_change(
    base: str, pr: str
) -> None:
    result = diff_projects(project(base), project(pr), today=NOW)
    assert [c for c in result.changes if c.change_class == "breaking"] == []
    assert any("checksums differ between dbt versions" in note for note in result.notes)


def test_bouncer_dbt110_to_dbt112_lists_only_the_real_yaml_difference() -> None:
    source = "source.dbt_bouncer_test_project.dummy_source.customers"
    forward = diff_projects(project("bouncer-dbt110"), project("bouncer-dbt112"), today=NOW)
    # The project's semantic layer changed between the two builds too: the semantic model
    # `customers` became `orders` (with a metric), which its users lose; nothing in either
    # build read it, so it is risky. The new ones are listed.
    semantic = "semantic_model.dbt_bouncer_test_project"
    metric = "metric.dbt_bouncer_test_project.total_order_amount"
    assert listed(forward) == [
        ("risky", "risky.semantic_removed", f"{semantic}.customers", None),
        ("safe", "safe.semantic_added", metric, None),
        ("safe", "safe.semantic_added", f"{semantic}.orders", None),
        ("safe", "safe.column_added", source, "first_name"),
        ("safe", "safe.column_added", source, "last_name"),
    ]
    backward = diff_projects(project("bouncer-dbt112"), project("bouncer-dbt110"), today=NOW)
    # Sources have no catalog entry here: only their YAML says so, hence risky, unconfirmed.
    # The metric read the semantic model `orders`, and goes with it: each removal is its own,
    # and neither is breaking (no exposure, nothing the pull request keeps, read them).
    assert listed(backward) == [
        ("risky", "risky.semantic_removed", metric, None),
        ("risky", "risky.semantic_removed", f"{semantic}.orders", None),
        ("risky", "risky.column_removed", source, "first_name"),
        ("risky", "risky.column_removed", source, "last_name"),
        ("safe", "safe.semantic_added", f"{semantic}.customers", None),
    ]
    assert "no catalog or readable SQL to confirm" in backward.changes[2].reason


def test_fusion_build_disabling_a_python_model_is_the_only_change() -> None:
    result = diff_projects(project("bouncer-dbt112"), project("bouncer-dbt20"), today=NOW)
    # Fusion writes on the semantic model the measure dbt 1.12's metric defines itself (its
    # spelling of the newer metric spec): the same aggregation, not a measure added.
    assert listed(result) == [
        ("risky", "risky.model_removed", "model.dbt_bouncer_test_project.py_order_stats", None),
    ]
    assert result.changes[0].details == {"how": "disabled"}
    backward = diff_projects(project("bouncer-dbt20"), project("bouncer-dbt112"), today=NOW)
    assert listed(backward) == [
        ("safe", "safe.model_added", "model.dbt_bouncer_test_project.py_order_stats", None),
    ]


def sv_project(tmp_path: Path, version: str) -> Project:
    directory = tmp_path / version
    directory.mkdir()
    source = corpus_dir("schema-versions") / f"manifest_v12_dbt{version}.json"
    shutil.copyfile(source, directory / "manifest.json")
    return Project.from_artifacts(load_artifacts(directory))


@pytest.mark.parametrize(("base", "pr"), [("1.11", "1.12"), ("1.12", "1.11"), ("1.10", "1.12")])
def test_measures_moved_into_dbt_112_metrics_are_not_removed(
    tmp_path: Path, base: str, pr: str
) -> None:
    """jaffle shop before and after dbt 1.12's metric spec: the measures of the semantic models
    (dbt 1.10, 1.11) are each simple metric's own aggregation in 1.12 (`order_count`, sum of
    1 on orders, is now that of `orders`, `drink_orders`, ...): the same semantic model,
    aggregation and column answer the same queries, so no measure reads as removed (or, the
    other way, added), and no metric that read one as broken. What the project really changed
    stays: the semantic model `order_item` renamed `order_items` (breaking: ten metrics and a
    saved query read it), and four metrics defined in 1.12 only."""
    result = diff_projects(sv_project(tmp_path, base), sv_project(tmp_path, pr), today=NOW)
    semantic = [
        (c.code, c.unique_id.split(".", 2)[2], c.key)
        for c in result.changes
        if "semantic" in c.code
    ]
    added = "safe.semantic_added" if pr == "1.12" else "risky.semantic_removed"
    old, new = ("order_item", "order_items") if pr == "1.12" else ("order_items", "order_item")
    assert sorted(semantic) == sorted(
        [
            ("breaking.semantic_removed", old, None),
            ("safe.semantic_added", new, None),
            *((added, name, None) for name in ("average_tax_rate", "customers")),
            *((added, name, None) for name in ("lifetime_spend", "tax_paid")),
        ]
    )
    assert not any(c.key and c.key.startswith("measure:") for c in result.changes)


def test_diff_command_on_the_recce_pair_passes_and_writes_the_json_report(
    tmp_path: Path,
) -> None:
    base, pr = corpus_dir("recce-pair/base"), corpus_dir("recce-pair/pr2")
    report = tmp_path / "diff.json"
    completed = dbtgate(
        *("diff", "--base", str(base), "--artifacts", str(pr), "--json", str(report)), cwd=tmp_path
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "safe.model_added" in completed.stdout
    assert "0 breaking, 0 risky, 3 safe" in completed.stdout
    document = json.loads(report.read_text(encoding="utf-8"))
    assert document["verdict"] == "pass"
    diff = document["sections"]["diff"]
    assert [c["code"] for c in diff["changes"]] == [
        "safe.code_changed",
        "safe.model_added",
        "safe.model_added",
    ]
    assert document["findings"] == []


@pytest.mark.parametrize(
    "manifest", corpus_files("**/manifest*.json"), ids=lambda p: file_id(p) if p else "absent"
)
def test_every_real_build_diffed_with_itself_has_no_changes(
    manifest: Path | None, tmp_path: Path
) -> None:
    assert manifest is not None
    if manifest.name == "manifest.json":
        directory = manifest.parent  # with its catalog (and compiled SQL paths) beside it
    else:
        directory = tmp_path / "build"  # schema-versions/manifest_vN.json: one per version
        directory.mkdir()
        shutil.copyfile(manifest, directory / "manifest.json")
    result = diff_projects(
        Project.from_artifacts(load_artifacts(directory)),
        Project.from_artifacts(load_artifacts(directory)),
        today=NOW,
    )
    assert result.changes == []
    assert result.unknown == []


def test_a_column_a_semantic_model_uses_has_a_reader(tmp_path) -> None:
    """bouncer's semantic model `orders` has a dimension on orders.order_date: removing the
    column breaks dbt's semantic layer (and the metrics on it), even with no child model and
    no contract, so it is breaking, with the semantic model as the reader that uses it."""
    source = corpus_dir("bouncer-dbt112")
    uid = "model.dbt_bouncer_test_project.orders"

    def build(name: str, drop: bool) -> Project:
        manifest = json.loads((source / "manifest.json").read_text())
        catalog = json.loads((source / "catalog.json").read_text())
        node = manifest["nodes"][uid]
        node["config"]["contract"] = node["contract"] = {"enforced": False}
        node["config"]["access"] = node["access"] = "protected"
        for child in list(manifest["child_map"].get(uid, [])):
            if not child.startswith("semantic_model."):  # no child model, test or exposure
                manifest["nodes"].pop(child, None)
                manifest["exposures"].pop(child, None)
        if drop:
            node["columns"].pop("order_date")
            catalog["nodes"][uid]["columns"].pop("order_date")
        target = tmp_path / name
        target.mkdir()
        (target / "manifest.json").write_text(json.dumps(manifest))
        (target / "catalog.json").write_text(json.dumps(catalog))
        return Project.from_artifacts(load_artifacts(target))

    result = diff_projects(build("base", False), build("pr", True), today=NOW)
    [removed] = [c for c in result.changes if c.column == "order_date"]
    assert (removed.change_class, removed.code) == ("breaking", "breaking.column_removed")
    assert "1 downstream resource reads the model" in removed.reason
    readers = [(c.name, c.resource_type, c.depth, c.selects_column) for c in removed.impact.models]
    assert readers == [("orders", "semantic_model", 1, "yes")]


@pytest.mark.parametrize(
    ("base", "said"),
    [
        # The recce pair's base was built 7.1 days after its pull request's (`base_newer`).
        (
            "recce-pair/base",
            " (built 7.1 days after this build: see the note above): 0 breaking, 0 risky, 3 safe "
            "(`{diff}` lists every change)",
        ),
        ("recce-pair/pr2", ": no changes"),
        (None, None),
    ],
)
def test_check_with_a_base_says_what_the_schema_diff_found(
    tmp_path: Path, base: str | None, said: str | None
) -> None:
    """Without breaking changes `check --base` printed nothing of the diff: no sign it ran."""
    command = ["check", "--artifacts", str(corpus_dir("recce-pair/pr2"))]
    if base is not None:
        # The same build under another invocation: `--base` refuses the very same build.
        copy = shutil.copytree(corpus_dir(base), tmp_path / "base")
        manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
        manifest["metadata"]["invocation_id"] = "base-build"
        (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        command += ["--base", str(copy)]
    completed = run_dbtgate(*command, cwd=tmp_path, env=plain_env())
    assert completed.returncode == 0, completed.stdout + completed.stderr
    lines = [line for line in completed.stdout.splitlines() if "schema diff" in line]
    if said is None:
        assert lines == []
        return
    # The command named is the one to paste: a plain `dbtgate diff` stopped, asking for a base.
    diff = shlex.join(["dbtgate", "diff", *command[1:]])
    assert lines == [f"schema diff against the base{said.format(diff=diff)}"]
    if "{diff}" not in said:
        return
    listed = run_dbtgate(*shlex.split(diff)[1:], cwd=tmp_path, env=plain_env(COLUMNS="200"))
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert "0 breaking, 0 risky, 3 safe" in listed.stdout


@pytest.mark.parametrize(
    ("section", "field", "value", "code"),
    [
        ("semantic_models", "entities", [1], 2),
        ("semantic_models", "measures", {"order_total": {}}, 2),
        ("semantic_models", "dimensions", None, 0),
        ("saved_queries", "exports", 1, 0),
        ("metrics", "type_params", {"input_measures": 1}, 0),
    ],
)
def test_a_real_semantic_layer_mangled_is_a_one_line_error_or_diffed(
    tmp_path: Path, section: str, field: str, value: object, code: int
) -> None:
    """dbt 1.12's jaffle shop with one semantic resource's field of a shape dbt never writes:
    an element list the diff reads is the loader's error naming the file and the field; the
    rest is compared as written (a semantic model written without dimensions loses them: risky,
    as nothing of the project reads those of `customers`)."""
    source = corpus_dir("schema-versions") / "manifest_v12_dbt1.12.json"
    base, pr = tmp_path / "base", tmp_path / "pr"
    for folder in (base, pr):
        folder.mkdir()
    shutil.copyfile(source, base / "manifest.json")
    manifest = json.loads(source.read_text(encoding="utf-8"))
    manifest["metadata"]["invocation_id"] = "mangled"
    uid = sorted(manifest[section])[0]
    manifest[section][uid][field] = value
    (pr / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    completed = dbtgate("diff", "--base", str(base), "--artifacts", str(pr), cwd=tmp_path)
    assert completed.returncode == code, completed.stdout + completed.stderr
    assert "internal error" not in completed.stderr
    if code == 2:
        assert completed.stderr.count("\n") == 1
        assert completed.stderr.startswith(f"dbtgate: error: {pr / 'manifest.json'}: ")
        assert f"$.{section}[{uid!r}].{field}" in completed.stderr
