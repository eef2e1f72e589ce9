"""Check a JSON document against the small subset of JSON Schema our report schema is written in.

`dbtgate report gate.json` must refuse a file that is not a gate report with a one-line error that
names the JSON path, and the gate must not depend on the `jsonschema` package to do it. The report
schema therefore sticks to a handful of keywords (listed in `KEYWORDS`); the tests check that the
shipped schema uses no others and that `jsonschema` agrees with this on valid and broken reports.
"""

from __future__ import annotations

import sys
from typing import Any

from dbtgate.wording import counted

KEYWORDS = frozenset(
    {
        "$schema",
        "$id",
        "$defs",
        "$ref",
        "title",
        "description",
        "type",
        "enum",
        "const",
        "required",
        "properties",
        "additionalProperties",
        "items",
        "minimum",
        "minLength",
        "minItems",
        "maxItems",
        "allOf",
        "if",
        "then",
    }
)

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


# A JSON path as a chain of (parent, key or index), made into text only for an error message:
# formatting "$.findings[31337].details" for each of a large report's million values took most
# of the validation.
Path = tuple[Any, str | int] | None


def first_error(document: Any, schema: dict[str, Any]) -> str | None:
    """The first violation as `$.json.path: what is wrong`, or None when the document is valid."""
    return _check(document, schema, schema, None)


def _text(path: Path) -> str:
    parts = []
    while path is not None:
        path, part = path
        parts.append(f"[{part}]" if isinstance(part, int) else f".{part}")
    return "$" + "".join(reversed(parts))


def _check(value: Any, schema: dict[str, Any], root: dict[str, Any], path: Path) -> str | None:
    if "$ref" in schema:
        target = resolve(schema["$ref"], root)
        if len(schema) == 1:
            schema = target
        else:  # keywords beside a $ref apply too (draft 2020-12): a measure with a label
            problem = _check(value, target, root, path)
            if problem:
                return problem
            schema = {key: part for key, part in schema.items() if key != "$ref"}
    if "type" in schema and not _has_type(value, schema["type"]):
        allowed = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        return f"{_text(path)}: expected {' or '.join(allowed)}, got {_describe(value)}"
    if "enum" in schema and not any(_same(value, choice) for choice in schema["enum"]):
        choices = ", ".join(repr(choice) for choice in schema["enum"])
        return f"{_text(path)}: expected one of {choices}, got {value!r}"
    if "const" in schema and not _same(value, schema["const"]):
        return f"{_text(path)}: expected {schema['const']!r}, got {value!r}"
    if "minimum" in schema and _is_type(value, "number") and value < schema["minimum"]:
        return f"{_text(path)}: expected at least {schema['minimum']}, got {value!r}"
    if "minLength" in schema and isinstance(value, str) and len(value) < schema["minLength"]:
        return f"{_text(path)}: expected at least {counted(schema['minLength'], 'character')}"
    # The keywords below are looked up only for the kind of value they constrain here (a
    # million values in a large report, most of them strings): `allOf` is used on objects only
    # in the report schema.
    if isinstance(value, dict):
        if "allOf" in schema:
            problem = _check_conditions(value, schema, root, path)
            if problem:
                return problem
        return _check_object(value, schema, root, path)
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            return f"{_text(path)}: expected at least {counted(schema['minItems'], 'item')}"
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            return f"{_text(path)}: expected at most {counted(schema['maxItems'], 'item')}"
        if "items" in schema:
            for index, item in enumerate(value):
                problem = _check(item, schema["items"], root, (path, index))
                if problem:
                    return problem
    return None


def _check_conditions(
    value: dict[str, Any], schema: dict[str, Any], root: dict[str, Any], path: Path
) -> str | None:
    """`allOf` of `if`/`then` pairs: what a finding's details hold depends on its code or
    family. The conditions supported test keys against strings, a `const` or an `enum` (the
    tests check the shipped schema uses no other): tested directly, they cost a lookup per
    finding, where a general `if` would build and drop an error message for each of 48,000
    findings it does not match."""
    for part in schema.get("allOf", ()):
        for key, test in part["if"]["properties"].items():
            item = value.get(key, _ABSENT)
            # An absent key meets a `properties` condition, as in JSON Schema.
            if item is not _ABSENT and (
                type(item) is not str or item not in test.get("enum", (test.get("const"),))
            ):
                break
        else:
            problem = _check(value, part.get("then", {}), root, path)
            if problem:
                return problem
    return None


_ABSENT = object()


def _check_object(
    value: dict[str, Any], schema: dict[str, Any], root: dict[str, Any], path: Path
) -> str | None:
    for name in schema.get("required", ()):
        if name not in value:
            return f"{_text(path)}: missing required key {name!r}"
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    # Where any other key is allowed, only the declared ones are looked at: a finding's
    # details declare none, or a few.
    names = sorted(value) if extra is not True else sorted(n for n in properties if n in value)
    for name in names:
        if name in properties:
            problem = _check(value[name], properties[name], root, (path, name))
        elif extra is False:
            problem = f"{_text(path)}: unexpected key {name!r}"
        elif isinstance(extra, dict):
            problem = _check(value[name], extra, root, (path, name))
        else:
            problem = None
        if problem:
            return problem
    return None


def resolve(ref: str, root: dict[str, Any]) -> dict[str, Any]:
    if not ref.startswith("#/"):
        raise ValueError(f"only local $ref are supported, got {ref!r}")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _same(value: Any, expected: Any) -> bool:
    # JSON's true is not 1, though Python's True == 1.
    return isinstance(value, bool) == isinstance(expected, bool) and value == expected


# The JSON type of each exact type json.loads produces (checked per value: a million in a
# large report, so one dict lookup rather than an isinstance per candidate type).
JSON_TYPES: dict[type, str] = {
    dict: "object",
    list: "array",
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


def _has_type(value: Any, allowed: str | list[str]) -> bool:
    kind = JSON_TYPES.get(type(value))
    if kind is None:  # a subclass (not from json.loads): the general test
        names = allowed if isinstance(allowed, list) else [allowed]
        return any(_is_type(value, name) for name in names)
    if isinstance(allowed, str):
        return kind == allowed or (kind == "integer" and allowed == "number" and _fits(value))
    return kind in allowed or (kind == "integer" and "number" in allowed and _fits(value))


def _fits(number: int) -> bool:
    """Whether an integer where a number is expected can be one (a float): renderers format
    and scale it as one, and 1 followed by 400 zeros is valid JSON but no float."""
    return -sys.float_info.max <= number <= sys.float_info.max


def _is_type(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return name == "boolean"  # bool is an int subclass in Python, not in JSON
    return isinstance(value, _TYPES[name])


def _describe(value: Any) -> str:
    if type(value) is int and not _fits(value):
        return "an integer too large for a number"
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _is_type(value, name):
            return name
    return type(value).__name__
