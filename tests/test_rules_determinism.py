"""Findings do not depend on the order dbt happened to write the manifest in."""

from __future__ import annotations

import json
import random
from functools import cache
from pathlib import Path

import pytest
from corpus import CORPUS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_support import gate, write_config

from dbtgate.artifacts import load_artifacts
from dbtgate.project import Project

BUILD = CORPUS / "bouncer-dbt112"
CONFIG = """\
version: 1
policies:
  - select: "*"
    rules:
      tests.primary_key: error
      tests.min_per_model: {severity: warn, min: 3}
      tests.relationships_to_parents: warn
      docs.model_description: error
      docs.column_coverage: {severity: error, min: 0.9}
      docs.source_description: warn
      owner.present: error
      governance.contract_enforced: warn
      naming.layer_prefix: warn
  - select: "package:tiktok_ads"
    rules:
      tests.coverage: {severity: error, min: 0.9}
  - select: "+orders"
    exclude: "resource_type:seed"
    rules:
      tests.min_per_model: {severity: error, min: 4}
waivers:
  - {rule: "docs.*", select: "tag:crm", reason: legacy, owner: "@crm", expires: 2999-01-01}
"""


@cache
def manifest_json() -> dict:
    return json.loads((BUILD / "manifest.json").read_text())


def shuffled(data: dict, rng: random.Random) -> dict:
    """The same manifest with its nodes, sources and exposures in another order."""
    out = dict(data)
    for key in ("nodes", "sources", "exposures"):
        items = list(data[key].items())
        rng.shuffle(items)
        out[key] = dict(items)
    return out


def observable(project: Project, config: Path) -> list[tuple]:
    result = gate(project, config)
    return [
        (
            f.fingerprint,
            f.code,
            f.severity,
            f.unique_id,
            f.column_name,
            f.message,
            f.path,
            f.line,
            f.disposition,
            json.dumps(f.details, sort_keys=True),
        )
        for f in result.findings
    ]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, list[tuple]]:
    if not BUILD.is_dir():
        pytest.skip(f"corpus absent: {BUILD}")
    directory = tmp_path_factory.mktemp("determinism")
    config = write_config(directory, CONFIG)
    project = Project.from_artifacts(load_artifacts(BUILD))
    return config, observable(project, config)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_findings_and_fingerprints_ignore_manifest_order(reference, tmp_path, seed):
    config, expected = reference
    assert expected, "the policy must find something for the comparison to mean anything"
    target = tmp_path / f"shuffled-{seed}"
    target.mkdir()
    (target / "manifest.json").write_text(
        json.dumps(shuffled(manifest_json(), random.Random(seed)))
    )
    # catalog.json feeds docs.column_coverage: keep it next to the shuffled manifest.
    (target / "catalog.json").write_bytes((BUILD / "catalog.json").read_bytes())
    project = Project.from_artifacts(load_artifacts(target))
    assert observable(project, config) == expected
