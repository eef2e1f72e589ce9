"""The rule registry: `@rule` turns a small typed function into a documented, configurable rule.

A rule is data (a stable `family.name` code, a default severity, the resource types it applies
to, its documentation) plus one function. The function's first argument is the resource (or,
for selection rules, the list of selected resources); further positional arguments are inputs
the engine passes by name (`project`, `base`, `codeowners`); keyword-only arguments with a type
and a default are the rule's parameters. So the signature is the whole contract: a config key
that is not a parameter, or a value of the wrong type, is an error naming the config line, and
the docs list the parameters from the same place.

Rules come from the built-in family modules, from installed packages that declare an entry
point in the `dbtgate.rules` group, and from the `plugins:` paths or modules in the config.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import importlib
import importlib.util
import inspect
import os
import re
import reprlib
import sys
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from fnmatch import fnmatchcase
from importlib.machinery import PathFinder
from pathlib import Path
from typing import Any, Literal

import msgspec
from msgspec import Struct, structs

from dbtgate.errors import DbtgateError, lookup_problem
from dbtgate.pipes import is_pipe
from dbtgate.wording import choices

Severity = Literal["error", "warn", "info"]
SEVERITIES: tuple[str, ...] = typing.get_args(Severity)

# Resource types a rule may apply to.
# A rule on tests judges them only where a policy's selector names them (`resource_type:test`):
# `*` and the other methods alone select no tests (dbtgate.select).
RESOURCE_TYPES = ("model", "seed", "snapshot", "source", "exposure", "macro", "test")
# Inputs the engine passes to a rule function by parameter name.
INPUTS = ("project", "base", "codeowners")
# What a rule may need besides the manifest (`@rule(needs=...)`), as a user would make it.
NEEDS = {
    "catalog": "catalog.json (`dbt docs generate` writes it)",
    "run_results": "the results of a run that executed models (`dbt build` or `dbt run`)",
    "bytes_billed": "the bytes billed per result that dbt-bigquery writes in run_results.json "
    "(`dbt build` or `dbt run` on BigQuery)",
    "seed_stats": "the row counts or sizes of seeds that the adapter records in catalog.json "
    "(`dbt docs generate` on BigQuery, Snowflake, Databricks or Redshift)",
    "unit_tests": "unit tests, which a manifest of dbt 1.8 or later records",
}

BUILTIN_FAMILIES = (
    "tests",
    "docs",
    "owner",
    "governance",
    "modeling",
    "naming",
    "performance",
    "sources",
    "code",
)
ENTRY_POINT_GROUP = "dbtgate.rules"
# The module name a plugin file is imported under starts with this (see `_import_file`).
_FILE_PLUGIN_PREFIX = "dbtgate_plugin_"

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


class Violation(msgspec.Struct, frozen=True, gc=False):
    """What a rule reports; the engine turns it into a Finding with the rule's code and severity.

    `column_name` makes the finding point at the column's YAML line; `line` at that line of the
    resource's file (1-based; `Project.code_start` turns a line of its code into one);
    `details["test"]`, the unique_id of one of the resource's generic tests, at that test's
    list item in the YAML (the fix is made there, the fingerprint stays the resource's), and
    `details["constraint"]`, a type of the model's own constraints, at its item in the model's
    `constraints:` (the one listing `column_name`, when given); `key`
    tells apart several violations of one rule on one resource and column (it is part of the
    fingerprint); `fix` overrides the rule's generic fix hint with a specific one; `setting`,
    a config setting and the key in it (`("meta", "tier")`), at the line that sets them (no
    report shows it: `Finding.setting`); `unique_id`, another resource the finding is on than
    the one judged, for a finding about what resources share (a properties file's kinds,
    `docs.properties_one_kind`): each of them finds it, and the gate keeps it once; its
    fingerprint (the baseline's) is its `key`'s, which names what they share, so that the
    resource it is put on may change with the resources added. A Struct,
    not a dataclass: rules create one per finding (48,000 at 10,000 models), and a frozen
    dataclass costs 8x more."""

    message: str
    column_name: str | None = None
    fix: str | None = None
    key: str | None = None
    details: dict[str, Any] = msgspec.field(default_factory=dict)
    line: int | None = None
    setting: tuple[str, str | None] | None = None
    unique_id: str | None = None


class ParamError(Exception):
    """A rule's parameters make no sense together (or need an input that is absent).

    Raised by a rule function (or by parameter validation, naming `param`); the engine reports
    it as a config error at the parameter's line, else the rule's line."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)  # not a Struct: hashed (in `Annotated`) without its schema
class Refinement:
    """What a parameter's type cannot say by itself (a share is a float between 0 and 1, a
    pattern a string that compiles): checked with the types when the config is compiled, so a
    bad value is a config error at its line even in a policy that selects nothing."""

    name: str  # the type as `dbtgate rules` prints it
    problem: Callable[[Any], str | None]  # what is wrong with a value of the base type, or None
    # The same bound as JSON Schema keywords on the base type's schema, for the config's schema
    # (`dbtgate validate --schema`), so an editor flags the value as it is written. None: the
    # base type only (a plugin's refinement the schema cannot say is checked by the loader).
    schema: dict[str, Any] | None = dataclass_field(default=None, compare=False)

    def __repr__(self) -> str:
        return self.name


def _share_problem(value: float) -> str | None:
    # `min: 80` would otherwise fail every resource with "0% < 8000%".
    if 0 <= value <= 1:
        return None
    return f"expected a share between 0 and 1 (0.8 for 80%), got {value:g}"


def regex_problem(value: str) -> str | None:
    """What is wrong with a regular expression a config gives (None: it compiles), for the
    parameter types that hold patterns, the built-in rules' and plugins' alike."""
    if not value:
        return "give a regular expression (an empty one would check nothing)"
    try:
        re.compile(value)
    except re.error as exc:
        return f"not a regular expression ({exc}): {value!r}"
    return None


def _count_problem(value: int) -> str | None:
    return None if value >= 0 else f"expected a count of 0 or more, got {value}"


def _amount(unit: str) -> Refinement:
    """A refinement for an amount of `unit` (seconds, gigabytes, rows) above 0."""

    def problem(value: float) -> str | None:
        return None if value > 0 else f"expected a number of {unit} above 0, got {value:g}"

    return Refinement(f"{unit} (> 0)", problem, {"exclusiveMinimum": 0})


def _minimums_problem(value: dict[str, int]) -> str | None:
    if not value:
        return "give at least one name and its count (an empty map would check nothing)"
    negative = [f"{name}: {count}" for name, count in value.items() if count < 0]
    return f"expected counts of 0 or more, got {', '.join(negative)}" if negative else None


def _regex_map_problem(value: dict[str, str]) -> str | None:
    if not value:
        return "give at least one entry (an empty map would check nothing)"
    for key, pattern in value.items():
        problem = regex_problem(key) or regex_problem(pattern)
        if problem:
            return f"{key!r}: {problem}"
    return None


def _grant_map_problem(value: dict[str, list[str]]) -> str | None:
    if not value:
        return "give at least one privilege and its grantees (an empty map would check nothing)"
    empty = [privilege for privilege, grantees in value.items() if not grantees]
    return f"give at least one grantee of {', '.join(empty)}" if empty else None


def _allowed_values_problem(value: dict[str, list[Any]]) -> str | None:
    if not value:
        return "give at least one key and its allowed values (an empty map would check nothing)"
    empty = [key for key, allowed in value.items() if not allowed]
    return f"give at least one allowed value of {', '.join(empty)}" if empty else None


def _names_problem(value: list[str]) -> str | None:
    return None if value else "give at least one (an empty list would check nothing)"


# A share: `min: 0.8` for 80%.
Share = typing.Annotated[
    float, Refinement("share (0..1)", _share_problem, {"minimum": 0, "maximum": 1})
]
# A regular expression (Python's `re` syntax), matched against whole names.
# (The schema cannot say "compiles": editors' regular expressions are JavaScript's.)
Regex = typing.Annotated[str, Refinement("regex", regex_problem, {"minLength": 1})]
# A whole number of things (tests, parents, characters): 0 or more.
Count = typing.Annotated[int, Refinement("count (>= 0)", _count_problem, {"minimum": 0})]
# A duration in seconds, above 0 (`60`, `2.5`).
Seconds = typing.Annotated[float, _amount("seconds")]
# An amount of data in gigabytes (10^9 bytes), above 0 (`100`, `0.5`).
Gigabytes = typing.Annotated[float, _amount("gigabytes")]
# An amount of data in megabytes (10^6 bytes), above 0 (`5`, `0.5`).
Megabytes = typing.Annotated[float, _amount("megabytes")]
# A ceiling on a table's rows, above 0 (a ceiling of 0 would fail every table with a row).
Rows = typing.Annotated[int, _amount("rows")]
# Names and how many of each are needed (`{not_null: 1, relationships: 1}`); must be set.
Minimums = typing.Annotated[
    dict[str, int],
    Refinement(
        "map of name -> count (at least one)",
        _minimums_problem,
        {"minProperties": 1, "additionalProperties": {"minimum": 0}},
    ),
]
# Regular expressions keyed by regular expressions (`{"bool(ean)?": "(is|has)_.*"}`); must be set.
RegexMap = typing.Annotated[
    dict[str, str],
    Refinement(
        "map of regex -> regex (at least one)",
        _regex_map_problem,
        {
            "minProperties": 1,
            "propertyNames": {"minLength": 1},
            "additionalProperties": {"minLength": 1},
        },
    ),
]
# Privileges and who must hold them (`{select: [reporter, analyst]}`); must be set.
GrantMap = typing.Annotated[
    dict[str, list[str]],
    Refinement(
        "map of privilege -> grantees (at least one)",
        _grant_map_problem,
        {"minProperties": 1, "additionalProperties": {"minItems": 1}},
    ),
]
# Keys and the values each may take (`{domain: [sales, finance], tier: [1, 2]}`); must be set.
# A value is a YAML scalar: meta holds numbers and booleans as well as text.
AllowedValues = typing.Annotated[
    dict[str, list[str | bool | int | float]],
    Refinement(
        "map of key -> allowed values (at least one)",
        _allowed_values_problem,
        {"minProperties": 1, "additionalProperties": {"minItems": 1}},
    ),
]
# A list of one or more names. With `[]` as its default, the parameter must be set.
Names = typing.Annotated[
    list[str], Refinement("list[str] (at least one)", _names_problem, {"minItems": 1})
]


class Param(Struct, frozen=True):
    name: str
    hint: Any
    default: Any

    @property
    def type_name(self) -> str:
        return type_name(self.hint)

    @property
    def is_choice(self) -> bool:
        """A parameter that takes one of a set of values (`criteria: 'all' | 'any' | 'one'`):
        an error says "expected one of" them, as the config's own choices do."""
        return typing.get_origin(self.hint) is Literal

    @property
    def required(self) -> bool:
        """A default its own type refuses (`Names = []`): the config must set it."""
        return _refinement_problem(self.default, self.hint) is not None

    @property
    def optional(self) -> bool:
        """Unset unless the config sets it (a default of None, which the rule reads as "no
        such limit"): the docs say so rather than print `= null`."""
        return self.default is None

    @property
    def shown_type(self) -> str:
        """The type as the docs show it: an optional parameter's `or null` goes without
        saying (`map of name -> count (at least one) or null` read as one phrase)."""
        if not self.optional:
            return self.type_name
        kept = [arg for arg in typing.get_args(self.hint) if arg is not type(None)]
        return " or ".join(type_name(arg) for arg in kept) if kept else self.type_name


class RuleDocs(Struct, frozen=True):
    """What `dbtgate rules CODE` prints and docs/rules.md shows, in ruff's shape."""

    summary: str
    what: str
    why: str
    failing: str
    passing: str
    fix: str

    @classmethod
    def written(cls, texts: tuple[str, str, str, str, str]) -> RuleDocs:
        """The docs from a rule's texts as written: its docstring (summary, then what), why,
        failing, passing and fix, each indented as in its source."""
        docstring, why, failing, passing, fix = texts
        summary, _, what = inspect.cleandoc(docstring).partition("\n\n")
        summary = " ".join(summary.split())
        return cls(
            summary=summary.strip(),
            what=(what.strip() or summary).strip(),
            why=inspect.cleandoc(why),
            failing=inspect.cleandoc(failing),
            passing=inspect.cleandoc(passing),
            fix=inspect.cleandoc(fix),
        )


class Rule(Struct, frozen=True, dict=True):  # dict: for `cached_property`
    code: str
    severity: Severity
    applies_to: tuple[str, ...]
    selection: bool
    function: Callable[..., Iterable[Violation] | Violation | None]
    inputs: tuple[str, ...]
    params: dict[str, Param]
    # The docstring, why, failing, passing and fix as written: cleaned into `docs` when first
    # read, as a run reads the docs of the few rules its config names (cleaning the texts of
    # all 100 rules at every import cost ~1% of `check`).
    texts: tuple[str, str, str, str, str]
    origin: str
    # Parameters that are only wrong together (`owners` or `codeowners_match`): the resolved
    # values -> the problem, or None; checked when the config is compiled, like their types.
    params_check: Callable[[dict[str, Any]], str | None] | None = None
    # The artifacts besides the manifest the rule reads (NEEDS): without them it checks
    # nothing, and the policies family says so in a note rather than pass in silence.
    needs: tuple[str, ...] = ()
    # For a rule whose findings several resources share (`Violation.unique_id`): the keys of
    # those it judges on a resource and the project (`resource, project -> keys`), so that a
    # baseline entry of one is known checked whichever of them a policy selects (`Coverage`).
    shares: Callable[[Any, Any], Iterable[str]] | None = None

    @functools.cached_property
    def docs(self) -> RuleDocs:
        return RuleDocs.written(self.texts)

    @property
    def family(self) -> str:
        return self.code.split(".", 1)[0]

    @property
    def builtin(self) -> bool:
        return self.origin.startswith("dbtgate.rules.")

    @property
    def where(self) -> str:
        """Where the rule is defined, as its author knows it: its module, or for a plugin
        loaded from a file (`plugins: [rules/ours.py]`), that file."""
        if not self.origin.startswith(_FILE_PLUGIN_PREFIX):
            return self.origin
        path = Path(self.function.__code__.co_filename)
        try:
            return path.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return path.as_posix()

    def resolve_params(self, given: dict[str, Any]) -> dict[str, Any]:
        """The parameters to call the rule with: defaults overridden by `given`, type-checked.

        Raises ParamError naming the parameter."""
        values = {name: param.default for name, param in self.params.items()}
        for name, value in given.items():
            param = self.params.get(name)
            if param is None:
                known = ", ".join([*sorted(self.params), "severity"])
                takes = f"parameters: {known}" if self.params else "it takes severity only"
                close = difflib.get_close_matches(str(name), [*self.params, "severity"], n=1)
                hint = f"did you mean {close[0]}? " if close else ""
                raise ParamError(f"unknown parameter {name!r} ({hint}{takes})", name)
            ok, converted = convert_value(value, param.hint)
            if not ok:
                problem = _refinement_problem(value, param.hint)
                expected = f"one of {param.type_name}" if param.is_choice else param.type_name
                raise ParamError(
                    f"{name}: {problem or f'expected {expected}, got {value!r}'}", name
                )
            values[name] = converted
        for name, param in self.params.items():
            if name not in given and param.required:
                problem = _refinement_problem(param.default, param.hint)
                raise ParamError(f"{name}: required: {problem}", name)
        problem = self.params_check(values) if self.params_check is not None else None
        if problem:
            raise ParamError(problem)
        return values

    def bound(
        self, inputs: dict[str, Any], params: dict[str, Any]
    ) -> Callable[[Any], Iterable[Violation] | Violation | None]:
        """The rule function with its inputs and parameters given once, to call with the
        resource alone: the policies call it for every selected resource (60,000 calls at
        10,000 models). For a plain function, a copy of it whose defaults are the inputs and
        parameters: `function(resource, *inputs, **params)` builds a tuple and a dict on each
        call, ~1,900 instructions more than the copy's call. A wrapped function, or one whose
        parameters are not keyword-only after its inputs, is given them on each call."""
        function = self.function
        given = [inputs.get(name) for name in self.inputs]
        code = getattr(function, "__code__", None)
        if (
            type(function) is not types.FunctionType
            or hasattr(function, "__wrapped__")
            or code is None
            or code.co_argcount != 1 + len(given)
        ):
            return lambda subject: function(subject, *given, **params)
        copy = types.FunctionType(
            code, function.__globals__, function.__name__, tuple(given), function.__closure__
        )
        copy.__kwdefaults__ = {**(function.__kwdefaults__ or {}), **params}
        return copy

    def run(self, subject: Any, inputs: dict[str, Any], params: dict[str, Any]) -> list[Violation]:
        """Call the rule function; it may return a Violation, None, or yield Violations."""
        args = [subject, *(inputs.get(name) for name in self.inputs)]
        return as_violations(self.function(*args, **params))


def as_violations(result: Iterable[Violation] | Violation | None) -> list[Violation]:
    """What a rule function returned, as a list: it may return one, None, or yield several."""
    if result is None:
        return []
    if isinstance(result, Violation):
        return [result]
    return list(result)


def matches_glob(name: str, patterns: Iterable[str]) -> bool:
    """Whether `name` matches one of the glob `patterns`, case-insensitively: the rules that take
    names as patterns (tags, grantees, privileges, owners, databases, schemas) compare them as
    warehouses compare unquoted names."""
    lowered = name.lower()
    return any(fnmatchcase(lowered, pattern.lower()) for pattern in patterns)


def min_max_bounds(params: dict[str, Any]) -> str | None:
    """A `params_check` for a rule bounding a count with `min` and `max` (None: no ceiling):
    bounds that let every count pass, or none, are a config error at the rule's line rather
    than a rule that checks nothing or flags every resource."""
    low, high = params["min"], params["max"]
    if high is None and low == 0:
        return "set `min` above 0 and/or `max` (with neither, every count passes)"
    if high is not None and low > high:
        return f"min ({low}) is above max ({high}): no count passes"
    return None


RULES: dict[str, Rule] = {}


def rule(
    code: str,
    *,
    severity: Severity = "warn",
    applies_to: tuple[str, ...] = ("model",),
    selection: bool = False,
    why: str,
    failing: str,
    passing: str,
    fix: str,
    params_check: Callable[[dict[str, Any]], str | None] | None = None,
    needs: tuple[str, ...] = (),
    shares: Callable[[Any, Any], Iterable[str]] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as rule `code`.

    The docstring's first paragraph is the rule's summary and the rest says what it checks
    in detail; `why`, `failing`/`passing` (YAML examples) and `fix` complete its documentation.
    `selection=True` makes it a rule on the whole selection: it gets the list of selected
    resources of the `applies_to` types instead of one resource; with a base build it also runs
    there, and a `share` in its violation's details tells whether the change lowered what it
    measures (`rules.selection_base`). `params_check` says what is
    wrong with a combination of parameter values (None when nothing is). `needs` names the
    artifacts besides the manifest it reads (`catalog`, `run_results`, `bytes_billed`,
    `seed_stats`: see NEEDS). `shares`, for a rule whose findings several resources share
    (put on one of them, `Violation.unique_id`, and keyed by what they share): a function of a
    resource and the project returning the keys it judges on that resource (its properties
    file), which tells `dbtgate baseline --prune` a fixed finding was looked for even when the
    resource it was put on is one no policy selects.
    """

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        definition = _define(
            function, code, severity, applies_to, selection, why, failing, passing, fix
        )
        unknown = [need for need in needs if need not in NEEDS]
        if unknown:
            raise TypeError(f"rule {code}: needs must name some of {', '.join(NEEDS)}")
        _check_callable(code, "params_check", params_check, ("the parameters' values",))
        _check_callable(code, "shares", shares, ("a resource", "the project"))
        if params_check is not None or needs or shares is not None:
            definition = structs.replace(
                definition, params_check=params_check, needs=tuple(needs), shares=shares
            )
        existing = RULES.get(code)
        if existing is not None and _identity(existing.function) != _identity(function):
            raise DbtgateError(
                f"rule {code} is defined twice: by {existing.where} and by {definition.where}"
            )
        RULES[code] = definition
        return function

    return register


def _check_callable(code: str, name: str, given: Any, arguments: tuple[str, ...]) -> None:
    """Refuse a `params_check` or `shares` that is not a function of `arguments` when the rule
    is defined: called only once a config or a baseline entry asks, it would otherwise fail
    deep in a check as dbtgate's own error, not the plugin's at its line under `plugins:`."""
    if given is None:
        return
    wanted = f"rule {code}: {name} must be a function of {' and '.join(arguments)}"
    if not callable(given):
        raise TypeError(f"{wanted}, got {reprlib.repr(given)}")
    try:
        signature = inspect.signature(given)
    except (TypeError, ValueError):
        return  # a builtin that does not say: called, it answers for itself
    try:
        signature.bind(*arguments)
    except TypeError:
        raise TypeError(f"{wanted}, got one taking {signature}") from None


def _identity(function: Callable[..., Any]) -> tuple[str, str]:
    """Re-importing a module (a plugin loaded twice) registers the same rule again: allowed."""
    return (function.__code__.co_filename, function.__qualname__)


def _define(
    function: Callable[..., Any],
    code: str,
    severity: str,
    applies_to: tuple[str, ...],
    selection: bool,
    why: str,
    failing: str,
    passing: str,
    fix: str,
) -> Rule:
    # The function and its line: a plugin's module has a name of dbtgate's making (the error
    # names its file already).
    where = f"{function.__qualname__} (line {function.__code__.co_firstlineno})"
    if function.__module__ and not function.__module__.startswith("dbtgate_plugin_"):
        where = f"{function.__module__}.{where}"
    if not CODE_PATTERN.match(code):
        raise TypeError(f"{where}: rule code {code!r} must look like family.name (lower case)")
    if severity not in SEVERITIES:
        raise TypeError(f"{where}: severity must be one of {choices(SEVERITIES)}")
    unknown = [t for t in applies_to if t not in RESOURCE_TYPES]
    if unknown or not applies_to:
        raise TypeError(f"{where}: applies_to must name some of {choices(RESOURCE_TYPES)}")
    if not (function.__doc__ or "").strip():
        raise TypeError(f"{where}: a rule needs a docstring (its first paragraph is the summary)")
    positional, keyword_only = _parameters(function)
    if not positional:
        raise TypeError(f"{where}: the first argument must be the resource")
    inputs = tuple(positional[1:])
    bad_inputs = [name for name in inputs if name not in INPUTS]
    if bad_inputs:
        raise TypeError(
            f"{where}: unknown {'input' if len(bad_inputs) == 1 else 'inputs'} "
            f"{', '.join(bad_inputs)}; inputs are {', '.join(INPUTS)} "
            "(make parameters keyword-only: `*, min: int = 1`)"
        )
    params: dict[str, Param] = {}
    for name, default, annotation in keyword_only:
        if default is _EMPTY or annotation is _EMPTY:
            raise TypeError(f"{where}: parameter {name} needs a type annotation and a default")
        if name == "severity":
            raise TypeError(f"{where}: `severity` is reserved for the policy's severity")
        params[name] = Param(name, _parameter_type(function, annotation), default)
    return Rule(
        code=code,
        severity=severity,  # type: ignore[arg-type]
        applies_to=tuple(applies_to),
        selection=selection,
        function=function,
        inputs=inputs,
        params=params,
        texts=(function.__doc__ or "", why, failing, passing, fix),
        origin=function.__module__,
    )


_EMPTY = inspect.Parameter.empty


def _parameters(
    function: Callable[..., Any],
) -> tuple[list[str], list[tuple[str, Any, Any]]]:
    """A rule's positional parameters (the resource, then its inputs) and its keyword-only
    ones as (name, default, annotation), `_EMPTY` where there is none. A plain function's are
    read from its code object: `inspect.signature` costs ~75,000 instructions a rule, 1% of a
    small project's `check`; anything else (a wrapped function, a callable object) goes
    through it."""
    code = getattr(function, "__code__", None)
    if type(function) is not types.FunctionType or hasattr(function, "__wrapped__") or code is None:
        signature = inspect.signature(function)
        kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        values = signature.parameters.values()
        return (
            [p.name for p in values if p.kind in kinds],
            [(p.name, p.default, p.annotation) for p in values if p.kind is p.KEYWORD_ONLY],
        )
    names = code.co_varnames
    positional = list(names[: code.co_argcount])
    keyword_names = names[code.co_argcount : code.co_argcount + code.co_kwonlyargcount]
    defaults = function.__kwdefaults__ or {}
    annotations = function.__annotations__
    return positional, [
        (name, defaults.get(name, _EMPTY), annotations.get(name, _EMPTY)) for name in keyword_names
    ]


def _parameter_type(function: Callable[..., Any], annotation: Any) -> Any:
    """A parameter's type from its annotation, which is text where the rule's module has
    `from __future__ import annotations`: evaluated in the module, as `typing.get_type_hints`
    evaluates them, but for the parameters alone. The rule's other annotations (the resource, its
    inputs, the return) are never read, and evaluating them for the 94 built-in rules was
    a fifth of loading the rules on every run."""
    if isinstance(annotation, str):
        return eval(annotation, function.__globals__)  # the rule's own code, as it is imported
    return annotation


# -- parameter types ---------------------------------------------------------------------------


def type_name(hint: Any) -> str:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Annotated:
        return next((str(a) for a in args[1:] if isinstance(a, Refinement)), type_name(args[0]))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_name(a) for a in args)
    if origin is Literal:
        return choices(args)
    if origin is list:
        return f"list[{type_name(args[0])}]" if args else "list"
    if origin is dict:
        return f"dict[{type_name(args[0])}, {type_name(args[1])}]" if args else "dict"
    if hint is type(None):
        return "null"
    return getattr(hint, "__name__", str(hint))


def convert_value(value: Any, hint: Any) -> tuple[bool, Any]:
    """(ok, value) for a config value against a parameter's type; ints are accepted as floats."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Annotated:
        ok, converted = convert_value(value, args[0])
        refinements = [a for a in args[1:] if isinstance(a, Refinement)]
        if ok and any(r.problem(converted) for r in refinements):
            return False, value
        return ok, converted
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            ok, converted = convert_value(value, arg)
            if ok:
                return True, converted
        return False, value
    if origin is Literal:
        return value in args, value
    if hint is type(None):
        return value is None, value
    if hint is Any:
        return True, value
    if origin is list:
        if not isinstance(value, list):
            return False, value
        items = [convert_value(item, args[0] if args else Any) for item in value]
        return all(ok for ok, _ in items), [item for _, item in items]
    if origin is dict:
        if not isinstance(value, dict):
            return False, value
        key_hint, value_hint = args if args else (Any, Any)
        converted = {}
        for key, item in value.items():
            ok_key, key = convert_value(key, key_hint)
            ok_item, item = convert_value(item, value_hint)
            if not (ok_key and ok_item):
                return False, value
            converted[key] = item
        return True, converted
    if hint is bool:
        return isinstance(value, bool), value
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool), value
    if hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return True, float(value)
        return False, value
    if hint is str:
        return isinstance(value, str), value
    return isinstance(value, hint) if isinstance(hint, type) else False, value


def _refinement_problem(value: Any, hint: Any) -> str | None:
    """What a Refinement of `hint` (or of one of its union members) says is wrong with `value`,
    when the value has the right base type; None when it does not (a plain type mismatch)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return next(filter(None, (_refinement_problem(value, arg) for arg in args)), None)
    if origin is not typing.Annotated:
        return None
    ok, converted = convert_value(value, args[0])
    if not ok:
        return None
    return next(
        filter(None, (a.problem(converted) for a in args[1:] if isinstance(a, Refinement))), None
    )


# -- loading -----------------------------------------------------------------------------------

_entry_points_loaded = False


def load_rules() -> dict[str, Rule]:
    """Every rule of the built-in families and installed entry points (the config's `plugins`
    are loaded by `dbtgate.rules.policies.config_rules`)."""
    global _entry_points_loaded
    for family in BUILTIN_FAMILIES:
        importlib.import_module(f"dbtgate.rules.{family}")
    if not _entry_points_loaded:
        _load_entry_points()
        _entry_points_loaded = True
    return RULES


def builtin_rules() -> dict[str, Rule]:
    """The rules that ship with dbtgate, for the generated reference page."""
    for family in BUILTIN_FAMILIES:
        importlib.import_module(f"dbtgate.rules.{family}")
    return {code: r for code, r in sorted(RULES.items()) if r.builtin}


def _load_entry_points() -> None:
    if not _entry_points_declared():
        return
    from importlib.metadata import entry_points

    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            entry.load()
        except DbtgateError:
            raise
        except (Exception, SystemExit) as exc:  # sys.exit() in a plugin: its failure, not ours
            raise DbtgateError(
                f"rule plugin {entry.name!r} ({entry.value}, entry point group "
                f"{ENTRY_POINT_GROUP}): cannot load: {type(exc).__name__}: {exc}"
                f"{_raised_in(exc, None, None)}"
            ) from None


def _entry_points_declared() -> bool:
    """Whether an installed distribution may declare a `dbtgate.rules` entry point.

    A look at each distribution's entry_points.txt, where importlib.metadata reads them: its
    import and scan cost ~45 ms on every run, and most environments have no plugin. Anything
    this quick look cannot see into (a zip or egg on sys.path, a finder that lists
    distributions of its own) answers yes, and importlib.metadata decides."""
    if any(
        hasattr(finder, "find_distributions") and finder is not PathFinder
        for finder in sys.meta_path
    ):
        return True
    for entry in sys.path:
        root = entry or "."
        if root.lower().endswith(".egg"):
            return True
        try:
            children = os.listdir(root)
        except NotADirectoryError:  # a zip archive on the path
            return True
        except OSError:
            continue
        for child in children:
            if not child.lower().endswith((".dist-info", ".egg-info")):
                continue
            try:
                text = Path(root, child, "entry_points.txt").read_text("utf-8", "replace")
            except OSError:
                continue
            if ENTRY_POINT_GROUP in text:
                return True
    return False


def load_plugin(plugin: str, base_dir: Path | None) -> None:
    """Import a plugin: a .py file or a directory of them (relative to the config's directory),
    else an importable module name. Importing it runs its `@rule` decorators. A directory
    without a .py file to import is an error, as a path that is not there is."""
    path = Path(plugin)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    looks_like_path = plugin.endswith(".py") or "/" in plugin or "\\" in plugin
    problem = lookup_problem(path)
    if problem is not None:
        raise DbtgateError(f"plugins: {plugin}: {problem}")
    if is_pipe(path):
        # Python imports a module from its file, by name: the traceback of a plugin's error
        # reads its lines there again, and a pipe read once has none to give (or, named, waits).
        raise DbtgateError(
            f"plugins: {plugin}: a pipe (as `<(...)` gives), and a plugin is imported from "
            "its file: pass the plugin's .py file or folder, or the name of an installed module"
        )
    try:
        if path.is_dir():
            files = sorted(p for p in path.glob("*.py") if not p.name.startswith("_"))
            if not files:
                # A mistyped or emptied folder loaded nothing, and the team's rules never ran
                # while the gate passed: as an error as a path that is not there.
                raise DbtgateError(
                    f"plugins: {plugin}: no rules to load: the folder ({path}) holds no .py file to load "
                    "(files named _*.py are not loaded)"
                )
            for file in files:
                _import_file(file)
        elif path.is_file():
            _import_file(path)
        elif looks_like_path:
            raise DbtgateError(f"plugins: {plugin}: no such file or directory ({path})")
        else:
            importlib.import_module(plugin)
    except DbtgateError:
        raise
    except (Exception, SystemExit) as exc:
        # A plugin's sys.exit() ended dbtgate with the plugin's code (3: no exit code of
        # dbtgate's; "bye": 1, a failed gate where nothing was gated): a load that failed.
        raise DbtgateError(
            f"plugins: {plugin}: cannot load: {type(exc).__name__}: {exc}"
            f"{_raised_in(exc, path, base_dir)}"
        ) from None


def _raised_in(exc: BaseException, plugin: Path | None, base_dir: Path | None) -> str:
    """` (at rules/ours.py:12)`: the line of the plugin's own code the error came from (the
    last frame in its file or folder; else where it was raised), which the exception's text
    alone does not say, its file named from the working directory. Nothing for a SyntaxError, whose text names its line already, nor for
    dbtgate's own error about a rule."""
    import sysconfig
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    ours = Path(__file__).resolve().parents[1]
    if isinstance(exc, SyntaxError) or (frames and ours in Path(frames[-1].filename).parents):
        return ""  # dbtgate's own errors about a rule name its function and line
    mine = plugin.resolve() if plugin is not None and plugin.exists() else None
    own = [
        frame
        for frame in frames
        if mine is not None
        and (Path(frame.filename) == mine or mine in Path(frame.filename).parents)
    ]
    # Else the plugin module's: not importlib's (`<frozen ...>`, the standard library) nor
    # dbtgate's own frames; none for a module that is not there.
    skipped = (ours, Path(sysconfig.get_paths()["stdlib"]))
    theirs = [
        frame
        for frame in frames
        if not frame.filename.startswith("<")
        and not any(folder in Path(frame.filename).parents for folder in skipped)
    ]
    frame = (own or theirs or [None])[-1]
    if frame is None or frame.lineno is None:
        return ""
    from dbtgate.locate import console_paths, display_path, display_root

    # Named for the reader of the error, in the working directory: from the root of the
    # repository holding the config (`base_dir`), then from there to the working directory
    # (`locate.console_paths`), not from the config's folder, which is another one from a
    # subfolder or the root of a monorepo.
    shown = display_path(Path(frame.filename), display_root(base_dir))
    from_here = console_paths(base_dir)
    return f" (at {from_here(shown) if from_here else shown}:{frame.lineno})"


def _import_file(path: Path) -> None:
    resolved = path.resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:10]
    stem = re.sub(r"\W", "_", resolved.stem)
    name = f"{_FILE_PLUGIN_PREFIX}{stem}_{digest}"
    if name in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(name, resolved)
    if spec is None or spec.loader is None:
        raise DbtgateError(f"plugins: {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
