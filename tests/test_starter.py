"""The starter dbtgate.yml of `dbtgate init` stands on its own: it names every top-level key, each
commented example loads once uncommented, and the commands it points to exist in the installed
tool (the docs/ folder does not ship in the wheel)."""

from __future__ import annotations

import re
from pathlib import Path

import msgspec
import pytest
from cli_support import dbtgate
from diff_support import PACKAGE, model, write_build
from policy_support import read_json

from dbtgate import config as config_module
from dbtgate.config import Config, load_config
from dbtgate.rules.registry import BUILTIN_FAMILIES
from dbtgate.starter import write_starter_config

# The keys a user writes at the top level.
KEYS = {
    field.name
    for field in msgspec.structs.fields(Config)
    if field.name not in config_module.INTERNAL_FIELDS
}


@pytest.fixture
def starter(tmp_path: Path) -> Path:
    (tmp_path / "dbt_project.yml").write_text("name: shop\nprofile: shop\n", encoding="utf-8")
    return write_starter_config(tmp_path).path


def uncommented(text: str, keys: set[str]) -> str:
    """The text with every commented top-level entry for one of `keys` (and the indented lines
    that continue it) turned into YAML."""
    lines, inside = [], False
    for line in text.splitlines():
        match = re.match(r"# ([a-z_]+):", line)
        if match and match.group(1) in keys:
            inside = True
            lines.append(line[2:])
        elif inside and line.startswith("#  "):
            lines.append(line[2:])
        else:
            inside = False
            lines.append(line)
    return "\n".join(lines) + "\n"


def test_the_starter_names_every_top_level_key(starter: Path):
    text = starter.read_text(encoding="utf-8")
    written = set(re.findall(r"^(?:# )?([a-z_]+):", text, flags=re.MULTILINE))
    assert KEYS - written == set()


def test_every_commented_top_level_example_loads_once_uncommented(starter: Path):
    text = starter.read_text(encoding="utf-8")
    commented = set(re.findall(r"^# ([a-z_]+):", text, flags=re.MULTILINE)) & KEYS
    assert {"base", "baseline", "run", "kpi", "plugins"} <= commented
    starter.write_text(uncommented(text, commented), encoding="utf-8")
    config = load_config(starter)
    assert config.base is not None and config.base.endswith("prod-artifacts")
    assert config.run.required is True
    assert config.kpi.gate == ["tier1_test_coverage"]
    assert config.fail_on == "error"


def test_the_starter_points_only_to_what_the_installed_tool_shows(starter: Path):
    text = starter.read_text(encoding="utf-8")
    assert "docs/" not in text
    commands = set(re.findall(r"`(dbtgate rules[^`]*)`", text))
    assert "dbtgate rules" in commands
    for command in sorted(commands - {"dbtgate rules CODE"}):
        result = dbtgate(*command.split()[1:], cwd=starter.parent)
        assert result.returncode == 0, f"{command}: {result.stderr}"


def test_the_starter_points_to_every_family_of_rules(starter: Path):
    # It lists a few rules; a newcomer learns where the other families are from the file itself.
    text = starter.read_text(encoding="utf-8")
    missing = [family for family in BUILTIN_FAMILIES if f"`dbtgate rules {family}`" not in text]
    assert missing == []


def test_the_starters_base_comment_says_a_git_ref_works_too(starter: Path):
    text = starter.read_text(encoding="utf-8")
    comment = text[: text.index("# base:")].rsplit("\n\n", 1)[-1]
    assert "a directory" in comment
    assert "git ref" in comment


def test_without_a_build_the_starter_selects_tiers_and_says_where_to_learn_more(tmp_path: Path):
    (tmp_path / "dbt_project.yml").write_text("name: shop\nprofile: shop\n", encoding="utf-8")
    written = write_starter_config(tmp_path)
    text = written.path.read_text(encoding="utf-8")
    assert '  - select: "tier:1"' in text
    assert f"no {tmp_path / 'target' / 'manifest.json'} yet" in written.policies_note


def test_a_build_whose_models_set_no_tier_gets_policies_that_warn_on_every_model(
    tmp_path: Path,
):
    # Tier policies would select nothing here: the first `check` would pass and show nothing.
    (tmp_path / "dbt_project.yml").write_text(f"name: {PACKAGE}\n", encoding="utf-8")
    write_build(tmp_path, [model("orders", [("id", "integer")]), model("customers")])
    written = write_starter_config(tmp_path)
    assert written.policies_note.startswith("none of the 2 models sets a tier")
    text = written.path.read_text(encoding="utf-8")
    assert '\n  - select: "tier:1"' not in text
    assert '  # - select: "tier:1"' in text
    result = dbtgate("check", "--json", str(tmp_path / "report.json"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    report = read_json(tmp_path / "report.json")
    found = {(f["code"], f["unique_id"], f["severity"]) for f in report["findings"]}
    for name in ("orders", "customers"):
        for code in ("docs.model_description", "owner.present"):
            assert (code, f"model.{PACKAGE}.{name}", "warn") in found


def test_a_build_with_tiers_keeps_the_tier_policies_and_counts_what_they_select(
    tmp_path: Path,
):
    (tmp_path / "dbt_project.yml").write_text(f"name: {PACKAGE}\n", encoding="utf-8")
    tiered = [model("orders", meta={"tier": 1}), model("customers"), model("items")]
    write_build(tmp_path, tiered)
    written = write_starter_config(tmp_path)
    assert written.policies_note == (
        "the policies judge 1 of the 3 models built: tier:1 selects 1, tier:2 0, tier:2's "
        "policy written commented out; no policy judges the other 2 (tier 3 or more) until "
        "they are tiered or a policy selects them"
    )
    text = written.path.read_text(encoding="utf-8")
    assert '\n  - select: "tier:1"' in text
    # A policy selecting nothing would be noted on every check: tier 2's waits, commented out.
    assert '\n  - select: "tier:2"' not in text
    assert "  # No model of the last build is tier 2: uncomment once one is.\n" in text
    assert '\n  # - select: "tier:2"\n  #   rules:\n' in text
    result = dbtgate("check", "--json", str(tmp_path / "report.json"), cwd=tmp_path)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    notes = read_json(tmp_path / "report.json")["notes"]
    assert not [note for note in notes if "tier:2" in note], notes


def test_a_build_whose_models_are_all_below_tier_2_gets_policies_that_warn_on_every_model(
    tmp_path: Path,
):
    """Models tiered 3 set a tier, yet tier:1 and tier:2 would select none of them: the first
    `check` would pass and show nothing, as for a build that sets no tier."""
    (tmp_path / "dbt_project.yml").write_text(f"name: {PACKAGE}\n", encoding="utf-8")
    write_build(tmp_path, [model("orders", meta={"tier": 3}), model("customers")])
    written = write_starter_config(tmp_path)
    assert written.policies_note.startswith("none of the 2 models is tier 1 or 2")
    text = written.path.read_text(encoding="utf-8")
    assert '\n  - select: "tier:1"' not in text
    assert '\n  - select: "resource_type:model"' in text
