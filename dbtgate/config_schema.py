"""The JSON Schema of dbtgate.yml (`dbtgate validate --schema`), for editors: the YAML language
server (VS Code) and JetBrains complete keys, show their help and flag a typo as it is typed.

It is generated, never written by hand, so it cannot drift from what the loader accepts: the
keys, types, enums and defaults from the config's sections (Structs), the bounds from the loader's own
value checks (`config.VALUE_CHECKS`) and parameter refinements, every rule code with its
parameters and severities from the rule registry, and the descriptions from the tables of
docs/configuration.md (the first clause of a key's text) or, for a mapping with no row, its
section's docstring. Where the loader accepts something a schema cannot say, the schema is
the looser of the two: a false error in the editor is worse than a miss the loader reports.

What the schema cannot check, and `dbtgate validate` does:
- files and directories named by `baseline`, `project_dir`, `owner.codeowners` and `plugins`;
- selector syntax (`select`, `exclude`, waivers', acknowledgements');
- that a regular expression compiles (editors' regular expressions are JavaScript's);
- sqlfluff's names: `lint.dialect`, `lint.rules` and `lint.severity` keys are checked only
  against the shape of a code, name, group or glob;
- a day that does not exist (`2027-02-30`): a date is checked as YYYY-MM-DD only;
- a waiver's or acknowledgement's glob (`docs.*`) that matches no code;
- parameters only wrong together (a rule's `params_check`: `min` above `max`);
- the rules of the plugins `plugins:` lists: with plugins listed, any `family.name` code and
  any parameters are accepted (rules from installed packages' entry points are known);
- a whole number written `2.0` where the loader wants an integer (JSON Schema's integer).

Editors read YAML 1.2, the loader (PyYAML) YAML 1.1: `enabled: yes` is true to the loader and a
string to the editor, which flags it (write `true`); `owner.present: off` is refused by both.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import types
import typing
from pathlib import Path
from typing import Any, Literal

import msgspec

from dbtgate.config import (
    INTERNAL_FIELDS,
    VALUE_CHECKS,
    BreakingAcknowledgement,
    Config,
    KpiConfig,
    KpiName,
    KpiTargets,
    LintConfig,
    RuleSetting,
    Severity,
    Waiver,
    is_section,
)
from dbtgate.errors import DbtgateError
from dbtgate.rules.registry import CODE_PATTERN, Refinement, Rule

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_SEVERITIES = list(typing.get_args(Severity))
# A glob of codes (`docs.*`, `breaking.column_?emoved`), as fnmatch reads one.
_GLOB = r"[*?\[]"
# sqlfluff's names, checked with sqlfluff by `validate`: a code (`LT05`), a name
# (`layout.long_lines`), a group (`capitalisation`), and for `lint.rules` globs of them.
_SQLFLUFF_KEY = r"^[A-Za-z][A-Za-z0-9_.]*$"
_SQLFLUFF_GLOB = r"^[A-Za-z0-9_.*?\[\]!-]+$"
_SQLFLUFF_SHAPES = {
    (LintConfig, "severity"): {"propertyNames": {"pattern": _SQLFLUFF_KEY}},
    (LintConfig, "rules"): {"items": {"pattern": _SQLFLUFF_GLOB}},
}
# A date as YAML writes one, YYYY-MM-DD, and a date-time, which the loader reads as its day (not
# `format: date`, which editors may check and refuse a date-time with).
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ]|$)"
# Parameter types `dbtgate rules` names as the JSON type says them.
_PLAIN_NAMES = {"bool", "int", "float", "str"}
# The heading docs/configuration.md gives a section (`## Top level`, ``## `lint` ``), and a row of
# its tables.
_SECTION = re.compile(r"^## (?:Top level|`([a-z_]+)`)$")
_ROW = re.compile(r"^\| `([a-z_]+)` \|")


def config_schema(rules: dict[str, Rule]) -> dict[str, Any]:
    """The schema of a dbtgate config with `rules` (the built-in ones and installed plugins')."""
    from dbtgate.codes import code_docs
    from dbtgate.diff.classify import TAXONOMY

    known = sorted({*rules, *code_docs()})
    built = _Builder(_documented(), rules, known, sorted(TAXONOMY))
    root = {
        "$schema": DIALECT,
        "title": "dbtgate config (dbtgate.yml)",
        **built.object(Config, ""),
        "$defs": {
            "rules": built.rules_map(),
            "plugin_rule": {
                "description": "a rule of a plugin listed under `plugins:`",
                "anyOf": [
                    {"enum": [*_SEVERITIES, None]},
                    {"type": "object", "properties": {"severity": {"enum": _SEVERITIES}}},
                ],
            },
        },
    }
    # Without plugins listed, a code no rule has is a typo, in a policy and in a waiver.
    root["if"] = {"required": ["plugins"], "properties": {"plugins": {"minItems": 1}}}
    root["else"] = {
        "properties": {
            "policies": {
                "items": {
                    "properties": {
                        "rules": {
                            "properties": dict.fromkeys(sorted(rules), True),
                            "additionalProperties": False,
                        }
                    }
                }
            },
            "waivers": {
                "items": {
                    "properties": {
                        "rule": {
                            "anyOf": [
                                {"enum": known},
                                {"pattern": r"^lint\."},
                                {"pattern": _GLOB},
                            ]
                        }
                    }
                }
            },
        }
    }
    return root


def schema_text(rules: dict[str, Rule]) -> str:
    """The schema as `dbtgate validate --schema` prints it: keys sorted, the same every run,
    ASCII (written to a file in any console's encoding)."""
    return json.dumps(config_schema(rules), indent=2, sort_keys=True) + "\n"


class _Builder:
    """Walks the config's sections to schemas, with the docs' texts and the known codes."""

    def __init__(
        self,
        docs: dict[tuple[str, str], str],
        rules: dict[str, Rule],
        known: list[str],
        changes: list[str],
    ) -> None:
        self.docs = docs
        self.rules = rules
        # What the loader or the checks after it know of a key beyond its type.
        self.extra: dict[tuple[type, str], dict[str, Any]] = {
            **_SQLFLUFF_SHAPES,
            # `waivers._check_accountable`: someone answers for a waiver, for a stated reason.
            (Waiver, "reason"): {"pattern": r"\S"},
            (Waiver, "owner"): {"pattern": r"\S"},
            # Completion for the codes; with plugins listed, any code (narrowed at the root).
            (Waiver, "rule"): {"anyOf": [{"enum": known}, {"type": "string"}]},
            (BreakingAcknowledgement, "change"): {"anyOf": [{"enum": changes}, {"pattern": _GLOB}]},
        }

    def object(self, cls: type, section: str) -> dict[str, Any]:
        """A section as a closed mapping: the loader refuses a key it does not know."""
        hints = typing.get_type_hints(cls)
        properties = {}
        required = []
        for spec in msgspec.structs.fields(cls):
            if spec.name in INTERNAL_FIELDS:
                continue
            name = spec.name.rstrip("_")
            properties[name] = self.field(cls, spec, hints[spec.name], section, name)
            if spec.required:
                required.append(name)
        schema: dict[str, Any] = {
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
        }
        if required:
            schema["required"] = required
        summary = _docstring_summary(cls)
        if summary:
            schema["description"] = summary
        schema.update(_object_checks(cls))
        return schema

    def field(
        self, cls: type, spec: msgspec.structs.FieldInfo, hint: Any, section: str, name: str
    ) -> dict[str, Any]:
        inner = name if not section else f"{section}.{name}"
        schema = self.type_schema(hint, inner)
        check = VALUE_CHECKS.get((cls, spec.name))
        if check is not None:
            schema = _bounded(schema, check.schema)
        extra = self.extra.get((cls, spec.name))
        if extra is not None:
            schema = _bounded(schema, extra)
        described = self.docs.get((section, name))
        if described:
            schema["description"] = described
        default = _default(spec)
        if default is not None:
            schema["default"] = default
        return schema

    def type_schema(self, hint: Any, section: str) -> dict[str, Any]:
        """A field's type as the loader converts it (`config._convert`)."""
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin in (typing.Union, types.UnionType):
            return _union([self.type_schema(arg, section) for arg in args])
        if origin is Literal:
            return {"enum": list(args)}
        if origin is list:
            items = self.type_schema(args[0], section)
            if args[0] is str:  # `from: meta.tier` is shorthand for a one-item list
                return {"anyOf": [{"type": "array", "items": items}, items]}
            return {"type": "array", "items": items}
        if origin is dict:
            if args[1] is RuleSetting:
                return {"$ref": "#/$defs/rules"}
            return {"type": "object", "additionalProperties": self.type_schema(args[1], section)}
        if is_section(hint):
            return self.object(hint, section)
        if hint is dt.date:
            return {"type": "string", "pattern": _DATE}
        return _plain_type(hint)

    def rules_map(self) -> dict[str, Any]:
        """A policy's `rules`: each code's severity, or its severity and parameters."""
        return {
            "type": "object",
            "properties": {code: _rule_setting(rule) for code, rule in sorted(self.rules.items())},
            "propertyNames": {"pattern": CODE_PATTERN.pattern},
            "additionalProperties": {"$ref": "#/$defs/plugin_rule"},
        }


def _rule_setting(rule: Rule) -> dict[str, Any]:
    """`code: severity` (or null: the rule's own), or `code: {severity: ..., <param>: ...}`;
    a rule with a required parameter takes the mapping only."""
    properties: dict[str, Any] = {"severity": {"enum": _SEVERITIES, "default": rule.severity}}
    required = []
    for name, param in rule.params.items():
        schema = _param_schema(param.hint)
        if param.shown_type not in _PLAIN_NAMES:  # what the JSON type does not say already
            schema["description"] = param.shown_type
        if param.required:
            required.append(name)
        elif not param.optional and _is_json(param.default):
            schema["default"] = param.default
        properties[name] = schema
    mapping: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    description = f"{rule.docs.summary} (default severity: {rule.severity})"
    if required:
        return {**mapping, "required": required, "description": description}
    return {"description": description, "anyOf": [{"enum": [*_SEVERITIES, None]}, mapping]}


def _param_schema(hint: Any) -> dict[str, Any]:
    """A parameter's type as the registry converts it (`registry.convert_value`)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Annotated:
        schema = _param_schema(args[0])
        for refinement in args[1:]:
            if isinstance(refinement, Refinement) and refinement.schema:
                schema = _bounded(schema, refinement.schema)
        return schema
    if origin in (typing.Union, types.UnionType):
        return _union([_param_schema(arg) for arg in args])
    if origin is Literal:
        return {"enum": list(args)}
    if origin is list:
        return {"type": "array", **({"items": _param_schema(args[0])} if args else {})}
    if origin is dict:
        value = {"additionalProperties": _param_schema(args[1])} if args else {}
        return {"type": "object", **value}
    return _plain_type(hint)


def _plain_type(hint: Any) -> dict[str, Any]:
    """A scalar type; anything else (`Any`, a plugin's own class) is left open."""
    names = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}
    return {"type": names[hint]} if hint in names else {}


def _union(members: list[dict[str, Any]]) -> dict[str, Any]:
    """`X | None` and the like: one `type` list when every member is a plain type, so editors
    show `string | null`; an enum with null added; else `anyOf`."""
    if all(set(member) == {"type"} for member in members):
        return {"type": [member["type"] for member in members]}
    nulls = [member for member in members if member == {"type": "null"}]
    others = [member for member in members if member != {"type": "null"}]
    if nulls and len(others) == 1 and set(others[0]) == {"enum"}:
        return {"enum": [*others[0]["enum"], None]}
    return {"anyOf": members}


def _bounded(schema: dict[str, Any], bound: dict[str, Any]) -> dict[str, Any]:
    """`schema` with the keywords of `bound`; `bound["items"]` bounds each entry of a list,
    and the one string of a list's shorthand (`from: meta.tier`) as well."""
    items = bound.get("items")
    schema = _merged(schema, {key: value for key, value in bound.items() if key != "items"})
    if items is None:
        return schema
    if "anyOf" in schema:
        return {**schema, "anyOf": [_bounded(alt, {"items": items}) for alt in schema["anyOf"]]}
    if schema.get("type") == "array":
        return {**schema, "items": _merged(schema.get("items", {}), items)}
    return _merged(schema, items)


def _merged(schema: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    """`schema` with the keywords of `more`, a subschema in both merged (a map's values'
    type and their bound: `additionalProperties`)."""
    merged = dict(schema)
    for key, value in more.items():
        both = isinstance(value, dict) and isinstance(merged.get(key), dict)
        merged[key] = _merged(merged[key], value) if both else value
    return merged


def _object_checks(cls: type) -> dict[str, Any]:
    """The loader's checks of keys only wrong together (`config._OBJECT_CHECKS`) that a schema
    can say; an acknowledgement's selector is checked by the loader alone."""
    if cls is KpiConfig:
        return {"allOf": [_gated_has_target(name) for name in typing.get_args(KpiName)]}
    if cls is BreakingAcknowledgement:
        named = [
            {"required": [key], "properties": {key: {"type": "string", "minLength": 1}}}
            for key in ("select", "unique_id")
        ]
        return {"anyOf": named}
    return {}


def _gated_has_target(name: str) -> dict[str, Any]:
    """A KPI under `kpi.gate` needs a target: written, or its default when that is one."""
    target = {"properties": {name: {"type": "number"}}}
    if getattr(KpiTargets(), name) is None:
        then = {"required": ["targets"], "properties": {"targets": {**target, "required": [name]}}}
    else:
        then = {"properties": {"targets": target}}
    gated = {"required": ["gate"], "properties": {"gate": {"contains": {"const": name}}}}
    return {"if": gated, "then": then}


def _default(spec: msgspec.structs.FieldInfo) -> Any:
    """A field's default when an editor can show it: a plain value, not null (unset) nor a
    nested mapping (its keys show their own)."""
    if spec.default is not msgspec.NODEFAULT:
        value = spec.default
    elif spec.default_factory is not msgspec.NODEFAULT:
        value = spec.default_factory()
    else:
        return None
    return value if _is_json(value) and value not in ({}, None) else None


def _is_json(value: Any) -> bool:
    if isinstance(value, list):
        return all(map(_is_json, value))
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    return value is None or isinstance(value, str | int | float | bool)


def _docstring_summary(cls: type) -> str:
    """A section's docstring, first paragraph, as one line ("" without one)."""
    doc = cls.__doc__ or ""
    return " ".join(doc.strip().split("\n\n", 1)[0].split())


def docs_path() -> Path:
    """docs/configuration.md: inside the wheel, or in a source checkout."""
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir / "_docs", package_dir.parent / "docs"):
        if (candidate / "configuration.md").is_file():
            return candidate / "configuration.md"
    raise DbtgateError(
        f"configuration reference not found: expected {package_dir / '_docs'} or "
        f"{package_dir.parent / 'docs'} to hold configuration.md"
    )


def _documented() -> dict[tuple[str, str], str]:
    """(section, key) -> the first clause of the key's text in the tables of
    docs/configuration.md (section `` for the top level, `lint` for the `lint` table...)."""
    found: dict[tuple[str, str], str] = {}
    section: str | None = None
    columns = 0
    for line in docs_path().read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            heading = _SECTION.match(line)
            section = (heading.group(1) or "") if heading else None
        elif section is not None and line.startswith("| key |"):
            columns = line.count("|") - 1
        elif section is not None and (row := _ROW.match(line)):
            meaning = line.strip().strip("|").split("|", columns - 1)[-1]
            found[(section, row.group(1))] = _first_clause(meaning)
    return found


def _first_clause(text: str) -> str:
    """The text up to its first `. ` or `; ` outside brackets and code spans, links as their
    words: a short help for a hover, from the docs' own words."""
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text).strip()
    depth, code = 0, False
    for index, char in enumerate(text):
        if char == "`":
            code = not code
        elif code:
            continue
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char in ".;" and depth == 0 and text[index + 1 : index + 2] == " ":
            return text[:index]
    return text
