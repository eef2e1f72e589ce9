"""A finding on a semantic model, metric, saved query, exposure or group names its resource with
its kind in the reports (`semantic model customers`): the bare `customers` read as the model of
that name. A finding on a source table names it with its source (`source shop_raw.raw_customers`),
as `dbtgate diff` does: the bare `raw_customers` read as the seed of that name. Only what is
shown changes: gate.json keeps `resource_name` bare and the fingerprint is what it was, so a
baseline written before still matches.

Run as a user runs it, on the real jaffle_shop build of dbt 1.11 (corpus) with its semantic
model customers removed, as tests/test_diff_semantic.py removes it, and on the real fixture
builds (tests/conftest.py `shop_builds`), whose sources have no freshness."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from cli_support import dbtgate
from corpus import corpus_dir
from fake_github import FakeGitHub

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
# The fixture's source tables that have no freshness, with their fingerprints as dbtgate wrote
# them before a source was named with its source's name.
SOURCE_FINGERPRINTS = {
    "source.shop.shop_raw.raw_customers": "5ac3863189970e02e50e",
    "source.shop.shop_raw.raw_order_items": "9a8cf2b3e9c31aec172b",
    "source.shop.shop_raw.raw_products": "8f3cd334069b2c388e09",
}
REPO = "acme/shop"
PR = 7


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


@pytest.mark.slow
def test_a_source_s_finding_names_its_source_and_keeps_its_fingerprint(shop_builds, tmp_path):
    with FakeGitHub() as github:
        github.add_pull_request(REPO, PR)
        env = {
            "GITHUB_TOKEN": github.token,
            "GITHUB_API_URL": github.api_url,
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_SHA": "5" * 40,
        }
        result = dbtgate(
            *("check", "--base", str(shop_builds.base / "target"), "--out", str(tmp_path)),
            *("--comment", "--pr", str(PR)),
            cwd=shop_builds.pr,
            env=env,
        )
        comments = [comment["body"] for comment in github.comments(REPO, PR)]
    assert result.returncode == 1, result.stdout + result.stderr
    console = " ".join(result.stdout.split())
    assert "freshness.missing source shop_raw.raw_customers feeds tier-1 model" in console

    markdown = (tmp_path / "gate.md").read_text(encoding="utf-8")
    assert "`freshness.missing` on `source shop_raw.raw_customers`: " in markdown
    assert "on `raw_customers`" not in markdown
    # The PR comment is gate.md within GitHub's room: the advisory finding on the change is in it.
    assert len(comments) == 1
    assert "`freshness.missing` on `source shop_raw.raw_order_items`: " in comments[0]
    assert "on `raw_order_items`" not in comments[0]
    html = (tmp_path / "gate.html").read_text(encoding="utf-8")
    cells = re.findall(r'<td class="resource"><code>(.*?)</code>', html)
    shown = {re.sub(r"<wbr>", "", cell) for cell in cells}
    assert {"source shop_raw.raw_customers", "source shop_raw.raw_products"} <= shown
    assert "raw_customers" not in shown

    document = json.loads((tmp_path / "gate.json").read_text(encoding="utf-8"))
    found = {f["unique_id"]: f for f in document["findings"] if f["code"] == "freshness.missing"}
    assert {uid: f["fingerprint"] for uid, f in found.items()} == SOURCE_FINGERPRINTS
    assert {f["resource_name"] for f in found.values()} == {
        "raw_customers",
        "raw_order_items",
        "raw_products",
    }


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
    # A source table with its source's name, and its column after it, as `dbtgate diff` says.
    table = {"unique_id": "source.shop.ecom.raw_customers"}
    assert label("source", "raw_customers", **table) == "source ecom.raw_customers"
    assert label("source", "raw_customers", column_name="id", **table) == (
        "source ecom.raw_customers.id"
    )
    # An id that does not end with the table (a hand-edited report): the table, as a source's.
    assert label("source", "raw_orders", **table) == "source raw_orders"
    # No name: the unique id, which says its kind already.
    assert resource_label({"unique_id": "group.shop.finance", "resource_type": "group"}) == (
        "group.shop.finance"
    )
