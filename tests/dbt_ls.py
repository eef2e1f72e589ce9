"""Write what `dbt ls` selects for each selector, as JSON: {"select --exclude x": [unique_id]}.

Run by test_select_dbt.py as its own process (`python dbt_ls.py PROJECT SELECTORS.json OUT.json
[STATE]`; dbt prints each listed resource, so the answers go to a file):
one dbt-core process answers every selector (a `dbt ls` process each would take minutes), and
dbt-core stays out of the test process. A selector dbt refuses maps to the string "error".
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from dbt.cli.main import dbtRunner


def main(project: str, selectors_file: str, output: str, state: str | None = None) -> None:
    runner = dbtRunner()
    answers: dict[str, list[str] | str] = {}
    for line in json.loads(Path(selectors_file).read_text(encoding="utf-8")):
        select, _, exclude = line.partition(" --exclude ")
        args = ["ls", "--project-dir", project, "--profiles-dir", project, "--quiet"]
        args += ["--resource-type", "all", "--output", "json", "--output-keys", "unique_id"]
        # dbtgate reaches a selected model's tests through the model, not by selecting them.
        args += ["--indirect-selection", "empty", "--select", *select.split()]
        args += ["--exclude", *exclude.split()] if exclude else []
        args += ["--state", state] if state else []
        result = runner.invoke(args)
        answers[line] = (
            sorted(json.loads(item)["unique_id"] for item in result.result or ())
            if result.success
            else "error"
        )
    Path(output).write_text(json.dumps(answers), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
