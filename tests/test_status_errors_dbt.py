"""Where `run.errors` points, on what dbt-duckdb really writes: a model's SQL error on its SQL
file (the line DuckDB quotes, found once in the file, else line 1), a seed's value that would
not load on its CSV's line, an enforced contract that failed on the model's YAML entry; the
same place in the JSON report, the SARIF file and the GitHub annotations."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_support import dbtgate
from test_diff_incremental_dbt import dbt

pytestmark = pytest.mark.slow

FILES = {
    # Jinja above the error: DuckDB's `LINE 19:` counts lines of the statement dbt sent.
    "models/looped.sql": "{{ config(materialized='table') }}\n\n{% set names = ['a', 'b'] %}\n"
    "select\n{% for name in names %}\n  1 as {{ name }},\n{% endfor %}\n  missing_col as d\n"
    "from (select 1 as x)\n",
    "models/plain.sql": "-- no Jinja\nselect 1 as id,\n  no_such_column as y\nfrom (select 1)\n",
    # The erring line is Jinja's: no line of the file reads as DuckDB quotes it.
    "models/templated.sql": "select\n  {{ 'gone' ~ '_col' }} as d\nfrom (select 1 as x)\n",
    # The quoted line is in the file twice: which one failed is not known.
    "models/twice.sql": "select nope as y from (select 1)\nunion all\n"
    "select nope as y from (select 1)\n",
    "models/contracted.sql": "select 'x' as id\n",
    "models/schema.yml": "models:\n  - name: plain\n  - name: contracted\n    config:\n"
    "      contract: {enforced: true}\n    columns:\n      - name: id\n"
    "        data_type: integer\nseeds:\n  - name: people\n  - name: places\n",
    # DuckDB counts records, not lines: the quoted line break puts the bad value on line 5
    # where it says `Line: 4`.
    "seeds/people.csv": 'id,name,age\n1,"two\nlines",30\n2,b,31\n3,c,old\n',
    "seeds/places.csv": "id,size\n1,2\n2,big\n",
}
PROJECT = (
    "name: inc\nversion: '1.0'\nprofile: inc\nseeds:\n  inc:\n    people:\n"
    "      +column_types: {age: integer}\n    places:\n      +column_types: {size: integer}\n"
)
EXPECTED = {
    "model.inc.looped": ("models/looped.sql", 8),
    "model.inc.plain": ("models/plain.sql", 3),
    "model.inc.templated": ("models/templated.sql", 1),
    "model.inc.twice": ("models/twice.sql", 1),
    "model.inc.contracted": ("models/schema.yml", 3),
    "seed.inc.people": ("seeds/people.csv", 5),
    "seed.inc.places": ("seeds/places.csv", 3),
}


def test_an_errored_build_is_located_where_it_is_fixed(tmp_path: Path) -> None:
    project = tmp_path / "project"
    for relative, text in {**FILES, "dbt_project.yml": PROJECT}.items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(text, encoding="utf-8")
    done = dbt(project, tmp_path / "dev.duckdb", "target", "build")
    assert done.returncode == 1, done.stdout
    results = json.loads((project / "target" / "run_results.json").read_text())
    messages = {r["unique_id"]: r["message"] for r in results["results"]}
    # What the placing reads, as dbt-duckdb writes it.
    quoted = re.search(r"LINE (\d+):   missing_col as d", messages["model.inc.looped"])
    assert quoted is not None and quoted.group(1) != "8"
    assert "CSV Error on Line: 4\n  Original Line: 3,c,old" in messages["seed.inc.people"]

    out = tmp_path / "out"
    done = dbtgate("check", "--out", str(out), "--annotations", cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads((out / "gate.json").read_text())
    placed = {
        f["unique_id"]: (f["path"], f["line"])
        for f in report["findings"]
        if f["code"] == "run.errors"
    }
    assert placed == EXPECTED
    sarif = json.loads((out / "gate.sarif").read_text())
    located = {
        result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: (
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            result["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for result in sarif["runs"][0]["results"]
        if result["ruleId"] == "run.errors"
    }
    assert located == EXPECTED
    annotated = {
        line.split("::", 2)[1]
        for line in done.stdout.splitlines()
        if line.startswith("::error") and "title=run.errors" in line
    }
    assert annotated == {
        f"error file={path},line={line},title=run.errors" for path, line in EXPECTED.values()
    }
    fixes = {f["unique_id"]: f["fix"] for f in report["findings"] if f["code"] == "run.errors"}
    assert fixes["seed.inc.people"].startswith("Fix the seed's CSV, or its `column_types`")
