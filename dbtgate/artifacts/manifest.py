"""manifest.json, v1 (dbt 0.19) to v12 (dbt 1.8-1.12 and Fusion 2.0), as typed records.

The Structs declare only the fields the gate reads. msgspec skips everything else while decoding
(raw and compiled SQL, macro bodies, docs blocks), which is what keeps a 160 MB manifest to a
fraction of the time and memory a full `json.loads` costs. Every field has a default and accepts
null, because the versions disagree on what is present; `normalise_node` then folds the version
differences (meta and tags at top level or in config, access/contract/group in config, Fusion's
`package://` patch paths) into one shape, so nothing downstream looks at schema versions.
"""

# No `from __future__ import annotations`: msgspec reads the Structs' annotations as types
# here, where as text it compiles and evaluates each one when a decoder is built (274 in the
# artifact modules, ~15 M instructions every run).

import functools
import re
from collections.abc import Iterable
from typing import Any, ClassVar

import msgspec

from dbtgate.errors import DbtgateError

# Lists and dicts are decoded fresh per object, so the shared empty defaults are never mutated.
_S = {"gc": False, "omit_defaults": True}
# A resource without `unrendered_config` in its JSON (dbt before 0.19).
NOT_WRITTEN = msgspec.Raw(b"null")


class Constraint(msgspec.Struct, **_S):
    """A model or column constraint (schema v9+)."""

    type: str = ""
    name: str | None = None
    expression: str | None = None
    columns: list[str] | None = None
    warn_unenforced: bool | None = None
    warn_unsupported: bool | None = None


# Fields are declared in the order dbt writes them (dbt 1.8+): msgspec tries the next declared
# field first when it matches a key, which makes the decode ~5% faster than in any other order.
#
# Columns are the bulk of a manifest (190,000 at 10,000 models, sources included), and most of
# their lists are empty. Decoded as tuples they cost nothing: every empty JSON array becomes the
# one empty tuple instead of a new list (36 MB less at the decode's memory peak).
class ColumnConfig(msgspec.Struct, **_S):
    meta: dict[str, Any] | None = None
    tags: tuple[str, ...] | str | None = None


class Column(msgspec.Struct, **_S):
    """A column declared in YAML (not necessarily the warehouse's: see catalog.json)."""

    name: str = ""
    description: str | None = ""
    meta: dict[str, Any] | None = None
    data_type: str | None = None
    constraints: tuple[Constraint, ...] | None = None
    # dbt 1.10+: meta and tags here; `normalise_column` folds them into meta/tags, then drops it.
    config: ColumnConfig | None = None
    # Decoded as a tuple or a string; `normalise_column` makes it a tuple.
    tags: tuple[str, ...] | str | None = None


class Contract(msgspec.Struct, **_S):
    enforced: bool | None = False
    alias_types: bool | None = True
    # dbt-core's hash of an enforced contract (columns, types, constraints): what its
    # `state:modified.contract` compares. None when not enforced, and in Fusion's manifests.
    checksum: str | None = None


class PersistDocs(msgspec.Struct, **_S):
    """Whether dbt writes the descriptions into the warehouse (`persist_docs`): only then does
    its `state:modified` count a description edit (`state:modified.persisted_descriptions`)."""

    relation: Any = None
    columns: Any = None


# The config settings that name a node's relation (dbt's `state:modified.relation`), as
# configured: the node's own `schema` and `database` are what the environment made of them.
RELATION_SETTINGS = ("database", "schema", "alias")
# With a snapshot's legacy `target_database` and `target_schema`, which name its relation too.
NAMING_SETTINGS = (*RELATION_SETTINGS, "target_database", "target_schema")


class NodeConfig(msgspec.Struct, **_S):
    enabled: bool | None = True
    alias: str | None = None
    schema: str | None = None
    database: str | None = None
    tags: list[str] | str | None = None
    meta: dict[str, Any] | None = None
    group: str | None = None
    materialized: str | None = None
    incremental_strategy: str | None = None
    # A seed's column -> type, which dbt casts the CSV's values to (every node writes `{}`).
    column_types: dict[str, Any] | None = None
    unique_key: str | list[str] | None = None
    on_schema_change: str | None = None
    # True: every run rebuilds the table; False: not even `--full-refresh` does (None: the flag).
    full_refresh: bool | None = None
    contract: Contract | None = None
    access: str | None = None
    # A snapshot's: `timestamp`, `check`, or a custom strategy's macro name.
    strategy: str | None = None
    # A snapshot's names for the columns dbt adds (dbt 1.9+: `{dbt_valid_to: valid_until}`;
    # None for a default name).
    snapshot_meta_column_names: dict[str, str | None] | None = None
    # A snapshot's schema and database as dbt <1.9 configures them (`target_schema`), which
    # name its relation as `schema` and `database` do.
    target_schema: str | None = None
    target_database: str | None = None
    severity: str | None = None
    # A generic test's filter on the resource it tests (`where: "created_at > ..."`), as
    # dbt rendered it at parse time (vars and env_vars resolved).
    where: str | None = None
    # A test's thresholds: what it counts per failing row (`fail_calc`, default `count(*)`), when
    # that count fails or warns (`error_if`/`warn_if`, default `!= 0`) and how many failing
    # rows it fetches (`limit`). Changing them loosens or tightens the test without changing
    # its unique_id: the change set compares them.
    fail_calc: str | None = None
    error_if: str | None = None
    warn_if: str | None = None
    limit: int | None = None
    # privilege -> grantees, as dbt resolved them (a folder's `+grants` merged in); dbt 1.2+
    grants: dict[str, Any] | None = None
    # key -> value that dbt-bigquery sets as labels on the relation it builds (other adapters
    # ignore them): catalogs and billing reports group tables by them.
    labels: dict[str, Any] | None = None
    persist_docs: PersistDocs | None = None


class DependsOn(msgspec.Struct, **_S):
    nodes: list[str] | None = None


class TestMetadata(msgspec.Struct, **_S):
    name: str = ""
    kwargs: dict[str, Any] | None = None
    namespace: str | None = None


class Checksum(msgspec.Struct, **_S):
    name: str = ""
    checksum: str = ""


class Node(msgspec.Struct, **_S):
    """A model, seed, snapshot, test, analysis or operation: the manifest's `nodes` entries."""

    database: str | None = None
    schema: str | None = None
    name: str = ""
    resource_type: str = ""
    package_name: str = ""
    path: str = ""
    original_file_path: str = ""
    unique_id: str = ""
    fqn: list[str] | None = None
    alias: str | None = None
    # A string only in a disabled unit test, which dbt-core (1.8+) keeps among the manifest's
    # disabled nodes; the loader makes it a Checksum (`artifacts.load.load_manifest`).
    checksum: Checksum | str | None = None
    config: NodeConfig | None = None
    tags: list[str] | str | None = None
    description: str | None = ""
    columns: dict[str, Column] | None = None
    meta: dict[str, Any] | None = None
    group: str | None = None
    patch_path: str | None = None
    # When dbt parsed the node (Unix time): a partial parse keeps the time of a node whose file
    # did not change, so it tells the code edited since a catalog.json (`load._check_catalog`).
    created_at: float | None = None
    relation_name: str | None = None
    language: str | None = None
    depends_on: DependsOn | None = None
    compiled_path: str | None = None
    contract: Contract | None = None
    access: str | None = None
    constraints: list[Constraint] | None = None
    version: int | float | str | None = None
    latest_version: int | float | str | None = None
    deprecation_date: str | None = None
    column_name: str | None = None
    attached_node: str | None = None
    test_metadata: TestMetadata | None = None
    # dbt 1.9+: set on the model the semantic layer uses as its time spine.
    time_spine: dict[str, Any] | None = None
    # The config as written, before Jinja ran (dbt's `unrendered_config`), kept as JSON: the
    # change set compares it byte for byte and decodes it only where it differs
    # (`state.written_config_differences`); copied out of the mapped file by `detach_written`.
    written_config: msgspec.Raw = msgspec.field(default=NOT_WRITTEN, name="unrendered_config")

    @property
    def is_external(self) -> bool:
        """A model of another dbt project this one reads (dbt mesh: a cross-project `ref`),
        as dbt-core tells it (`is_external_node`): no file. dbt never builds it, and its
        checksum is the upstream's publication time, so it is no change of this project's."""
        return not self.original_file_path and not self.path


class FreshnessThreshold(msgspec.Struct, **_S):
    count: int | None = None
    period: str | None = None


class FreshnessRule(msgspec.Struct, **_S):
    warn_after: FreshnessThreshold | None = None
    error_after: FreshnessThreshold | None = None
    filter: str | None = None


class SourceConfig(msgspec.Struct, **_S):
    enabled: bool | None = True
    freshness: FreshnessRule | None = None
    meta: dict[str, Any] | None = None
    tags: list[str] | str | None = None


# A source without `columns` in its JSON: no columns.
_NO_COLUMNS = msgspec.Raw(b"null")


class Source(msgspec.Struct, dict=True, omit_defaults=True):
    """A source table declared in YAML (`sources:` in a properties file).

    Its `columns` are decoded on first read, not with the manifest: a 10,000-model manifest
    holds 73,500 source columns (a tenth of its decode), which `check` reads only when a rule
    or the schema diff looks at a source's columns. A source keeps their JSON until then
    (`columns_json`, compared byte for byte by `==`), and a `__dict__` (hence no `gc=False`)
    for the decoded columns and the file they came from (`defer_columns`)."""

    database: str | None = None
    schema: str | None = None
    name: str = ""
    resource_type: str = "source"
    package_name: str = ""
    path: str = ""
    original_file_path: str = ""
    unique_id: str = ""
    fqn: list[str] | None = None
    source_name: str = ""
    source_description: str | None = ""
    loader: str | None = None
    identifier: str | None = None
    # How the relation's names are quoted, and the external table's definition: dbt's
    # `state:modified` compares both (`same_quoting`, `same_external`). Kept as JSON, compared
    # byte for byte by `==`; copied out of the mapped file by `detach_written`.
    quoting_json: msgspec.Raw = msgspec.field(default=NOT_WRITTEN, name="quoting")
    loaded_at_field: str | None = None
    freshness: FreshnessRule | None = None
    external_json: msgspec.Raw = msgspec.field(default=NOT_WRITTEN, name="external")
    description: str | None = ""
    columns_json: msgspec.Raw = msgspec.field(default=_NO_COLUMNS, name="columns")
    meta: dict[str, Any] | None = None
    source_meta: dict[str, Any] | None = None
    tags: list[str] | str | None = None
    config: SourceConfig | None = None
    relation_name: str | None = None
    # The config as written, before Jinja ran (dbt's `unrendered_config`), kept as JSON: the
    # change set compares it byte for byte and decodes it only where it differs
    # (`state.written_config_differences`); copied out of the mapped file by `detach_written`.
    written_config: msgspec.Raw = msgspec.field(default=NOT_WRITTEN, name="unrendered_config")

    @functools.cached_property
    def columns(self) -> dict[str, Column]:
        """The source's columns, decoded and normalised (`normalise_columns`) once, on first
        read. A value of the wrong type is the loader's one-line error, naming the file."""
        try:
            columns = _SOURCE_COLUMNS.decode(self.columns_json)
        except msgspec.ValidationError as exc:
            where = f"$.sources[{self.unique_id!r}].columns"
            message = str(exc).replace("`$", f"`{where}", 1)
            if "- at `" not in message:
                message = f"{message} - at `{where}`"
            file = self.__dict__.get("_file", "manifest.json")
            raise DbtgateError(f"{file}: field of unexpected type: {message}") from None
        if columns is None:
            return {}
        normalise_columns(columns)
        return columns


class ExposureOwner(msgspec.Struct, **_S):
    name: str | None = None
    email: str | None = None


class Exposure(msgspec.Struct, **_S):
    """A dashboard, notebook or application that consumes models."""

    unique_id: str = ""
    resource_type: str = "exposure"
    name: str = ""
    fqn: list[str] | None = None
    label: str | None = None
    type: str | None = None
    package_name: str = ""
    path: str = ""
    original_file_path: str = ""
    owner: ExposureOwner | None = None
    description: str | None = ""
    maturity: str | None = None
    url: str | None = None
    tags: list[str] | str | None = None
    meta: dict[str, Any] | None = None
    depends_on: DependsOn | None = None
    # The config as written, before Jinja ran (dbt's `unrendered_config`), kept as JSON: the
    # change set compares it byte for byte and decodes it only where it differs
    # (`state.written_config_differences`); copied out of the mapped file by `detach_written`.
    written_config: msgspec.Raw = msgspec.field(default=NOT_WRITTEN, name="unrendered_config")


class Group(msgspec.Struct, **_S):
    """A group (dbt 1.5+): its models are owned through it, by its owner."""

    name: str = ""
    resource_type: str = "group"
    unique_id: str = ""
    package_name: str = ""
    owner: ExposureOwner | None = None
    original_file_path: str | None = None


class UnitTestConfig(msgspec.Struct, **_S):
    tags: list[str] | str | None = None
    # dbt-core moves a disabled unit test to the manifest's `disabled`; `enabled: false` is
    # read all the same, so that one kept here is no unit test of its model either.
    enabled: bool | None = True


class UnitTestFixture(msgspec.Struct, **_S):
    """A unit test's given input (`ref('stg_orders')`) or its expected output: what it reads
    and the format of its rows (dict, csv or sql), not the rows, which only dbt runs."""

    input: str | None = None
    format: str | None = None


class UnitTest(msgspec.Struct, **_S):
    """A unit test (dbt 1.8+): which model version it tests, by `depends_on` (`model` names
    the model as its YAML entry does), its tags for the selectors, the formats of its given
    inputs and expected output (their rows are skipped while decoding, as the nodes' SQL is),
    and dbt-core's checksum of its definition, which the change set compares (Fusion writes
    an empty one, as an object)."""

    name: str = ""
    resource_type: str = "unit_test"
    package_name: str = ""
    original_file_path: str = ""
    model: str | None = None
    unique_id: str = ""
    # The model version it tests: dbt writes one unit test per version the YAML entry covers.
    version: int | float | str | None = None
    depends_on: DependsOn | None = None
    config: UnitTestConfig | None = None
    given: list[UnitTestFixture] | None = None
    expect: UnitTestFixture | None = None
    checksum: str | Checksum | None = None

    @property
    def tags(self) -> list[str]:
        return as_list(self.config.tags if self.config else None)

    @property
    def enabled(self) -> bool:
        return self.config is None or self.config.enabled is not False


class MacroArgument(msgspec.Struct, **_S):
    """A macro's argument: declared under `arguments:` in its properties YAML or, from dbt-core
    1.12 on, read from its signature (then without a description)."""

    name: str = ""
    type: str | None = None
    description: str | None = ""


class Macro(msgspec.Struct, **_S):
    """A macro's documentation, not its body: `macro_sql` is skipped like the nodes' SQL."""

    name: str = ""
    resource_type: str = "macro"
    package_name: str = ""
    path: str = ""
    original_file_path: str = ""
    unique_id: str = ""
    description: str | None = ""
    meta: dict[str, Any] | None = None
    patch_path: str | None = None
    # Before dbt-core 1.12 most macros list none: the one empty tuple for all of them.
    arguments: tuple[MacroArgument, ...] | None = ()
    # Its body (`macro_sql`) as JSON, compared byte for byte by the change set and decoded only
    # where it differs (`state.changed_macros`); copied out of the mapped file by `detach_written`.
    body_json: msgspec.Raw = msgspec.field(default=NOT_WRITTEN, name="macro_sql")
    # dbt does not tag macros; readers of a resource's tags (`tag:` selection, the tier from
    # tags, the policies' tag hints) see none instead of asking each resource whether it can.
    tags: ClassVar[tuple[str, ...]] = ()


class ManifestMetadata(msgspec.Struct, **_S):
    dbt_schema_version: str | None = None
    dbt_version: str | None = None
    generated_at: str | None = None
    invocation_id: str | None = None
    project_name: str | None = None
    project_id: str | None = None
    adapter_type: str | None = None


class SemanticElement(msgspec.Struct, **_S):
    """A semantic model's dimension, entity or measure: the column it reads is `expr`, or its
    `name` when it has none."""

    name: str = ""
    expr: str | int | float | bool | None = None
    # A measure's aggregation (`sum`, `count_distinct`, ...); None for dimensions and entities.
    agg: str | None = None


_ELEMENTS = msgspec.json.Decoder(list[SemanticElement] | None)
_ELEMENT_FIELDS = ("entities", "measures", "dimensions")


def _elements(raw: msgspec.Raw) -> list[SemanticElement]:
    return _ELEMENTS.decode(raw) or []


def decode_elements(model: "SemanticModel", file: str) -> None:
    """Decode a semantic model's entities, measures and dimensions when the manifest is loaded:
    the schema diff, the change set and the column readers all read them, and a list of the
    wrong shape is the loader's one-line error naming the file, not a crash of whichever reads
    it first. Semantic models are few, and their elements small."""
    for field in _ELEMENT_FIELDS:
        try:
            model.__dict__[field] = _elements(getattr(model, f"{field}_json"))
        except msgspec.ValidationError as exc:
            where = f"$.semantic_models[{model.unique_id!r}].{field}"
            message = str(exc).replace("`$", f"`{where}", 1)
            if "- at `" not in message:
                message = f"{message} - at `{where}`"
            raise DbtgateError(f"{file}: field of unexpected type: {message}") from None


class SemanticModel(msgspec.Struct, dict=True, omit_defaults=True):
    """A semantic model (dbt's semantic layer, schema v10+): a reader of the model it is built
    on, and of the columns its dimensions, entities and measures name.

    What dbt's `state:modified` compares of it (its defaults, entities, dimensions, measures
    and config, whole) is kept as JSON (`*_json`), compared byte for byte by `==` and decoded
    only where a reader needs it (`state_semantic`); the elements' names and expressions are
    decoded when the manifest is loaded (`decode_elements`). Copied out of the mapped file by
    `detach_semantic`."""

    name: str = ""
    resource_type: str = "semantic_model"
    package_name: str = ""
    original_file_path: str = ""
    unique_id: str = ""
    model: str | None = None
    description: str | None = None
    label: str | None = None
    defaults_json: msgspec.Raw = msgspec.field(default=NOT_WRITTEN, name="defaults")
    entities_json: msgspec.Raw = msgspec.field(default=NOT_WRITTEN, name="entities")
    measures_json: msgspec.Raw = msgspec.field(default=NOT_WRITTEN, name="measures")
    dimensions_json: msgspec.Raw = msgspec.field(default=NOT_WRITTEN, name="dimensions")
    depends_on: DependsOn | None = None
    config_json: msgspec.Raw = msgspec.field(default=NOT_WRITTEN, name="config")
    primary_entity: str | None = None
    group: str | None = None
    # Not decoded: dbt gives semantic models no tags (`tag:` selection sees none).
    tags: ClassVar[tuple[str, ...]] = ()

    @functools.cached_property
    def entities(self) -> list[SemanticElement]:
        return _elements(self.entities_json)

    @functools.cached_property
    def measures(self) -> list[SemanticElement]:
        return _elements(self.measures_json)

    @functools.cached_property
    def dimensions(self) -> list[SemanticElement]:
        return _elements(self.dimensions_json)

    def reads_column(self, column: str) -> bool:
        """Whether a dimension, entity or measure reads `column` (by name, or in its expr)."""
        pattern = re.compile(rf"(?<!\w){re.escape(column)}(?!\w)", re.IGNORECASE)
        for element in (*self.entities, *self.measures, *self.dimensions):
            expr = element.expr if isinstance(element.expr, str) and element.expr else None
            if pattern.search(expr or element.name):
                return True
        return False


class SemanticNode(msgspec.Struct, omit_defaults=True):
    """A metric or a saved query of the semantic layer (schema v10+). Few per project, so
    decoded with the manifest; what dbt's `state:modified` compares of it beyond its words
    (a metric's type_params and filter, a saved query's query_params and exports, the config)
    is kept as JSON, decoded only where two builds differ (`state_semantic`). Copied out of
    the mapped file by `detach_written`."""

    name: str = ""
    resource_type: str = ""
    package_name: str = ""
    original_file_path: str = ""
    unique_id: str = ""
    description: str | None = None
    label: str | None = None
    type: str | None = None
    type_params_json: msgspec.Raw = msgspec.field(default=NOT_WRITTEN, name="type_params")
    filter_json: msgspec.Raw = msgspec.field(default=NOT_WRITTEN, name="filter")
    query_params_json: msgspec.Raw = msgspec.field(default=NOT_WRITTEN, name="query_params")
    exports_json: msgspec.Raw = msgspec.field(default=NOT_WRITTEN, name="exports")
    tags: list[str] | str | None = None
    config_json: msgspec.Raw = msgspec.field(default=NOT_WRITTEN, name="config")
    written_config: msgspec.Raw = msgspec.field(default=NOT_WRITTEN, name="unrendered_config")
    group: str | None = None
    depends_on: DependsOn | None = None


SemanticResource = SemanticModel | SemanticNode


class Manifest(msgspec.Struct, **_S):
    """The parts of manifest.json the gate uses. Not parent_map/child_map: the graph is rebuilt
    from depends_on in one pass, which is cheaper than decoding two more maps of lists."""

    metadata: ManifestMetadata | None = None
    nodes: dict[str, Node] | None = None
    sources: dict[str, Source] | None = None
    macros: dict[str, Macro] | None = None
    exposures: dict[str, Exposure] | None = None
    groups: dict[str, Group] | None = None
    # v1-v3 wrote a list of disabled nodes, v4+ a map of unique_id -> variants.
    disabled: dict[str, list[Node]] | list[Node] | None = None
    # dbt 1.8+ (schema v12); None in older manifests, which cannot hold unit tests.
    unit_tests: dict[str, UnitTest] | None = None
    # dbt 1.6+ (schema v10); None in older manifests.
    semantic_models: dict[str, SemanticModel] | None = None
    metrics: dict[str, SemanticNode] | None = None
    saved_queries: dict[str, SemanticNode] | None = None

    def has_semantic_layer(self) -> bool:
        """Whether the build declares a semantic model, metric or saved query: what the change
        set and the diff ask before they import what compares them."""
        return bool(self.semantic_models or self.metrics or self.saved_queries)


class CodeNode(msgspec.Struct, gc=False):
    raw_code: str | None = None
    raw_sql: str | None = None  # manifest v1-v6


class CodeMacro(msgspec.Struct, gc=False):
    macro_sql: str | None = None


class Ref(msgspec.Struct, gc=False):
    """A `ref()` as the node wrote it (schema v9+): a `version` only when the ref pins one."""

    name: str = ""
    package: str | None = None
    version: int | float | str | None = None


class RefsNode(msgspec.Struct, gc=False):
    # Before schema v9 a ref is a list of strings (`[package, name]`), which pins no version.
    refs: list[Ref | list[Any]] | None = None


class RefsManifest(msgspec.Struct, gc=False):
    """The nodes' refs, apart: see `artifacts.load.read_refs`."""

    nodes: dict[str, RefsNode] | None = None


class CalledMacros(msgspec.Struct, gc=False):
    macros: list[str] | None = None


class MacroCaller(msgspec.Struct, gc=False):
    depends_on: CalledMacros | None = None


class MacroCallsManifest(msgspec.Struct, gc=False):
    """Which macros each resource calls, apart: see `artifacts.load.read_macro_calls`."""

    nodes: dict[str, MacroCaller] | None = None
    macros: dict[str, MacroCaller] | None = None
    exposures: dict[str, MacroCaller] | None = None
    unit_tests: dict[str, MacroCaller] | None = None


class UnitTestDefinition(msgspec.Struct, gc=False):
    """What dbt-core's checksum of a unit test covers but its model and versions (which the
    change set matches unit tests by), read whole: its given inputs with their rows, expected
    output and overrides; not its description or config."""

    given: Any = None
    expect: Any = None
    overrides: Any = None


class UnitTestsManifest(msgspec.Struct, gc=False):
    """The unit tests' definitions, apart: see `artifacts.load.read_unit_test_definitions`."""

    unit_tests: dict[str, UnitTestDefinition] | None = None


class CompiledNode(msgspec.Struct, gc=False):
    resource_type: str = ""
    compiled_code: str | None = None


class CompiledManifest(msgspec.Struct, gc=False):
    """The nodes' compiled SQL, apart: see `artifacts.load.read_snapshot_sql`."""

    nodes: dict[str, CompiledNode] | None = None


class CodeManifest(msgspec.Struct, gc=False):
    """The manifest's code, apart: see `artifacts.load.read_code`."""

    nodes: dict[str, CodeNode] | None = None
    macros: dict[str, CodeMacro] | None = None


def file_path(resource: Any) -> str:
    """The resource's file, relative to its project, with forward slashes: dbt on Windows
    writes `models\\staging\\stg_orders.sql`, and folder rules and selectors compare parts."""
    return (getattr(resource, "original_file_path", None) or "").replace("\\", "/")


def materialized_as(node: Node) -> str:
    """How dbt builds the node: its `materialized` config, a view when unset (dbt's default)."""
    return (node.config.materialized if node.config else None) or "view"


def granted(node: Node) -> dict[str, list[str]]:
    """The node's grants, privilege -> grantees, as dbt applies them after each build. dbt
    resolves a single grantee to a list; a value of another shape (no adapter writes one) is
    not a grant dbtgate can read and is left out."""
    grants = node.config.grants if node.config else None
    found: dict[str, list[str]] = {}
    for privilege, grantees in (grants or {}).items():
        if isinstance(grantees, str):
            found[privilege] = [grantees]
        elif isinstance(grantees, list):
            found[privilege] = [str(grantee) for grantee in grantees]
    return found


def can_have_contract(model: Node) -> bool:
    """Whether dbt can enforce a contract on the model: not on an ephemeral model (no relation
    to check) nor a Python model (dbt supports contracts for SQL models only)."""
    config = model.config
    return model.language != "python" and not (
        config is not None and config.materialized == "ephemeral"
    )


def same_record(current: Any, previous: Any) -> bool:
    """Whether two builds' records of a resource are equal but for when dbt parsed a node
    (`created_at`). Two builds parsed apart, a pull request's and its base's, stamp every node
    with their own time, and a Struct's `==` compares every field: compared as records, no node
    equalled its base's, and every resource took the slow path of the change set, the schema
    diff (`Project.same_built`) and the base build's KPIs (+70% instructions for `check --base`
    at 1,000 models). So the base's record is compared as a copy with the pull request's time;
    nothing but a catalog's age (`load._changed_since_catalog`) reads when a node was parsed."""
    if (
        type(current) is Node
        and type(previous) is Node
        and current.created_at != previous.created_at
    ):
        previous = msgspec.structs.replace(previous, created_at=current.created_at)
    return current == previous


def is_contracted(resource: Any) -> bool:
    """Whether a resource has an enforced contract (only models do; sources and exposures have
    no contract, and count as not contracted)."""
    contract = getattr(resource, "contract", None)
    return bool(contract is not None and contract.enforced)


def as_list(value: list[str] | tuple[str, ...] | str | None) -> list[str]:
    """Tags are a list in every schema but may be written as one string in YAML-era artifacts."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return value if isinstance(value, list) else list(value)


def _merged_tags(*values: list[str] | tuple[str, ...] | str | None) -> list[str]:
    given = [value for value in values if value]
    if not given:
        return []  # the common case: called for every node and column of the manifest
    merged: list[str] = []
    for value in given:
        for tag in as_list(value):
            if tag not in merged:
                merged.append(tag)
    return merged


def strip_package_prefix(path: str | None) -> str | None:
    """dbt 0.20+ and Fusion write patch paths as `package://models/x.yml`; dbt 0.19 as
    `models/x.yml`."""
    if path and "://" in path:
        return path.split("://", 1)[1]
    return path


def normalise_node(node: Node) -> None:
    """Fold version differences into the top-level fields, in place.

    Older schemas keep meta/tags at top level; newer ones mirror them in config, and Fusion may
    fill only config. access/group/contract moved into config in v10+.
    """
    config = node.config
    if config is None:
        config = node.config = NodeConfig()
    # Runs for each of the 28,000 nodes of a 10,000-model manifest (tests included): the
    # common cases (no tags, tags and meta as in config, no columns) are settled without a call.
    tags, config_tags = node.tags, config.tags
    if not (tags or config_tags):
        node.tags = []
    elif type(tags) is not list or tags != config_tags or len(set(tags)) != len(tags):
        node.tags = _merged_tags(tags, config_tags)
    # else dbt 1.x's tags, written at top level and in config alike, no tag twice: the merge
    # would copy the list as it is (8,000 instructions a node).
    config_meta = config.meta
    if config_meta:
        meta = node.meta
        if meta != config_meta:
            node.meta = {**config_meta, **(meta or {})}
    elif node.meta is None:
        node.meta = {}
    node.access = node.access or config.access
    node.group = node.group or config.group
    contract = node.contract
    if contract is None or (not contract.enforced and config.contract is not None):
        node.contract = config.contract or contract
    if node.patch_path:
        node.patch_path = strip_package_prefix(node.patch_path)
    depends_on = node.depends_on
    if depends_on is None:
        node.depends_on = DependsOn(nodes=[])
    elif depends_on.nodes is None:
        depends_on.nodes = []
    columns = node.columns
    if columns is None:
        node.columns = {}
    elif columns:
        normalise_columns(columns)
    if node.description is None:
        node.description = ""


def normalise_columns(columns: dict[str, Column]) -> None:
    """`normalise_column` on each column; the common case (dbt 1.10+: an empty config, tags
    a tuple) settled inline, without a call: there are 190,000 columns at 10,000 models."""
    for column in columns.values():
        config = column.config
        if (
            config is not None
            and not config.meta
            and not config.tags
            and type(column.tags) is tuple
            and column.description is not None
        ):
            column.config = None
        else:
            normalise_column(column)


def normalise_column(column: Column) -> None:
    """Column meta/tags may live in column.config (dbt 1.10+): folded into column.meta and
    column.tags (a tuple), and config dropped, so readers look in one place.

    Runs for every column of the manifest (190,000 at 10,000 models), most of them with no
    tags and no meta: that case allocates nothing (the decoder already made `[]` the one
    empty tuple)."""
    config = column.config
    tags = column.tags
    if config is not None:
        if config.meta:
            column.meta = {**config.meta, **(column.meta or {})}
        if config.tags:
            tags = tuple(_merged_tags(tags, config.tags))
        # Folded into meta and tags: freeing it (a Struct and a dict per column) takes ~20 MB
        # off a 10,000-model manifest before the next artifact is decoded.
        column.config = None
    if tags is None:
        column.tags = ()
    elif isinstance(tags, str):
        column.tags = (tags,)
    else:
        column.tags = tags
    if column.description is None:
        column.description = ""


_SOURCE_COLUMNS = msgspec.json.Decoder(dict[str, Column] | None)


def defer_columns(source: Source, file: str) -> None:
    """Keep the source's columns as JSON (`Source.columns` decodes them on first read),
    copied out of the decoded buffer, which may be a memory map about to be closed; `file`
    names the manifest in a decoding error."""
    source.columns_json = source.columns_json.copy()
    source.__dict__["_file"] = file


class Detacher:
    """Copies raw JSON the decode kept out of the decoded buffer, which may be a memory map
    about to be closed: once per distinct text, shared by the resources that wrote the same.
    Most configs as written repeat (`{}`, a folder's `+materialized`): one copy each took
    ~5 MB a 10,000-model manifest, and `check --base` holds two."""

    def __init__(self) -> None:
        self.seen: dict[bytes, msgspec.Raw] = {}

    def __call__(self, raw: msgspec.Raw) -> msgspec.Raw:
        if raw is NOT_WRITTEN:  # absent: the shared constant already
            return raw
        text = bytes(raw)
        found = self.seen.get(text)
        if found is None:
            found = self.seen[text] = msgspec.Raw(text)
        return found

    def nodes(self, nodes: Iterable[Node | Exposure]) -> None:
        """Each node's config as written: `__call__` inlined, for the 28,000 nodes of a
        10,000-model manifest (a call each was a third of the cost)."""
        seen = self.seen
        for node in nodes:
            raw = node.written_config
            if raw is not NOT_WRITTEN:
                text = bytes(raw)
                found = seen.get(text)
                if found is None:
                    found = seen[text] = msgspec.Raw(text)
                node.written_config = found


def detach_written(resource: Node | Source | Exposure | Macro, detach: Detacher) -> None:
    """The config as written, or a macro's body, out of the decoded buffer (`Detacher`)."""
    if isinstance(resource, Macro):
        resource.body_json = detach(resource.body_json)
    else:
        resource.written_config = detach(resource.written_config)


def detach_source(source: Source, detach: Detacher) -> None:
    """`detach_written`, and a source's quoting and external definition."""
    detach_written(source, detach)
    source.quoting_json = detach(source.quoting_json)
    source.external_json = detach(source.external_json)


def detach_semantic(resource: SemanticResource, detach: Detacher) -> None:
    """What a semantic model, metric or saved query keeps as JSON, out of the buffer."""
    for field in resource.__struct_fields__:
        value = getattr(resource, field)
        if isinstance(value, msgspec.Raw):
            setattr(resource, field, detach(value))


def written_config(resource: Node | Source | Exposure) -> Any:
    """The resource's config as written (dbt's `unrendered_config`), decoded from the JSON the
    manifest's decode kept of it: None when absent (dbt before 0.19). Decoded only where a
    reader needs it (the change set where two builds' bytes differ, `state:` selection)."""
    return msgspec.json.decode(resource.written_config)


def normalise_source(source: Source) -> None:
    """Freshness and meta may be set at the source, the table, or the config level (columns
    are normalised when first read: `Source.columns`)."""
    config = source.config
    source.tags = _merged_tags(source.tags, config.tags if config else None)
    meta = dict(source.source_meta or {})
    if config and config.meta:
        meta.update(config.meta)
    meta.update(source.meta or {})
    source.meta = meta
    if source.freshness is None and config is not None:
        source.freshness = config.freshness
    if source.description is None:
        source.description = ""


def normalise_exposure(exposure: Exposure) -> None:
    exposure.tags = as_list(exposure.tags)
    if exposure.depends_on is None:
        exposure.depends_on = DependsOn(nodes=[])
    elif exposure.depends_on.nodes is None:
        exposure.depends_on.nodes = []
    if exposure.meta is None:
        exposure.meta = {}


def normalise_macro(macro: Macro) -> None:
    """The patch path without dbt's `package://` prefix, and the empty values of the schemas
    that write null, as for nodes."""
    if macro.patch_path:
        macro.patch_path = strip_package_prefix(macro.patch_path)
    if macro.description is None:
        macro.description = ""
    if macro.meta is None:
        macro.meta = {}
    if macro.arguments is None:
        macro.arguments = ()
