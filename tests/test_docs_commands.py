"""The README and docs/ keep in step with the command line and the action: every
`dbtgate COMMAND --flag` they show is a flag of that command, every link to another page and
heading lands, and every workflow job that uses the action gives it inputs it has, with the
permissions its steps need. Each of these drifted once as the pages grew (a flag renamed, a
section moved to another page, a SARIF upload without `security-events: write`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from cli_support import dbtgate

from dbtgate.cli import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Files whose every line is a command or configuration, not prose.
SCRIPTS = [
    ROOT / "action.yml",
    ROOT / "examples" / "dbt-pr-gate.yml",
    ROOT / ".pre-commit-hooks.yaml",
]
FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")
FENCED = re.compile(r"^```.*?^```", re.M | re.S)  # a fence opens a line; ```sql in a cell does not


def command_lines(path: Path) -> list[str]:
    """The code a page shows: its code spans and the lines of its code blocks (a YAML or shell
    file: every line)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".yml", ".yaml"):
        return text.splitlines()
    blocks = re.findall(r"```[\w-]*\n(.*?)```", text, re.S)
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"```[\w-]*\n.*?```", "", text, flags=re.S))
    return spans + [line for block in blocks for line in block.splitlines()]


def flags_shown() -> list[tuple[str, str, str, str]]:
    """(page, command, flag, the code it is in) for each `dbtgate COMMAND ... --flag` shown, and
    each code span that starts with a command's name (`check --select`)."""
    commands = "|".join(COMMANDS)
    call = re.compile(rf"(?:^|\bdbtgate\s+)({commands})\b((?:\s+[^\s|;&`]+)*)")
    shown = []
    for path in PAGES + SCRIPTS:
        for code in command_lines(path):
            for match in call.finditer(code.strip()):
                if match.start() and not match.group(0).startswith("dbtgate"):
                    continue
                command, words = match.groups()
                for flag in FLAG.findall(words):
                    shown.append((path.name, command, flag, code.strip()))
    return shown


@pytest.fixture(scope="module")
def command_flags() -> dict[str, set[str]]:
    return {name: set(FLAG.findall(dbtgate(name, "--help").stdout)) for name in COMMANDS}


def test_every_flag_the_docs_give_a_command_is_one_of_its_own(command_flags):
    shown = flags_shown()
    # The scan finds the commands the pages show, so an empty scan cannot pass for a clean one.
    assert {("check", "--base"), ("lint", "--fix"), ("baseline", "--prune")} <= {
        (command, flag) for _, command, flag, _ in shown
    }
    wrong = [
        f"{page}: `{command}` has no {flag}: {code}"
        for page, command, flag, code in shown
        if flag not in command_flags[command]
    ]
    assert wrong == []


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower().replace("`", "")
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCED.sub("", path.read_text(encoding="utf-8"))
    return {github_slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.M)}


def test_every_link_between_the_pages_lands_on_a_file_and_heading():
    """A section moved from the README to docs/ left links to `README.md#...` and `#...` that
    open the page at its top; each must name a file that exists and a heading it has."""
    broken = []
    links = 0
    for page in PAGES:
        text = FENCED.sub("", page.read_text(encoding="utf-8"))
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            links += 1
            file, _, anchor = target.partition("#")
            linked = (page.parent / file).resolve() if file else page
            if not linked.exists():
                broken.append(f"{page.name}: {target}: no such file")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                broken.append(f"{page.name}: {target}: no such heading")
    assert links > 20
    assert broken == []


def workflow_jobs() -> list[tuple[str, dict]]:
    """Every workflow in the docs that uses the action, and the example workflow."""
    jobs = []
    for page in PAGES:
        for block in page.read_text(encoding="utf-8").split("```yaml\n")[1:]:
            text = block.split("```", 1)[0]
            if "/dbtgate@" in text:
                jobs.append((page.name, yaml.safe_load(text)))
    example = ROOT / "examples" / "dbt-pr-gate.yml"
    jobs.append((example.name, yaml.safe_load(example.read_text(encoding="utf-8"))))
    return jobs


def test_every_workflow_shown_is_valid_and_grants_what_its_steps_need():
    """The sticky comment needs `pull-requests: write`; a SARIF upload to code scanning needs
    `security-events: write`, and is refused (without failing the job) where code scanning is off;
    the action is given only inputs it declares."""
    inputs = set(yaml.safe_load((ROOT / "action.yml").read_text())["inputs"])
    jobs = workflow_jobs()
    assert {name for name, _ in jobs} >= {"README.md", "github-actions.md", "dbt-pr-gate.yml"}
    for name, workflow in jobs:
        permissions = workflow["permissions"]
        assert permissions["pull-requests"] == "write", name
        steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
        uploads = 0
        for step in steps:
            if "/dbtgate@" in step.get("uses", ""):
                assert set(step.get("with", {})) <= inputs, name
                uploads += step.get("with", {}).get("upload-sarif") is True  # the action's own
            if step.get("uses", "").startswith("github/codeql-action/upload-sarif@"):
                assert step.get("continue-on-error") is True, name
                uploads += 1
        assert uploads == 1, name
        assert permissions.get("security-events") == "write", name


def test_the_actions_page_lists_every_input_and_output_of_the_action():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    page = (ROOT / "docs" / "github-actions.md").read_text(encoding="utf-8")
    inputs = page.split("### Inputs\n", 1)[1].split("\n#", 1)[0]
    outputs = page.split("### Outputs of the action\n", 1)[1].split("\n#", 1)[0]
    assert re.findall(r"^\| `([\w-]+)` \|", inputs, re.M) == list(action["inputs"])
    assert re.findall(r"^\| `([\w-]+)` \|", outputs, re.M) == list(action["outputs"])


def test_the_docs_job_gates_each_event_against_a_base_that_exists():
    """The README's job gave `base: ... || 'base-target'`, a folder nothing in the job wrote: on
    every pull request `check` stopped with exit 2 (`base-target: --base is not a directory`).
    A pull request is gated against its base branch, a merge group against the commit it was
    built on, both git refs the job's `fetch-depth: 0` checkout holds."""
    from workflow_expressions import interpolate

    sha = "b" * 40
    contexts = {
        "pull_request": {"github": {"base_ref": "main", "event": {"pull_request": {"number": 7}}}},
        "merge_group": {"github": {"base_ref": "", "event": {"merge_group": {"base_sha": sha}}}},
    }
    expected = {"pull_request": "origin/main", "merge_group": sha}
    for name, workflow in workflow_jobs():
        if name == "dbt-pr-gate.yml":
            continue  # its base is main's downloaded build: tests/test_action.py
        steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
        [gate] = [step for step in steps if "/dbtgate@" in step.get("uses", "")]
        checkout = next(
            step for step in steps if step.get("uses", "").startswith("actions/checkout@")
        )
        assert checkout["with"]["fetch-depth"] == 0, name
        for event, context in contexts.items():
            assert interpolate(gate["with"]["base"], context) == expected[event], (name, event)


def test_every_environment_variable_the_docs_name_is_read_by_dbtgate():
    """`$DBTGATE_CACHE_DIR`, `DBTGATE_TODAY`, ...: a variable renamed in the code and not in the
    docs is one a user sets to no effect."""
    named = set()
    for page in PAGES:
        named |= set(re.findall(r"\bDBTGATE_[A-Z_]+\b", page.read_text(encoding="utf-8")))
    assert {"DBTGATE_CACHE_DIR", "DBTGATE_TODAY"} <= named
    code = "\n".join(
        path.read_text(encoding="utf-8")
        for path in [*(ROOT / "dbtgate").rglob("*.py"), ROOT / "tests" / "conftest.py"]
    )
    assert sorted(name for name in named if f'"{name}"' not in code) == []


def test_every_environment_variable_dbtgate_reads_is_documented():
    """The reverse: a DBTGATE_* variable the code reads (`DBTGATE_DBT`, `DBTGATE_DEBUG`) is in
    docs/commands.md's table, or a user never learns it is there."""
    code = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "dbtgate").rglob("*.py"))
    read = set(re.findall(r'"(DBTGATE_[A-Z_]+)"', code))
    assert {"DBTGATE_DBT", "DBTGATE_TODAY"} <= read
    table = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    table = table.split("## Environment variables\n", 1)[1]
    assert sorted(read - set(re.findall(r"^\| `(DBTGATE_[A-Z_]+)`", table, re.M))) == []
