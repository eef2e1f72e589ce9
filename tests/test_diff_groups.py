"""Groups added, removed and handed over, on real manifests of every schema version that has
groups (v10 on: dbt 1.6 to 1.12), each given a group `finance` holding two of its models and
then edited as a pull request would: one line a group, with the models it concerns.

No manifest of the corpus declares a group, so the groups are written into copies of them, in
the shape dbt writes (`groups`, and `group` on the node and in its config)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest
from corpus import corpus_files, file_id

from dbtgate.artifacts import load_artifacts
from dbtgate.diff.changes import Change
from dbtgate.diff.compare import diff_projects
from dbtgate.project import Project

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)
FINANCE = {"name": "Finance Analytics", "email": "finance@example.com"}


def group(package: str, name: str, owner: dict) -> dict:
    return {
        "name": name,
        "resource_type": "group",
        "package_name": package,
        "path": "groups.yml",
        "original_file_path": "models/groups.yml",
        "unique_id": f"group.{package}.{name}",
        "owner": dict(owner),
    }


def put_in(node: dict, name: str | None) -> None:
    node["group"] = name
    node.setdefault("config", {})["group"] = name


def loaded(data: dict, directory: Path) -> Project:
    directory.mkdir(parents=True)
    (directory / "manifest.json").write_bytes(msgspec.json.encode(data))
    return Project.from_artifacts(load_artifacts(directory))


class Grouped:
    """A real manifest given a group `finance` over its first two root models, decoded and
    prepared once a module (`grouped`): each case edits copies of it. Decoding a corpus
    manifest (up to 1.7 MB) and copying it twice with `copy.deepcopy` in every case took most
    of the module's time."""

    def __init__(self, manifest: Path, directory: Path) -> None:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        root = loaded(data, directory / "as-built").root_package
        assert root
        self.package = root
        models = sorted(
            uid
            for uid, node in data["nodes"].items()
            if node["resource_type"] == "model"
            and node["package_name"] == root
            and node.get("version") is None  # named plainly in the lines
        )
        assert len(models) >= 3, manifest
        for uid in models:  # owned through the group: no owner of their own
            node = data["nodes"][uid]
            for meta in (node.get("meta"), (node.get("config") or {}).get("meta")):
                if isinstance(meta, dict):
                    meta.pop("owner", None)
        self.models, self.other = models[:2], models[2]
        self.names = [data["nodes"][uid]["name"] for uid in models[:3]]
        data["groups"] = {f"group.{root}.finance": group(root, "finance", FINANCE)}
        for uid in self.models:
            put_in(data["nodes"][uid], "finance")
        self._encoded = msgspec.json.encode(data)

    def copy(self) -> dict:
        """A copy of the prepared manifest of its own, to edit: decoded again from its JSON,
        in a fifth of the time `copy.deepcopy` takes on the dict."""
        return msgspec.json.decode(self._encoded)


@pytest.fixture(scope="module")
def grouped(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Grouped]:
    """Each corpus manifest prepared once for the module's cases, when the first asks."""
    prepared: dict[Path, Grouped] = {}

    def get(manifest: Path) -> Grouped:
        if manifest not in prepared:
            prepared[manifest] = Grouped(manifest, tmp_path_factory.mktemp("grouped"))
        return prepared[manifest]

    return get


class Builds:
    """The prepared manifest as the base, and a copy of it to edit as the pull request."""

    def __init__(self, grouped: Grouped, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.package, self.models, self.other = grouped.package, grouped.models, grouped.other
        self.names = grouped.names
        self.base = grouped.copy()
        self.pr = grouped.copy()

    def owner_of(self, name: str) -> dict:
        return self.pr["groups"][f"group.{self.package}.{name}"]["owner"]

    def add_group(self, name: str, owner: dict, *, package: str | None = None) -> None:
        added = group(package or self.package, name, owner)
        self.pr["groups"][added["unique_id"]] = added

    def remove_group(self, name: str) -> None:
        del self.pr["groups"][f"group.{self.package}.{name}"]

    def diff(self) -> list[Change]:
        base = loaded(self.base, self.tmp_path / "base")
        pr = loaded(self.pr, self.tmp_path / "pr")
        return diff_projects(base, pr, today=NOW).changes


def on_groups(changes: list[Change]) -> list[tuple[str, str, str]]:
    return [(c.code, c.unique_id, c.reason) for c in changes if c.resource_type == "group"]


parametrized = pytest.mark.parametrize(
    "manifest",
    corpus_files("schema-versions/manifest_v1[0-2]*.json"),
    ids=lambda p: file_id(p) if p else "absent",
)


@parametrized
def test_a_new_email_for_the_same_owner_is_said_on_the_group(manifest, grouped, tmp_path):
    """The email is where the team's alerts go: a new one with the same name moves no model's
    owner, and was said nowhere."""
    builds = Builds(grouped(manifest), tmp_path)
    builds.owner_of("finance")["email"] = "finance-alerts@example.com"
    changes = builds.diff()
    a, b, _ = builds.names
    assert on_groups(changes) == [
        (
            "safe.group_owner_changed",
            f"group.{builds.package}.finance",
            "group finance: owner email finance@example.com -> finance-alerts@example.com "
            f"(owner Finance Analytics; 2 models: {a}, {b})",
        )
    ]
    (line,) = [c for c in changes if c.resource_type == "group"]
    assert line.details == {
        "owner": "Finance Analytics",
        "new_owner": "Finance Analytics",
        "email": "finance@example.com",
        "new_email": "finance-alerts@example.com",
        "resources": builds.models,
    }
    # No model's row speaks of it: their owner is the same name.
    assert [c for c in changes if c.resource_type != "group"] == []


@parametrized
def test_a_new_owner_with_a_new_email_says_both(manifest, grouped, tmp_path):
    builds = Builds(grouped(manifest), tmp_path)
    builds.owner_of("finance").update(name="Revenue Ops", email="revops@example.com")
    changes = builds.diff()
    a, b, _ = builds.names
    assert on_groups(changes) == [
        (
            "safe.group_owner_changed",
            f"group.{builds.package}.finance",
            "group finance: owner Finance Analytics -> Revenue Ops, email finance@example.com "
            f"-> revops@example.com (2 models: {a}, {b})",
        )
    ]
    assert [c for c in changes if c.resource_type != "group"] == []


@parametrized
def test_an_email_only_owner_is_said_once_not_twice(manifest, grouped, tmp_path):
    """A group whose owner has only an email is owned by that email: its owner line is the
    email's, without an `email ... -> ...` that says it again."""
    builds = Builds(grouped(manifest), tmp_path)
    builds.base["groups"][f"group.{builds.package}.finance"]["owner"] = {
        "name": None,
        "email": "finance@example.com",
    }
    builds.owner_of("finance").update(name=None, email="revops@example.com")
    a, b, _ = builds.names
    assert [reason for _, _, reason in on_groups(builds.diff())] == [
        f"group finance: owner finance@example.com -> revops@example.com (2 models: {a}, {b})"
    ]


@parametrized
def test_a_new_group_is_listed_with_the_models_put_in_it(manifest, grouped, tmp_path):
    builds = Builds(grouped(manifest), tmp_path)
    builds.add_group("revenue", {"name": "Revenue Ops", "email": "revops@example.com"})
    builds.add_group("empty", {"name": None, "email": "empty@example.com"})
    put_in(builds.pr["nodes"][builds.other], "revenue")
    changes = builds.diff()
    other = builds.names[2]
    assert on_groups(changes) == [
        (
            "safe.group_added",
            f"group.{builds.package}.empty",
            "group empty added (owner empty@example.com; no model in it yet)",
        ),
        (
            "safe.group_added",
            f"group.{builds.package}.revenue",
            f"group revenue added (owner Revenue Ops; 1 model: {other})",
        ),
    ]
    added = next(c for c in changes if c.unique_id.endswith(".revenue"))
    assert added.details == {
        "owner": "Revenue Ops",
        "email": "revops@example.com",
        "resources": [builds.other],
    }
    # The model put in it says so on its own row, and whom it belongs to now.
    (row,) = [c for c in changes if c.unique_id == builds.other]
    assert row.code == "safe.meta_changed"
    assert row.reason == f"{other}: put in group revenue; owner (none) -> Revenue Ops"


@parametrized
def test_a_removed_group_is_listed_with_the_models_that_were_in_it(manifest, grouped, tmp_path):
    """dbt refuses a model naming a group it does not declare: the pull request moved the
    group's models out of it, into another group or none; the group's line names them as they
    were, and each model's row says where it went."""
    builds = Builds(grouped(manifest), tmp_path)
    builds.remove_group("finance")
    builds.add_group("revenue", {"name": "Revenue Ops", "email": "revops@example.com"})
    first, second = builds.models
    put_in(builds.pr["nodes"][first], "revenue")
    put_in(builds.pr["nodes"][second], None)
    changes = builds.diff()
    a, b, _ = builds.names
    assert on_groups(changes) == [
        (
            "safe.group_removed",
            f"group.{builds.package}.finance",
            f"group finance removed (owner Finance Analytics; 2 models were in it: {a}, {b})",
        ),
        (
            "safe.group_added",
            f"group.{builds.package}.revenue",
            f"group revenue added (owner Revenue Ops; 1 model: {a})",
        ),
    ]
    removed = next(c for c in changes if c.code == "safe.group_removed")
    assert removed.change_class == "safe"
    assert removed.path == "models/groups.yml"  # its file in the base build: its entry is gone
    assert removed.details == {
        "owner": "Finance Analytics",
        "email": "finance@example.com",
        "resources": builds.models,
    }
    rows = {c.unique_id: c.reason for c in changes if c.resource_type == "model"}
    assert rows == {
        first: f"{a}: moved from group finance to group revenue; "
        "owner Finance Analytics -> Revenue Ops",
        second: f"{b}: taken out of group finance; owner Finance Analytics -> (none)",
    }


@parametrized
def test_groups_of_installed_packages_and_unchanged_groups_are_not_listed(
    manifest, grouped, tmp_path
):
    builds = Builds(grouped(manifest), tmp_path)
    builds.add_group("theirs", {"name": "Vendor"}, package="some_package")
    assert on_groups(builds.diff()) == []
