"""Where a config setting of a resource is written: the keyword argument of its SQL file's
`{{ config(...) }}`, the key under its properties entry's `config:`, or the folder's `+key:` in
dbt_project.yml.

A finding about a config change (grants revoked, materialization or access changed) belongs on
the line that sets the config: that is the line the pull request edited, and the one an
annotation or a link should land on. These are the pure readers of the texts; `Locator` calls
them with the files it has already read and composed, and caches what they find.
"""

from __future__ import annotations

import re
from typing import Any

# `{{ config(` / `{{- config (`: dbt reads a SQL model's config from the call in its Jinja; a
# Python model's from `dbt.config(` in its `model()` function.
_CONFIG_CALL = re.compile(r"\{\{-?\s*config\s*\(|(?<![\w.])dbt\.config\s*\(")
# Inside the call: string literals (skipped whole, so a comma or a bracket in one is not
# syntax), names, `==` (not a keyword's `=`), and any other character on its own.
_TOKEN = re.compile(r"""'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|[A-Za-z_]\w*|==|\S""", re.S)
_OPEN, _CLOSE = frozenset("([{"), frozenset(")]}")
# The key of `config_arguments` for a `**settings` argument (no setting is named so).
SPREAD = "**"


def config_arguments(text: str) -> dict[str, int]:
    """The keyword arguments of the text's `{{ config(...) }}` (or a Python model's
    `dbt.config(...)`) calls -> their line (1-based), and under `SPREAD` the line of the last
    `**settings` unpacked into one (it may set any of them: the place for a setting written
    nowhere else).

    Only the call's own arguments count (`materialized=` inside `grants={...}` is not one); a
    keyword given by several calls is dbt's last one, as dbt merges them in order."""
    found: dict[str, int] = {}
    for call in _CONFIG_CALL.finditer(text):
        depth, name, at_argument = 0, None, True
        for token in _TOKEN.finditer(text, call.end()):
            value = token.group()
            if value == "*" and at_argument and not depth:
                found[SPREAD] = text.count("\n", 0, token.start()) + 1
                at_argument = False
            elif value in _OPEN:
                depth, name, at_argument = depth + 1, None, False
            elif value in _CLOSE:
                if depth == 0:
                    break
                depth -= 1
            elif depth:
                continue
            elif value == ",":
                name, at_argument = None, True
            elif value == "=" and name is not None:
                found[name[0]] = text.count("\n", 0, name[1]) + 1
                name = None
            elif at_argument and (value[0].isalpha() or value[0] == "_"):
                name, at_argument = (value, token.start()), False
            else:
                name, at_argument = None, False
    return found


def mapping_item(mapping: Any, key: str | None, *, fold: bool = False) -> tuple[Any, Any] | None:
    """The (key node, value node) of `key` in a composed YAML mapping (`fold`: the key compared
    case-insensitively, as warehouses compare privileges), None when it is not there."""
    if key is None or mapping is None or getattr(mapping, "id", None) != "mapping":
        return None
    wanted = key.lower() if fold else key
    for key_node, value_node in mapping.value:
        written = getattr(key_node, "value", None)
        if isinstance(written, str) and (written.lower() if fold else written) == wanted:
            return key_node, value_node
    return None


def key_line(
    entries: list[Any], setting: str, detail: str | None, top_level: bool = False
) -> int | None:
    """The line of `config: SETTING:` in the first of `entries` (a model's version entry before
    the model's own) that has it, or of its `DETAIL:` key (a grant's privilege) when that is
    there too; with `top_level`, `SETTING:` beside `config:` counts as well (dbt before 1.7
    took `access:` there; `meta:` and `group:` are properties there too)."""
    for entry in entries:
        item = mapping_item(_value(mapping_item(entry, "config")), setting)
        beside = mapping_item(entry, setting) if top_level else None
        if item is None or (beside is not None and _has(beside, detail) and not _has(item, detail)):
            # `meta: {domain: x}` beside a `config: {meta: ...}` without the key: dbt merges
            # the two, and the key is written beside.
            item = beside
        if item is not None:
            return _detail_line(item, detail)
    return None


def _has(item: tuple[Any, Any], detail: str | None) -> bool:
    """Whether the setting's mapping has the key `detail`."""
    return detail is not None and mapping_item(item[1], detail, fold=True) is not None


def project_line(
    root: Any, section: str, fqn: list[str], setting: str, detail: str | None
) -> int | None:
    """The line of the most specific `+SETTING:` (or `SETTING:`) in dbt_project.yml's
    `SECTION:` (`models:`) on the resource's path: the project, its folders, its name."""
    node = _value(mapping_item(root, section))
    found = None
    for part in ("", *fqn):
        if part:
            node = _value(mapping_item(node, part))
            if node is None:
                break
        item = mapping_item(node, f"+{setting}") or mapping_item(node, setting)
        if item is not None:
            found = item
    return _detail_line(found, detail) if found is not None else None


def _value(item: tuple[Any, Any] | None) -> Any:
    return item[1] if item is not None else None


def _detail_line(item: tuple[Any, Any], detail: str | None) -> int:
    inner = mapping_item(item[1], detail, fold=True) if detail else None
    return (inner or item)[0].start_mark.line + 1
