"""A --base git ref is parsed by dbt (seconds) once per commit: the caller hears when that
happens, to say so on the spinner instead of "loading artifacts" standing still."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from diff_support import model, write_build

from dbtgate.base import load_base_ref

# Stands in for `dbt parse`: writes the manifest it was given into --target-path.
FAKE_DBT = """\
#!{python}
import pathlib, shutil, sys
target = pathlib.Path(sys.argv[sys.argv.index("--target-path") + 1])
target.mkdir(parents=True, exist_ok=True)
shutil.copy({manifest!r}, target / "manifest.json")
"""


def test_parsing_a_base_ref_is_announced_once_then_the_cache_answers(tmp_path: Path) -> None:
    write_build(tmp_path / "built", [model("orders", [("order_id", "integer")])])
    fake = tmp_path / "dbt"
    manifest = str(tmp_path / "built" / "target" / "manifest.json")
    fake.write_text(FAKE_DBT.format(python=sys.executable, manifest=manifest), encoding="utf-8")
    fake.chmod(0o755)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "dbt_project.yml").write_text("name: shop\nprofile: shop\n", encoding="utf-8")
    (repo / "profiles.yml").write_text("shop: {}\n", encoding="utf-8")
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["-c", "user.name=CI", "-c", "user.email=ci@example.com", "commit", "-q", "-m", "base"],
    ):
        subprocess.run(["git", "-C", str(repo), *args], check=True)
    sha = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    heard: list[str] = []
    for _ in range(2):
        loaded = load_base_ref(
            "main",
            project_dir=repo,
            profiles_dir=repo,
            cache_dir=tmp_path / "cache",
            environ={"DBTGATE_DBT": str(fake)},
            announce=heard.append,
        )
        assert "model.proj.orders" in loaded.manifest.data.nodes
    assert heard == [f"dbt parse of --base main ({sha[:12]}), once per commit"]
