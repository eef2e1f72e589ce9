"""Documentation rules: models, columns, sources and macros say what they are, in real words.

Descriptions are what people read in dbt docs, in the catalog and in the BI tool; an empty or
"TODO" description on a critical model sends every reader to the SQL, and an undocumented macro
sends every model author who calls it to its Jinja.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from dbtgate.artifacts.manifest import Exposure, Macro, Node, Source, file_path
from dbtgate.placeholders import DEFAULT_PLACEHOLDERS, is_placeholder
from dbtgate.project import Project, display_name, properties_path, same_text
from dbtgate.rules.registry import Count, Regex, Share, Violation, rule
from dbtgate.wording import first_few


def _text(value: str | None) -> str:
    return (value or "").strip()


@rule(
    "docs.model_description",
    severity="error",
    applies_to=("model", "seed", "snapshot"),
    why="""
        The description is the first thing a consumer reads in dbt docs or the catalog. Without
        it, every question about the model goes to whoever wrote the SQL.
    """,
    failing="""
        models:
          - name: fct_orders
            columns: [...]
    """,
    passing="""
        models:
          - name: fct_orders
            description: One row per order with its items and payments.
    """,
    fix="Add a `description:` to its entry in its properties YAML (under `models:`, `seeds:` "
    "or `snapshots:`).",
)
def model_description(model: Node, *, min_length: Count = 1) -> Violation | None:
    """The model has a description of at least `min_length` characters."""
    return _description_violation(model.name, model.description, min_length)


def _description_violation(name: str, description: str | None, min_length: int) -> Violation | None:
    """The finding for a description shorter than `min_length` (none at all, or too short)."""
    text = _text(description)
    if len(text) >= min_length:
        return None
    if not text:
        return Violation(f"{name} has no description")
    return Violation(
        f"{name}'s description is {len(text)} characters long, the policy asks for "
        f"at least {min_length}",
        details={"length": len(text), "min_length": min_length},
    )


# A fenced code block of SQL in markdown: ```sql or ~~~sql, indented at most 3 spaces.
_SQL_FENCE = re.compile(r"^ {0,3}(?:```|~~~)[ \t]*sql\b", re.IGNORECASE | re.MULTILINE)


@rule(
    "docs.example_sql",
    severity="warn",
    applies_to=("model",),
    why="""
        A consumer who finds a model in dbt docs or the catalog wants to query it. An example
        query in its description shows the grain, the key to join on and the filters that
        matter, where a list of columns does not; without one, each consumer rediscovers
        them (or asks). It matters most on the models other teams read: select them with
        `access:public`.
    """,
    failing="""
        models:
          - name: fct_orders
            description: One row per order with its items and payments.
    """,
    passing="""
        models:
          - name: fct_orders
            description: |
              One row per order with its items and payments.

              ```sql
              select customer_id, sum(amount) as revenue
              from {{ ref('fct_orders') }}
              where ordered_at >= '2024-01-01'
              group by customer_id
              ```
    """,
    fix="Add an example query to the model's description, in a ```sql fenced block.",
)
def example_sql(model: Node) -> Violation | None:
    """The description of a SQL model holds an example query: a ```sql (or ~~~sql) fenced
    block, the way dbt docs renders SQL.

    Python models are skipped. As dbt-score's has_example_sql; its
    public_model_has_example_sql is this rule under `select: "access:public"`."""
    if model.language == "python" or _SQL_FENCE.search(model.description or ""):
        return None
    return Violation(f"{display_name(model)}'s description has no example SQL query")


@rule(
    "docs.description_pattern",
    severity="warn",
    applies_to=("model", "seed", "snapshot"),
    why="""
        A team that agrees what every description states (the grain, the owner's Slack
        channel, a ticket, a section heading the catalog shows) gets it only if it is checked:
        the next model copies the last one's description, and a required line drifts out.
        A regular expression states the convention once; `reason` says why, in every finding.
    """,
    failing="""
        # policy: docs.description_pattern:
        #   {pattern: '(?im)^grain:', reason: marts state their grain}
        models:
          - name: fct_orders
            description: Orders with their items and payments.
    """,
    passing="""
        models:
          - name: fct_orders
            description: |
              Orders with their items and payments.
              Grain: one row per order.
    """,
    fix="Write what the pattern asks for into the description in the properties YAML (the "
    "finding's reason says why), or waive the resource with a reason.",
)
def description_pattern(
    resource: Node, *, pattern: Regex = "", reason: str = ""
) -> Violation | None:
    """The description of a model, seed or snapshot contains a match for `pattern`.

    Python's `re.search`: anywhere in the text; `^` anchors at its start, `(?m)^` at each
    line's, and `(?i)` ignores case. A resource without a description fails, unless the
    pattern matches an empty text. As dbt-bouncer's check_model_description_contains_regexp_pattern, which matches at the
    description's start with `.` across lines: its `regexp_pattern: X` is `pattern: '(?s)^X'`."""
    description = resource.description or ""
    if re.search(pattern, description):
        return None
    because = f": {reason}" if reason else ""
    if not _text(description):
        message = (
            f"{display_name(resource)} has no description, which the pattern {pattern} asks for"
        )
    else:
        message = f"{display_name(resource)}'s description has no match for the pattern {pattern}"
    return Violation(f"{message}{because}", details={"pattern": pattern, "reason": reason})


@rule(
    "docs.column_coverage",
    severity="error",
    applies_to=("model", "seed", "snapshot", "source"),
    why="""
        Column descriptions are the data dictionary: what a value means, its unit, when it is
        null. A threshold per tier keeps critical models fully documented without forcing it
        on every scratch model. A source table's columns are where that meaning is first
        written down: the loader's names and codes, before any model renames them. A "TODO"
        tells the reader no more than nothing, so it counts as nothing, here and in the
        `docs_columns` KPI alike.
    """,
    failing="""
        # policy: docs.column_coverage: {severity: error, min: 1.0}
        models:
          - name: dim_customers
            columns:
              - name: customer_id
                description: Primary key of a customer.
              - name: country          # no description
              - name: segment
                description: TBD       # a placeholder: no description either
    """,
    passing="""
        models:
          - name: dim_customers
            columns:
              - name: customer_id
                description: Primary key of a customer.
              - name: country
                description: ISO 3166-1 alpha-2 country code.
              - name: segment
                description: Marketing segment, from the CRM's account tier.
    """,
    fix="Describe each column listed (in the properties YAML of the model, or of the source "
    "under its table, under `columns:`), with what its values mean: a placeholder such as "
    "TODO, TBD or n/a does not count.",
)
def column_coverage(
    model: Node | Source, project: Project, *, min: Share = 1.0, use_catalog: bool = True
) -> Iterator[Violation]:
    """At least a share `min` (0..1) of the resource's columns (a model's, seed's, snapshot's
    or source table's) have a description.

    The columns are those declared in YAML plus, with `use_catalog` and a catalog.json, the
    warehouse columns that are not declared (they are undocumented by definition); catalog.json
    lists a source table's columns when `dbt docs generate` could read the table. In a build
    without catalog.json only the declared columns are judged, and a note says so. A placeholder
    description ("TODO", "TBD", "n/a": `docs.placeholder`'s default words and markers, as the
    `docs_columns` KPI counts) leaves a column undocumented; one that restates the column's
    name counts, as in dbt-coverage (`docs.placeholder` flags those). Below the
    threshold, each undocumented column is reported on its own line, so a new undocumented
    column is a new finding even where old ones are baselined. As dbt-checkpoint's
    check-model-columns-have-desc and check-source-columns-have-desc (with `use_catalog:
    false`: checkpoint judges the declared columns only)."""
    docs = project.column_docs(model, use_catalog=use_catalog)
    if not docs.total:
        if min > 0:
            where = (
                "under its table in the source's" if model.resource_type == "source" else "in its"
            )
            yield Violation(
                f"{display_name(model)} declares no columns, so none is documented",
                fix=f"Declare its columns with descriptions {where} properties YAML.",
                details={"documented": 0, "total": 0, "min": min},
            )
        return
    documented, total = docs.described, docs.total
    share = documented / total
    if share >= min:
        return
    # One finding per column (13,000 at 10,000 models): what they share is built once.
    tally = f"({documented} of {total} columns documented, {share:.0%} < {min:.0%})"
    details = {"documented": documented, "total": total, "min": min}
    for name in sorted(docs.undescribed, key=str.lower):
        lacks = "a placeholder description" if name in docs.placeholders else "no description"
        yield Violation(
            f"column {name} of {display_name(model)} has {lacks} {tally}",
            column_name=name,
            details=details,
        )


@rule(
    "docs.columns_exist",
    severity="warn",
    applies_to=("model", "seed", "snapshot", "source"),
    needs=("catalog",),
    why="""
        A column the YAML declares but the table does not have is documentation of nothing: it
        reads as part of the model in dbt docs and the catalog, readers write queries against
        it, and its tests and description stay behind when the SQL renames or drops it (a
        column's YAML entry is not checked by dbt unless the model has a contract).
    """,
    failing="""
        # models/marts/_marts.yml; the model's SQL renamed the column to lifetime_value
        models:
          - name: customers
            columns:
              - name: total_order_amount
                description: What the customer has spent.
    """,
    passing="""
        models:
          - name: customers
            columns:
              - name: lifetime_value
                description: What the customer has spent.
    """,
    fix="Rename the column's entry to the column the SQL builds (its description and tests "
    "move with it), or remove the entry if the column is gone.",
)
def columns_exist(resource: Node | Source, project: Project) -> Iterator[Violation]:
    """Every column declared in YAML is a column of the warehouse's table (catalog.json).

    Names are compared without regard to case (Snowflake lists `ORDER_ID` for `order_id`).
    Resources the catalog does not list (ephemeral models, anything not built when
    `dbt docs generate` ran) are not checked; without a catalog.json nothing is, and the
    policy's note says so."""
    declared = [column.name or key for key, column in (resource.columns or {}).items()]
    table = project.catalog_table(resource.unique_id) if declared else None
    if table is None or not table.columns:
        return
    built = [column.name or key for key, column in table.columns.items()]
    have = {name.lower() for name in built}
    declared_lower = {name.lower() for name in declared}
    # What a stale entry was most likely renamed to: a built column the YAML does not declare
    # (lowered name -> its first spelling in the catalog).
    undeclared: dict[str, str] = {}
    for name in built:
        if name.lower() not in declared_lower:
            undeclared.setdefault(name.lower(), name)
    for name in declared:
        if name.lower() in have:
            continue
        close = difflib.get_close_matches(name.lower(), list(undeclared), n=1)
        guess = undeclared[close[0]] if close else None
        hint = f" (renamed to {guess}?)" if guess else ""
        yield Violation(
            f"column {name} of {display_name(resource)} is declared in YAML, but the "
            f"warehouse's table has no such column{hint}",
            column_name=name,
            details={"built_columns": len(built), **({"renamed_to": guess} if guess else {})},
        )


@rule(
    "docs.properties_file",
    severity="warn",
    applies_to=("model", "seed", "snapshot"),
    why="""
        A model that no properties YAML declares has nowhere to hold its description, its
        columns, its tests or its contract: every other documentation and test rule starts from
        that entry.
    """,
    failing="""
        # models/marts/fct_orders.sql, and no YAML entry for it
    """,
    passing="""
        # models/marts/_marts.yml
        models:
          - name: fct_orders
            description: One row per order.
    """,
    fix="Add an entry for it under `models:` (`seeds:`, `snapshots:`) in a properties YAML next "
    "to its file.",
)
def properties_file(model: Node) -> Violation | None:
    """The resource is declared in a properties YAML file (`models:`, `seeds:`, `snapshots:`)."""
    if model.patch_path:
        return None
    return Violation(f"{display_name(model)} is not declared in any properties YAML file")


@rule(
    "docs.properties_beside_sql",
    severity="warn",
    applies_to=("model", "seed", "snapshot"),
    why="""
        The properties YAML is where a model's description, columns, tests and contract live.
        Kept in the model's own folder, it is found by whoever opens the SQL, moves with the
        model, and shows in the same pull-request diff; in a distant catch-all file it drifts
        from the SQL it describes.
    """,
    failing="""
        # models/marts/finance/fct_revenue.sql, declared in models/schema.yml
    """,
    passing="""
        # models/marts/finance/fct_revenue.sql, declared in models/marts/finance/_finance.yml
    """,
    fix="Move the resource's entry into a properties YAML in the folder of its file.",
)
def properties_beside_sql(model: Node) -> Violation | None:
    """The resource's properties YAML is in the folder of its file.

    As dbt-bouncer's check_model_documented_in_same_directory. Resources declared in no YAML
    are docs.properties_file's concern."""
    if not model.patch_path or not model.original_file_path:
        return None
    yaml_folder = PurePosixPath(model.patch_path.replace("\\", "/")).parent
    file_folder = PurePosixPath(file_path(model)).parent
    if yaml_folder == file_folder:
        return None
    return Violation(
        f"{display_name(model)} is declared in {model.patch_path}, not beside "
        f"{model.original_file_path}",
        details={"properties_file": model.patch_path, "folder": str(file_folder)},
    )


@rule(
    "docs.properties_file_name",
    severity="warn",
    applies_to=("model", "seed", "snapshot", "source", "macro"),
    why="""
        dbt's project structure guide gives each folder one properties file per kind, named
        after the folder: `_stripe__models.yml` and `_stripe__sources.yml` in
        models/staging/stripe/. The name says what the file declares before it is opened, the
        leading underscore sorts it above the SQL files, and a reviewer knows where a new
        model's entry belongs.
    """,
    failing="""
        # models/staging/stripe/schema.yml
        models:
          - name: stg_stripe__payments
    """,
    passing="""
        # models/staging/stripe/_stripe__models.yml
        models:
          - name: stg_stripe__payments
    """,
    fix="Move the entry to the file its folder's name gives (`_stripe__models.yml`), or set "
    "`pattern` to the team's own convention.",
)
def properties_file_name(
    resource: Node | Source | Macro, *, pattern: Regex | None = None
) -> Violation | None:
    """The properties YAML that declares the resource is named after its folder and its kind.

    By default as dbt's structure guide names them: `_<folder>__<kind>.yml`, where `<kind>` is
    `models`, `sources`, `macros`, `seeds` or `snapshots` and the folder's name may follow other
    words (`_stg_stripe__models.yml`, `_int_finance__models.yml`), and `_<kind>.yml` in the
    project's top folder (macros/_macros.yml, seeds/_seeds.yml); `.yaml` too. `pattern`, a
    regular expression matched as a whole against the file's name, replaces that convention:
    `{folder}` in it stands for the folder's name, `{kind}` for the kind (`_{folder}\\.yml`,
    `_.*__sources\\.yml`). As dbt-bouncer's check_model_property_file_location,
    check_source_property_file_location, check_macro_property_file_location and (with a
    `pattern`) check_source_file_name; a resource that no YAML declares, which bouncer fails
    too, is docs.properties_file's concern (a macro's, docs.macro_description's), and a
    generic test's macro (in tests/) is not judged, as there."""
    path = _properties_path(resource)
    if path is None:
        return None
    kind = f"{resource.resource_type}s"
    folder = path.parent.name if len(path.parts) > 2 else None
    expected = _properties_name_pattern(pattern, folder or path.parent.name, kind, folder is None)
    if re.fullmatch(expected, path.name):
        return None
    if pattern is not None:
        return Violation(
            f"{display_name(resource)} is declared in {path}, whose name does not match {pattern}",
            details={"properties_file": str(path), "pattern": expected},
        )
    wanted = path.with_name(f"_{folder}__{kind}.yml" if folder else f"_{kind}.yml")
    return Violation(
        f"{display_name(resource)} is declared in {path}, not in {wanted.name} as dbt's "
        "structure guide names that folder's file",
        fix=f"Move its entry to {wanted}, or set `pattern` to the team's own convention.",
        details={"properties_file": str(path), "expected": str(wanted)},
    )


def _properties_path(resource: Node | Source | Macro) -> PurePosixPath | None:
    """The YAML file that declares the resource (a source's own file), None when there is none
    to judge: no YAML, or a generic test's macro."""
    if isinstance(resource, Source):
        return PurePosixPath(file_path(resource))
    if isinstance(resource, Macro) and file_path(resource).startswith("tests/"):
        return None
    if not resource.patch_path:
        return None
    return PurePosixPath(resource.patch_path.replace("\\", "/"))


def _properties_name_pattern(pattern: str | None, folder: str, kind: str, top: bool) -> str:
    """The regular expression a properties file's name matches: the team's `pattern` with its
    placeholders filled in, else the structure guide's name for the folder."""
    if pattern is not None:
        return pattern.replace("{folder}", re.escape(folder)).replace("{kind}", kind)
    if top:
        return rf"_{kind}\.ya?ml"
    return rf"_(\w+_)?{re.escape(folder)}__{kind}\.ya?ml"


def _declared_in(resource: Node | Source | Exposure | Macro) -> list[str]:
    """The key of `properties_one_kind`'s finding judged on `resource`: the properties file
    that declares it, whichever kind the file declares most of."""
    path = properties_path(resource)
    return [path] if path else []


@rule(
    "docs.properties_one_kind",
    severity="warn",
    applies_to=("model", "seed", "snapshot", "source", "exposure", "macro"),
    why="""
        A properties file that declares one kind of resource is found by its kind: a reader
        looking for a source opens the folder's sources file, not a models file where one
        source hides among fifty models. dbt's project structure guide, and
        dbt-project-evaluator, give each kind a file of its own.
    """,
    failing="""
        # models/staging/stripe/_stripe__models.yml
        models:
          - name: stg_stripe__payments
        sources:
          - name: stripe
    """,
    passing="""
        # models/staging/stripe/_stripe__models.yml: the models
        # models/staging/stripe/_stripe__sources.yml: the source stripe
    """,
    fix="Move the entries of the other kinds to properties files that declare their kind only.",
    shares=lambda resource, project: _declared_in(resource),
)
def properties_one_kind(
    resource: Node | Source | Exposure | Macro, project: Project
) -> Violation | None:
    """The properties YAML that declares the resource declares no other kind of resource.

    Kinds are models, seeds, snapshots, analyses, source tables, exposures and macros; a
    model's tests, unit tests and the semantic layer (semantic models, metrics, saved queries)
    do not count: they are about the model, and dbt's semantic layer guide writes them in its
    file. The finding is the file's: a file of several kinds is reported once, whichever of its
    resources the policy selects, on the entry first by kind and name of those not of the kind
    it declares most of (of two kinds as many, the one first by name stays), naming every entry
    to move (an analysis too). As dbt-project-evaluator's
    fct_resource_yml_files_with_multiple_resource_types, which counts metrics, not macros."""
    path = properties_path(resource)
    if path is None:
        return None
    entries = project.properties_entries().get((resource.package_name, path), {})
    if len(entries) < 2:
        return None
    main = min(entries, key=lambda kind: (-len(entries[kind]), kind))
    to_move = [entry for kind in sorted(entries) if kind != main for entry in entries[kind]]
    named = [_kind_and_name(entry) for entry in to_move]
    others = sorted(kind for kind in entries if kind != main)
    files = ", ".join(f"`_<folder>__{_plural(kind)}.yml`" for kind in others)
    return Violation(
        f"{path} declares {_counted_kind(main, len(entries[main]))} and "
        f"{first_few(named, 3)}: a properties file of one kind is found by its kind",
        key=path,
        unique_id=to_move[0].unique_id,
        fix=f"Move {first_few(named, 3)} to files of their kind only ({files}).",
        details={
            "properties_file": path,
            "kinds": {kind: len(entries[kind]) for kind in sorted(entries)},
            "to_move": [entry.unique_id for entry in to_move],
        },
    )


def _kind_and_name(resource: Node | Source | Exposure | Macro) -> str:
    """`source shop.orders`, `exposure revenue`: an entry as a message names it."""
    named = display_name(resource)
    return named if resource.resource_type == "source" else f"{resource.resource_type} {named}"


def _counted_kind(kind: str, count: int) -> str:
    return f"1 {kind}" if count == 1 else f"{count} {_plural(kind)}"


def _plural(kind: str) -> str:
    return "analyses" if kind == "analysis" else f"{kind}s"


@rule(
    "docs.source_description",
    severity="warn",
    applies_to=("source",),
    why="""
        Sources are where the warehouse meets the outside world: who loads the table, how
        often, what one row is. That knowledge is lost first when it is not written down.
    """,
    failing="""
        sources:
          - name: shop_raw
            tables:
              - name: raw_orders
    """,
    passing="""
        sources:
          - name: shop_raw
            tables:
              - name: raw_orders
                description: Orders, loaded every 15 minutes by the shop's exporter.
    """,
    fix="Add a `description:` to the source table's entry.",
)
def source_description(source: Source) -> Violation | None:
    """The source table has a description."""
    if _text(source.description):
        return None
    return Violation(f"source {source.source_name}.{source.name} has no description")


@rule(
    "docs.source_level_description",
    severity="warn",
    applies_to=("source",),
    why="""
        A source's own description (the `sources:` entry that holds the tables) says what
        system the data comes from, who owns it and how it arrives: what every one of its
        tables shares, written once. dbt docs shows it on the source's page above the tables.
    """,
    failing="""
        sources:
          - name: shop_raw
            tables:
              - name: raw_orders
                description: Orders, one row per order.
    """,
    passing="""
        sources:
          - name: shop_raw
            description: The shop's Postgres database, replicated hourly by Fivetran.
            tables:
              - name: raw_orders
                description: Orders, one row per order.
    """,
    fix="Add a `description:` to the source's entry under `sources:` (beside its `name:`, not "
    "a table's).",
)
def source_level_description(source: Source) -> Violation | None:
    """The source that declares the table has a description of its own.

    As dbt-project-evaluator's fct_undocumented_sources; docs.source_description asks the same
    of each table (fct_undocumented_source_tables). Reported on each table of an undescribed
    source, as the rules on what a source sets for all its tables (sources.loader_configured)."""
    if _text(source.source_description):
        return None
    return Violation(
        f"source {source.source_name} (declaring {source.source_name}.{source.name}) has no "
        "description"
    )


@rule(
    "docs.exposure_description",
    severity="warn",
    applies_to=("exposure",),
    why="""
        An exposure tells the models' owners who reads their tables. Its description says what
        the dashboard or application is for and what breaks for whom when a model changes: the
        impact a breaking change is weighed by.
    """,
    failing="""
        exposures:
          - name: weekly_revenue
            type: dashboard
            owner: {name: Finance}
    """,
    passing="""
        exposures:
          - name: weekly_revenue
            type: dashboard
            owner: {name: Finance}
            description: The CFO's weekly revenue review; read every Monday.
    """,
    fix="Add a `description:` to the exposure's entry under `exposures:`.",
)
def exposure_description(exposure: Exposure, *, min_length: Count = 1) -> Violation | None:
    """The exposure has a description of at least `min_length` characters."""
    return _description_violation(f"exposure {exposure.name}", exposure.description, min_length)


@rule(
    "docs.macro_description",
    severity="warn",
    applies_to=("macro",),
    why="""
        A macro is called from many models by people who did not write it. dbt docs shows its
        description next to its signature; without one, every caller reads the Jinja to learn
        what it returns and when to use it.
    """,
    failing="""
        macros:
          - name: cents_to_dollars
            arguments:
              - name: column_name
                description: The column holding an integer amount in cents.
    """,
    passing="""
        macros:
          - name: cents_to_dollars
            description: Converts an integer amount in cents to a decimal amount in dollars.
    """,
    fix="Add a `description:` to the macro's entry under `macros:` in a properties YAML.",
)
def macro_description(macro: Macro, *, min_length: Count = 1) -> Violation | None:
    """The macro has a description of at least `min_length` characters.

    Macros of the root project are selected by `select: "*"`; those of installed packages only
    by `package:`. Generic tests are macros too (`test_<name>`), documented under `macros:`.
    The adapter implementations of a dispatched macro (`default__x`, `postgres__x`) are macros
    of their own: `exclude: "resource_type:macro,*__*"` leaves them to the macro they implement.
    """
    return _description_violation(f"macro {macro.name}", macro.description, min_length)


@rule(
    "docs.macro_arguments",
    severity="warn",
    applies_to=("macro",),
    why="""
        A macro's arguments are its interface: what to pass, in which form, and what happens
        when it is left out. The name alone rarely says whether `column_name` is quoted or
        `node` is the graph node or its name.
    """,
    failing="""
        macros:
          - name: cents_to_dollars
            description: Converts cents to dollars.
            arguments:
              - name: column_name        # no description
    """,
    passing="""
        macros:
          - name: cents_to_dollars
            description: Converts cents to dollars.
            arguments:
              - name: column_name
                description: The column holding an integer amount in cents.
    """,
    fix="Describe each argument listed under the macro's `arguments:` in its properties YAML.",
)
def macro_arguments(macro: Macro) -> Iterator[Violation]:
    """Every argument of the macro has a description.

    The arguments are those the manifest lists: the ones declared under `arguments:` in the
    macro's properties YAML and, from dbt-core 1.12 on, also those of the macro's signature
    that the YAML leaves out. Older dbt versions and Fusion list only the declared ones, so an
    argument that no YAML declares is not seen there. Each undocumented argument is a finding
    of its own, on its YAML line when it has one: a new one is news even where the others are
    baselined. Adapter implementations (`default__x`) are excluded as docs.macro_description
    shows.
    """
    for argument in macro.arguments or ():
        if not _text(argument.description):
            # As a column: the locator finds it in the macro's `arguments:` list, and reports
            # name it `macro.argument`.
            yield Violation(
                f"argument {argument.name} of macro {macro.name} has no description",
                column_name=argument.name,
            )


@rule(
    "docs.placeholder",
    severity="warn",
    applies_to=("model", "seed", "snapshot", "source"),
    why="""
        "TODO", "TBD" or a description that repeats the name pass a "has a description" check
        and tell the reader nothing; they are usually written to silence such a check.
    """,
    failing="""
        models:
          - name: fct_orders
            description: TODO
            columns:
              - name: order_id
                description: order id
    """,
    passing="""
        models:
          - name: fct_orders
            description: One row per order with its items and payments.
            columns:
              - name: order_id
                description: Primary key of an order.
    """,
    fix="Replace the placeholder with a real description.",
)
def placeholder(
    resource: Node | Source,
    *,
    words: list[str] = DEFAULT_PLACEHOLDERS,
    min_length: Count = 0,
) -> Iterator[Violation]:
    """Descriptions of the resource and its columns are not placeholders.

    A placeholder is one of `words` (case-insensitive, surrounding punctuation ignored), text
    starting with TODO/TBD/FIXME, the resource's or column's own name, or text shorter than
    `min_length` characters. Empty descriptions are left to the other docs rules.
    """
    vocabulary = {w.lower() for w in words}
    text = _text(resource.description)
    if is_placeholder(text, resource.name, vocabulary, min_length):
        yield Violation(
            f"{display_name(resource)}'s description is a placeholder: {text!r}",
            details={"description": text},
        )
    for key, column in (resource.columns or {}).items():
        name = column.name or key
        text = _text(column.description)
        if is_placeholder(text, name, vocabulary, min_length):
            yield Violation(
                f"column {name} of {display_name(resource)} has a placeholder description: {text!r}",
                column_name=name,
                details={"description": text},
            )


@rule(
    "docs.column_description_consistent",
    severity="warn",
    applies_to=("model", "seed", "snapshot"),
    why="""
        A column that means the same thing everywhere (`customer_id`, `created_at`) should read
        the same everywhere: five wordings of one key make readers wonder whether they are five
        things, and the catalog's search shows them all. A doc block (`{{ doc('customer_id') }}`)
        written once keeps every model's text the same.
    """,
    failing="""
        # customers.yml: customer_id: "Primary key of a customer."
        # orders.yml:
        columns:
          - name: customer_id
            description: The customer who ordered.
    """,
    passing="""
        columns:
          - name: customer_id
            description: "{{ doc('customer_id') }}"   # the same text in every model
    """,
    fix="Use the description the other models use, best through a shared doc block "
    "(`{{ doc('name') }}`).",
)
def column_description_consistent(model: Node, project: Project) -> Iterator[Violation]:
    """Each described column has the description most models of the project give a column of
    that name (ties: the text sorted first; spacing and a final full stop do not count).
    Columns described once, or the same way everywhere, pass; only the models that differ from
    the most common text are reported."""
    described = project.column_descriptions()
    for key, column in (model.columns or {}).items():
        text = same_text(column.description)
        by_text = described.get((column.name or key).lower(), {})
        if not text or len(by_text) < 2:
            continue
        common = min(by_text, key=lambda candidate: (-len(by_text[candidate]), candidate))
        if text == common:
            continue
        users = by_text[common]
        names = first_few([project.nodes[uid].name for uid in users], 3)
        yield Violation(
            f"{model.name}.{column.name or key} is described differently from "
            f"{len(users)} other {'model' if len(users) == 1 else 'models'} ({names}), "
            f"which {'says' if len(users) == 1 else 'say'}: {_quoted(common)}",
            column_name=column.name or key,
            details={"description": text, "common": common, "models": users},
        )


def _quoted(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")
