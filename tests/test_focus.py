"""`check --select/--exclude`: the verdict of a part of the project, on real builds.

What the selection should keep is worked out here from the artifacts with plain `json` (the
manifest's child_map for `x+`), then compared with what dbtgate reports."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess

import jsonschema
import pytest
from cli_support import dbtgate
from corpus import CORPUS

from dbtgate.errors import DbtgateError
from dbtgate.findings import Finding
from dbtgate.focus import keep_focus, parse_focus
from dbtgate.report.json_report import report_schema

RECCE = CORPUS / "recce-pair"


def report_of(result: subprocess.CompletedProcess[str]) -> dict:
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_a_selector_mistake_names_the_option_before_anything_is_read() -> None:
    with pytest.raises(DbtgateError, match=r"^--select 'nope:x': unknown selector method 'nope'"):
        parse_focus("nope:x", None)
    with pytest.raises(DbtgateError, match=r"^--exclude '2\+@x': "):
        parse_focus(None, "2+@x")
    assert parse_focus(None, None) is None
    select, exclude = parse_focus(None, "tag:legacy")
    assert select.text == "*" and exclude is not None and exclude.text == "tag:legacy"


def test_keep_focus_keeps_the_selection_and_its_tests_only() -> None:
    def finding(uid: str | None, **details: str) -> Finding:
        return Finding(code="x.y", severity="error", message="", unique_id=uid, details=details)

    on_model = finding("model.p.a")
    on_its_test = finding("test.p.not_null_a_id", tested_resource="model.p.a")
    on_other = finding("model.p.b")
    on_other_test = finding("test.p.unique_b_id", tested_resource="model.p.b")
    on_project = finding(None)
    kept, left_out = keep_focus(
        [on_model, on_its_test, on_other, on_other_test, on_project], {"model.p.a"}
    )
    assert kept == [on_model, on_its_test]
    assert left_out == 3


@pytest.fixture
def recce_reversed():
    """The recce pair read backwards: the 'pull request' removes two models the base has."""
    if not RECCE.is_dir():
        pytest.skip(f"corpus absent: {RECCE}")
    return ["check", "--artifacts", str(RECCE / "base"), "--base", str(RECCE / "pr2")]


def test_a_removed_model_is_selected_from_the_base_build(recce_reversed, tmp_path) -> None:
    everything = report_of(dbtgate(*recce_reversed, "--json", "-", cwd=tmp_path))
    removed = {f["unique_id"] for f in everything["findings"] if f["code"].endswith("removed")}
    assert removed == {
        "model.jaffle_shop.int_customer_orders",
        "model.jaffle_shop.int_customer_payments",
    }
    result = dbtgate(*recce_reversed, "-s", "int_customer_orders", "--json", "-", cwd=tmp_path)
    focused = report_of(result)
    assert [f["unique_id"] for f in focused["findings"]] == [
        "model.jaffle_shop.int_customer_orders"
    ]
    assert focused["inputs"]["select"] == "int_customer_orders"
    assert "exclude" not in focused["inputs"]
    assert any("1 finding on other resources" in note for note in focused["notes"])
    assert result.stderr.rstrip().endswith(", on --select int_customer_orders")

    # Several selectors after one option are a union, as in dbt.
    both = dbtgate(
        *recce_reversed,
        "-s",
        "int_customer_orders",
        "int_customer_payments",
        "--json",
        "-",
        cwd=tmp_path,
    )
    assert len(report_of(both)["findings"]) == 2
    assert report_of(both)["inputs"]["select"] == "int_customer_orders int_customer_payments"

    excluded = report_of(
        dbtgate(*recce_reversed, "--exclude", "int_customer_orders", "--json", "-", cwd=tmp_path)
    )
    assert [f["unique_id"] for f in excluded["findings"]] == [
        "model.jaffle_shop.int_customer_payments"
    ]
    assert excluded["inputs"]["exclude"] == "int_customer_orders"


def test_a_selection_of_nothing(recce_reversed, tmp_path) -> None:
    # A name that matches nothing is a typo until shown otherwise: exit 2, one line.
    typo = dbtgate(*recce_reversed, "--select", "customer_segmnts", cwd=tmp_path)
    assert typo.returncode == 2
    assert typo.stderr.strip().splitlines() == [
        "dbtgate: error: --select customer_segmnts selects no model, seed, snapshot, source, "
        "exposure or macro of dbt project 'jaffle_shop' (did you mean customer_segments? `dbt "
        "ls --select ...` shows what a selector picks)"
    ]
    # Nothing near it: the tip alone. customer_order_pattern shares words with
    # int_customer_order, but is no typo of it.
    for far_off in ("zzz_nothing_like_it", "int_customer_order"):
        far = dbtgate(*recce_reversed, "--select", far_off, cwd=tmp_path)
        assert far.stderr.strip().endswith(
            "'jaffle_shop' (`dbt ls --select ...` shows what a selector picks)"
        ), far.stderr
    # An --exclude that leaves nothing out is said (the gate judges what was meant to go), but
    # judging more is no silent pass: a warning, the run goes on.
    excluding = dbtgate(*recce_reversed, "--exclude", "int_customer_order", cwd=tmp_path)
    assert excluding.returncode in (0, 1), excluding.stderr
    assert (
        "warning: --exclude int_customer_order excludes nothing: no model, seed, snapshot, "
        "source, exposure or macro of dbt project 'jaffle_shop' matches it (a typo? `dbt ls "
        "--select ...` shows what a selector picks)"
    ) in " ".join(excluding.stdout.split())
    # One part of a union mistyped: the gate judges the others, and says which part selected
    # nothing (it passed on less than was asked, in silence).
    part = dbtgate(
        *recce_reversed, "--select", "int_customer_orders", "int_customer_payment", cwd=tmp_path
    )
    assert part.returncode in (0, 1), part.stderr
    assert (
        "warning: --select int_customer_orders int_customer_payment: 'int_customer_payment' "
        "selects no resources (did you mean int_customer_payments?), so the verdict covers the "
        "other parts only"
    ) in " ".join(part.stdout.split())
    # "What changed, tagged x" can be nothing: said first, and nothing to block.
    nothing_changed = dbtgate(
        *recce_reversed, "--select", "state:modified,tag:absent", "-q", cwd=tmp_path
    )
    assert nothing_changed.returncode == 0, nothing_changed.stderr
    assert nothing_changed.stdout.startswith(
        "warning: --select state:modified,tag:absent selects no model"
    )
    # state: needs a base build, as in the config.
    no_base = dbtgate(
        "check", "--artifacts", str(RECCE / "base"), "-s", "state:modified", cwd=tmp_path
    )
    assert no_base.returncode == 2
    assert "--select state:modified: state:modified needs a base build" in no_base.stderr


def _downstream(manifest: dict, start: str) -> set[str]:
    """`start` and everything below it in the manifest's child_map (dbt's `x+`)."""
    seen, frontier = {start}, [start]
    while frontier:
        frontier = [c for uid in frontier for c in manifest["child_map"][uid] if c not in seen]
        seen.update(frontier)
    return seen


@pytest.mark.slow
def test_fixture_pr_gate_on_one_model_and_its_readers(shop_builds, tmp_path) -> None:
    args = ["check", "--artifacts", "target", "--base", str(shop_builds.base / "target")]
    everything = report_of(dbtgate(*args, "--json", "-", cwd=shop_builds.pr))
    manifest = json.loads((shop_builds.pr / "target" / "manifest.json").read_text())
    for selector in ("orders_summary+", "customer_ltv"):
        name = selector.rstrip("+")
        # every version of the model, and below it for `+`
        models = [
            uid
            for uid, node in manifest["nodes"].items()
            if node["resource_type"] == "model" and node["name"] == name
        ]
        selected = set(models)
        if selector.endswith("+"):
            selected = {uid for model in models for uid in _downstream(manifest, model)}
        expected = [
            f
            for f in everything["findings"]
            if f["unique_id"] in selected
            or (f.get("details") or {}).get("tested_resource") in selected
        ]
        out = tmp_path / selector
        result = dbtgate(
            *args, "-s", selector, "--json", "-", "--out", str(out), cwd=shop_builds.pr
        )
        focused = report_of(result)
        jsonschema.validate(focused, report_schema())
        assert expected, selector  # the fixture's PR has findings on both
        assert [f["fingerprint"] for f in focused["findings"]] == [
            f["fingerprint"] for f in expected
        ]
        blocking = sum(f["disposition"] == "blocking" for f in expected)
        assert focused["verdict"] == ("fail" if blocking else "pass")
        assert result.returncode == (1 if blocking else 0)
        left_out = len(everything["findings"]) - len(expected)
        assert any(f"{left_out} findings on other resources" in n for n in focused["notes"])
        # The selection is in the verdict of every report, as untrusted text in markdown.
        headline = (out / "gate.md").read_text().splitlines()[0]
        assert headline.endswith(f", on `--select {selector}` (dbt project shop)")
        assert f", on --select {selector}</div>" in (out / "gate.html").read_text()
    # A failed test is its model's: selecting the model keeps it.
    ltv = report_of(dbtgate(*args, "-s", "customer_ltv", "--json", "-", cwd=shop_builds.pr))
    assert "run.test_failures" in {f["code"] for f in ltv["findings"]}


def test_diff_shows_the_selected_changes_only(recce_reversed, tmp_path) -> None:
    diff_args = ["diff", *recce_reversed[1:]]
    everything = report_of(dbtgate(*diff_args, "--json", "-", cwd=tmp_path))
    changed = {c["unique_id"] for c in everything["sections"]["diff"]["changes"]}
    assert "model.jaffle_shop.int_customer_orders" in changed and len(changed) > 1
    result = dbtgate(*diff_args, "-s", "int_customer_orders", "--json", "-", cwd=tmp_path)
    focused = report_of(result)
    diff = focused["sections"]["diff"]
    assert [c["unique_id"] for c in diff["changes"]] == ["model.jaffle_shop.int_customer_orders"]
    assert diff["counts"] == {"breaking": 0, "risky": 1, "safe": 0, "acknowledged": 0}
    assert [f["unique_id"] for f in focused["findings"]] == [
        "model.jaffle_shop.int_customer_orders"
    ]
    assert result.stderr.rstrip().endswith(
        "dbtgate diff: PASS — 0 blocking changes, on --select int_customer_orders"
    )


def test_check_of_a_selection_lists_and_counts_its_own_schema_changes(
    recce_reversed, tmp_path
) -> None:
    """`check --select` said "schema diff against the base: 3 breaking" of the whole project
    while the selection had none: its diff is of the selection, as `dbtgate diff -s` is."""
    focused = dbtgate(*recce_reversed, "-s", "int_customer_orders", cwd=tmp_path)
    assert "schema diff against the base: 0 breaking, 1 risky, 0 safe" in focused.stdout
    # ... and the command it names lists those, with the same builds and selection.
    said = focused.stdout.split("0 safe (`", 1)[1].split("` lists every change)")[0]
    assert said.endswith(" --select int_customer_orders")
    listed = dbtgate(*shlex.split(said)[1:], cwd=tmp_path)
    assert "0 breaking, 1 risky, 0 safe" in listed.stdout
    assert "on --select int_customer_orders" in listed.stdout
    report = report_of(
        dbtgate(*recce_reversed, "-s", "int_customer_orders", "--json", "-", cwd=tmp_path)
    )
    diff = report["sections"]["diff"]
    assert [c["unique_id"] for c in diff["changes"]] == ["model.jaffle_shop.int_customer_orders"]
    assert diff["counts"] == {"breaking": 0, "risky": 1, "safe": 0, "acknowledged": 0}


@pytest.mark.slow
def test_diff_notes_name_only_the_selected_relations_not_compared(shop_builds, tmp_path) -> None:
    """Without the PR's catalog the seeds and sources, which declare no columns, are not
    compared, and the note names them; `--select raw_orders` speaks of its own only."""
    pr = tmp_path / "pr"
    pr.mkdir()
    shutil.copy(shop_builds.pr / "target" / "manifest.json", pr / "manifest.json")
    args = ["diff", "--artifacts", str(pr), "--base", str(shop_builds.base / "target")]

    def note(*selection: str) -> str:
        report = report_of(dbtgate(*args, *selection, "--json", "-", cwd=shop_builds.pr))
        (catalog,) = [n for n in report["notes"] if n.startswith("no catalog.json")]
        return catalog

    assert "10 relations declaring none in one build: not compared (`seed.shop.raw_customers`" in (
        note()
    )
    # A name selects no source, as in `dbt ls`: the seed alone, then the source by source:.
    assert note("-s", "raw_orders").endswith(
        "; 1 relation declaring none in one build: not compared (`seed.shop.raw_orders`)"
    )
    assert note("-s", "raw_orders", "source:shop_raw.raw_orders").endswith(
        "; 2 relations declaring none in one build: not compared (`seed.shop.raw_orders`, "
        "`source.shop.shop_raw.raw_orders`)"
    )
    assert note("-s", "fct_orders").endswith("next to manifest.json)")
