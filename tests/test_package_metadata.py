"""The long description PyPI shows is README.md as the build writes it into the package's
metadata. The README links docs/ relatively, which GitHub and a checkout resolve and PyPI does
not: the built description carries those links' words only, and says where the pages are."""

from __future__ import annotations

import email
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A markdown link whose target is neither a URL (`https:`) nor an anchor on the page (`#...`,
# which PyPI's renderer keeps working).
RELATIVE_LINK = re.compile(r"\[([^\]]+)\]\((?![a-z]+:|#)([^)\s]*)\)")


def built_metadata(tmp_path: Path) -> email.message.Message:
    """The METADATA of the wheel, written by the build backend (hatchling and its readme hook)
    as `pip wheel` and `python -m build` have it written, without building the wheel."""
    script = (
        "import sys; from hatchling.build import prepare_metadata_for_build_wheel as prepare;"
        " print(prepare(sys.argv[1]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    # Without the readme hook installed (`pip install -e ".[dev]"`), hatchling names it here.
    assert done.returncode == 0, done.stderr
    dist_info = tmp_path / done.stdout.strip()
    return email.message_from_string((dist_info / "METADATA").read_text(encoding="utf-8"))


def test_the_pypi_description_is_the_readme_without_its_relative_links(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = RELATIVE_LINK.findall(readme)
    assert any(target.startswith("docs/") for _, target in linked)

    metadata = built_metadata(tmp_path)
    description = metadata.get_payload()

    assert metadata["Description-Content-Type"] == "text/markdown"
    assert RELATIVE_LINK.findall(description) == []
    # Each link kept its words, so the page still names the docs it pointed to...
    head, _, rest = readme.partition("<!-- try-it:")
    _, _, tail = rest.partition("<!-- end of try-it -->")
    assert head and tail.strip()
    assert description.startswith(RELATIVE_LINK.sub(r"\1", head))
    assert RELATIVE_LINK.sub(r"\1", tail.strip()) in description
    # ...and says where they are.
    assert "`docs/` pages named above are in dbtgate's repository" in description
    # The links within the page work on PyPI too and are kept.
    assert "[GitHub Actions](#github-actions)" in description


def test_the_pypi_description_says_how_to_try_the_package_not_a_clone(tmp_path):
    """README.md's "Try it in a clone" commands install the checkout (`pip install -e .`); a
    reader on PyPI has none, and is told to install the package instead."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "Try it in a clone of this repository" in readme and 'pip install -e ".[' in readme

    description = built_metadata(tmp_path).get_payload()

    opening = description.partition("## What it checks")[0]
    assert "clone" not in opening and "pip install -e" not in opening
    try_it = description.index('pip install "dbtgate[duckdb]" && dbtgate demo')
    assert description.index("Try it (Python 3.10+") < try_it < description.index("The demo builds")
    # The markers that delimit the part are not in the page.
    assert "<!--" not in description
