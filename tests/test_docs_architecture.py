"""docs/architecture.md describes the package as it is: its list of modules names every module
under dbtgate/ once, each with its one job, and nothing the page names in code (`dbtgate.x.y`,
`Class.attribute`, `x/y.py`) is a module, function or file that no longer exists. A module added
without a line here, or renamed under the page, fails."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "architecture.md"


def package_modules() -> set[str]:
    return {
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in (ROOT / "dbtgate").rglob("*.py")
    }


def listed_modules() -> list[tuple[str, str]]:
    """(module, its job) for each row of the page's tables under `## Modules`."""
    section = PAGE.read_text(encoding="utf-8").split("\n## Modules\n", 1)[1]
    return re.findall(r"^\| `(dbtgate[\w.]*)` \| (.*) \|$", section, re.M)


def test_the_module_list_names_every_module_once_with_its_job():
    listed = listed_modules()
    names = [name for name, _ in listed]
    assert len(names) == len(set(names)), "a module listed twice"
    assert set(names) == package_modules()
    assert all(len(job.split()) >= 4 for _, job in listed), "each module says what it does"


def test_every_dotted_name_on_the_page_exists():
    """`dbtgate.gate.CHECK_MODULES`, `dbtgate.artifacts.manifest.normalise_node`: the longest
    prefix that is a module is imported, the rest looked up on it."""
    text = PAGE.read_text(encoding="utf-8")
    modules = package_modules()
    missing = []
    named = set(re.findall(r"\bdbtgate(?:\.\w+)+", text)) - {"dbtgate.yml"}
    assert len(named) > 30
    for name in sorted(named):
        parts = name.split(".")
        depth = max(i for i in range(1, len(parts) + 1) if ".".join(parts[:i]) in modules)
        found = importlib.import_module(".".join(parts[:depth]))
        for attribute in parts[depth:]:
            found = getattr(found, attribute, None)
        if found is None:
            missing.append(name)
    assert missing == []


def class_members() -> dict[str, set[str]]:
    """Each class of the package with its methods and its class-level names (fields)."""
    members: dict[str, set[str]] = {}
    for path in (ROOT / "dbtgate").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            names = members.setdefault(node.name, set())
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    names.add(item.name)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    names.add(item.target.id)
                elif isinstance(item, ast.Assign):
                    names.update(t.id for t in item.targets if isinstance(t, ast.Name))
    return members


def test_every_class_member_and_file_the_page_names_exists():
    text = PAGE.read_text(encoding="utf-8")
    members = class_members()
    named = set(re.findall(r"`([A-Z]\w+)\.(\w+)", text))
    assert len(named) > 10
    missing = [f"{cls}.{name}" for cls, name in sorted(named) if name not in members.get(cls, ())]
    files = set(re.findall(r"`([\w/]+\.py)`", text)) | set(re.findall(r"\b(tests/\w+\.py)", text))
    absent = [f for f in sorted(files) if not (ROOT / "dbtgate" / f).exists()]
    absent = [f for f in absent if not (ROOT / f).exists()]
    assert missing == []
    assert absent == []
