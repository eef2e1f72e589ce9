"""The base build a pull request is compared with: artifacts of the previous build on disk."""

from __future__ import annotations

from pathlib import Path

from dbtgate.artifacts import ArtifactSet, load_artifacts
from dbtgate.errors import DbtgateError


def load_base(spec: str) -> ArtifactSet:
    """`spec` is a directory holding the base build's manifest.json (and catalog.json)."""
    path = Path(spec)
    if path.is_dir():
        if (path / "manifest.json").exists():
            return load_artifacts(path)
        if (path / "target" / "manifest.json").exists():
            return load_artifacts(path / "target")
        raise DbtgateError(
            f"{path}: --base directory has no manifest.json (nor target/manifest.json)"
        )
    if path.is_file() and path.name.endswith(".json"):
        return load_artifacts(path.parent)
    raise DbtgateError(f"{spec}: --base is not a directory with the base build's manifest.json")
