"""The JSON Schema of dbtgate.yml (`dbtgate validate --schema`) agrees with the loader: every
config the project ships validates, the mistakes the loader refuses the schema refuses too, and
a config the schema accepts the loader accepts, but for what a schema cannot say (listed in
dbtgate.config_schema's docstring and in `test_what_the_schema_accepts_the_loader_accepts`)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
import pytest
import yaml
from cli_support import run_dbtgate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_docs_configuration import config_samples
from test_starter import uncommented

from dbtgate import config as config_module
from dbtgate.config import Config, load_config
from dbtgate.config_schema import config_schema
from dbtgate.errors import DbtgateError
from dbtgate.rules.policies import parse_config_selector
from dbtgate.rules.registry import load_rules
from dbtgate.starter import write_starter_config
from dbtgate.validate import validate_config
from dbtgate.waivers import check_waiver

# The generated configs' strategies are built from the whole schema (~130 kB): hypothesis warns
# that their repr is large.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
REPO = Path(__file__).resolve().parents[1]
RULES = load_rules()
SCHEMA = config_schema(RULES)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
# The YAML language server implements draft-07: the schema keeps to the keywords both drafts
# read alike, so there it is checked as fully (a 2020-12 keyword would be ignored, and a bad
# config below pass).
DRAFT_7 = jsonschema.Draft7Validator(SCHEMA)


def as_editors_read(text: str) -> Any:
    """The YAML as an editor's schema check sees it: dates are strings (YAML 1.2 has none)."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(key): plain(item) for key, item in value.items()}
        if isinstance(value, list):
            return [plain(item) for item in value]
        return value.isoformat() if isinstance(value, dt.date) else value

    return plain(yaml.safe_load(text) or {})


def schema_errors(text: str, validator: jsonschema.protocols.Validator = VALIDATOR) -> list[str]:
    return [error.message for error in validator.iter_errors(as_editors_read(text))]


def loader_problems(path: Path) -> list[str]:
    """What `dbtgate validate` finds wrong with the config at `path`."""
    problems: list[DbtgateError] = []
    try:
        config = load_config(path, problems)
    except DbtgateError as exc:
        return [str(exc)]
    return validate_config(config, dt.date(2026, 1, 1), problems).problems


def test_the_schema_is_a_draft_2020_12_schema_an_editor_of_draft_07_reads_too():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft7Validator.check_schema({**SCHEMA, "$schema": DRAFT_7.META_SCHEMA["$id"]})


def test_the_schema_names_every_key_the_loader_reads_and_every_rule():
    keys = {f.name.rstrip("_") for f in msgspec.structs.fields(Config)}
    assert set(SCHEMA["properties"]) == keys - config_module.INTERNAL_FIELDS
    assert set(SCHEMA["$defs"]["rules"]["properties"]) == set(RULES)


def test_each_top_level_key_and_documented_section_key_has_the_docs_description():
    """A heading or table of docs/configuration.md reworded so the schema no longer finds
    a key's row fails here, rather than leave the editor without the key's help."""
    for name, schema in SCHEMA["properties"].items():
        assert schema.get("description"), name
    assert SCHEMA["properties"]["scope"]["description"] == (
        "`changed`: only findings on resources new or modified against the base block"
    )
    for section in ("lint", "run", "freshness", "kpi", "breaking", "report"):
        for name, schema in SCHEMA["properties"][section]["properties"].items():
            assert schema.get("description"), f"{section}.{name}"


def shipped_configs(tmp_path: Path) -> list[tuple[str, str]]:
    """Every config the project ships: its own, the fixture's, the docs' samples, and the
    starter `dbtgate init` writes, tiered and untiered, as written and with its commented
    examples uncommented."""
    configs = [
        ("dbtgate.yml", (REPO / "dbtgate.yml").read_text(encoding="utf-8")),
        ("fixtures/shop", (REPO / "fixtures" / "shop" / "dbtgate.yml").read_text("utf-8")),
        *config_samples(),
    ]
    configs += [
        (path.name, path.read_text(encoding="utf-8"))
        for path in sorted((REPO / "examples").glob("*.y*ml"))
        if path.read_text(encoding="utf-8").startswith("version:")
    ]
    (tmp_path / "dbt_project.yml").write_text("name: shop\nprofile: shop\n", encoding="utf-8")
    starter = write_starter_config(tmp_path).path.read_text(encoding="utf-8")
    keys = {f.name for f in msgspec.structs.fields(Config)}
    # The policies commented under `policies:` too (`  # - select: "*"`, `  #   rules:`...).
    policies = re.sub(r"(?m)^  # (- select|  rules|    [a-z]+\.)", r"  \1", starter)
    return [*configs, ("starter", starter), ("starter uncommented", uncommented(policies, keys))]


def test_every_config_the_project_ships_validates(tmp_path: Path):
    configs = shipped_configs(tmp_path)
    assert len(configs) >= 6
    for name, text in configs:
        path = tmp_path / "dbtgate.yml"
        path.write_text(text, encoding="utf-8")
        load_config(path)  # the loader reads it
        assert schema_errors(text) == [], name
        assert schema_errors(text, DRAFT_7) == [], name


BAD = {
    "unknown top-level key": "polices: []",
    "unknown key in a section": "lint: {enable: true}",
    "unknown key in a nested section": "run: {slower: {ration: 2}}",
    "unknown key in a waiver": (
        "waivers: [{rule: owner.present, select: x, reason: r, owner: o, expires: 2099-01-01, "
        "until: 2100-01-01}]"
    ),
    "wrong type": "run: {required: 'yes please'}",
    "a number as a string": "waiver_notice_days: '14'",
    "a mapping for a list": "plugins: {a: 1}",
    "a list for a selector": 'policies: [{select: ["tier:1"], rules: {owner.present: error}}]',
    "bad enum value": "scope: chnged",
    "bad severity": "breaking: {risky: fatal}",
    "a KPI that does not exist": "kpi: {gate: [coverage]}",
    "not a date": (
        "waivers: [{rule: owner.present, select: x, reason: r, owner: o, expires: soon}]"
    ),
    "missing required key": "policies: [{rules: {owner.present: error}}]",
    "newer version": "version: 2",
    "unknown rule code": 'policies: [{select: "*", rules: {docs.model_descripton: error}}]',
    "rule severity misspelt": 'policies: [{select: "*", rules: {owner.present: eror}}]',
    "unknown rule parameter": (
        'policies: [{select: "*", rules: {tests.min_per_model: {severity: error, mn: 2}}}]'
    ),
    "rule parameter of the wrong type": (
        'policies: [{select: "*", rules: {tests.min_per_model: {min: two}}}]'
    ),
    "a rule's required parameter left out": (
        'policies: [{select: "*", rules: {governance.required_meta: error}}]'
    ),
    "a parameter that takes one of a set": (
        'policies: [{select: "*", rules: {governance.required_meta: '
        "{keys: [owner], criteria: most}}}]"
    ),
    "a share as a percentage": (
        'policies: [{select: "*", rules: {docs.column_coverage: {min: 80}}}]'
    ),
    "negative count parameter": (
        'policies: [{select: "*", rules: {tests.min_per_model: {min: -1}}}]'
    ),
    "negative waiver_notice_days": "waiver_notice_days: -1",
    "negative stale tolerance": "run: {stale_tolerance_minutes: -5}",
    "a ratio that is no slowdown": "run: {slower: {ratio: 1}}",
    "a KPI target as a percentage": "kpi: {targets: {test_coverage: 80}}",
    "a gated KPI without a target": "kpi: {gate: [pk_tested]}",
    "a gated KPI whose default target is unset": (
        "kpi: {targets: {test_pass_rate: null}, gate: [test_pass_rate]}"
    ),
    "a tier source that is no source": "tier: {from: [tags]}",
    "an owner source as a string": "owner: {from: email}",
    "unknown waiver code": (
        "waivers: [{rule: doc.column_coverage, select: x, reason: r, owner: o, "
        "expires: 2099-01-01}]"
    ),
    "a waiver nobody answers for": (
        "waivers: [{rule: owner.present, select: x, reason: r, owner: ' ', expires: 2099-01-01}]"
    ),
    "an acknowledgement of no change code": (
        "breaking: {acknowledge: [{change: breaking.col_removed, select: x, reason: r, owner: o}]}"
    ),
    "an acknowledgement naming no resource": (
        "breaking: {acknowledge: [{change: breaking.column_removed, reason: r, owner: o}]}"
    ),
    "a lint severity key that is no sqlfluff name": "lint: {severity: {'LT05 ': warn}}",
}


@pytest.mark.parametrize("text", BAD.values(), ids=BAD.keys())
def test_a_config_the_loader_refuses_the_schema_refuses(text: str, tmp_path: Path):
    path = tmp_path / "dbtgate.yml"
    path.write_text(text + "\n", encoding="utf-8")
    assert loader_problems(path), "the loader accepts it: not a bad config"
    assert schema_errors(text), "the schema accepts it"
    assert schema_errors(text, DRAFT_7), "an editor of draft-07 accepts it"


def test_with_plugins_listed_a_code_dbtgate_does_not_know_is_left_to_the_loader():
    policy = 'policies: [{select: "*", rules: {ours.pii_owned: {severity: error, meta_key: pii}}}]'
    waiver = (
        "waivers: [{rule: ours.pii_owned, select: x, reason: r, owner: o, expires: 2099-01-01}]"
    )
    for text in (policy, waiver):
        assert schema_errors(text)
        assert schema_errors(f"{text}\nplugins: [rules/ours.py]") == []
        assert schema_errors(f"{text}\nplugins: rules/ours.py") == []
    # Not a code at all: refused whatever the plugins.
    assert schema_errors('policies: [{select: "*", rules: {Ours: error}}]\nplugins: [x.py]')


# -- generated configs ---------------------------------------------------------------------------

# Keys whose values the loader checks against the world, not their shape: files that must
# exist, and sqlfluff's dialects and rule names (see dbtgate.config_schema).
WORLD = {"baseline", "project_dir", "plugins", "owner.codeowners", "lint.dialect"}
WORLD |= {"lint.severity", "lint.rules"}
# Strings for the keys with no enum: names, selectors, regular expressions, a `meta.` source, a
# glob of codes.
WORDS = st.sampled_from(["orders", "meta.owner", "tag:nightly", "breaking.*"])


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return SCHEMA["$defs"][ref.rsplit("/", 1)[-1]] if ref else schema


def valid_here(schema: dict[str, Any]) -> Any:
    """Whether a value is valid against `schema`, a part of the config's schema."""
    return jsonschema.Draft202012Validator({**schema, "$defs": SCHEMA["$defs"]}).is_valid


def from_schema(schema: dict[str, Any], path: str = "") -> st.SearchStrategy[Any]:
    """Values built from the schema's own keys, enums and bounds, kept where it accepts them."""
    schema = resolve(schema)
    if "anyOf" in schema:
        rest = {key: value for key, value in schema.items() if key != "anyOf"}
        return st.one_of([from_schema(combined(rest, alt), path) for alt in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type", ["string", "integer", "boolean", "null"])
    if isinstance(kind, list):
        return st.one_of([from_schema({**schema, "type": each}, path) for each in kind])
    if kind == "object":
        return objects(schema, path).filter(valid_here(schema))
    if kind == "array":
        items = from_schema(schema.get("items", {}), path)
        low = schema.get("minItems", 0)
        return st.lists(items, min_size=low, max_size=low + 2)
    if kind == "string":
        if schema.get("pattern", "").startswith("^[0-9]{4}-"):  # a date
            return st.sampled_from(["2099-12-31", "2024-02-29"])
        return WORDS.filter(valid_here(schema))
    if kind in ("integer", "number"):
        return numbers(schema, kind)
    return {"boolean": st.booleans(), "null": st.none()}[kind]


def combined(schema: dict[str, Any], alternative: dict[str, Any]) -> dict[str, Any]:
    """`schema` narrowed by one of its `anyOf` alternatives: their keys and keywords together."""
    both = {**schema, **alternative}
    both["required"] = [*schema.get("required", ()), *alternative.get("required", ())]
    both["properties"] = {
        name: {**schema.get("properties", {}).get(name, {}), **sub}
        for name, sub in {
            **schema.get("properties", {}),
            **alternative.get("properties", {}),
        }.items()
    }
    return {
        key: value for key, value in both.items() if value or key not in ("required", "properties")
    }


def numbers(schema: dict[str, Any], kind: str) -> st.SearchStrategy[Any]:
    low = schema.get("minimum", schema.get("exclusiveMinimum", -1000))
    high = schema.get("maximum", 1000)
    exclude = "exclusiveMinimum" in schema
    whole = st.integers(int(low) + (1 if exclude else 0), int(high))
    if kind == "integer":
        return whole
    return st.one_of(
        whole, st.floats(low, high, exclude_min=exclude, allow_nan=False, allow_infinity=False)
    )


def objects(schema: dict[str, Any], path: str) -> st.SearchStrategy[dict[str, Any]]:
    """A mapping of the schema's keys (its required ones always), or of a few names where it
    is a map of names (`additionalProperties` a schema, no keys of its own)."""
    properties = schema.get("properties", {})
    if not properties:
        extra = schema.get("additionalProperties")
        if not isinstance(extra, dict):
            return st.just({})
        return st.dictionaries(WORDS, from_schema(extra, path), max_size=2)
    required = set(schema.get("required", ()))
    keys = {name: f"{path}.{name}".lstrip(".") for name in properties}
    return st.fixed_dictionaries(
        {name: from_schema(properties[name], keys[name]) for name in required},
        optional={
            name: from_schema(properties[name], keys[name])
            for name in properties
            if name not in required and keys[name] not in WORLD
        },
    )


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(config=from_schema(SCHEMA))
def test_what_the_schema_accepts_the_loader_accepts(
    config: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
):
    """A config of the schema's own keys, enums and bounds that the schema accepts is read by
    the loader, and its policies' rules, waivers and selectors pass the checks `validate`
    makes, but for what the schema leaves to the loader:
    - the files and sqlfluff names of `WORLD`, which are never generated;
    - a rule's `params_check` (parameters only wrong together: `min` above `max`, neither of
      two set), which is left out: the parameters must be right one by one;
    - globs of codes and regular expressions that compile, which no generated string is."""
    VALIDATOR.validate(config)
    path = tmp_path_factory.mktemp("generated") / "dbtgate.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    loaded = load_config(path)
    for policy in loaded.policies:
        parse_config_selector(policy.select, loaded, policy.line, "select")
        for code, setting in policy.rules.items():
            rule = msgspec.structs.replace(RULES[code], params_check=None)
            rule.resolve_params(setting.params)
    for waiver in loaded.waivers:
        check_waiver(waiver, loaded, RULES)


def test_validate_schema_prints_the_schema_and_reads_no_config(tmp_path: Path):
    (tmp_path / "dbtgate.yml").write_text("not: [valid\n", encoding="utf-8")
    done = run_dbtgate("validate", "--schema", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    printed = json.loads(done.stdout)
    jsonschema.Draft202012Validator.check_schema(printed)
    assert printed == json.loads(json.dumps(SCHEMA))
    assert done.stdout == json.dumps(printed, indent=2, sort_keys=True) + "\n"
