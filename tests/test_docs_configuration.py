"""docs/configuration.md documents every setting a user can write: a new Config field without a
line in the docs fails here, so the reference never lags the code."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

from dbtgate import config as config_module

DOCS = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
INTERNAL = {"line", "path", "digest", "code", "params", "param_lines"}


def user_keys(cls: type, prefix: str = "") -> list[str]:
    hints = typing.get_type_hints(cls, vars(config_module))
    keys = []
    for field in dataclasses.fields(cls):
        if field.name in INTERNAL:
            continue
        name = field.name.rstrip("_")  # `from_` is written `from`
        keys.append(f"{prefix}{name}")
        hint = hints[field.name]
        nested = [hint, *typing.get_args(hint)]
        for candidate in nested:
            if dataclasses.is_dataclass(candidate) and candidate is not config_module.RuleSetting:
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
