"""The Project: one read-only graph of a dbt build that every check works from.

Built in one pass over the manifest: parents and children, the tests attached to each model and
column (with their kind: unique, not_null, relationships, ...), owners and tiers. Checks ask the
Project; they never look at raw artifacts, schema versions or files (YAML line lookups are
delegated to `dbtgate.locate`, and only done for findings that are reported).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import msgspec
from msgspec import Struct, field

from dbtgate.artifacts.catalog import Catalog, CatalogTable, same_table
from dbtgate.artifacts.load import (
    ArtifactSet,
    UnitTestText,
    read_code,
    read_macro_calls,
    read_refs,
    read_snapshot_sql,
    read_unit_test_definitions,
)
from dbtgate.artifacts.manifest import (
    Exposure,
    Group,
    Macro,
    Manifest,
    Node,
    Ref,
    SemanticModel,
    Source,
    UnitTest,
    materialized_as,
    same_record,
    written_config,
)
from dbtgate.artifacts.run_results import RunResults
from dbtgate.artifacts.sources import SourcesFreshness
from dbtgate.errors import DbtgateError
from dbtgate.locate import ResourceFiles, place_code
from dbtgate.placeholders import LONGEST_DEFAULT_WORD, PLAIN_HEADS, PUNCTUATION, is_described
from dbtgate.wording import counted, first_few

if TYPE_CHECKING:
    from dbtgate.status.results import RunIndex

# Resource types that are built relations and therefore gated like models.
T = TypeVar("T")
# (package, properties YAML path) -> resource type -> the resources the file declares.
PropertiesEntries = dict[tuple[str, str], dict[str, list[Node | Source | Exposure | Macro]]]

RELATION_TYPES = frozenset({"model", "seed", "snapshot"})
# The columns dbt adds to every snapshot table (lowered), by their default names.
SNAPSHOT_COLUMNS = frozenset(
    {"dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to", "dbt_is_deleted"}
)


def snapshot_columns(node: Node) -> frozenset[str]:
    """The columns dbt adds to this snapshot's table (lowered): the defaults, but for those its
    `snapshot_meta_column_names` renames (dbt 1.9+: `dbt_valid_to: valid_until`), which are
    dbt's as much and no more the team's to describe or name."""
    names = node.config.snapshot_meta_column_names if node.config is not None else None
    if not names:
        return SNAPSHOT_COLUMNS
    return frozenset((names.get(default) or default).lower() for default in SNAPSHOT_COLUMNS)


# Materializations that store nothing: reading one runs its query (and its parents', if they are
# of these too) every time.
_VIRTUAL_MATERIALIZATIONS = frozenset({"view", "ephemeral"})

_REF_RE = re.compile(r"""ref\(\s*['"]([^'"]+)['"](?:\s*,\s*['"]([^'"]+)['"])?""")
_SOURCE_RE = re.compile(r"""source\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]""")
_TIER_TAG_RE = re.compile(r"^tier[-_ ]?(\d+)$", re.IGNORECASE)
_TIER_VALUE_RE = re.compile(r"\d+(?:\.\d+)?")


def _relation_parts(name: str) -> list[str]:
    """`"DB"."schema".orders` -> ["db", "schema", "orders"]: quotes (", `, []) and case away."""
    return [part.strip('"`[] ').lower() for part in name.split(".") if part.strip('"`[] ')]


class TestRef(msgspec.Struct, frozen=True, gc=False):
    """A test attached to a resource: which generic test it is and on which column (one per
    test of the manifest, so a Struct: a frozen dataclass costs 8x more to create)."""

    unique_id: str
    kind: str  # unique, not_null, relationships, accepted_values, ...; "singular" for data tests
    namespace: str | None
    column_name: str | None
    kwargs: dict[str, Any]
    severity: str | None

    @property
    def qualified_kind(self) -> str:
        return f"{self.namespace}.{self.kind}" if self.namespace else self.kind


class ColumnDocs(NamedTuple):
    """Which of a model's columns are described: the YAML-declared ones plus, with the catalog,
    the warehouse's undeclared ones (undescribed by definition). A placeholder description
    ("TODO", "n/a": `placeholders.is_described`) is no description; those columns
    are undescribed and also in `placeholders`, so a finding can say which it is. Names as
    written, first spelling wins when two differ only in case."""

    total: int
    described: int
    undescribed: list[str]
    placeholders: frozenset[str] = frozenset()


class TierSettings(Struct, frozen=True):
    """Where a resource's tier comes from: `meta.<key>` entries and/or `tag` (tier-1, tier_2)."""

    sources: tuple[str, ...] = ("meta.tier", "tag")
    default: int | None = 3


class OwnerSettings(Struct, frozen=True):
    """Where a resource's owner comes from: `meta.<key>` entries and/or `group` (the group owner)."""

    sources: tuple[str, ...] = ("meta.owner", "group")


class Project(Struct):
    """A loaded dbt build. Construct with `Project.from_artifacts`."""

    manifest: Manifest
    artifacts: ArtifactSet | None
    project_dir: Path | None
    tier_settings: TierSettings = field(default_factory=TierSettings)
    owner_settings: OwnerSettings = field(default_factory=OwnerSettings)
    nodes: dict[str, Node] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    exposures: dict[str, Exposure] = field(default_factory=dict)
    macros: dict[str, Macro] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    parents: dict[str, list[str]] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    tests_by_resource: dict[str, list[TestRef]] = field(default_factory=dict)
    # model unique_id -> the unique_ids of its unit tests (dbt 1.8+), in id order.
    unit_tests_by_model: dict[str, list[str]] = field(default_factory=dict)
    _tier_cache: dict[str, int | None] = field(default_factory=dict)
    # unique_id -> a tier source's value that names no tier (`meta.maturity: gold`): the
    # resource took the default tier, which `unreadable_tiers_note` tells the config's author.
    unreadable_tiers: dict[str, str] = field(default_factory=dict)
    _owner_cache: dict[str, str | None] = field(default_factory=dict)
    _column_docs: dict[tuple[str, bool], ColumnDocs] = field(default_factory=dict)
    _semantic_readers: dict[str, list[SemanticModel]] | None = None
    # (unique_id, constraints count) -> `keys.key_columns` of the resource: see `keys.resource_key`.
    key_proofs: dict[tuple[str, bool], tuple[bool, set[str], set[str]]] = field(
        default_factory=dict
    )
    # id(base) -> unique_id -> whether equal there: see `same_records`, `same_built`.
    _same_as_base: dict[int, dict[str, bool]] = field(default_factory=dict)
    _same_built: dict[int, dict[str, bool]] = field(default_factory=dict)
    _tested: dict[str, str] | None = None
    _run_index: RunIndex | None = None
    _unbuilt: frozenset[str] | None = None
    _built_after_catalog: frozenset[str] | None = None
    # unique_id -> (length of the longest view chain it reads, the parent that chain ends at)
    _view_chains: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    _root_package: str | None = None
    _column_descriptions: dict[str, dict[str, list[str]]] | None = None
    _duplicate_sources: dict[str, list[str]] | None = None
    _properties_entries: PropertiesEntries | None = None
    _cased_apart: dict[tuple[str, str, str], list[Node | Source]] | None = None
    # What the second, selective decodes of the manifest found (`_read_apart`), by what they read.
    _apart: dict[str, Any] = field(default_factory=dict)
    _code_starts: dict[str, int | None] = field(default_factory=dict)
    # Resources whose file on disk differs from the code the manifest holds (edited since).
    stale_code: set[str] = field(default_factory=set)
    _relations: dict[str, list[str]] | None = None
    _files: ResourceFiles | None = None

    @classmethod
    def from_artifacts(
        cls,
        artifacts: ArtifactSet,
        project_dir: Path | None = None,
        tier_settings: TierSettings | None = None,
        owner_settings: OwnerSettings | None = None,
    ) -> Project:
        return cls.from_manifest(
            artifacts.manifest.data,
            artifacts=artifacts,
            project_dir=project_dir,
            tier_settings=tier_settings,
            owner_settings=owner_settings,
        )

    @classmethod
    def from_manifest(
        cls,
        manifest: Manifest,
        *,
        artifacts: ArtifactSet | None = None,
        project_dir: Path | None = None,
        tier_settings: TierSettings | None = None,
        owner_settings: OwnerSettings | None = None,
    ) -> Project:
        project = cls(
            manifest=manifest,
            artifacts=artifacts,
            project_dir=project_dir,
            tier_settings=tier_settings or TierSettings(),
            owner_settings=owner_settings or OwnerSettings(),
            nodes=manifest.nodes or {},
            sources=manifest.sources or {},
            exposures=manifest.exposures or {},
            macros=manifest.macros or {},
            groups={group.name: group for group in (manifest.groups or {}).values()},
        )
        project._index()
        return project

    def _index(self) -> None:
        """One pass: edges from depends_on, tests attached to their resource."""
        parents = self.parents
        children = self.children
        tests = self.tests_by_resource
        known = self.nodes.keys() | self.sources.keys()
        for uid, node in self.nodes.items():
            upstream = node.depends_on.nodes if node.depends_on and node.depends_on.nodes else []
            if upstream:
                parents[uid] = upstream
                for parent in upstream:
                    children.setdefault(parent, []).append(uid)
            if node.resource_type == "test":
                ref = _test_ref(node)
                for target in _attached_resources(node, upstream, known, self.nodes, self.sources):
                    tests.setdefault(target, []).append(ref)
        unit_tests = self.manifest.unit_tests or {}
        for uid in sorted(unit_tests):
            depends_on = unit_tests[uid].depends_on
            for tested in (depends_on.nodes if depends_on else None) or ():
                self.unit_tests_by_model.setdefault(tested, []).append(uid)
        for uid, exposure in self.exposures.items():
            upstream = exposure.depends_on.nodes if exposure.depends_on else None
            if upstream:
                parents[uid] = upstream
                for parent in upstream:
                    children.setdefault(parent, []).append(uid)

    # -- selection helpers ---------------------------------------------------------------------

    @property
    def name(self) -> str:
        metadata = self.manifest.metadata
        if metadata and metadata.project_name:
            return metadata.project_name
        return self.root_package or "dbt"

    @property
    def root_package(self) -> str | None:
        """The package whose resources are gated (installed packages are not the team's code).

        The manifest names the root project only from v10 on, and some writers name it
        differently from its package. Before v10 its `project_id` is the MD5 of the root
        project's name (dbt's anonymous id), which picks it out of the packages: a project
        with a large package installed (elementary's 30 models) is not that package. Failing
        both, the package owning most models is the root."""
        if self._root_package is None:
            packages: dict[str, int] = {}
            for node in self.nodes.values():
                if node.resource_type in RELATION_TYPES:
                    packages[node.package_name] = packages.get(node.package_name, 0) + 1
            metadata = self.manifest.metadata
            declared = metadata.project_name if metadata else None
            hashed = _named_by_project_id(packages, metadata.project_id if metadata else None)
            if declared and declared in packages:
                self._root_package = declared
            elif hashed is not None:
                self._root_package = hashed
            elif packages:
                self._root_package = max(sorted(packages), key=packages.__getitem__)
            else:
                self._root_package = declared or ""
        return self._root_package

    def models(self) -> Iterator[Node]:
        """Models of the root project (not of installed packages)."""
        root = self.root_package
        for node in self.nodes.values():
            if node.resource_type == "model" and node.package_name == root:
                yield node

    def relations(self) -> Iterator[Node]:
        """Models, seeds and snapshots of the root project."""
        root = self.root_package
        for node in self.nodes.values():
            if node.resource_type in RELATION_TYPES and node.package_name == root:
                yield node

    def resource(self, unique_id: str) -> Node | Source | Exposure | Macro | None:
        return (
            self.nodes.get(unique_id)
            or self.sources.get(unique_id)
            or self.exposures.get(unique_id)
            or self.macros.get(unique_id)
        )

    def has_built(self, unique_id: str, column: str | None = None) -> bool:
        """Whether the build has the resource and, given a column, that column: declared in
        the YAML or in the catalog's table, compared case-insensitively (a warehouse may
        upper-case what the YAML writes). What a baseline entry recorded on a renamed column
        no longer matches, which is not debt paid off."""
        resource = self.resource(unique_id)
        if resource is None or column is None:
            return resource is not None
        wanted = column.casefold()
        table = self.catalog_table(unique_id)
        declared = getattr(resource, "columns", None) or {}
        return any(
            name.casefold() == wanted
            for names in (declared, (table.columns or {}) if table else {})
            for name in names
        )

    def _read_apart(self, what: str, reader: Callable[[Path], T], without: T) -> T:
        """What `reader` finds in the manifest: a second, selective decode (the gate's own
        leaves out the SQL, the unrendered config, refs and macro calls, which few checks read
        and every node would pay for), made the first time a check asks and kept. `without`
        when there is no manifest file to read."""
        if what not in self._apart:
            manifest = self.artifacts.manifest if self.artifacts else None
            self._apart[what] = reader(manifest.path) if manifest is not None else without
        return self._apart[what]

    def all_code(self) -> dict[str, str]:
        """Every node's and macro's code as dbt read it, by unique_id
        (`artifacts.load.read_code`); {} without a manifest file."""
        return self._read_apart("code", read_code, {})

    def unrendered_config(self) -> dict[str, dict[str, Any]]:
        """Each node's, source's and exposure's config as written, by unique_id, decoded from
        what the manifest's decode kept of it (`artifacts.manifest.written_config`) the first
        time it is asked: what dbt's `state:modified.configs` and `.relation` compare, and
        what tells a resolved setting the environment changed (`written_alike`). Resources without one are left out (dbt before 0.19); one that is not an
        object is the manifest's one-line error."""
        if "unrendered_config" not in self._apart:
            found: dict[str, dict[str, Any]] = {}
            for section, resources in (
                ("nodes", self.nodes),
                ("sources", self.sources),
                ("exposures", self.exposures),
            ):
                for uid, resource in resources.items():
                    config = written_config(resource)
                    if isinstance(config, dict):
                        found[uid] = config
                    elif config is not None:
                        manifest = self.artifacts.manifest.path if self.artifacts else "manifest"
                        kind = "array" if isinstance(config, list) else type(config).__name__
                        raise DbtgateError(
                            f"{manifest}: field of unexpected type: Expected `object | null`, "
                            f"got `{kind}` - at "
                            f"`$.{section}[{uid!r}].unrendered_config`"
                        )
            self._apart["unrendered_config"] = found
        return self._apart["unrendered_config"]

    def snapshot_sql(self, unique_id: str) -> str | None:
        """The snapshot's compiled SQL from the manifest (`artifacts.load.read_snapshot_sql`),
        for the dbt versions that write no file of it; None without a manifest file."""
        return self._read_apart("snapshot_sql", read_snapshot_sql, {}).get(unique_id)

    def written_alike(self, base: Project, unique_id: str, setting: str) -> bool:
        """Whether both builds say what the node's `setting` (grants, schema, database, alias)
        was before Jinja ran (dbt's unrendered config: `unrendered_config`), and say the
        same. Then a difference in the value dbt resolved comes from the environment, not the
        pull request: `schema: "{{ target.name }}_finance"`, or grants to a role list per
        target. Decoded only when resolved values differ."""
        before = base.unrendered_config().get(unique_id)
        after = self.unrendered_config().get(unique_id)
        return (
            before is not None and after is not None and before.get(setting) == after.get(setting)
        )

    def refs(self, unique_id: str) -> list[Ref]:
        """The node's `ref()` calls as written, each with the version it pins, if any
        (`artifacts.load.read_refs`); none without a manifest file."""
        return self._read_apart("refs", read_refs, {}).get(unique_id, [])

    def macro_calls(self) -> dict[str, tuple[str, ...]] | None:
        """The macros each resource calls, by its unique_id (`artifacts.load.read_macro_calls`);
        None without a manifest file, where no call can be known."""
        return self._read_apart("macro_calls", read_macro_calls, None)

    def called_macros(self) -> frozenset[str] | None:
        """The macros something in the build calls; None without a manifest file, where no
        macro can be known to be unused."""
        return self._read_apart(
            "called_macros",
            lambda _: frozenset(
                m for called in (self.macro_calls() or {}).values() for m in called
            ),
            None,
        )

    def code(self, unique_id: str) -> str | None:
        """The resource's code as dbt read it: a model's file stripped, a snapshot's or a
        macro's block."""
        return self.all_code().get(unique_id)

    @property
    def files(self) -> ResourceFiles:
        """Where the resources' files are: the root project's under `project_dir`, an
        installed package's where it is installed (`locate.ResourceFiles`)."""
        if self._files is None:
            self._files = ResourceFiles(self.project_dir, self.root_package)
        return self._files

    def code_start(self, unique_id: str) -> int | None:
        """How many lines of its file come before the resource's code (`code`): add it to a
        line of the code to get the file's line. None when the code cannot be placed in the
        file (a YAML-defined snapshot; a macro without its file). Read from the project's
        files (a package's where it is installed) by `locate.place_code`, once per resource; a file edited since the manifest was
        written lands in `stale_code`."""
        if unique_id not in self._code_starts:
            resource = self.resource(unique_id)
            code = self.code(unique_id)
            if resource is None or code is None:
                self._code_starts[unique_id] = None
            else:
                placed = place_code(self.files, resource, code)
                self._code_starts[unique_id] = placed.start
                if placed.stale:
                    self.stale_code.add(unique_id)
        return self._code_starts[unique_id]

    def relations_named(self, name: str) -> list[str]:
        """The models, seeds, snapshots and sources whose warehouse relation `name` designates
        (`db.schema.table`, `schema.table` or `table`; quotes and case ignored), by unique_id:
        what a table named directly in SQL should have been read through."""
        if self._relations is None:
            index: dict[str, list[str]] = {}
            resources = [*self.nodes.values(), *self.sources.values()]
            for resource in sorted(resources, key=lambda r: r.unique_id):
                if resource.resource_type not in ("model", "seed", "snapshot", "source"):
                    continue
                parts = _relation_parts(resource.relation_name or "")
                for start in range(len(parts)):
                    index.setdefault(".".join(parts[start:]), []).append(resource.unique_id)
            self._relations = index
        return self._relations.get(".".join(_relation_parts(name)), [])

    def tests_on(self, unique_id: str, column: str | None = None) -> list[TestRef]:
        """Tests on a resource; with `column`, only those on that column (case-insensitive)."""
        found = self.tests_by_resource.get(unique_id, [])
        if column is None:
            return found
        wanted = column.lower()
        return [t for t in found if t.column_name and _unquote(t.column_name).lower() == wanted]

    def tested_resources(self) -> dict[str, str]:
        """test or unit test unique_id -> the resource it tests (the first, by id, for a
        multi-model singular test; a unit test's model version). Built once: the run status,
        the KPI scorecard and the gate's placing of findings map every test result, a unit
        test's as a data test's (its failure is its model's, with its owner and tier)."""
        if self._tested is None:
            tested: dict[str, str] = {}
            for resource in sorted(self.tests_by_resource):
                for test in self.tests_by_resource[resource]:
                    tested.setdefault(test.unique_id, resource)
            for model in sorted(self.unit_tests_by_model):
                for uid in self.unit_tests_by_model[model]:
                    tested.setdefault(uid, model)
            self._tested = tested
        return self._tested

    def unit_test_definitions(self) -> dict[str, UnitTestText]:
        """Each unit test's definition, as text to compare (`artifacts.load.
        read_unit_test_definitions`); {} without a manifest file."""
        return self._read_apart("unit_tests", read_unit_test_definitions, {})

    def unit_test(self, unique_id: str) -> UnitTest | None:
        """The unit test `unique_id` names (dbt 1.8+: the manifest keeps them apart from its
        nodes), None when the build has none such."""
        return (self.manifest.unit_tests or {}).get(unique_id)

    def descendants(self, unique_id: str) -> dict[str, int]:
        """Every resource downstream of `unique_id`, with its distance (1 = direct child)."""
        depth: dict[str, int] = {}
        frontier = [unique_id]
        level = 0
        while frontier:
            level += 1
            next_frontier = []
            for uid in frontier:
                for child in self.children.get(uid, ()):
                    if child not in depth and child != unique_id:
                        depth[child] = level
                        next_frontier.append(child)
            frontier = next_frontier
        return depth

    def semantic_readers(self, unique_id: str) -> list[SemanticModel]:
        """The semantic models built on `unique_id`, in id order. They are not in the graph
        (`children`): only the schema diff's impact and governance.semantic_model_public_parents
        ask, so they are indexed on first ask."""
        if self._semantic_readers is None:
            index: dict[str, list[SemanticModel]] = {}
            models = self.manifest.semantic_models or {}
            for uid in sorted(models):
                depends_on = models[uid].depends_on
                for parent in (depends_on.nodes if depends_on else None) or ():
                    index.setdefault(parent, []).append(models[uid])
            self._semantic_readers = index
        return self._semantic_readers.get(unique_id, [])

    def readers(self, unique_id: str) -> list[str]:
        """The resources that read `unique_id` (models, snapshots, exposures, ...): its children
        other than the tests on it."""
        return [uid for uid in self.children.get(unique_id, ()) if not uid.startswith("test.")]

    def model_readers(self, unique_id: str) -> list[str]:
        """The models that read `unique_id`, in id order: the readers the DAG rules count
        (fanout, children, materialization by children), not tests, snapshots or exposures."""
        nodes = self.nodes
        return sorted(
            {
                uid
                for uid in self.children.get(unique_id, ())
                if (child := nodes.get(uid)) is not None and child.resource_type == "model"
            }
        )

    def column_docs(self, model: Node | Source, *, use_catalog: bool = True) -> ColumnDocs:
        """The column documentation of a model, seed, snapshot or source table (see
        ColumnDocs), computed once per resource: the docs.column_coverage rule and the KPI
        scorecard both ask, for every model."""
        cache_key = (model.unique_id, use_catalog)
        found = self._column_docs.get(cache_key)
        if found is not None:
            return found
        # lowered name -> None when described, else the name as written (first spelling wins)
        seen: dict[str, str | None] = {}
        placeholders: set[str] = set()
        for key, column in (model.columns or {}).items():
            name = column.name or key
            lowered = name.lower()
            if lowered not in seen:
                text = column.description
                # `is_described`'s common case first, without the call: it runs for each of
                # the 110,000 columns of a 10,000-model project (a tenth of column_docs).
                if (
                    text
                    and text[:2] in PLAIN_HEADS
                    and len(text.rstrip().rstrip(PUNCTUATION)) > LONGEST_DEFAULT_WORD
                ) or is_described(text):
                    seen[lowered] = None
                    continue
                seen[lowered] = name
                if text and not text.isspace():
                    placeholders.add(name)
        table = self.catalog_table(model.unique_id) if use_catalog else None
        if table is not None and table.columns:
            # dbt's own columns of a snapshot table are not the team's to describe (declared in
            # YAML, they count as any other).
            own = snapshot_columns(model) if model.resource_type == "snapshot" else ()
            for key, column in table.columns.items():
                name = column.name or key
                if name.lower() not in own:
                    seen.setdefault(name.lower(), name)
        undescribed = [name for name in seen.values() if name is not None]
        found = ColumnDocs(
            len(seen), len(seen) - len(undescribed), undescribed, frozenset(placeholders)
        )
        self._column_docs[cache_key] = found
        return found

    def is_virtual(self, unique_id: str) -> bool:
        """Whether the resource is a model whose query runs each time it is read: a view or an
        ephemeral model (CTE), which hold no data of their own."""
        node = self.nodes.get(unique_id)
        if node is None or node.resource_type != "model":
            return False
        return materialized_as(node) in _VIRTUAL_MATERIALIZATIONS

    def view_chain(self, unique_id: str) -> list[str]:
        """The longest chain of views and ephemeral models that `unique_id` reads, upstream
        first, ending at one of its direct parents ([] when it reads none).

        Memoised over the whole project, and walked without recursion: every model asks, and
        a chain can be longer than Python's recursion limit. Ties go to the parent first by id;
        a cycle (which dbt refuses to build) is cut where it closes."""
        memo = self._view_chains
        visiting: set[str] = set()
        stack = [unique_id]
        while stack:
            uid = stack[-1]
            if uid in memo:
                stack.pop()
                continue
            parents = sorted(p for p in set(self.parents.get(uid, ())) if self.is_virtual(p))
            pending = [p for p in parents if p not in memo and p not in visiting]
            if pending and uid not in visiting:
                visiting.add(uid)
                stack.extend(pending)
                continue
            best: tuple[int, str | None] = (0, None)
            for parent in parents:
                length = memo[parent][0] + 1 if parent in memo else 1
                if length > best[0]:
                    best = (length, parent)
            memo[uid] = best
            visiting.discard(uid)
            stack.pop()
        chain: list[str] = []
        seen: set[str] = set()
        step = memo[unique_id][1]
        while step is not None and step not in seen:
            chain.append(step)
            seen.add(step)
            step = memo[step][1] if step in memo else None
        return chain[::-1]

    def column_descriptions(self) -> dict[str, dict[str, list[str]]]:
        """How each column name (lower case) is described across the root project's models,
        seeds and snapshots: description (`same_text`) -> the unique_ids that use it, in id
        order. Built once: docs.column_description_consistent asks for every column of every
        model."""
        if self._column_descriptions is None:
            found: dict[str, dict[str, list[str]]] = {}
            for node in sorted(self.relations(), key=lambda n: n.unique_id):
                for key, column in (node.columns or {}).items():
                    text = same_text(column.description)
                    if text:
                        by_text = found.setdefault((column.name or key).lower(), {})
                        by_text.setdefault(text, []).append(node.unique_id)
            self._column_descriptions = found
        return self._column_descriptions

    def duplicate_sources(self) -> dict[str, list[str]]:
        """source unique_id -> every source (by id, itself included) that points at the same
        relation, for the relations two or more sources point at. A relation is the database,
        schema and identifier (the table name when unset), compared case-insensitively, as
        warehouses resolve unquoted names; a source without a database matches only another
        without one. Built once: sources.duplicate asks for every source, and comparing each
        with all the others would be quadratic."""
        if self._duplicate_sources is None:
            by_relation: dict[tuple[str | None, str, str], list[str]] = {}
            for uid in sorted(self.sources):
                source = self.sources[uid]
                relation = (
                    source.database.lower() if source.database else None,
                    (source.schema or "").lower(),
                    (source.identifier or source.name).lower(),
                )
                by_relation.setdefault(relation, []).append(uid)
            self._duplicate_sources = {
                uid: uids for uids in by_relation.values() if len(uids) > 1 for uid in uids
            }
        return self._duplicate_sources

    def properties_entries(self) -> PropertiesEntries:
        """(package, properties YAML path) -> resource type -> the resources of that type the
        file declares, by unique_id: models, seeds, snapshots, analyses and macros by their
        `patch_path`, source tables and exposures by their own file. Not tests, unit tests nor
        the semantic layer, which dbt's guides write beside the model they are about. Built
        once: docs.properties_one_kind asks for every resource's file."""
        if self._properties_entries is None:
            found: PropertiesEntries = {}
            resources: list[Node | Source | Exposure | Macro] = [
                *self.nodes.values(),
                *self.sources.values(),
                *self.exposures.values(),
                *self.macros.values(),
            ]
            for resource in sorted(resources, key=lambda r: r.unique_id):
                path = properties_path(resource)
                if path is not None:
                    kinds = found.setdefault((resource.package_name, path), {})
                    kinds.setdefault(resource.resource_type, []).append(resource)
            self._properties_entries = found
        return self._properties_entries

    def same_record(self, base: Project, unique_id: str) -> bool:
        """Whether the resource's record equals its record in `base` (False when absent there),
        but for when dbt parsed it (`artifacts.manifest.same_record`).

        A deep comparison of two decoded records, done once per resource and base: the change
        set (`dbtgate.state`) and the schema diff both ask, for every resource of the project."""
        known = self.same_records(base)
        same = known.get(unique_id)
        if same is None:
            current = self.resource(unique_id)
            same = known[unique_id] = current is not None and same_record(
                current, base.resource(unique_id)
            )
        return same

    def same_records(self, base: Project) -> dict[str, bool]:
        """What `same_record` knows of `base`, by unique_id: the change set, which walks every
        record of both builds anyway, fills it with `current == previous` for the records it
        holds (at 10,000 models a lookup of each in both builds cost half the comparison)."""
        known = self._same_as_base.get(id(base))
        if known is None:
            known = self._same_as_base[id(base)] = {}
        return known

    def same_built(self, base: Project, unique_id: str) -> bool:
        """Whether the resource is what it was in `base` in all a check reads of it: its
        record, the data and unit tests attached to it and its warehouse table (catalog.json),
        but for the table's row count and size, which move with the data (`catalog.same_table`).

        Cached per resource and base: the schema diff and the base build's KPIs both ask, for
        every model of the project."""
        known = self._same_built.get(id(base))
        if known is None:
            known = self._same_built[id(base)] = {}
        same = known.get(unique_id)
        if same is None:
            same = known[unique_id] = (
                self.same_record(base, unique_id)
                and self.tests_on(unique_id) == base.tests_on(unique_id)
                and self.unit_tests_by_model.get(unique_id)
                == base.unit_tests_by_model.get(unique_id)
                and same_table(self.catalog_table(unique_id), base.catalog_table(unique_id))
            )
        return same

    # -- owners and tiers ----------------------------------------------------------------------

    def owner(self, unique_id: str) -> str | None:
        """The resource's owner as configured: meta.<key> first, then its group's owner; a
        source table's, its own meta first, then its source's.

        Cached: the gate asks once per finding, the scorecard once per model and test."""
        if unique_id in self._owner_cache:
            return self._owner_cache[unique_id]
        owner = self._owner_cache[unique_id] = self._find_owner(unique_id)
        return owner

    def _find_owner(self, unique_id: str) -> str | None:
        resource = self.resource(unique_id)
        if resource is None:
            return None
        if isinstance(resource, Exposure):
            if resource.owner:
                return resource.owner.name or resource.owner.email
            return None
        meta = resource.meta or {}
        # A source table's meta holds its source's (`normalise_source`) key by key: a key the
        # table sets hides the source's whole value, so a nested owner key the table's own
        # value lacks (`meta.contact.email` beside the table's `contact: {slack: ...}`) is
        # looked for in its source's meta next (`source_meta`; the source's `config: meta:`
        # from dbt 1.10 on).
        source_meta = resource.source_meta if isinstance(resource, Source) else None
        for source in self.owner_settings.sources:
            if source.startswith("meta."):
                value = _owner_text(meta_value(meta, source[5:]))
                if not value and source_meta:
                    value = _owner_text(meta_value(source_meta, source[5:]))
                if value:
                    return value
            elif source == "group":
                group_name = getattr(resource, "group", None)
                value = self.group_owner(group_name) if group_name else None
                if value:
                    return value
        return None

    def group_owner(self, name: str) -> str | None:
        """The owner of the group `name` as its models are owned through it: its name, else
        its email; None for a group the build does not have or one without an owner."""
        group = self.groups.get(name)
        owner = group.owner if group else None
        return (owner.name or owner.email or None) if owner else None

    def tier(self, unique_id: str) -> int | None:
        """The resource's tier (1 = most critical), from meta or tags, else the default."""
        if unique_id in self._tier_cache:
            return self._tier_cache[unique_id]
        resource = self.resource(unique_id)
        tier = self.tier_settings.default
        if resource is not None:
            found = explicit_tier(resource, self.tier_settings.sources)
            if isinstance(found, str):
                self.unreadable_tiers[unique_id] = found
            elif found is not None:
                tier = found
        self._tier_cache[unique_id] = tier
        return tier

    # -- other artifacts ----------------------------------------------------------------------

    @property
    def run_results(self) -> RunResults | None:
        loaded = self.artifacts.run_results if self.artifacts else None
        return loaded.data if loaded else None

    def run_index(self) -> RunIndex | None:
        """The last run's results by unique_id (None without run_results.json). Built once: the
        run status and the KPI scorecard both look up every result."""
        if self._run_index is None:
            run_results = self.run_results
            if run_results is None:
                return None
            from dbtgate.status.results import index_run_results

            self._run_index = index_run_results(run_results)
        return self._run_index

    def has_node(self, unique_id: str) -> bool:
        """Whether the build has `unique_id` as a node (model, test, seed, ...) or a unit test:
        whatever a run's results name."""
        return unique_id in self.nodes or unique_id in (self.manifest.unit_tests or {})

    def executed_run(self) -> RunIndex | None:
        """The last run's results when that run executed something: None without
        run_results.json, or when `dbt compile` or `dbt docs generate` wrote it (rules that
        read durations or outcomes have nothing to read then)."""
        index = self.run_index()
        return index if index is not None and index.executed else None

    @property
    def catalog(self) -> Catalog | None:
        loaded = self.artifacts.catalog if self.artifacts else None
        return loaded.data if loaded else None

    def cased_apart(self) -> dict[tuple[str, str, str], list[Node | Source]]:
        """(`database` or `schema`, the name as the manifest spells it, as catalog.json does)
        -> the relations (models, seeds, snapshots, sources) whose name differs from the
        warehouse's in case only, in the order of their unique_ids. Built once, for naming.location_case, which
        reports each such name once: a lower-case profile on Snowflake is one name of every
        relation."""
        if self._cased_apart is None:
            found: dict[tuple[str, str, str], list[Node | Source]] = {}
            relations: list[Node | Source] = [
                *(node for node in self.nodes.values() if node.resource_type in RELATION_TYPES),
                *self.sources.values(),
            ]
            for resource in sorted(relations, key=lambda r: r.unique_id):
                table = self.catalog_table(resource.unique_id)
                built = table.metadata if table is not None else None
                if built is None:
                    continue
                for part, declared, actual in (
                    ("database", resource.database, built.database),
                    ("schema", resource.schema, built.schema),
                ):
                    apart = declared and actual and declared != actual
                    if apart and declared.lower() == actual.lower():
                        found.setdefault((part, declared, actual), []).append(resource)
            self._cased_apart = found
        return self._cased_apart

    def catalog_table(self, unique_id: str) -> CatalogTable | None:
        """The warehouse table of a model, seed, snapshot or source in catalog.json (None
        without a catalog, or when the catalog does not list it)."""
        catalog = self.catalog
        if catalog is None:
            return None
        table = (catalog.nodes or {}).get(unique_id) or (catalog.sources or {}).get(unique_id)
        if table is not None and (
            unique_id in self.unbuilt() or unique_id in self.built_after_catalog()
        ):
            return None
        return table

    def unbuilt(self) -> frozenset[str]:
        """The models, seeds and snapshots the last run errored on or skipped: their relation in
        the warehouse, which a `dbt docs generate` after the run lists in catalog.json, is the
        one of an earlier build. Its columns are not this build's (a column the pull request
        removed was still there, so the schema diff missed its removal and the documentation
        rules asked to describe it), so `catalog_table` leaves them out: such a relation is
        judged by its declared columns, as one the catalog does not list."""
        if self._unbuilt is None:
            index = self.executed_run()
            self._unbuilt = frozenset(
                uid
                for uid, result in (index.results.items() if index is not None else ())
                if result.status in ("error", "runtime error", "skipped")
                and uid.startswith(("model.", "seed.", "snapshot."))
            )
        return self._unbuilt

    def built_after_catalog(self) -> frozenset[str]:
        """The models, seeds and snapshots the last run built when that run ended after
        catalog.json was written: a catalog of an earlier `dbt docs generate` left in target/
        (`dbt build --select my_model` rewrites neither it nor the other relations) lists the
        tables the run replaced. A column the change removed was still listed there, so the
        schema diff passed its removal and the documentation rules asked to describe it; a
        column added was not. `catalog_table` leaves them out as it does `unbuilt`: they are
        judged by their declared columns. Empty when either file does not say when it was
        written, or the catalog is the later (a `dbt docs generate` after the build)."""
        if self._built_after_catalog is None:
            self._built_after_catalog = frozenset()
            index = self.executed_run()
            catalog, run_results = self.catalog, self.run_results
            if index is not None and catalog is not None and run_results is not None:
                from dbtgate.status.timestamps import parse_timestamp

                catalog_at = parse_timestamp(
                    catalog.metadata.generated_at if catalog.metadata else None
                )
                run_at = parse_timestamp(
                    run_results.metadata.generated_at if run_results.metadata else None
                )
                if catalog_at is not None and run_at is not None and catalog_at < run_at:
                    self._built_after_catalog = frozenset(
                        uid
                        for uid, result in index.results.items()
                        if result.status == "success"
                        and uid.startswith(("model.", "seed.", "snapshot."))
                    )
        return self._built_after_catalog

    def column_names(self, resource: Node | Source, *, use_catalog: bool = True) -> list[str]:
        """The resource's columns: the declared ones and, with a catalog.json (unless `use_catalog`
        is false), the warehouse's that the YAML does not declare (the declared spelling where
        two differ in case only), for the rules that judge every column by its name."""
        names = [column.name or key for key, column in (resource.columns or {}).items()]
        table = self.catalog_table(resource.unique_id) if use_catalog else None
        if table is None:
            return names
        declared = {name.lower() for name in names}
        return names + [
            column.name or key
            for key, column in (table.columns or {}).items()
            if (column.name or key).lower() not in declared
        ]

    @property
    def freshness(self) -> SourcesFreshness | None:
        loaded = self.artifacts.sources if self.artifacts else None
        return loaded.data if loaded else None


def _named_by_project_id(packages: dict[str, int], project_id: str | None) -> str | None:
    """The package whose name's MD5 is the manifest's `project_id` (dbt hashes the root
    project's name into it), if one is."""
    if not project_id:
        return None
    from hashlib import md5

    for package in sorted(packages):
        if md5(package.encode(), usedforsecurity=False).hexdigest() == project_id:
            return package
    return None


# The node types a properties file declares under a key of their own (`models:`, ...).
_DECLARED_NODES = frozenset({"model", "seed", "snapshot", "analysis"})


def properties_path(resource: Node | Source | Exposure | Macro) -> str | None:
    """The properties YAML that declares the resource (posix, relative to its package), None
    when none does: a node or macro without a properties entry, or a test."""
    if isinstance(resource, Source | Exposure):
        path = resource.original_file_path
    elif isinstance(resource, Macro) or resource.resource_type in _DECLARED_NODES:
        path = resource.patch_path
    else:
        return None
    return path.replace("\\", "/") if path else None


def display_name(resource: Node | Source | Exposure | Macro) -> str:
    """How a resource is named in a message: `orders_summary v2`, `source shop_raw.orders`."""
    if resource.resource_type == "source":
        return f"source {resource.source_name}.{resource.name}"  # type: ignore[union-attr]
    version = getattr(resource, "version", None)
    return f"{resource.name} v{version}" if version is not None else resource.name


def same_text(description: str | None) -> str:
    """A description as compared with others: spacing and a final full stop do not count."""
    return " ".join((description or "").split()).removesuffix(".")


def meta_value(meta: dict[str, Any], dotted: str) -> Any:
    """`meta[a][b]` for `a.b` (None where a level is missing or not a mapping)."""
    value: Any = meta
    for key in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _owner_text(value: Any) -> str | None:
    """meta.owner may be a string, a list of owners, or a mapping with name/email."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return _owner_text(value.get("name") or value.get("email") or value.get("team"))
    if isinstance(value, list) and value:
        texts = [t for t in (_owner_text(v) for v in value) if t]
        return ", ".join(texts) or None
    return None


def explicit_tier(
    resource: Node | Source | Exposure | Macro, sources: tuple[str, ...]
) -> int | str | None:
    """The tier the first of `sources` that the resource sets names; the text of a `meta.` value
    that names no whole number (`gold`, `1.5`, `true`) when no later source names one; None
    when none is set."""
    meta = resource.meta or {}
    unreadable = None
    for source in sources:
        if source.startswith("meta."):
            value = meta_value(meta, source[5:])
            if value is None:
                continue
            tier = _tier_number(value)
            if tier is not None:
                return tier
            unreadable = unreadable or f"{source}: {str(value)[:40]}"
        elif source == "tag":
            for tag in resource.tags or ():
                match = _TIER_TAG_RE.match(tag)
                if match:
                    return int(match.group(1))
    return unreadable


def _tier_number(value: Any) -> int | None:
    """The whole number a tier value names (`1`, `2.0`, `tier-1`, `T2`); None for a value that
    names none: `gold`, `true` (YAML's `tier: yes`), or `1.5`, which is between two tiers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    match = _TIER_VALUE_RE.search(str(value))
    if match is None:
        return None
    number = float(match.group())
    return int(number) if number.is_integer() else None


def unreadable_tiers_note(project: Project) -> str | None:
    """Says which resources set a tier source to something that is no tier (`meta.maturity:
    gold`, `meta.tier: 1.5`), so took the default: `tier:1` policies would otherwise skip them in silence."""
    found = project.unreadable_tiers
    if not found:
        return None
    # Each resource named with its value (the note said which values, not where to fix them).
    named = []
    for uid in sorted(found):
        resource = project.resource(uid)
        named.append(f"{found[uid]} on {display_name(resource) if resource else uid}")
    return (
        f"{counted(len(found), 'resource')} set a tier to a value that is no whole number "
        f"({first_few(named, 3)}), so took the default tier "
        f"({project.tier_settings.default}): tiers are numbers (`tier: 1`, `tier-1`)"
    )


def _unquote(name: str) -> str:
    return name.strip('"`[]')


def _test_ref(node: Node) -> TestRef:
    metadata = node.test_metadata
    kwargs = (metadata.kwargs if metadata else None) or {}
    column = node.column_name or kwargs.get("column_name")
    return TestRef(
        unique_id=node.unique_id,
        kind=metadata.name if metadata else "singular",
        namespace=metadata.namespace if metadata else None,
        column_name=column if isinstance(column, str) else None,
        kwargs=kwargs,
        severity=node.config.severity if node.config else None,
    )


def _attached_resources(
    node: Node,
    upstream: list[str],
    known: Any,
    nodes: dict[str, Node],
    sources: dict[str, Source],
) -> list[str]:
    """Which resources a test tests. dbt 1.5+ says so (attached_node); older manifests only list
    depends_on, where a relationships test also depends on its `to` model, so read the `model`
    kwarg (`{{ ref('x') }}` / `{{ source('a', 'b') }}`) to tell them apart. A singular test
    that reads several models tests each of them."""
    if node.attached_node and node.attached_node in known:
        return [node.attached_node]
    if len(upstream) <= 1 or node.test_metadata is None:
        return [uid for uid in upstream if uid in known]
    kwargs = node.test_metadata.kwargs if node.test_metadata and node.test_metadata.kwargs else {}
    model_arg = kwargs.get("model")
    if isinstance(model_arg, str):
        ref = _REF_RE.search(model_arg)
        if ref:
            name = ref.group(2) or ref.group(1)
            for uid in upstream:
                target = nodes.get(uid)
                if target is not None and target.name == name:
                    return [uid]
        src = _SOURCE_RE.search(model_arg)
        if src:
            for uid in upstream:
                source = sources.get(uid)
                if (
                    source is not None
                    and source.source_name == src.group(1)
                    and source.name == src.group(2)
                ):
                    return [uid]
    return upstream[:1]
