"""docs/configuration.md documents every setting a user can write: a new Config field without a
line in the docs fails here, so the reference never lags the code."""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path

import msgspec
import pytest
from cli_support import run_dbtgate
from corpus import CORPUS

from dbtgate import config as config_module

DOCS = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
# Filled by the loader (or RuleSetting's parameters), not keys a user writes.
INTERNAL = config_module.INTERNAL_FIELDS | {"params", "param_lines"}


def user_keys(cls: type, prefix: str = "") -> list[str]:
    hints = typing.get_type_hints(cls, vars(config_module))
    keys = []
    for field in msgspec.structs.fields(cls):
        if field.name in INTERNAL:
            continue
        name = field.name.rstrip("_")  # `from_` is written `from`
        keys.append(f"{prefix}{name}")
        hint = hints[field.name]
        nested = [hint, *typing.get_args(hint)]
        for candidate in nested:
            if config_module.is_section(candidate) and candidate is not config_module.RuleSetting:
                keys.extend(user_keys(candidate, f"{prefix}{name}."))
    return keys


def test_every_config_key_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    missing = [
        key for key in user_keys(config_module.Config) if f"`{key.rsplit('.', 1)[-1]}`" not in text
    ]
    assert missing == []


def config_samples() -> list[tuple[str, str]]:
    samples = []
    for doc in (DOCS, DOCS.parent.parent / "README.md"):
        blocks = doc.read_text(encoding="utf-8").split("```yaml\n")[1:]
        samples += [(doc.name, b.split("```", 1)[0]) for b in blocks if b.startswith("version:")]
    return samples


def test_the_config_samples_in_the_docs_load(tmp_path):
    samples = config_samples()
    assert len(samples) >= 2
    for name, text in samples:
        path = tmp_path / "dbtgate.yml"
        path.write_text(text, encoding="utf-8")
        config = config_module.load_config(path)
        assert config.policies, name


def test_the_rule_plugin_sample_in_the_docs_runs(tmp_path):
    """The plugin in docs/configuration.md registers its rule and finds what it says it finds."""
    source = CORPUS / "bouncer-dbt112" / "manifest.json"
    if not source.is_file():
        pytest.skip(f"corpus absent: {source}")
    text = DOCS.read_text()
    sample = text.split("## Writing rules", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "our_rules.py").write_text(sample)
    manifest = json.loads(source.read_text())
    model = next(n for n in manifest["nodes"].values() if n["resource_type"] == "model")
    first = next(iter(model["columns"].values()))
    first.setdefault("config", {})["meta"] = {"pii": True}  # dbt 1.10+ writes column meta here
    model["meta"] = model["config"]["meta"] = {}
    model["group"] = model["config"]["group"] = None
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "dbtgate.yml").write_text(
        "version: 1\nplugins: [rules/our_rules.py]\n"
        "policies:\n  - select: '*'\n    rules: {ours.pii_columns_owned: error}\n"
    )
    result = run_dbtgate("check", "--json", "gate.json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    findings = json.loads((tmp_path / "gate.json").read_text())["findings"]
    found = [f for f in findings if f["code"] == "ours.pii_columns_owned"]
    assert [f["unique_id"] for f in found] == [model["unique_id"]]
    assert first["name"] in found[0]["message"]


def test_the_docs_name_every_rule_that_judges_tests():
    # The policies section lists them: a rule that starts judging tests must be named there.
    from dbtgate.rules.registry import builtin_rules

    text = " ".join(DOCS.read_text(encoding="utf-8").split())
    start = text.index(
        "The semantic layer (semantic models, metrics, saved queries) is no policy's"
    )
    paragraph = text[start : text.index("A waiver or `check --select`", start)]
    judging_tests = {code for code, rule in builtin_rules().items() if "test" in rule.applies_to}
    named = {code for code in builtin_rules() if f"`{code}`" in paragraph}
    assert named == judging_tests


def test_every_key_the_docs_tables_list_is_a_key_of_the_config():
    """The other way round: a key renamed or removed in the code and still in a table of
    docs/configuration.md is one a user writes and `validate` refuses."""
    schema = json.loads(run_dbtgate("validate", "--schema").stdout)
    section, header, listed, unknown = None, None, 0, []
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            heading = re.match(r"^## (?:Top level|`([a-z_]+)`)$", line)
            section = (heading.group(1) or "") if heading else None
        elif line.startswith("| ") and not line.startswith(("| `", "| ---")):
            header = line.split("|")[1].strip()
        key = re.match(r"^\| `([a-z_]+)` \|", line)
        if key is None or header != "key" or section is None:
            continue
        node = schema if not section else schema["properties"][section]
        node = node.get("items", node)  # a list's entries (`waivers:`)
        listed += 1
        if key.group(1) not in node.get("properties", {}):
            unknown.append(f"{section or 'top level'}: {key.group(1)}")
    assert listed > 40
    assert unknown == []
