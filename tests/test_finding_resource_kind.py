"""A finding on a semantic model, metric, saved query, exposure or group names its resource with
its kind in the reports (`semantic model customers`): the bare `customers` read as the model of
that name. Only what is shown changes: gate.json keeps `resource_name` bare and the fingerprint
is what it was, so a baseline written before still matches.

Run as a user runs it, on the real jaffle_shop build of dbt 1.11 (corpus) with its semantic
model customers removed, as tests/test_diff_semantic.py removes it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from cli_support import dbtgate
from corpus import corpus_dir

from dbtgate.report.view import resource_label

PKG = "jaffle_shop"
CUSTOMERS = f"semantic_model.{PKG}.customers"
# The fingerprints of these findings as dbtgate wrote them before their resources were shown
# with their kind: baselines hold them, and must keep matching.
FINGERPRINTS = {
    CUSTOMERS: "c56a9f8445dcece54b50",
    f"metric.{PKG}.average_order_value": "bae1f8bf231b46b03d90",
    f"metric.{PKG}.count_lifetime_orders": "744eec93437c6717b6a6",
    f"metric.{PKG}.lifetime_spend_pretax": "636d227a0b796f959831",
}


def _customers_removed(tmp_path: Path) -> None:
    """base/ and target/ under `tmp_path`: the jaffle_shop build, and it with the semantic
    model customers removed, the metrics on it too and a saved query moved off them."""
    base = json.loads(
        (corpus_dir("schema-versions") / "manifest_v12_dbt1.11.json").read_text(encoding="utf-8")
    )
    pr = copy.deepcopy(base)
    pr["metadata"]["invocation_id"] = "00000000-0000-0000-0000-000000000001"
    del pr["semantic_models"][CUSTOMERS]
    for uid, metric in list(pr["metrics"].items()):
        if CUSTOMERS in metric["depends_on"]["nodes"] or uid.endswith("average_order_value"):
            del pr["metrics"][uid]
    query = pr["saved_queries"][f"saved_query.{PKG}.customer_order_metrics"]
    query["query_params"]["metrics"] = ["orders"]
    query["query_params"]["group_by"] = ["Dimension('customer__customer_type')"]
    query["depends_on"]["nodes"] = [f"metric.{PKG}.orders"]
    for name, manifest in (("base", base), ("target", pr)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_a_semantic_model_s_finding_names_its_kind_and_keeps_its_fingerprint(tmp_path):
    _customers_removed(tmp_path)
    result = dbtgate(
        *("check", "--base", "base", "--artifacts", "target", "--out", "out"), cwd=tmp_path
    )
    assert result.returncode == 1, result.stdout + result.stderr
    console = " ".join(result.stdout.split())
    assert "breaking.semantic_removed semantic model customers removed" in console

    markdown = (tmp_path / "out/gate.md").read_text(encoding="utf-8")
    assert "`breaking.semantic_removed` on `semantic model customers` (" in markdown
    assert "`breaking.semantic_removed` on `metric average_order_value` (" in markdown
    assert "on `customers`" not in markdown
    html = (tmp_path / "out/gate.html").read_text(encoding="utf-8")
    assert '<td class="resource"><code>semantic model customers</code>' in html

    document = json.loads((tmp_path / "out/gate.json").read_text(encoding="utf-8"))
    found = {
        f["unique_id"]: f for f in document["findings"] if f["code"] == "breaking.semantic_removed"
    }
    assert {uid: f["fingerprint"] for uid, f in found.items()} == FINGERPRINTS
    assert found[CUSTOMERS]["resource_name"] == "customers"
    assert found[CUSTOMERS]["resource_type"] == "semantic_model"


def test_only_a_name_that_does_not_say_its_kind_gets_it():
    def label(kind: str, name: str = "finance", **more: str) -> str:
        return resource_label({"resource_name": name, "resource_type": kind, **more})

    assert label("group") == "group finance"
    assert label("exposure") == "exposure finance"
    assert label("saved_query") == "saved query finance"
    assert label("metric") == "metric finance"
    assert label("semantic_model") == "semantic model finance"
    # A model, seed or snapshot is the relation its name says; a test's name says what it tests.
    assert label("model", "orders", unique_id="model.shop.orders.v2") == "orders v2"
    assert label("model", "orders", column_name="id") == "orders.id"
    assert label("seed") == "finance"
    assert label("test", "not_null_orders_id", column_name="id") == "not_null_orders_id"
    # No name: the unique id, which says its kind already.
    assert resource_label({"unique_id": "group.shop.finance", "resource_type": "group"}) == (
        "group.shop.finance"
    )
