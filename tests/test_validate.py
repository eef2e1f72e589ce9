"""`dbtgate validate`: the config checked without a dbt build, with the errors `check` gives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cli_support import dbtgate
from corpus import CORPUS
from policy_support import manifest_only_copy, write_config

from dbtgate.config import load_config
from dbtgate.errors import DbtgateError
from dbtgate.validate import validate_config

FIXTURE_CONFIG = Path(__file__).resolve().parents[1] / "fixtures" / "shop" / "dbtgate.yml"


def test_the_fixture_config_is_valid_and_summarised(tmp_path) -> None:
    result = dbtgate("validate", "--config", str(FIXTURE_CONFIG), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{FIXTURE_CONFIG}: valid"
    assert lines[1].startswith("  3 policies (10 rules), 1 waiver, ")
    assert lines[2] == "  scope: changed, fail_on: error, lint: on (duckdb)"


def test_lint_without_a_dialect_says_where_the_dialect_comes_from(tmp_path) -> None:
    """Without lint.dialect, sqlfluff's config names it, else the build's adapter does
    (`lint.run`): 'dialect from .sqlfluff' alone was untrue of a project without one."""
    write_config(tmp_path, "version: 1\nlint: {enabled: true}\n")
    result = dbtgate("validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[2] == (
        "  scope: all, fail_on: error, lint: on (dialect from .sqlfluff, else the dbt adapter)"
    )


def test_without_a_config_it_says_so(tmp_path) -> None:
    result = dbtgate("validate", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("dbtgate: error: no dbtgate.yml")


PROBLEMS = [
    (
        "policies:\n  - select: '*'\n    rules:\n      docs.model_descripton: error\n",
        "dbtgate.yml:5: policies[0].rules.docs.model_descripton: unknown rule "
        "'docs.model_descripton' (did you mean docs.model_description?)",
    ),
    (
        "policies:\n  - select: '*'\n    rules:\n      tests.min_per_model: {severity: error, "
        "minimum: 2}\n",
        "dbtgate.yml:5: policies[0].rules.tests.min_per_model: unknown parameter 'minimum' "
        "(did you mean min? parameters: min, severity)",
    ),
    (
        "policies:\n  - select: 'tag:a,,b'\n    rules: {owner.present: error}\n",
        "dbtgate.yml:3: select 'tag:a,,b': empty selector part in 'tag:a,,b'",
    ),
    (
        "waivers:\n  - {rule: owner.presnt, select: x, reason: r, owner: o, expires: 2099-01-01}\n",
        "dbtgate.yml:3: waiver: unknown rule 'owner.presnt' (did you mean owner.present?)",
    ),
    (
        "waivers:\n  - {rule: owner.present, select: x, reason: ' ', owner: o, "
        "expires: 2099-01-01}\n",
        "dbtgate.yml:3: waiver for owner.present: `reason` is empty",
    ),
    (
        "lint: {enabled: true, dialect: duckdbb}\n",
        "dbtgate.yml:2: lint.dialect: unknown sqlfluff dialect 'duckdbb' (known: ",
    ),
    (
        "lint: {enabled: true, rules: [LT99]}\n",
        "dbtgate.yml:2: lint.rules: 'LT99' names no sqlfluff rule",
    ),
    (
        "baseline: legacy.json\n",
        "dbtgate.yml:2: baseline: legacy.json: file not found (write it with `dbtgate baseline`)",
    ),
    (
        'waivers:\n  - {rule: owner.present, select: a, reason: "\\ud800", owner: o, '
        "expires: 2099-01-01}\n",
        "dbtgate.yml:3: reason: '?' holds a lone surrogate escape",
    ),
    ("x: " + "[" * 3000 + "]" * 3000 + "\n", "dbtgate.yml: not valid YAML: nested too deeply"),
    (
        # Aliases of aliases: nine values, nine times over, eight times (43 million values).
        "x0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9]\n"
        + "".join(f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9)),
        "dbtgate.yml:2: more than 100,000 values once its aliases are expanded",
    ),
    ("baseline: /dev/zero\n", "/dev/zero: not a baseline file"),
    (
        "owner: {codeowners: .github/CODEOWNERS}\n",
        "dbtgate.yml:2: owner.codeowners: .github/CODEOWNERS: file not found",
    ),
    (
        "project_dir: ../nope\n",
        "dbtgate.yml:2: project_dir: ../nope: no dbt_project.yml there",
    ),
    (
        "lint: {severity: {layoutt: warn}}\n",
        "dbtgate.yml:2: lint.severity: 'layoutt' is not a sqlfluff rule code, name or group",
    ),
    # A lint entry sqlfluff refuses is named at its own line, not at `lint:`.
    (
        "lint:\n  enabled: true\n  severity:\n    LT01: warn\n    LT055: warn\n",
        "dbtgate.yml:6: lint.severity: 'LT055' is not a sqlfluff rule code, name or group",
    ),
    (
        "lint:\n  rules:\n    - LT01\n    - LT99\n",
        "dbtgate.yml:5: lint.rules: 'LT99' names no sqlfluff rule",
    ),
    # A misspelt sqlfluff name gets the name it is a typo of (it got only what rules are called).
    (
        "lint:\n  rules:\n    - capitalisation.keyword\n",
        "dbtgate.yml:4: lint.rules: 'capitalisation.keyword' names no sqlfluff rule (did you mean "
        "capitalisation.keywords?)",
    ),
    (
        "lint:\n  severity:\n    capitalisation.keyword: warn\n",
        "dbtgate.yml:4: lint.severity: 'capitalisation.keyword' is not a sqlfluff rule code, name "
        "or group (did you mean capitalisation.keywords?)",
    ),
    (
        "lint:\n  severity:\n    unparseable: info\n",
        "dbtgate.yml:4: lint.severity: 'unparseable' is not a sqlfluff rule code, name or group "
        "(did you mean unparsable?)",
    ),
    ("lint:\n  enabled: true\n  dialect: duckdbb\n", "dbtgate.yml:4: lint.dialect: unknown"),
]


@pytest.mark.parametrize(("config", "message"), PROBLEMS)
def test_a_problem_is_the_error_check_gives(tmp_path, config, message) -> None:
    write_config(tmp_path, "version: 1\n" + config)
    validated = dbtgate("validate", cwd=tmp_path)
    assert validated.returncode == 2, validated.stdout
    assert validated.stderr.startswith(f"dbtgate: error: {message}"), validated.stderr
    error, *rest = validated.stderr.strip().splitlines()
    # A problem that leaves nothing to read further (not YAML) is said alone; the others get
    # the count line of a listing.
    assert rest in ([], ["dbtgate.yml: 1 problem"])
    if "lint" in config or not (CORPUS / "bouncer-dbt112").is_dir():
        return  # check lints only files it finds; the rest it meets on a real build
    manifest_only_copy(CORPUS / "bouncer-dbt112", tmp_path / "target")
    checked = dbtgate("check", "--artifacts", "target", cwd=tmp_path)
    assert (checked.returncode, checked.stderr) == (2, error + "\n")


def test_every_problem_is_listed_in_the_order_of_its_lines(tmp_path) -> None:
    """One run lists what `check` would stop at one by one: a typo in a key's value, a rule
    code, a parameter, a selector, a severity, a date YAML cannot read, a waiver's code and
    its missing reason. The rest of the config is still read (the good policy raises nothing)."""
    write_config(
        tmp_path,
        """\
        version: 1
        scope: chnged
        policies:
          - select: "tier:1"
            rules:
              docs.model_descripton: error
              tests.min_per_model: {severity: error, minimum: 2}
              owner.present: error
          - select: "tag:"
            rules:
              owner.present: eror
        waivers:
          - {rule: owner.present, select: a, reason: r, owner: o, expires: 2026-13-01}
          - {rule: owner.presnt, select: a, reason: r, owner: o, expires: 2099-01-01}
          - {rule: owner.present, select: a, owner: o, expires: 2099-01-01}
        """,
    )
    validated = dbtgate("validate", cwd=tmp_path)
    assert validated.returncode == 2
    assert validated.stdout == ""
    assert validated.stderr.splitlines() == [
        "dbtgate: error: dbtgate.yml:2: scope: expected one of 'changed' | 'all', got 'chnged'",
        "dbtgate: error: dbtgate.yml:6: policies[0].rules.docs.model_descripton: unknown rule "
        "'docs.model_descripton' (did you mean docs.model_description?)",
        "dbtgate: error: dbtgate.yml:7: policies[0].rules.tests.min_per_model: unknown "
        "parameter 'minimum' (did you mean min? parameters: min, severity)",
        "dbtgate: error: dbtgate.yml:9: select 'tag:': tag: needs a value",
        "dbtgate: error: dbtgate.yml:11: policies[1].rules.owner.present: expected a severity "
        "('error' | 'warn' | 'info'), got 'eror'",
        "dbtgate: error: dbtgate.yml:13: waivers[0].expires: expected a date (YYYY-MM-DD), got "
        "'2026-13-01': month must be in 1..12",
        "dbtgate: error: dbtgate.yml:14: waiver: unknown rule 'owner.presnt' (did you mean "
        "owner.present?)",
        "dbtgate: error: dbtgate.yml:15: waivers[2]: missing required key: reason (a waiver "
        "needs rule, select, reason, owner and expires: the reason it is accepted, the owner "
        "who answers for it, its last day as YYYY-MM-DD)",
        "dbtgate.yml: 8 problems; `dbtgate check` stops at the first it meets",
    ]
    checked = dbtgate("check", cwd=tmp_path)
    assert checked.returncode == 2
    assert checked.stderr.splitlines()[0] in validated.stderr.splitlines()[:-1]


def test_expired_and_expiring_waivers_are_warned_about(tmp_path) -> None:
    soon, past = "2026-12-05", "2020-01-31"
    write_config(
        tmp_path,
        "version: 1\nwaivers:\n"
        f"  - {{rule: owner.present, select: a, reason: r, owner: o, expires: {soon}}}\n"
        f"  - {{rule: owner.present, select: b, reason: r, owner: o, expires: {past}}}\n"
        "  - {rule: owner.present, select: c, reason: r, owner: o, expires: 2999-01-01}\n",
    )
    result = dbtgate("validate", cwd=tmp_path, env={"DBTGATE_TODAY": "2026-12-02"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:3] == [
        f"warning: dbtgate.yml:3: waiver for owner.present on 'a' expires in 3 days, on {soon}",
        "warning: dbtgate.yml:4: waiver for owner.present on 'b' expired on 2020-01-31: what "
        "it waived is no longer waived: renew it (a new `expires` date and an updated `reason`) or "
        "remove it",
        "dbtgate.yml: valid",
    ]


def test_a_waiver_renewed_below_is_said_to_be(tmp_path) -> None:
    """The renewal takes the findings over: the old entry is to be removed, not acted on."""
    soon = "2026-12-05"
    write_config(
        tmp_path,
        "version: 1\nwaivers:\n"
        f"  - {{rule: owner.present, select: a, reason: r, owner: o, expires: {soon}}}\n"
        "  - {rule: owner.present, select: b, reason: r, owner: o, expires: 2020-01-31}\n"
        "  - {rule: owner.present, select: a, reason: r, owner: o, expires: 2999-01-01}\n"
        "  - {rule: owner.present, select: b, reason: r, owner: o, expires: 2999-06-30}\n",
    )
    result = dbtgate("validate", cwd=tmp_path, env={"DBTGATE_TODAY": "2026-12-02"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        f"warning: dbtgate.yml:3: waiver for owner.present on 'a' expires in 3 days, on {soon}; "
        "renewed by the waiver at line 5 (until 2999-01-01)",
        "warning: dbtgate.yml:4: waiver for owner.present on 'b' expired on 2020-01-31: renewed "
        "by the waiver at line 6 (until 2999-06-30); remove it",
    ]


def test_a_renewal_is_found_among_thousands_of_waivers(tmp_path) -> None:
    """Each waiver looked through every other for its renewal, splitting both selectors per
    pair: `validate` (the pre-commit hook) took 20 s at 2,000 waivers, minutes at 5,000. The
    renewal is still the same rule and selector, told apart from the rest by its words."""
    many = "".join(
        f"  - {{rule: owner.present, select: m{i}, reason: r, owner: o, expires: 2999-01-01}}\n"
        for i in range(3000)
    )
    write_config(
        tmp_path,
        "version: 1\nwaivers:\n"
        "  - {rule: owner.present, select: 'tag:a  tag:b', reason: r, owner: o, expires: 2020-01-31}\n"
        + many
        + "  - {rule: owner.present, select: 'tag:a tag:b', reason: r, owner: o, expires: 2999-06-30}\n"
        "  - {rule: docs.model_description, select: 'tag:a tag:b', reason: r, owner: o, expires: 3000-01-01}\n",
    )
    result = dbtgate("validate", cwd=tmp_path, env={"DBTGATE_TODAY": "2026-12-02"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "warning: dbtgate.yml:3: waiver for owner.present on 'tag:a  tag:b' expired on "
        "2020-01-31: renewed by the waiver at line 3004 (until 2999-06-30); remove it"
    )


def test_a_bad_dbtgate_today_is_one_error_naming_the_variable(tmp_path) -> None:
    write_config(tmp_path, "version: 1\n")
    result = dbtgate("validate", cwd=tmp_path, env={"DBTGATE_TODAY": "31/12/2026"})
    assert result.returncode == 2
    assert result.stderr == (
        "dbtgate: error: DBTGATE_TODAY='31/12/2026': expected a date (YYYY-MM-DD), the day "
        "waivers are judged on; unset it to use today's\n"
    )


def test_a_policy_without_rules_is_warned_about(tmp_path) -> None:
    write_config(
        tmp_path,
        'version: 1\npolicies:\n  - select: "tag:pii"\n  - select: "*"\n'
        "    rules: {owner.present: error}\n",
    )
    result = dbtgate("validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        "warning: dbtgate.yml:3: policy select 'tag:pii' has no rules: it checks nothing (list "
        "them under `rules:`)",
        "dbtgate.yml: valid",
    ]


@pytest.mark.parametrize("text", ["", "version: 1\n", "policies: []\n"])
def test_a_config_without_policies_is_warned_about(tmp_path, text) -> None:
    """Valid, and said: an empty or cut-short file passed as "valid, 0 policies" only."""
    write_config(tmp_path, text)
    result = dbtgate("validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        "warning: dbtgate.yml has no policies: `check` applies no rule to the models (run "
        "status, freshness, KPIs and breaking changes are gated as configured)",
        "dbtgate.yml: valid",
    ]


def test_a_date_yaml_cannot_read_is_one_problem_wherever_it_is(tmp_path) -> None:
    """In a rule's parameters or as a key, a date YAML cannot read (no 13th month) is kept as
    written and judged once by what its place expects, with its whole path, not again as a
    value of the wrong type (an object no message could show)."""
    write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "*"
            rules:
              docs.model_description: {severity: warn, min_length: 2026-13-01}
        2026-13-01: oops
        waivers:
          - {rule: owner.present, select: a, reason: r, owner: o, expires: 2026-13-01}
        """,
    )
    validated = dbtgate("validate", cwd=tmp_path)
    assert validated.returncode == 2
    lines = validated.stderr.splitlines()
    assert lines[0] == (
        "dbtgate: error: dbtgate.yml:5: policies[0].rules.docs.model_description: min_length: "
        "expected count (>= 0), got '2026-13-01'"
    )
    assert lines[1].startswith("dbtgate: error: dbtgate.yml:6: unknown key '2026-13-01' (known: ")
    assert lines[2:] == [
        "dbtgate: error: dbtgate.yml:8: waivers[0].expires: expected a date (YYYY-MM-DD), got "
        "'2026-13-01': month must be in 1..12",
        "dbtgate.yml: 3 problems; `dbtgate check` stops at the first it meets",
    ]


def _problems(tmp_path: Path, text: str) -> list[str]:
    """What `validate` lists for `text`, read as `check` would stop at the first of them."""
    path = write_config(tmp_path, text)
    with pytest.raises(DbtgateError) as stopped:
        validate_config(load_config(path), dt.date.today())
    problems: list[DbtgateError] = []
    listed = validate_config(load_config(path, problems), dt.date.today(), problems).problems
    assert str(stopped.value) in listed
    return [problem.split(": ", 1)[1] for problem in listed]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A date YAML cannot read is one problem, as written: not again as a rule's
        # parameter, nor as a key shown as `<object object at 0x...>`.
        (
            "version: 1\npolicies:\n  - select: '*'\n    rules:\n"
            "      docs.column_coverage: {min: 2026-13-01}\n  - 2026-13-01: x\n    select: '*'\n",
            [
                "policies[0].rules.docs.column_coverage: min: expected share (0..1), got "
                "'2026-13-01'",
                "unknown key 'policies[1].2026-13-01' (known: exclude, rules, select)",
            ],
        ),
        # A target left out for its own problem is no gated KPI without a target.
        (
            "version: 1\nkpi:\n  gate: [test_coverage]\n  targets:\n    test_coverage: high\n",
            ["kpi.targets.test_coverage: expected a number or null, got 'high'"],
        ),
        # A problem that ends the reading of the file keeps those met before it.
        (
            'version: 1\nowner: {codeowners: "\\ud800"}\npolicies:\n  - select: "*"\n'
            "    rules: {}\n    rules: {}\n",
            [
                "codeowners: '?' holds a lone surrogate escape (\\ud800-\\udfff), which is not "
                "a character",
                "duplicate key 'rules'",
            ],
        ),
        (
            'owner: {codeowners: "\\ud800"}\nversion: 2\n',
            [
                "codeowners: '?' holds a lone surrogate escape (\\ud800-\\udfff), which is not "
                "a character",
                "version: 2 is newer than this dbtgate understands (1): upgrade dbtgate",
            ],
        ),
        (
            # A date YAML cannot read where a text is expected (a git ref) is that text.
            'version: 1\nbase: 2026-13-01\nowner: {codeowners: "\\ud800"}\n',
            [
                "codeowners: '?' holds a lone surrogate escape (\\ud800-\\udfff), which is not "
                "a character",
            ],
        ),
    ],
    ids=["unreadable-value", "kpi-target", "duplicate-key", "newer-version", "surrogate"],
)
def test_each_problem_is_listed_once_and_none_made_up(tmp_path, text, expected) -> None:
    assert _problems(tmp_path, text) == expected


def test_a_config_not_in_utf8_is_a_one_line_error_not_an_internal_one(tmp_path) -> None:
    (tmp_path / "dbtgate.yml").write_bytes("version: 1\n# café\n".encode("latin-1"))
    validated = dbtgate("validate", cwd=tmp_path)
    assert validated.returncode == 2
    assert validated.stderr.startswith("dbtgate: error: dbtgate.yml:2: not UTF-8 (byte 0xe9,")
    assert len(validated.stderr.strip().splitlines()) == 1, validated.stderr


def test_a_config_saved_by_powershell_names_its_encoding_and_the_tool(tmp_path) -> None:
    """`dbtgate init > dbtgate.yml` in Windows PowerShell writes UTF-16: the error says which
    tool does that, as the JSON artifacts' error does (it said only "re-save it as UTF-8")."""
    (tmp_path / "dbtgate.yml").write_text("version: 1\nscope: all\n", encoding="utf-16-le")
    validated = dbtgate("validate", cwd=tmp_path)
    assert validated.returncode == 2
    assert validated.stderr == (
        "dbtgate: error: dbtgate.yml: encoded as UTF-16LE, not UTF-8: re-save it as UTF-8 "
        "(Windows PowerShell's `>` and `Out-File` write UTF-16)\n"
    )


def test_a_plugin_that_fails_to_load_does_not_hide_the_rest_of_the_config(tmp_path) -> None:
    """Each plugin that fails is one problem at its line, and the rest is still checked: the
    next plugin, a parameter of a rule the good plugin registers, a selector, a waiver's
    reason. A code no loaded rule has may be the failed plugin's: it is named as not checked
    (not called unknown), and `check` still stops at the first broken plugin."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "broken.py").write_text("from dbtgate.rules import rule\n\nx = (\n")
    (rules / "ours.py").write_text(
        "from dbtgate.rules import rule\n\n\n"
        '@rule("ours.short_names", severity="warn", applies_to=("model",), why="w",\n'
        '      failing="f", passing="p", fix="x")\n'
        "def short_names(model, *, most: int = 30):\n"
        '    """Model names are short."""\n'
    )
    write_config(
        tmp_path,
        """\
        version: 1
        plugins:
          - rules/broken.py
          - rules/ours.py
          - acme_rules_not_installed
        policies:
          - select: "tag:"
            rules:
              ours.short_names: {most: many}
              acme.pii_owned: error
              docs.model_descripton: error
        waivers:
          - {rule: acme.*, select: a, reason: " ", owner: o, expires: 2099-01-01}
        """,
    )
    validated = dbtgate("validate", cwd=tmp_path)
    assert validated.returncode == 2
    assert validated.stderr.splitlines() == [
        "dbtgate: error: dbtgate.yml:3: plugins: rules/broken.py: cannot load: SyntaxError: "
        "'(' was never closed (broken.py, line 3)",
        "dbtgate: error: dbtgate.yml:5: plugins: acme_rules_not_installed: cannot load: "
        "ModuleNotFoundError: No module named 'acme_rules_not_installed'",
        "dbtgate: error: dbtgate.yml:7: select 'tag:': tag: needs a value",
        "dbtgate: error: dbtgate.yml:9: policies[0].rules.ours.short_names: most: expected "
        "int, got 'many'",
        "dbtgate: error: dbtgate.yml:13: waiver for acme.*: `reason` is empty (a waiver needs "
        "the reason it is accepted and the owner who answers for it)",
        "dbtgate.yml: 5 problems; `dbtgate check` stops at the first it meets",
        "dbtgate.yml: not known without the plugins that failed to load, so not checked: "
        "acme.pii_owned (line 10), docs.model_descripton (line 11), acme.* (line 13)",
    ]
    if not (CORPUS / "bouncer-dbt112").is_dir():
        return
    manifest_only_copy(CORPUS / "bouncer-dbt112", tmp_path / "target")
    checked = dbtgate("check", "--artifacts", "target", cwd=tmp_path)
    assert (checked.returncode, checked.stderr) == (2, validated.stderr.splitlines()[0] + "\n")
    # Mended, the codes it could not know are checked: the typo is one.
    (rules / "broken.py").write_text("")
    (tmp_path / "dbtgate.yml").write_text(
        (tmp_path / "dbtgate.yml").read_text().replace("  - acme_rules_not_installed\n", "")
    )
    mended = dbtgate("validate", cwd=tmp_path)
    assert "not checked" not in mended.stderr
    assert "unknown rule 'docs.model_descripton'" in mended.stderr
