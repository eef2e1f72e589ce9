"""dbt-core stays out of pytest's process: no test module imports it when collected.

Tests that need dbt run it in a child process (tests/dbt_read.py, tests/dbt_ls.py, the fixture
build), and conftest.py fails a test whose body imports it. This covers the rest: a module-level
import, in a test module or a helper it imports, loads dbt as soon as pytest collects the suite,
even for a run that selects none of its tests.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def dbt_modules() -> list[str]:
    return sorted(name for name in sys.modules if name == "dbt" or name.startswith("dbt."))


def test_collecting_the_test_modules_imports_no_dbt() -> None:
    # Already imported by a run that collected them all; imported here when run alone.
    modules = sorted(path.stem for path in Path(__file__).parent.glob("test_*.py"))
    assert len(modules) > 100
    for module in modules:
        importlib.import_module(module)
    assert dbt_modules() == []
