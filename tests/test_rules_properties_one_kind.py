"""docs.properties_one_kind (dbt-project-evaluator's
fct_resource_yml_files_with_multiple_resource_types): a properties file declares one kind of
resource; on small projects written here, the file's finding once on its first entry to move
whatever the policy selects of it, and on the bouncer build as dbt wrote it (the truth computed
with plain json) and with a source moved into a models file."""

from __future__ import annotations

import json

import pytest
from corpus import CORPUS
from policy_support import by_code, edited_bouncer, gate, rule_config, small_project, write_config

CODE = "docs.properties_one_kind"
MARTS_YML = "models/marts/_marts__models.yml"

# Two models, a source and an exposure in one file: the models are the file's kind.
MIXED_YML = """\
    version: 2

    models:
      - name: fct_orders
      - name: dim_customers

    sources:
      - name: shop
        tables:
          - name: orders

    exposures:
      - name: revenue
        type: dashboard
        owner: {name: Finance}
    """


def _mixed(tmp_path, extra=()):
    return small_project(
        tmp_path,
        [
            {
                "name": name,
                "original_file_path": f"models/marts/{name}.sql",
                "patch_path": f"p://{MARTS_YML}",
            }
            for name in ("fct_orders", "dim_customers")
        ]
        + [
            # Its tests are declared there too, and count for nothing.
            {
                "name": "not_null_fct_orders_order_id",
                "resource_type": "test",
                "original_file_path": MARTS_YML,
            },
            # Declared elsewhere: its own file, of one kind.
            {
                "name": "stg_orders",
                "original_file_path": "models/staging/stg_orders.sql",
                "patch_path": "p://models/staging/_staging__models.yml",
            },
            *extra,
        ],
        sources=[{"name": "orders", "source_name": "shop", "original_file_path": MARTS_YML}],
        exposures=[{"name": "revenue", "original_file_path": MARTS_YML}],
        files={MARTS_YML: MIXED_YML},
    )


MIXED_MESSAGE = (
    f"{MARTS_YML} declares 2 models and exposure revenue, source shop.orders: a properties "
    "file of one kind is found by its kind"
)


def test_a_file_of_several_kinds_is_reported_once_on_its_first_entry_to_move(tmp_path):
    config = rule_config(tmp_path / "c", CODE)
    (finding,) = by_code(gate(_mixed(tmp_path / "p"), config).findings, CODE)
    assert (finding.unique_id, finding.path, finding.line) == ("exposure.p.revenue", MARTS_YML, 13)
    assert finding.message == MIXED_MESSAGE
    assert finding.fix == (
        "Move exposure revenue, source shop.orders to files of their kind only "
        "(`_<folder>__exposures.yml`, `_<folder>__sources.yml`)."
    )
    assert finding.details["kinds"] == {"exposure": 1, "model": 2, "source": 1}
    assert finding.details["to_move"] == ["exposure.p.revenue", "source.p.shop.orders"]


@pytest.mark.parametrize(
    "select", ["resource_type:model", "fct_orders", "resource_type:source", "dim_customers revenue"]
)
def test_the_file_is_reported_the_same_whatever_the_policy_selects_of_it(tmp_path, select):
    """The finding is the file's: a policy on its models reported nothing, the entries to move
    being a source and an exposure it did not select; one on a part of it reported that part."""
    config = rule_config(tmp_path / "c", CODE, select=select)
    (finding,) = by_code(gate(_mixed(tmp_path / "p"), config).findings, CODE)
    assert (finding.unique_id, finding.line, finding.message) == (
        "exposure.p.revenue",
        13,
        MIXED_MESSAGE,
    )


def test_policies_judging_parts_of_the_file_report_it_once_at_the_most_severe(tmp_path):
    config = write_config(
        tmp_path / "c",
        """\
        version: 1
        policies:
          - select: "resource_type:model"
            rules: {docs.properties_one_kind: warn}
          - select: "resource_type:source"
            rules: {docs.properties_one_kind: error}
        """,
    )
    (finding,) = by_code(gate(_mixed(tmp_path / "p"), config).findings, CODE)
    assert (finding.unique_id, finding.severity) == ("exposure.p.revenue", "error")


def test_a_policy_that_selects_nothing_of_the_file_reports_nothing(tmp_path):
    config = rule_config(tmp_path / "c", CODE, select="stg_orders")
    assert by_code(gate(_mixed(tmp_path / "p"), config).findings, CODE) == []


def test_an_entry_to_move_added_before_the_one_the_finding_is_on_keeps_its_fingerprint(
    tmp_path,
):
    """The file's finding is on its first entry to move: an analysis added (analyses sort
    first) takes the finding, which the baseline knows by the file (not as new debt)."""
    config = rule_config(tmp_path / "c", CODE)
    (before,) = by_code(gate(_mixed(tmp_path / "p"), config).findings, CODE)
    analysis = {
        "name": "revenue_check",
        "resource_type": "analysis",
        "original_file_path": "analyses/revenue_check.sql",
        "patch_path": f"p://{MARTS_YML}",
    }
    project = _mixed(tmp_path / "q", [analysis])
    (after,) = by_code(gate(project, config).findings, CODE)
    assert (before.unique_id, after.unique_id) == ("exposure.p.revenue", "analysis.p.revenue_check")
    assert (
        (before.key, before.fingerprint)
        == (after.key, after.fingerprint)
        == (
            MARTS_YML,
            before.fingerprint,
        )
    )


def test_of_two_kinds_as_many_the_one_first_by_name_stays(tmp_path):
    path = "models/schema.yml"
    project = small_project(
        tmp_path / "p",
        [{"name": "orders", "original_file_path": "models/orders.sql", "patch_path": path}],
        sources=[{"name": "orders", "source_name": "shop", "original_file_path": path}],
    )
    config = rule_config(tmp_path / "c", CODE)
    (finding,) = by_code(gate(project, config).findings, CODE)
    assert finding.unique_id == "source.p.shop.orders"
    assert finding.message == (
        "models/schema.yml declares 1 model and source shop.orders: a properties file of one "
        "kind is found by its kind"
    )


def test_files_of_one_kind_pass(tmp_path):
    project = small_project(
        tmp_path / "p",
        [
            {"name": n, "original_file_path": f"models/{n}.sql", "patch_path": "models/_m.yml"}
            for n in ("a", "b")
        ]
        + [{"name": "c", "original_file_path": "models/c.sql"}],  # in no YAML at all
        sources=[{"name": "t", "source_name": "s", "original_file_path": "models/_s.yml"}],
    )
    config = rule_config(tmp_path / "c", CODE)
    assert by_code(gate(project, config).findings, CODE) == []


def _raw_manifest() -> dict:
    path = CORPUS / "bouncer-dbt112" / "manifest.json"
    if not path.is_file():
        pytest.skip(f"corpus absent: {path}")
    return json.loads(path.read_text())


def test_the_bouncer_builds_files_are_each_of_one_kind():
    """The bouncer project's one file of several kinds declares a model with its semantic
    model and metrics (models/marts/finance/_finance__models.yml), as dbt's semantic layer
    guide writes them: not a finding. Computed here with plain json."""
    manifest = _raw_manifest()
    kinds: dict[str, set[str]] = {}
    for section in ("nodes", "sources", "exposures", "macros", "semantic_models", "metrics"):
        for record in manifest.get(section, {}).values():
            if record["package_name"] != "dbt_bouncer_test_project":
                continue
            if section in ("nodes", "macros"):
                if record["resource_type"] == "test" or not record.get("patch_path"):
                    continue
                path = record["patch_path"].split("://")[-1]
            else:
                path = record["original_file_path"]
            kinds.setdefault(path, set()).add(record["resource_type"])
    mixed = {path: sorted(found) for path, found in kinds.items() if len(found) > 1}
    assert mixed == {
        "models/marts/finance/_finance__models.yml": ["metric", "model", "semantic_model"]
    }


def test_a_source_moved_into_a_models_file_of_the_bouncer_build(tmp_path):
    def edit(manifest: dict) -> None:
        source = manifest["sources"]["source.dbt_bouncer_test_project.dummy_source.customers"]
        source["original_file_path"] = "models/marts/finance/_finance__models.yml"

    config = rule_config(tmp_path / "c", CODE)
    (finding,) = by_code(gate(edited_bouncer(tmp_path, edit), config).findings, CODE)
    assert finding.unique_id == "source.dbt_bouncer_test_project.dummy_source.customers"
    assert finding.message.startswith("models/marts/finance/_finance__models.yml declares ")
    assert finding.message.endswith(
        " and source dummy_source.customers: a properties file of one kind is found by its kind"
    )
