"""sqlfluff's jinja templater with dbt's context stubbed, so real models template without dbt.

A dbt model is a jinja template over dbt's context (`ref`, `source`, `config`, `var`,
`is_incremental`, `this`, `target`, `env_var`, `adapter.dispatch`, `run_query`, package
macros...) that only exists inside dbt. sqlfluff's `apply_dbt_builtins` covers a few names; this
module supplies the rest, with values from the project where that makes the SQL truer (its vars,
the adapter type, the model's own name for `this`), so a model renders to SQL the parser accepts.
The project's own macros are loaded by sqlfluff (`load_macros_from_path`, set by `run`), and
`adapter.dispatch` / `dbt.<macro>` resolve to them when they exist.

The dbt templater (sqlfluff-templater-dbt) is exact but needs a warehouse profile and compiles
the whole project; this is the fast default. Rendering is deterministic: `env_var` never reads
the environment and `run_started_at` is fixed, so the same files lint the same everywhere.
Context the user sets in `[sqlfluff:templater:jinja:context]` wins over these stubs.

This module imports sqlfluff at import time: only `dbtgate.lint.run` imports it, lazily.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2.ext import Extension
from sqlfluff.core.templaters import JinjaTemplater

_MISSING = object()
# Fixed so that a model reading the clock renders the same on every run.
RUN_STARTED_AT = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
INVOCATION_ID = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class StubSettings:
    """What the stubs take from the project."""

    project_name: str
    adapter_type: str
    profile_name: str | None = None
    vars: Mapping[str, Any] = field(default_factory=dict)
    package_namespaces: tuple[str, ...] = ()


class _Safe:
    # Jinja's sandbox calls these objects; they have no side effects.
    unsafe_callable = False
    alters_data = False


class Relation(_Safe):
    """What `ref`, `source` and `this` return: renders as a bare table name."""

    def __init__(self, identifier: str, schema: str = "analytics", database: str = "analytics"):
        self.identifier = self.name = self.table = identifier
        self.schema = schema
        self.database = database

    def __str__(self) -> str:
        return self.identifier

    def __call__(self, *args: Any, **kwargs: Any) -> Relation:
        return self

    def __getattr__(self, name: str) -> Any:
        # `this.is_view`, `this.include(...)`, `relation.incorporate(...)`: a relation again.
        if name.startswith("__"):
            raise AttributeError(name)
        return True if name.startswith("is_") else self


class Placeholder(_Safe):
    """An unknown macro (a package's, or a dispatch with no implementation in the project):
    calling it renders its name as an identifier, which parses wherever an expression or a
    relation goes."""

    def __init__(self, name: str):
        self.name = name

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        return self.name.replace(".", "_")

    def __str__(self) -> str:
        return self.name.replace(".", "_")


class Namespace(_Safe):
    """`dbt.<macro>` and `<package>.<macro>`: the project's implementation when there is one
    (dbt's dispatch order: `<adapter>__macro`, `default__macro`, `macro`), else a placeholder."""

    def __init__(self, name: str, resolve: Callable[[str], Any]):
        self._name = name
        self._resolve = resolve

    def __getattr__(self, macro: str) -> Any:
        if macro.startswith("_"):
            raise AttributeError(macro)
        return self._resolve(macro) or Placeholder(f"{self._name}.{macro}")


class ModelConfig(_Safe):
    """`{{ config(...) }}` renders nothing; `config.get(key, default)` gives the default."""

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        return ""

    def get(self, key: str, default: Any = None, **kwargs: Any) -> Any:
        return default

    def require(self, key: str, **kwargs: Any) -> str:
        return key


class Vars(_Safe):
    """`var(name, default)`: the project's value, else the default, else the name itself (dbt
    would fail to compile; lint only needs something that parses)."""

    def __init__(self, values: Mapping[str, Any]):
        self._values = dict(values)

    def __call__(self, name: str, default: Any = _MISSING) -> Any:
        if name in self._values:
            return self._values[name]
        return name if default is _MISSING else default

    def has_var(self, name: str) -> bool:
        return name in self._values


class EmptyColumn(_Safe):
    name = ""

    def values(self) -> tuple[()]:
        return ()

    def __iter__(self) -> Iterator[Any]:
        return iter(())


class EmptyColumns(_Safe):
    def __getitem__(self, key: Any) -> EmptyColumn:
        return EmptyColumn()

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def __len__(self) -> int:
        return 0


class EmptyTable(_Safe):
    """What `run_query` returns: an agate-like table with no rows."""

    rows: tuple[()] = ()
    column_names: tuple[()] = ()
    columns = EmptyColumns()

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def print_table(self, *args: Any, **kwargs: Any) -> str:
        return ""


class Adapter(_Safe):
    """`adapter.dispatch(name, namespace)` finds the project's implementation; the adapter's
    other methods (get_relation, get_columns_in_relation, ...) find nothing."""

    def __init__(self, adapter_type: str, resolve: Callable[[str], Any]):
        self._type = adapter_type
        self._resolve = resolve

    def dispatch(self, macro_name: str, macro_namespace: str | None = None) -> Any:
        namespace = f"{macro_namespace}." if macro_namespace else ""
        return self._resolve(macro_name) or Placeholder(f"{namespace}{macro_name}")

    def type(self) -> str:
        return self._type

    def quote(self, identifier: str) -> str:
        return identifier

    def get_relation(self, *args: Any, **kwargs: Any) -> None:
        return None

    def get_columns_in_relation(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []

    def __getattr__(self, name: str) -> Callable[..., str]:
        if name.startswith("_"):
            raise AttributeError(name)
        return _nothing


def _nothing(*args: Any, **kwargs: Any) -> str:
    return ""


def _exceptions() -> dict[str, Callable[..., str]]:
    # Raising would stop the render of the whole file; the branch that raises in dbt is
    # rendered as nothing instead.
    return {name: _nothing for name in ("raise_compiler_error", "warn", "raise_not_implemented")}


def _env_var(name: str, default: Any = _MISSING) -> Any:
    """Never reads the environment: lint output must not depend on the machine."""
    return name if default is _MISSING else default


def _local_md5(value: str) -> str:
    return hashlib.md5(str(value).encode(), usedforsecurity=False).hexdigest()


def _load_result(name: str) -> dict[str, Any]:
    return {"data": [], "table": EmptyTable(), "response": None}


def dbt_context(settings: StubSettings, fname: str | None) -> dict[str, Any]:
    """The stubbed dbt context for one file. Macros that resolve through `adapter.dispatch` or a
    namespace are looked up in the returned dict when called, after sqlfluff has added the
    project's macros to it."""
    context: dict[str, Any] = {}

    def resolve(macro: str) -> Any:
        for candidate in (f"{settings.adapter_type}__{macro}", f"default__{macro}", macro):
            found = context.get(candidate)
            if callable(found) and not isinstance(found, Placeholder):
                return found
        return None

    model_name = Path(fname).stem if fname else "this_model"
    target = {
        "name": "dev",
        "type": settings.adapter_type,
        "schema": "analytics",
        "database": "analytics",
        "dbname": "analytics",
        "project": "analytics",
        "dataset": "analytics",
        "profile_name": settings.profile_name or settings.project_name,
        "target_name": "dev",
        "threads": 1,
        "user": "dbt",
    }
    context.update(
        ref=_ref,
        source=_source,
        config=ModelConfig(),
        var=Vars(settings.vars),
        is_incremental=lambda: True,
        this=Relation(model_name),
        model={"name": model_name, "alias": model_name, "config": {}, "original_file_path": fname},
        target=target,
        env_var=_env_var,
        adapter=Adapter(settings.adapter_type, resolve),
        run_query=lambda *args, **kwargs: EmptyTable(),
        statement=_nothing,
        load_result=_load_result,
        log=_nothing,
        print=_nothing,
        exceptions=_exceptions(),
        execute=True,
        flags={"FULL_REFRESH": False, "WHICH": "compile", "STORE_FAILURES": False},
        graph={"nodes": {}, "sources": {}, "exposures": {}, "metrics": {}, "groups": {}},
        modules={"datetime": dt, "re": re, "itertools": itertools},
        run_started_at=RUN_STARTED_AT,
        invocation_id=INVOCATION_ID,
        project_name=settings.project_name,
        selected_resources=[],
        local_md5=_local_md5,
        dbt=Namespace("dbt", resolve),
    )
    for namespace in settings.package_namespaces:
        context.setdefault(namespace, Namespace(namespace, resolve))
    return context


def _ref(*args: Any, version: Any = None, v: Any = None, **kwargs: Any) -> Relation:
    """`ref('model')`, `ref('package', 'model')`, `ref('model', v=2)`."""
    if not args:
        return Relation("ref")
    name = str(args[-1])
    chosen = v if v is not None else version
    return Relation(f"{name}_v{chosen}" if chosen is not None else name)


def _source(source_name: str, table_name: str) -> Relation:
    return Relation(f"{source_name}_{table_name}", schema=str(source_name))


class DbtStubTemplater(JinjaTemplater):
    """The jinja templater, with `dbt_context` under the context sqlfluff reads from config."""

    def __init__(self, settings: StubSettings):
        super().__init__()
        self.settings = settings

    # sqlfluff compares each file's configured templater with the linter's (`==`) and warns
    # when they differ; each file's config holds a plain jinja templater, which this is.
    def __eq__(self, other: object) -> bool:
        return isinstance(other, JinjaTemplater) and other.name == self.name

    __hash__ = None  # type: ignore[assignment]  # as sqlfluff's templaters: compared, not hashed

    def _get_jinja_env(self, config: Any = None) -> Any:
        """sqlfluff's environment, which also reads dbt's `{% snapshot %}` block."""
        env = super()._get_jinja_env(config)
        env.add_extension(SnapshotExtension)
        return env

    def get_context(self, fname: str | None = None, config: Any = None, **kwargs: Any) -> dict:
        context = dbt_context(self.settings, fname)
        # The same dict object: `resolve` must see the macros sqlfluff adds to it later.
        context.update(super().get_context(fname, config, **kwargs))
        return context


class SnapshotExtension(Extension):
    """dbt's `{% snapshot name %} ... {% endsnapshot %}` (a SQL snapshot of `snapshot-paths`):
    the block's body, rendered where it is, as dbt compiles a snapshot to its `select`. Plain
    jinja stops at the tag (`unknown tag 'snapshot'`); sqlfluff's tracer reads it as a block, as
    it reads the `{% test %}` blocks of its own dbt builtins."""

    tags = {"snapshot"}  # noqa: RUF012

    def parse(self, parser: Any) -> Any:
        next(parser.stream)  # the `snapshot` tag
        parser.parse_assign_target(name_only=True)  # the snapshot's name: dbt's, not the SQL's
        return parser.parse_statements(("name:endsnapshot",), drop_needle=True)
