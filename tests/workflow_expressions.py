"""GitHub Actions expressions (`${{ ... }}`) evaluated as a runner does, for the tests of the
example workflow: its conditions and the values it gives steps are then checked by what they
come to for each event, not by how they are spelled.

Only what the example uses: context properties (`github.event.merge_group.base_sha`), string
literals, `==`/`!=` (strings compared ignoring case), `!`, `&&` and `||` (which give an
operand, not a boolean: `a && b || c` is `b` when `a` and `b` are truthy, else `c`), parentheses
and `format()`. Anything else raises, so a test never passes on what this cannot read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_TOKEN = re.compile(r"\s*(?:(\|\||&&|==|!=|!|\(|\)|,)|'((?:[^']|'')*)'|([A-Za-z_][\w.-]*))")


def _tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) pairs: kind `op`, `str` or `name`."""
    found, at = [], 0
    text = text.rstrip()
    while at < len(text):
        match = _TOKEN.match(text, at)
        if not match:
            raise ValueError(f"cannot read the expression at: {text[at:]!r}")
        op, string, name = match.groups()
        if op is not None:
            found.append(("op", op))
        elif string is not None:
            found.append(("str", string.replace("''", "'")))
        else:
            found.append(("name", name))
        at = match.end()
    return found


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, "")


class _Evaluator:
    def __init__(self, text: str, context: Mapping[str, Any]) -> None:
        self.tokens = _tokens(text)
        self.context = context
        self.at = 0

    def _peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise ValueError("the expression ends too soon")
        token = self.tokens[self.at]
        if expected is not None and token != ("op", expected):
            raise ValueError(f"expected {expected!r}, found {token[1]!r}")
        self.at += 1
        return token

    def value(self) -> Any:
        result = self._or()
        if self.at != len(self.tokens):
            raise ValueError(f"unexpected {self.tokens[self.at][1]!r}")
        return result

    def _or(self) -> Any:
        result = self._and()
        while self._peek() == "||":
            self._take()
            other = self._and()
            result = result if _truthy(result) else other
        return result

    def _and(self) -> Any:
        result = self._compare()
        while self._peek() == "&&":
            self._take()
            other = self._compare()
            result = other if _truthy(result) else result
        return result

    def _compare(self) -> Any:
        left = self._unary()
        if self._peek() in ("==", "!="):
            _, op = self._take()
            right = self._unary()
            same = (
                left.lower() == right.lower()
                if isinstance(left, str) and isinstance(right, str)
                else left == right
            )
            return same if op == "==" else not same
        return left

    def _unary(self) -> Any:
        if self._peek() == "!":
            self._take()
            return not _truthy(self._unary())
        if self._peek() == "(":
            self._take()
            result = self._or()
            self._take(")")
            return result
        kind, text = self._take()
        if kind == "str":
            return text
        if kind != "name":
            raise ValueError(f"unexpected {text!r}")
        if self._peek() == "(":
            return self._call(text)
        return self._lookup(text)

    def _call(self, name: str) -> Any:
        if name != "format":
            raise ValueError(f"function {name}() is not evaluated here")
        self._take("(")
        args = [self._or()]
        while self._peek() == ",":
            self._take()
            args.append(self._or())
        self._take(")")
        template, *values = args
        return re.sub(r"\{(\d+)\}", lambda m: _text(values[int(m.group(1))]), template)

    def _lookup(self, path: str) -> Any:
        value: Any = self.context
        for part in path.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        return value


def _text(value: Any) -> str:
    """A value as format() and `${{ }}` in a string give it: null is empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def evaluate(expression: str, context: Mapping[str, Any]) -> Any:
    """An `if:` condition's value (written with or without `${{ }}`)."""
    inner = re.fullmatch(r"\s*\$\{\{(.*)\}\}\s*", expression, re.DOTALL)
    return _Evaluator(inner.group(1) if inner else expression, context).value()


def interpolate(text: str, context: Mapping[str, Any]) -> str:
    """A setting's value with each `${{ ... }}` in it replaced as the runner does."""
    return re.sub(
        r"\$\{\{(.*?)\}\}",
        lambda m: _text(_Evaluator(m.group(1), context).value()),
        text,
    )
