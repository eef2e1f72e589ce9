"""Whether a gate report meets its JSON Schema, checked a keyword at a time over many values.

`validate.first_error` walks the report value by value to name the first violation's JSON path:
a 10,000-model report holds 39,000 findings of 20 keys each, and the walk took 1.5 s of
`dbtgate report`. Here the values a schema applies to are taken together (the `code` of every
finding, then their `line`, ...) and each keyword is checked on all of them at once, in C loops
(`set(map(type, ...))`, `min`, set inclusion), in 0.1 s. This says only whether the values are
valid: when it says they may not be, the walk names where (`validate.first_error` runs both).

It reads the keywords `validate` implements, with the same meaning (JSON's true is no integer,
an integer too large for a float is no number, `if` tests keys against strings); any other
shape answers False, and the walk decides.
"""

from __future__ import annotations

import sys
from collections import Counter
from itertools import compress, repeat
from operator import itemgetter, le
from typing import Any

from dbtgate.report.validate import JSON_TYPES, KEYWORDS, resolve

# The walker's keywords but its conditionals (`if`/`then`), which a schema using them leaves to
# the walk.
_KNOWN = KEYWORDS - {"if", "then"}


def all_valid(values: list[Any], schema: dict[str, Any], root: dict[str, Any]) -> bool:
    """Whether each of `values` meets `schema` (`root`: where its `$ref`s point). False also
    when the schema or a value is of a shape this does not check (the walk decides)."""
    if not values:
        return True
    if not schema.keys() <= _KNOWN:
        return False
    if "$ref" in schema:
        if not all_valid(values, resolve(schema["$ref"], root), root):
            return False
        schema = {key: part for key, part in schema.items() if key != "$ref"}
    kinds = {JSON_TYPES.get(kind) for kind in set(map(type, values))}
    if None in kinds:  # a subclass of a JSON type: not what json.loads gives
        return False
    if "type" in schema and not _of_type(values, kinds, schema["type"]):
        return False
    if "enum" in schema and not _among(values, kinds, schema["enum"]):
        return False
    if "const" in schema and not _among(values, kinds, [schema["const"]]):
        return False
    if "minimum" in schema:
        numbers = _of_kinds(values, kinds, ("integer", "number"))
        # Each compared (a NaN, which `min` may pass over, meets no minimum here).
        if not all(map(le, repeat(schema["minimum"]), numbers)):
            return False
    if "minLength" in schema:
        texts = _of_kinds(values, kinds, ("string",))
        if texts and min(map(len, texts)) < schema["minLength"]:
            return False
    if "object" in kinds and not _objects_valid(
        _of_kinds(values, kinds, ("object",)), schema, root
    ):
        return False
    arrays = _of_kinds(values, kinds, ("array",)) if "array" in kinds else []
    return not arrays or _arrays_valid(arrays, schema, root)


def _of_type(values: list[Any], kinds: set[str | None], allowed: str | list[str]) -> bool:
    names = {allowed} if isinstance(allowed, str) else set(allowed)
    if kinds <= names:
        return True
    # An integer where a number is expected, if it can be one (a float).
    if kinds - names != {"integer"} or "number" not in names:
        return False
    integers = [value for value in values if type(value) is int]
    return -sys.float_info.max <= min(integers) and max(integers) <= sys.float_info.max


def _of_kinds(values: list[Any], kinds: set[str | None], wanted: tuple[str, ...]) -> list[Any]:
    """The values of the JSON types `wanted` (all of them, not copied, when they are all)."""
    if kinds <= set(wanted):
        return values
    return [value for value in values if JSON_TYPES[type(value)] in wanted]


def _among(values: list[Any], kinds: set[str | None], choices: list[Any]) -> bool:
    """Whether each value is one of `choices`, as JSON compares them (true is not 1)."""
    if all(type(choice) is str for choice in choices):
        return kinds == {"string"} and set(values) <= set(choices)
    return all(
        any(
            isinstance(value, bool) == isinstance(choice, bool) and value == choice
            for choice in choices
        )
        for value in values
    )


def _objects_valid(
    objects: list[dict[str, Any]], schema: dict[str, Any], root: dict[str, Any]
) -> bool:
    if not schema.keys() & {"allOf", "required", "properties", "additionalProperties"}:
        return True  # any object (a finding's `details`)
    keys = _Keys(objects)
    for part in schema.get("allOf", ()):
        condition = _condition(part)
        if condition is None:
            return False
        if not all_valid(keys.meeting(condition), part["then"], root):
            return False
    if any(keys.count[name] != len(objects) for name in schema.get("required", ())):
        return False
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for name in keys.count:
        if name in properties:
            part = properties[name]
        elif extra is False:
            return False
        elif isinstance(extra, dict):
            part = extra
        else:
            continue
        if not all_valid(keys.column(name), part, root):
            return False
    return True


class _Keys:
    """The keys of many objects, counted in one pass, and the values of one key taken from
    every object that has it (in a C loop when all have it, as most keys of a finding)."""

    def __init__(self, objects: list[dict[str, Any]]) -> None:
        self.objects = objects
        # By the objects' keys in order, which the findings of a report share (a count of each
        # key of 39,000 findings took twice as long).
        self.count: Counter[str] = Counter()
        for shape, count in Counter(map(tuple, objects)).items():
            for name in shape:
                self.count[name] += count

    def column(self, name: str) -> list[Any]:
        if self.count[name] == len(self.objects):
            return list(map(itemgetter(name), self.objects))
        return [value[name] for value in self.objects if name in value]

    def meeting(self, condition: dict[str, frozenset[str]]) -> list[dict[str, Any]]:
        """The objects that meet an `if`: each key tested absent (as in JSON Schema), or one
        of its strings."""
        chosen = self.objects
        for key, choices in condition.items():
            if not self.count[key]:
                continue
            everywhere = self.count[key] == len(chosen)
            column = list(map(itemgetter(key), chosen)) if everywhere else None
            if column is not None and set(map(type, column)) == {str}:
                chosen = list(compress(chosen, map(choices.__contains__, column)))
            else:  # absent from some, or not a string in some: one by one
                chosen = [value for value in chosen if _meets(value.get(key, _ABSENT), choices)]
        return chosen


def _condition(part: dict[str, Any]) -> dict[str, frozenset[str]] | None:
    """An `allOf` part's `if` as the strings each key must be one of, or None when it is not
    that form (`validate._check_conditions` reads no other)."""
    if part.keys() != {"if", "then"} or part["if"].keys() != {"properties"}:
        return None
    tests: dict[str, frozenset[str]] = {}
    for key, test in part["if"]["properties"].items():
        if test.keys() == {"enum"}:
            choices = test["enum"]
        elif test.keys() == {"const"}:
            choices = [test["const"]]
        else:
            return None
        if not all(type(choice) is str for choice in choices):
            return None
        tests[key] = frozenset(choices)
    return tests


_ABSENT = object()


def _meets(item: Any, choices: frozenset[str]) -> bool:
    """Whether a key's value meets its test in an `if`: absent, or one of its strings."""
    return item is _ABSENT or (type(item) is str and item in choices)


def _arrays_valid(arrays: list[list[Any]], schema: dict[str, Any], root: dict[str, Any]) -> bool:
    sizes = list(map(len, arrays))
    if "minItems" in schema and min(sizes) < schema["minItems"]:
        return False
    if "maxItems" in schema and max(sizes) > schema["maxItems"]:
        return False
    if "items" in schema:
        if not isinstance(schema["items"], dict):
            return False
        return all_valid([item for array in arrays for item in array], schema["items"], root)
    return True
