"""Naming rules: a model's name says which layer it belongs to, in the team's spelling.

`stg_`, `int_`, `fct_`, `dim_` let a reader of a query or a lineage graph know what a relation is
without opening it, and keep layers from being mixed up (a mart reading another mart's staging).
The layers and prefixes are parameters, because every team's convention differs a little.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

from dbtgate.artifacts.manifest import Macro, Node, Source, file_path, materialized_as
from dbtgate.project import Project, display_name, snapshot_columns
from dbtgate.rules.registry import Names, Regex, RegexMap, Violation, rule
from dbtgate.wording import counted, first_few

DEFAULT_LAYERS = {
    "staging": ["stg_"],
    "intermediate": ["int_"],
    "marts": ["fct_", "dim_"],
}


@rule(
    "naming.layer_prefix",
    severity="warn",
    applies_to=("model",),
    why="""
        Layer prefixes make lineage readable at a glance and let selectors, permissions and
        reviews work by name. A model that skips the convention looks like another layer's.
    """,
    failing="""
        # models/marts/customer_ltv.sql, with the default layers
        models:
          - name: customer_ltv
    """,
    passing="""
        # models/marts/fct_customer_ltv.sql
        models:
          - name: fct_customer_ltv
    """,
    fix="Rename the model (its file) with one of its layer's prefixes, or adjust `layers`.",
)
def layer_prefix(
    model: Node,
    *,
    layers: dict[str, list[str]] = DEFAULT_LAYERS,
) -> Violation | None:
    """A model under a layer directory has one of that layer's name prefixes.

    `layers` maps a directory name (any folder of the model's path, e.g. `marts` for
    models/marts/finance/x.sql) to the allowed prefixes; models in other folders are not
    checked. When several folders of the path are layers, the innermost decides.
    """
    folder = layer_folder(model, layers)
    if folder is None:
        return None
    prefixes = layers[folder]
    if any(model.name.startswith(prefix) for prefix in prefixes):
        return None
    expected = " or ".join(prefixes)
    return Violation(
        f"{model.name} is in {folder}/ but its name does not start with {expected}",
        details={"layer": folder, "prefixes": prefixes},
    )


def layer_folder(model: Node, layers: dict[str, list[str]]) -> str | None:
    """The innermost folder of the model's path that `layers` names, if any."""
    folders = file_path(model).split("/")[:-1]
    return next((folder for folder in reversed(folders) if folder in layers), None)


def layer_of(model: Node, layers: dict[str, list[str]]) -> str | None:
    """The model's layer: its layer folder, else the first layer whose prefix its name has."""
    folder = layer_folder(model, layers)
    if folder is not None:
        return folder
    name = model.name
    return next(
        (layer for layer, prefixes in layers.items() if name.startswith(tuple(prefixes))), None
    )


@rule(
    "naming.pattern",
    severity="warn",
    applies_to=("model", "seed", "snapshot"),
    why="""
        Names become table names in the warehouse and words in every query: one spelling
        (lower case, underscores, no spaces or dashes that need quoting) keeps SQL, selectors
        and documentation predictable.
    """,
    failing="""
        # models/marts/CustomerLTV.sql, with the default pattern
        models:
          - name: CustomerLTV
    """,
    passing="""
        # models/marts/customer_ltv.sql
        models:
          - name: customer_ltv
    """,
    fix="Rename the resource (its file) to match `pattern`, or adjust `pattern`.",
)
def pattern(model: Node, *, pattern: Regex = r"[a-z][a-z0-9_]*") -> Violation | None:
    """The name matches `pattern` as a whole (a Python regular expression).

    For a versioned model the name without its version suffix is matched."""
    if re.fullmatch(pattern, model.name):
        return None
    return Violation(
        f"{model.name} does not match the naming pattern {pattern}", details={"pattern": pattern}
    )


@rule(
    "naming.schema_pattern",
    severity="warn",
    applies_to=("model", "seed", "snapshot"),
    why="""
        The schema says who a relation is for: staging for the project itself, marts for
        the BI tool, a team's schema for its own readers. Grants and BI connections are set
        per schema, so a model that lands in the wrong one (a `+schema` missed in
        dbt_project.yml, a `schema` config typed by hand) is unreadable for its consumers, or
        readable by the wrong ones.
    """,
    failing="""
        # policy: {select: "path:models/marts", rules: {naming.schema_pattern:
        #          {pattern: "analytics_marts"}}}
        models:
          - name: fct_orders
            config:
              schema: staging      # built in analytics_staging
    """,
    passing="""
        # dbt_project.yml
        models:
          shop:
            marts:
              +schema: marts       # built in analytics_marts
    """,
    fix="Set the `schema` config (for a folder, `+schema` in dbt_project.yml) so that the "
    "schema dbt resolves matches `pattern`, or adjust `pattern`.",
)
def schema_pattern(resource: Node, *, pattern: Regex = "") -> Violation | None:
    """The schema dbt resolved for the model, seed or snapshot matches `pattern` as a whole.

    The schema as the manifest records it: the target's schema with any custom one
    (`analytics_marts` from target schema `analytics` and `+schema: marts`, by dbt's default
    generate_schema_name), so a pattern for several targets allows each one's prefix
    (`(analytics|dbt_[a-z]+)_marts` for the developers' builds too). Ephemeral models, which dbt builds
    in no schema, are skipped. As dbt-bouncer's check_model_schema_name, which matches at the
    schema's start: its `schema_name_pattern: X` is `pattern: "X.*"`."""
    if materialized_as(resource) == "ephemeral":
        return None
    schema = resource.schema or ""
    if re.fullmatch(pattern, schema):
        return None
    return Violation(
        f"{display_name(resource)} is built in schema {schema or '(none)'}, which does not "
        f"match the pattern {pattern}",
        details={"schema": schema, "pattern": pattern},
    )


def _locations_judged(resource: Node | Source, project: Project) -> list[str]:
    """The keys of `location_case`'s findings judged on `resource`: its database and schema,
    where the catalog lists its relation (none where it does not, as the rule judges)."""
    table = project.catalog_table(resource.unique_id)
    if table is None or table.metadata is None:
        return []
    return [f"database {resource.database}", f"schema {resource.schema}"]


@rule(
    "naming.location_case",
    severity="warn",
    applies_to=("model", "seed", "snapshot", "source"),
    needs=("catalog",),
    why="""
        A warehouse stores each unquoted name in one case (Snowflake upper, Postgres and
        Redshift lower). A project that spells a database or schema in another case works as
        long as nothing quotes it: once a quoting config, a hook, a grant script or a BI
        connection quotes the name, `"Marts"` is another schema than `MARTS` (or none), and
        whatever compares names as text (scripts, reviews, a diff of two builds) sees two.
    """,
    failing="""
        # dbt_project.yml: +schema: Marts  -> the manifest says analytics_Marts,
        # catalog.json (the warehouse) says analytics_marts
    """,
    passing="""
        # dbt_project.yml: +schema: marts
    """,
    fix="Write the database or schema (the `database`/`schema` config, the source's YAML, or "
    "the profile's target) in the case the warehouse stores it.",
    shares=_locations_judged,
)
def location_case(resource: Node | Source, project: Project) -> Iterator[Violation]:
    """The database and schema of the resource are spelled as the warehouse spells them.

    The manifest's database and schema (what dbt resolved from the profile, the configs and
    the source's YAML) against those catalog.json lists for the relation: a name that differs
    in case only is reported once, whichever of the relations named so the policy selects,
    naming them: on Snowflake, which stores unquoted names in upper case, a profile or
    `+schema` written in lower case is one finding, not one a relation. It is on the first of
    those relations by unique_id, at the line that sets the name when the project sets it
    (`schema=` in the model's config, its YAML's `config:`, a `+schema:` in dbt_project.yml,
    the source's `schema:` or `database:`), else on the model's entry or the source's (a
    source's schema is its name unless it says otherwise). A resource the catalog does not
    list is not judged. As dbt-checkpoint's check-database-casing-consistency, which reports
    each database.schema once."""
    table = project.catalog_table(resource.unique_id)
    built = table.metadata if table is not None else None
    if built is None:
        return
    for part, declared, actual in (
        ("database", resource.database, built.database),
        ("schema", resource.schema, built.schema),
    ):
        relations = project.cased_apart().get((part, declared or "", actual or ""))
        if relations:
            names = [display_name(relation) for relation in relations]
            yield Violation(
                f"the {part} {declared} is {actual} in the warehouse (catalog.json), for "
                f"{counted(len(names), 'relation')}: {first_few(names, 3)}",
                key=f"{part} {declared}",
                unique_id=relations[0].unique_id,
                details={
                    "project": declared,
                    "warehouse": actual,
                    "relations": [relation.unique_id for relation in relations],
                },
                setting=(part, None),
            )


@rule(
    "naming.alias_pattern",
    severity="warn",
    applies_to=("model", "seed", "snapshot"),
    why="""
        An alias names the relation in the warehouse apart from the model: what the BI tool
        and every ad-hoc query read. Aliases are set for a reason (a legacy table name, a
        consumer's convention), and without a rule each one invents its own spelling, so
        the warehouse's names drift from the project's (`FctOrders2`, `orders_final`).
    """,
    failing="""
        # policy: {select: "path:models/marts", rules: {naming.alias_pattern:
        #          {pattern: "(fct|dim)_[a-z0-9_]+"}}}
        models:
          - name: fct_orders
            config:
              alias: OrdersFinal
    """,
    passing="""
        models:
          - name: fct_orders
            config:
              alias: fct_orders_v2024
    """,
    fix="Rename the alias (the model's `alias` config, or for a folder `+alias` in "
    "dbt_project.yml) to match `pattern`, or remove it so the relation takes the model's name.",
)
def alias_pattern(resource: Node, *, pattern: Regex = "") -> Violation | None:
    """The alias of a model, seed or snapshot, when it has one, matches `pattern` as a whole.

    The alias as the manifest records it (a `generate_alias_name` macro applied); a relation
    named as dbt names it by default (the model's name, `name_v2` for a version of a versioned
    model) has no alias and passes, as do ephemeral models, which dbt builds as no relation.
    As dbt-bouncer's check_model_alias, which matches at the alias's start: its
    `alias_pattern: X` is `pattern: "X.*"`."""
    if materialized_as(resource) == "ephemeral":
        return None
    alias = resource.alias or ""
    default = resource.name if resource.version is None else f"{resource.name}_v{resource.version}"
    if alias in ("", default) or re.fullmatch(pattern, alias):
        return None
    return Violation(
        f"{display_name(resource)} has the alias {alias}, which does not match the pattern "
        f"{pattern}",
        details={"alias": alias, "pattern": pattern},
    )


@rule(
    "naming.project_pattern",
    severity="warn",
    applies_to=("model", "seed", "snapshot", "source", "exposure", "macro"),
    selection=True,
    why="""
        A dbt project's name is the package name other projects install and ref it by, the
        key its settings hang under in dbt_project.yml, and the first part of every unique_id
        and fqn: in a company with several projects, a convention (`acme_<domain>`) says whose
        project it is and keeps two from colliding. It is hard to change later, so hold it
        from the start.
    """,
    failing="""
        # policy: {select: "*", rules: {naming.project_pattern: {pattern: "acme_[a-z]+"}}}
        # dbt_project.yml
        name: jaffle_shop
    """,
    passing="""
        # dbt_project.yml
        name: acme_finance
    """,
    fix="Rename the project (`name:` in dbt_project.yml, and the key of its settings under "
    "`models:`, `seeds:` and the like) to match `pattern`.",
)
def project_pattern(
    resources: list[Any], project: Project, *, pattern: Regex = ""
) -> Violation | None:
    """The dbt project's name (`name:` in dbt_project.yml) matches `pattern` as a whole.

    About the project, not its resources: reported once, at the rule's line in the config,
    under a policy that selects something (`select: "*"`). The name is the manifest's
    `project_name` (dbt 1.6+), else the root project's package. With a base build, a name the
    base build had already is outside the change under `scope: changed`, as legacy debt is. As
    dbt-bouncer's check_project_name, which matches at the name's start: its
    `project_name_pattern: X` is `pattern: "X.*"`."""
    metadata = project.manifest.metadata
    name = (metadata.project_name if metadata else None) or project.root_package
    if not resources or not name or re.fullmatch(pattern, name):
        return None
    return Violation(
        f"the dbt project is named {name}, which does not match the pattern {pattern}",
        details={"project_name": name, "pattern": pattern},
    )


@rule(
    "naming.macro_pattern",
    severity="warn",
    applies_to=("macro",),
    why="""
        Macro names are written in every model that calls them: one spelling (lower case,
        underscores, as dbt's own macros and its packages' are) means nobody has to remember
        whether it was `centsToDollars` or `cents_to_dollars`. A separate rule from
        naming.pattern, whose patterns are usually about model layers (`stg_`, `fct_`) that
        macros do not have.
    """,
    failing="""
        -- macros/cents_to_dollars.sql
        {% macro centsToDollars(column_name) %} ... {% endmacro %}
    """,
    passing="""
        -- macros/cents_to_dollars.sql
        {% macro cents_to_dollars(column_name) %} ... {% endmacro %}
    """,
    fix="Rename the macro (and its calls) to match `pattern`, or adjust `pattern`.",
)
def macro_pattern(macro: Macro, *, pattern: Regex = r"[a-z_][a-z0-9_]*") -> Violation | None:
    """The macro's name matches `pattern` as a whole (a Python regular expression): by
    default snake_case, a leading underscore allowed for private macros.

    Macros of the root project are selected by `select: "*"`; those of installed packages only
    by `package:`. As dbt-score's macro_name_follows_naming_convention."""
    if re.fullmatch(pattern, macro.name):
        return None
    return Violation(
        f"macro {macro.name} does not match the naming pattern {pattern}",
        details={"pattern": pattern},
    )


@rule(
    "naming.macro_file",
    severity="warn",
    applies_to=("macro",),
    why="""
        A macro is called by name from every model that uses it; whoever reads the call and
        looks for its definition opens the file of that name. A macro kept in another macro's
        file, or in a catch-all `utils.sql`, is found only by a search of the whole project.
    """,
    failing="""
        -- macros/money.sql
        {% macro cents_to_dollars(column_name) %} ... {% endmacro %}
    """,
    passing="""
        -- macros/cents_to_dollars.sql
        {% macro cents_to_dollars(column_name) %} ... {% endmacro %}
        {% macro default__cents_to_dollars(column_name) %} ... {% endmacro %}
    """,
    fix="Move the macro to a file of its own name (`cents_to_dollars.sql`), or rename its file.",
)
def macro_file(macro: Macro) -> Violation | None:
    """The macro is in a file of its own name: `cents_to_dollars` in cents_to_dollars.sql.

    dbt's own names for what a file of another name holds pass: a generic test
    (`{% test not_negative(...) %}`, which dbt names test_not_negative) in not_negative.sql, a
    materialization (`{% materialization insert_only, adapter='duckdb' %}`, named
    materialization_insert_only_duckdb) in insert_only.sql, and an adapter's implementation
    of a dispatched macro (`default__cents_to_dollars`, `snowflake__cents_to_dollars`) in
    the dispatching macro's cents_to_dollars.sql, where dbt's dispatch convention keeps it (a
    generic test's too: `default__test_not_negative` in not_negative.sql).
    As dbt-bouncer's check_macro_name_matches_file_name, which fails the last two."""
    stem = PurePosixPath(file_path(macro)).stem
    if not stem or _named_after(macro.name, stem):
        return None
    return Violation(
        f"macro {macro.name} is in {PurePosixPath(file_path(macro)).name}, not in {macro.name}.sql",
        details={"file": file_path(macro)},
    )


def _named_after(name: str, stem: str) -> bool:
    """Whether the macro `name` belongs in the file `stem`.sql, as dbt names macros."""
    return (
        name in (stem, f"test_{stem}")
        or name.startswith(f"materialization_{stem}_")
        or any(
            name.endswith(f"__{dispatched}") and len(name) > len(dispatched) + 2
            for dispatched in (stem, f"test_{stem}")
        )
    )


@rule(
    "naming.source_pattern",
    severity="warn",
    applies_to=("source",),
    why="""
        A source table's name is written in every `source()` call and selector
        (`source:stripe.payments`): one spelling keeps them predictable. The name need not be
        the raw table's (`identifier` gives that), so a loader's `PaymentsV2` can still read
        as `payments_v2`. A separate rule from naming.pattern, whose patterns are usually
        about model layers (`stg_`, `fct_`) that source tables do not have.
    """,
    failing="""
        # models/staging/stripe/_stripe__sources.yml
        sources:
          - name: stripe
            tables:
              - name: PaymentsV2
    """,
    passing="""
        sources:
          - name: stripe
            tables:
              - name: payments_v2
                identifier: PaymentsV2
    """,
    fix="Rename the table's entry (and its `source()` calls) to match `pattern`, with "
    "`identifier` naming the raw table, or adjust `pattern`.",
)
def source_pattern(source: Source, *, pattern: Regex = r"[a-z][a-z0-9_]*") -> Violation | None:
    """The source table's name matches `pattern` as a whole (a Python regular expression).

    The table's name as the YAML gives it (`tables: - name:`), not the source's. As dbt-bouncer's
    check_source_names."""
    if re.fullmatch(pattern, source.name):
        return None
    return Violation(
        f"{display_name(source)} does not match the naming pattern {pattern}",
        details={"pattern": pattern},
    )


@rule(
    "naming.column_pattern",
    severity="warn",
    applies_to=("model", "seed", "snapshot", "source"),
    why="""
        Column names are the interface every query, dashboard and export is written against:
        one spelling (lower case, underscores) means no quoting, no case surprises between
        warehouses, and names a reader can guess.
    """,
    failing="""
        models:
          - name: fct_orders
            columns:
              - name: OrderID
    """,
    passing="""
        models:
          - name: fct_orders
            columns:
              - name: order_id
    """,
    fix="Rename the column in the SQL and the YAML (keep the old name in a deprecated version "
    "if others read it), or adjust `pattern`.",
)
def column_pattern(
    resource: Node | Source, project: Project, *, pattern: Regex = r"[a-z_][a-z0-9_]*"
) -> Iterator[Violation]:
    """Every column declared in YAML and, with a catalog.json, every column the warehouse has,
    matches `pattern` as a whole (a Python regular expression)."""
    for name in project.column_names(resource):
        if not re.fullmatch(pattern, name):
            yield Violation(
                f"column {name} of {display_name(resource)} does not match the naming pattern "
                f"{pattern}",
                column_name=name,
                details={"pattern": pattern},
            )


def column_types(resource: Node | Source, project: Project) -> list[tuple[str, str]]:
    """Each column's (name, type) that the type rules judge.

    The type is the warehouse's (catalog.json) when the catalog lists the column, else the
    `data_type` declared in YAML, under the YAML's spelling of the name; a column of neither is
    left out, as are the columns dbt adds to a snapshot (`dbt_valid_from`, ...), whose names and
    types are dbt's, not the team's."""
    types: dict[str, tuple[str, str]] = {}  # lowered name -> (name, type)
    for key, column in (resource.columns or {}).items():
        if column.data_type:
            name = column.name or key
            types[name.lower()] = (name, column.data_type)
    table = project.catalog_table(resource.unique_id)
    if table is not None:
        declared = {
            key.lower(): column.name or key for key, column in (resource.columns or {}).items()
        }
        for key, column in (table.columns or {}).items():
            name = column.name or key
            if column.type:
                types[name.lower()] = (declared.get(name.lower(), name), column.type)
    if resource.resource_type == "snapshot":
        for name in snapshot_columns(resource):
            types.pop(name, None)
    return list(types.values())


@rule(
    "naming.column_type_pattern",
    severity="warn",
    applies_to=("model", "seed", "snapshot", "source"),
    why="""
        A name that says its type lets a reader use a column without looking it up: `is_`
        and `has_` are booleans, `_at` a timestamp, `_date` a date. The convention only holds
        if it is checked, and the warehouse's types say what each column really is.
    """,
    failing="""
        # policy: naming.column_type_pattern:
        #   {patterns: {"bool(ean)?": "(is|has)_.*", "timestamp.*": ".*_at"}}
        # dim_customers.active is a BOOLEAN, dim_customers.created a TIMESTAMP
    """,
    passing="""
        # dim_customers.is_active is a BOOLEAN, dim_customers.created_at a TIMESTAMP
    """,
    fix="Rename the column to follow its type's pattern (keep the old name in a deprecated "
    "version if others read it), or adjust `patterns`.",
)
def column_type_pattern(
    resource: Node | Source,
    project: Project,
    *,
    patterns: RegexMap = {},  # noqa: B006
) -> Iterator[Violation]:
    """Every column whose type matches a key of `patterns` has a name that matches its value
    (both Python regular expressions, matched as a whole; the type case-insensitively, the
    first key that matches wins).

    The type is the warehouse's (catalog.json) when the catalog lists the column, else the
    `data_type` declared in YAML; a column of neither is not checked, nor the columns dbt adds
    to a snapshot (`dbt_valid_from`, ...), whose names are dbt's. This is the type-to-name
    direction, dbt-bouncer's check_column_type_complies_to_column_name, for several types at
    once; `naming.column_name_type` checks the name-to-type direction."""
    for name, column_type in column_types(resource, project):
        pattern = next(
            (value for key, value in patterns.items() if re.fullmatch(key, column_type, re.I)),
            None,
        )
        if pattern is not None and not re.fullmatch(pattern, name):
            yield Violation(
                f"column {name} of {display_name(resource)} is {column_type}: its name does not "
                f"match {pattern}",
                column_name=name,
                details={"type": column_type, "pattern": pattern},
            )


@rule(
    "naming.column_name_type",
    severity="warn",
    applies_to=("model", "seed", "snapshot", "source"),
    why="""
        A name that promises a type is only useful if the promise holds: a reader who sees
        `is_active` writes `where is_active`, and a `0`/`1` integer or a `'true'` string
        under that name breaks the query or, worse, silently filters wrong. The warehouse's
        types say whether each named column is what its name says.
    """,
    failing="""
        # policy: naming.column_name_type:
        #   {types: {"(is|has)_.*": "bool(ean)?", ".*_at": "timestamp.*"}}
        # dim_customers.is_active is an INTEGER, dim_customers.created_at a VARCHAR
    """,
    passing="""
        # dim_customers.is_active is a BOOLEAN, dim_customers.created_at a TIMESTAMP
    """,
    fix="Cast the column to the type its name promises in the model's SQL, or rename it (keep "
    "the old name in a deprecated version if others read it), or adjust `types`.",
)
def column_name_type(
    resource: Node | Source,
    project: Project,
    *,
    types: RegexMap = {},  # noqa: B006
) -> Iterator[Violation]:
    """Every column whose name matches a key of `types` has a type that matches its value
    (both Python regular expressions, matched as a whole; the type case-insensitively, the
    first key that matches wins).

    The type is found as for `naming.column_type_pattern`: the warehouse's (catalog.json),
    else the `data_type` declared in YAML; a column of neither is not checked. This is the
    name-to-type direction, dbt-bouncer's check_column_name_complies_to_column_type (and,
    without a catalog, check_model_column_name_complies_to_column_type), for several names
    at once."""
    for name, column_type in column_types(resource, project):
        expected = next((value for key, value in types.items() if re.fullmatch(key, name)), None)
        if expected is not None and not re.fullmatch(expected, column_type, re.I):
            yield Violation(
                f"column {name} of {display_name(resource)} is {column_type}: a column named "
                f"so should be {expected}",
                column_name=name,
                details={"type": column_type, "expected": expected},
            )


@rule(
    "naming.directories",
    severity="warn",
    applies_to=("model",),
    why="""
        The folders under models/ are the project's map: staging, intermediate and marts, or
        one folder per domain. A model in a folder of its own making (`utilities/`, `tmp/`)
        is off the map: layer rules, selectors such as `path:models/marts` and the owners of
        each folder all miss it.
    """,
    failing="""
        # policy: naming.directories: {allowed: [staging, intermediate, marts]}
        # models/utilities/fct_orders.sql
    """,
    passing="""
        # models/marts/fct_orders.sql
    """,
    fix="Move the model into one of the allowed folders (or add its folder to `allowed`).",
)
def directories(
    model: Node,
    *,
    allowed: Names = [],  # noqa: B006
    root: str = "models",
) -> Violation | None:
    """The model's file is in one of the `allowed` folders under `root` (or below them).

    As dbt-bouncer's check_model_directories. Models outside `root` (another model path, an
    installed package) are not checked; a model directly in `root` is in no allowed folder."""
    parts = PurePosixPath(file_path(model)).parts
    root_parts = PurePosixPath(root).parts
    if tuple(parts[: len(root_parts)]) != root_parts:
        return None
    below = parts[len(root_parts) : -1]
    folder = below[0] if below else None
    if folder in allowed:
        return None
    where = f"{root}/{folder}" if folder else root
    return Violation(
        f"{display_name(model)} is in {where}/, not in one of {', '.join(allowed)}",
        details={"folder": folder, "allowed": allowed, "root": root},
    )


def _folders(resource: Node | Source) -> set[str]:
    """The folders of the resource's file path, lower-cased: a name is looked for among them."""
    return {folder.lower() for folder in file_path(resource).split("/")[:-1]}


@rule(
    "naming.source_folder",
    severity="warn",
    applies_to=("source",),
    why="""
        One folder per source (models/staging/stripe/, models/staging/shopify/), holding the
        source's declaration and its staging models, is how a reader finds where a raw table
        comes into the project. A source declared in another source's folder, or in a catch-all
        file, is found only by searching.
    """,
    failing="""
        # models/staging/crm/_crm__sources.yml
        sources:
          - name: stripe
            tables:
              - name: payments
    """,
    passing="""
        # models/staging/stripe/_stripe__sources.yml
        sources:
          - name: stripe
            tables:
              - name: payments
    """,
    fix="Move the source's entry into a properties YAML in a folder named after the source "
    "(models/staging/<source>/).",
)
def source_folder(source: Source) -> Violation | None:
    """The source table is declared in a YAML file inside a folder named after its source.

    As dbt-project-evaluator's fct_source_directories. Any folder of the file's path may carry
    the source's name (`models/staging/stripe/` or `models/stripe/`), compared without regard
    to case; the evaluator also accepts a folder whose name merely contains it (`stripe_v2/`).
    Reported on each table of a misplaced source."""
    if source.source_name.lower() in _folders(source):
        return None
    where = file_path(source)
    return Violation(
        f"{display_name(source)} is declared in {where}, not in a folder named "
        f"{source.source_name}/",
        details={"properties_file": where, "folder": source.source_name},
    )


@rule(
    "naming.source_readers_folder",
    severity="warn",
    applies_to=("source",),
    why="""
        A source's declaration and the models that read it belong together: the folder says
        which raw system a model touches, and whoever owns that folder reviews every model
        that reads it. A model elsewhere that reads the source directly bypasses the staging
        models beside its declaration, and is missed when the source changes.
    """,
    failing="""
        # models/staging/stripe/_stripe__sources.yml declares stripe.payments;
        # models/marts/fct_revenue.sql reads {{ source('stripe', 'payments') }}
        sources:
          - name: stripe
            tables:
              - name: payments
    """,
    passing="""
        # models/staging/stripe/stg_stripe__payments.sql reads the source;
        # models/marts/fct_revenue.sql reads {{ ref('stg_stripe__payments') }}
        sources:
          - name: stripe
            tables:
              - name: payments
    """,
    fix="Read the source through a model in the folder of its declaration (a staging model) "
    "and ref that model, or move the reading model (or the declaration) so they share a folder.",
)
def source_readers_folder(source: Source, project: Project) -> Iterator[Violation]:
    """Each model that reads the source table directly lives in the folder of the properties
    YAML that declares it, or in a folder below.

    One finding per model elsewhere; models that read it through other models are not
    judged. As dbt-bouncer's check_source_used_by_models_in_same_directory, which asks for
    the same folder exactly: a model in a subfolder (models/staging/stripe/base/) passes
    here and fails there."""
    folder = PurePosixPath(file_path(source)).parent
    for uid in project.model_readers(source.unique_id):
        model = project.nodes[uid]
        where = PurePosixPath(file_path(model))
        if folder == where.parent or folder in where.parents:
            continue
        yield Violation(
            f"{display_name(source)} is read by {display_name(model)} ({where}), outside "
            f"{folder}/, the folder that declares it",
            key=uid,
            details={"model": uid, "path": str(where), "folder": str(folder)},
        )


def _known_layer(params: dict[str, Any]) -> str | None:
    if params["layer"] in params["layers"]:
        return None
    return f"layer {params['layer']} is not one of the `layers` ({', '.join(params['layers'])})"


@rule(
    "naming.staging_folder",
    severity="warn",
    applies_to=("model",),
    why="""
        A staging model mirrors one source. Kept in that source's folder
        (models/staging/stripe/stg_stripe__payments.sql), it sits beside the source's
        declaration and the other models on the same raw data; in another source's folder it
        misleads everyone who browses the project.
    """,
    failing="""
        -- models/staging/crm/stg_payments.sql
        select * from {{ source('stripe', 'payments') }}
    """,
    passing="""
        -- models/staging/stripe/stg_payments.sql
        select * from {{ source('stripe', 'payments') }}
    """,
    fix="Move the staging model into the folder of the source it reads "
    "(models/staging/<source>/), or adjust `layers`.",
    params_check=_known_layer,
)
def staging_folder(
    model: Node,
    project: Project,
    *,
    layers: dict[str, list[str]] = DEFAULT_LAYERS,
    layer: str = "staging",
) -> Violation | None:
    """A staging model's file is inside a folder named after each source it reads.

    As the staging half of dbt-project-evaluator's fct_model_directories (naming.layer_prefix
    is the other half). A model is in the staging `layer` when the innermost folder of its path
    that `layers` names is that layer's, or, in no layer folder, when its name has one of the
    layer's prefixes (`layers` as in naming.layer_prefix). The sources are those it reads
    directly or through other resources, as the evaluator's; folder names are compared without
    regard to case. A staging model that reads no source is not checked."""
    if layer_of(model, layers) != layer:
        return None
    folders = _folders(model)
    missing = sorted(
        {
            name
            for name in _upstream_sources(model.unique_id, project)
            if name.lower() not in folders
        }
    )
    if not missing:
        return None
    expected = " and ".join(f"{name}/" for name in missing)
    return Violation(
        f"{display_name(model)} reads source {', '.join(missing)} but is in "
        f"{file_path(model).rpartition('/')[0]}/, not in a folder named {expected}",
        details={"sources": missing, "layer": layer},
    )


def _upstream_sources(unique_id: str, project: Project) -> set[str]:
    """The source names (`source_name`) of every source upstream of `unique_id`."""
    names: set[str] = set()
    seen = {unique_id}
    stack = [unique_id]
    while stack:
        for parent in project.parents.get(stack.pop(), ()):
            if parent in seen:
                continue
            seen.add(parent)
            source = project.sources.get(parent)
            if source is not None:
                names.add(source.source_name)
            else:
                stack.append(parent)
    return names
