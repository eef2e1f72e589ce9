"""The rule registry: rules are typed functions; config mistakes name the file and line; plugins
(entry points and config paths) add rules that behave like the built-in ones."""

from __future__ import annotations

import functools
import io
import os
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from cli_support import dbtgate, run_dbtgate
from corpus import CORPUS
from policy_support import manifest_only_copy, write_config
from rich.console import Console

from dbtgate.rules.reference import print_rule
from dbtgate.rules.registry import (
    RULES,
    Names,
    ParamError,
    Regex,
    Share,
    Violation,
    as_violations,
    load_rules,
    rule,
)
from dbtgate.wording import choices

PLUGIN_PKG = Path(__file__).parent / "plugin_pkg"
BOUNCER = CORPUS / "bouncer-dbt112"


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    if not BOUNCER.is_dir():
        pytest.skip(f"corpus absent: {BOUNCER}")
    return manifest_only_copy(BOUNCER, tmp_path / "target")


def _define(code: str = "testonly.sample", **overrides):
    """Decorate a throwaway function; the registry is cleaned up by the caller."""
    options = {
        "why": "why",
        "failing": "models: []",
        "passing": "models: []",
        "fix": "fix",
    }
    options.update(overrides)
    return rule(code, **options)


def test_a_rule_is_its_signature_and_docstring():
    try:

        @_define("testonly.sample", severity="error")
        def sample(model, project, *, min: int = 2, names: list[str] = ["a"]) -> None:  # noqa: B006
            """One line summary.

            Longer explanation."""

        registered = RULES["testonly.sample"]
        assert registered.severity == "error"
        assert registered.inputs == ("project",)
        assert {name: p.type_name for name, p in registered.params.items()} == {
            "min": "int",
            "names": "list[str]",
        }
        assert registered.docs.summary == "One line summary."
        assert registered.docs.what == "Longer explanation."
        assert registered.resolve_params({"min": 3}) == {"min": 3, "names": ["a"]}
    finally:
        RULES.pop("testonly.sample", None)


def test_a_rule_bound_once_judges_as_called_with_its_inputs_and_parameters():
    """The policies call `Rule.bound(...)` with the resource alone: for a plain function, a
    generator, a closure and a wrapped function alike, it finds what
    `Rule.run` (the function given its inputs and parameters on each call) finds, and the
    rule's own defaults are left as they were."""
    built, resources = object(), ["a_tmp", "b", "c_tmp"]
    suffixes = {"tmp": "_tmp"}

    def plain(name, project, *, suffix: str = "_x", upper: bool = False):
        """Names ending in `suffix`."""
        if project is built and name.endswith(suffix):
            return Violation(name.upper() if upper else name)
        return None

    def generator(name, *, suffix: str = "_x"):
        """Names ending in `suffix`, twice."""
        yield from (Violation(name + part) for part in ("1", "2") if name.endswith(suffix))

    def closure(name, project, *, key: str = "none"):
        """Names ending in the suffix of `key`."""
        if name.endswith(suffixes.get(key, "_x")):
            yield Violation(name, key=key)

    def wrapper(*args, **kwargs):
        return plain(*args, **kwargs)

    wrapped = functools.wraps(plain)(wrapper)

    cases = [
        (plain, {"suffix": "_tmp", "upper": True}),
        (generator, {"suffix": "_tmp"}),
        (closure, {"key": "tmp"}),
        (wrapped, {"suffix": "_tmp", "upper": True}),
    ]
    try:
        for index, (function, given) in enumerate(cases):
            code = f"testonly.bound_{index}"
            _define(code)(function)
            registered = RULES[code]
            params = registered.resolve_params(given)
            judge = registered.bound({"project": built}, params)
            found = [as_violations(judge(name)) for name in resources]
            expected = [registered.run(name, {"project": built}, params) for name in resources]
            assert found == expected, code
            assert any(found), code  # the parameters reached the rule
        assert plain.__kwdefaults__ == {"suffix": "_x", "upper": False}
        assert plain.__defaults__ is None
    finally:
        for index in range(len(cases)):
            RULES.pop(f"testonly.bound_{index}", None)


def test_a_share_parameter_is_a_number_between_0_and_1():
    try:

        @_define("testonly.share")
        def share(model, *, min: Share = 0.5, limit: Share | None = None) -> None:
            """Share parameters."""

        registered = RULES["testonly.share"]
        assert registered.params["min"].type_name == "share (0..1)"
        assert registered.params["limit"].type_name == "share (0..1) or null"
        assert registered.resolve_params({"min": 1}) == {"min": 1.0, "limit": None}
        assert registered.resolve_params({"limit": 0.25})["limit"] == 0.25
        for value, message in [
            (1.5, "min: expected a share between 0 and 1 (0.8 for 80%), got 1.5"),
            (True, "min: expected share (0..1), got True"),
            ("80%", "min: expected share (0..1), got '80%'"),
        ]:
            with pytest.raises(ParamError) as raised:
                registered.resolve_params({"min": value})
            assert str(raised.value) == message
            assert raised.value.param == "min"
        with pytest.raises(
            ParamError, match=r"^limit: expected a share between 0 and 1 .*, got 2$"
        ):
            registered.resolve_params({"limit": 2})
    finally:
        RULES.pop("testonly.share", None)


def test_a_names_parameter_defaulting_to_nothing_is_required():
    try:

        @_define("testonly.names")
        def names(model, *, keys: Names = [], extra: Names = ["a"]) -> None:  # noqa: B006
            """A names parameter."""

        registered = RULES["testonly.names"]
        assert registered.params["keys"].required
        assert not registered.params["extra"].required
        assert registered.resolve_params({"keys": ["owner"]}) == {"keys": ["owner"], "extra": ["a"]}
        for given in ({}, {"extra": ["b"]}):
            with pytest.raises(ParamError) as raised:
                registered.resolve_params(given)
            assert str(raised.value) == (
                "keys: required: give at least one (an empty list would check nothing)"
            )
            assert raised.value.param == "keys"
        with pytest.raises(ParamError, match=r"^keys: give at least one"):
            registered.resolve_params({"keys": []})
    finally:
        RULES.pop("testonly.names", None)


def test_a_regex_parameter_must_compile():
    try:

        @_define("testonly.regex")
        def regex(model, *, pattern: Regex = "^[a-z_]+$") -> None:
            """A pattern parameter."""

        registered = RULES["testonly.regex"]
        assert registered.params["pattern"].type_name == "regex"
        assert registered.resolve_params({"pattern": "^stg_"}) == {"pattern": "^stg_"}
        with pytest.raises(ParamError) as raised:
            registered.resolve_params({"pattern": "^stg_(.*$"})
        assert str(raised.value) == (
            "pattern: not a regular expression (missing ), unterminated subpattern at "
            "position 5): '^stg_(.*$'"
        )
        with pytest.raises(ParamError, match=r"^pattern: expected regex, got 3$"):
            registered.resolve_params({"pattern": 3})
    finally:
        RULES.pop("testonly.regex", None)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"mni": 3}, "unknown parameter 'mni'"),
        ({"min": "2"}, "min: expected int, got '2'"),
        ({"min": True}, "min: expected int"),
        ({"share": "high"}, "share: expected float"),
        ({"layers": {"marts": "fct_"}}, r"layers: expected dict\[str, list\[str\]\]"),
    ],
)
def test_parameters_are_checked_against_their_types(given, message):
    try:

        @_define("testonly.typed")
        def typed(
            model,
            *,
            min: int = 1,
            share: float = 0.5,
            layers: dict[str, list[str]] = {},  # noqa: B006
        ) -> None:
            """Typed parameters."""

        with pytest.raises(ParamError, match=message) as caught:
            RULES["testonly.typed"].resolve_params(given)
        assert caught.value.param == next(iter(given))
        # An int is a fine float.
        assert RULES["testonly.typed"].resolve_params({"share": 1})["share"] == 1.0
    finally:
        RULES.pop("testonly.typed", None)


@pytest.mark.parametrize(
    ("code", "overrides", "body", "message"),
    [
        ("Tests.Bad", {}, "def f(model):\n    'doc'", "must look like family.name"),
        ("testonly.nodoc", {}, "def f(model):\n    pass", "needs a docstring"),
        ("testonly.untyped", {}, "def f(model, *, min=1):\n    'doc'", "needs a type annotation"),
        ("testonly.input", {}, "def f(model, catalog):\n    'doc'", "unknown input"),
        ("testonly.kind", {"applies_to": ("metric",)}, "def f(model):\n    'doc'", "applies_to"),
        ("testonly.needs", {"needs": ("sources",)}, "def f(model):\n    'doc'", "needs must name"),
        (
            "testonly.shares",
            {"shares": "models/schema.yml"},
            "def f(model):\n    'doc'",
            "shares must be a function of a resource and the project, got 'models/schema.yml'",
        ),
        (
            "testonly.shares_one",
            {"shares": lambda model: [model.patch_path]},
            "def f(model):\n    'doc'",
            r"shares must be a function of a resource and the project, got one taking \(model\)",
        ),
        (
            "testonly.check",
            {"params_check": "min <= max"},
            "def f(model):\n    'doc'",
            "params_check must be a function of the parameters' values",
        ),
    ],
)
def test_malformed_rules_are_refused_when_defined(code, overrides, body, message):
    namespace: dict = {}
    exec(body, namespace)
    with pytest.raises(TypeError, match=message):
        _define(code, **overrides)(namespace["f"])
    assert code not in RULES


def test_a_rule_code_cannot_be_taken_twice():
    load_rules()
    from dbtgate.errors import DbtgateError

    def impostor(model) -> Violation | None:
        """Another primary-key rule."""

    with pytest.raises(DbtgateError, match="defined twice"):
        _define("tests.primary_key")(impostor)
    assert RULES["tests.primary_key"].origin == "dbtgate.rules.tests"


# -- config mistakes, through the CLI ------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "where", "message"),
    [
        (
            """\
            version: 1
            policies:
              - select: "*"
                rules:
                  tests.primary_kee: error
            """,
            "dbtgate.yml:5:",
            "unknown rule 'tests.primary_kee' (did you mean tests.primary_key?)",
        ),
        (
            # Not naming.location_case (difflib's pick): no naming rule is near `model_case`.
            """\
            version: 1
            policies:
              - select: "*"
                rules:
                  naming.model_case: error
            """,
            "dbtgate.yml:5:",
            "unknown rule 'naming.model_case' (`dbtgate rules naming` lists the codes of naming)",
        ),
        (
            # `dbtgate rules` lists it among the codes: a newcomer takes it for a rule.
            """\
            version: 1
            policies:
              - select: "*"
                rules:
                  freshness.warn: error
            """,
            "dbtgate.yml:5:",
            "unknown rule 'freshness.warn': freshness.* are the freshness check's codes, not "
            "policy rules; it runs without a policy, and `freshness:` in the config sets it "
            "(`dbtgate rules freshness` lists them)",
        ),
        (
            """\
            version: 1
            policies:
              - select: "*"
                rules:
                  risky.type_widened: error
            """,
            "dbtgate.yml:5:",
            "unknown rule 'risky.type_widened': risky.* are the breaking check's codes, not "
            "policy rules; it runs without a policy, and `breaking:` in the config sets it "
            "(`dbtgate rules risky` lists them)",
        ),
        (
            """\
            version: 1
            policies:
              - select: "*"
                rules:
                  tests.min_per_model:
                    severity: error
                    minimum: 2
            """,
            "dbtgate.yml:7:",
            "unknown parameter 'minimum' (did you mean min? parameters: min, severity)",
        ),
        (
            """\
            version: 1
            policies:
              - select: "*"
                rules:
                  owner.present: {severty: warn}
            """,
            "dbtgate.yml:5:",
            "unknown parameter 'severty' (did you mean severity? it takes severity only)",
        ),
        (
            """\
            version: 1
            policies:
              - select: "*"
                rules:
                  docs.column_coverage: {severity: error, min: "all"}
            """,
            "dbtgate.yml:5:",
            "min: expected share (0..1), got 'all'",
        ),
        (
            """\
            version: 1
            policies:
              - select: "*"
                rules:
                  docs.column_coverage:
                    severity: error
                    min: 80
            """,
            "dbtgate.yml:7:",
            "min: expected a share between 0 and 1 (0.8 for 80%), got 80",
        ),
        (
            """\
            version: 1
            policies:
              - select: "*"
                rules: {tests.coverage: {min: -0.5}}
            """,
            "dbtgate.yml:4:",
            "min: expected a share between 0 and 1 (0.8 for 80%), got -0.5",
        ),
        (
            # A policy that selects nothing still has its parameters checked.
            """\
            version: 1
            policies:
              - select: "tag:no_such_tag"
                rules:
                  docs.column_coverage: {min: 95}
            """,
            "dbtgate.yml:5:",
            "min: expected a share between 0 and 1 (0.8 for 80%), got 95",
        ),
        (
            """\
            version: 1
            policies:
              - select: "tag:no_such_tag"
                rules:
                  governance.required_meta: warn
            """,
            "dbtgate.yml:5:",
            "keys: required: give at least one (an empty list would check nothing)",
        ),
        (
            """\
            version: 1
            policies:
              - select: "*"
                rules:
                  naming.pattern: {pattern: "stg_(["}
            """,
            "dbtgate.yml:5:",
            "pattern: not a regular expression (",
        ),
        (
            """\
            version: 1
            policies:
              - select: "tier:1"
              - select: "colour:red"
                rules: {owner.present: error}
            """,
            "dbtgate.yml:4:",
            "unknown selector method 'colour'",
        ),
        (
            """\
            version: 1
            policies:
              - select: "*"
                rules:
                  owner.allowed: error
            """,
            "dbtgate.yml:5:",
            "set `owners: [...]` and/or `codeowners_match: true`",
        ),
        (
            """\
            version: 1
            policies:
              - select: "tag:no_such_tag"
                rules:
                  modeling.max_parents: {max: -1}
            """,
            "dbtgate.yml:5:",
            "max: expected a count of 0 or more, got -1",
        ),
        (
            # Parameters only wrong together are checked when compiled, like their types.
            """\
            version: 1
            policies:
              - select: "tag:no_such_tag"
                rules:
                  owner.allowed: {codeowners_match: false}
            """,
            "dbtgate.yml:5:",
            "owner.allowed: set `owners: [...]` and/or `codeowners_match: true`",
        ),
        (
            """\
            version: 1
            waivers:
              - rule: owner.present
                select: "tag:x"
                reason: r
                owner: "@me"
                expires: 2999-01-01
              - rule: owner.present
                select: "flavour:vanilla"
                reason: r
                owner: "@me"
                expires: 2999-01-01
            """,
            "dbtgate.yml:8:",
            "unknown selector method 'flavour'",
        ),
        (
            """\
            version: 1
            waivers:
              - {rule: owner.presnt, select: "*", reason: r, owner: "@me", expires: 2999-01-01}
            """,
            "dbtgate.yml:3:",
            "unknown rule 'owner.presnt'",
        ),
        (
            """\
            version: 1
            policies:
              - select: "state:modified"
                rules: {owner.present: error}
            """,
            "dbtgate.yml:3:",
            "needs a base build",
        ),
    ],
)
def test_config_mistakes_stop_the_run_with_file_and_line(
    artifacts, tmp_path, config, where, message
):
    write_config(tmp_path, config)
    result = dbtgate("check", "--artifacts", str(artifacts), cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert where in lines[0]
    assert message in lines[0]


def _selection_notes(artifacts, tmp_path, config: str) -> list[str]:
    """The notes of a passing `check` with `config` that say a selector selects nothing (the
    verdict's `partly checked:` lines repeat them: `test_partly_checked`)."""
    write_config(tmp_path, config)
    result = dbtgate("check", "--artifacts", str(artifacts), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    return [
        line
        for line in result.stdout.splitlines()
        if "selects no resources" in line and line.startswith("note:")
    ]


def test_a_policy_that_selects_nothing_says_so_with_the_closest_tag(artifacts, tmp_path):
    """A typo in a selector must not pass the gate in silence: the run passes (nothing was
    selected, nothing failed) but a note names the policy's line and the tag meant."""
    notes = _selection_notes(
        artifacts,
        tmp_path,
        """\
        version: 1
        policies:
          - select: "tag:paymnt"
            rules: {docs.model_description: error}
          - select: "tag:payment"
            rules: {docs.model_description: warn}
        """,
    )
    assert notes == [
        "note: dbtgate.yml:3: policy select 'tag:paymnt' selects no resources,"
        " so its rules checked nothing (did you mean tag:payment?)"
    ]


def test_a_policy_on_a_misspelt_model_says_so_with_the_closest_name(artifacts, tmp_path):
    """A bare name that no resource has (a typo, a model renamed) gets the closest name; a name
    nothing is near gets no guess."""
    write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "+stg_paymnts"
            rules: {docs.model_description: error}
          - select: "zzz_gone"
            rules: {docs.model_description: error}
        """,
    )
    result = dbtgate("check", "--artifacts", str(artifacts), cwd=tmp_path)
    notes = [
        line
        for line in result.stdout.splitlines()
        if "selects no resources" in line and line.startswith("note:")
    ]
    assert notes == [
        "note: dbtgate.yml:3: policy select '+stg_paymnts' selects no resources,"
        " so its rules checked nothing (did you mean stg_payments?)",
        "note: dbtgate.yml:5: policy select 'zzz_gone' selects no resources,"
        " so its rules checked nothing",
    ]


def test_a_part_of_a_policys_selector_that_selects_nothing_says_so(artifacts, tmp_path):
    """`stg_payments +stg_ordrs`: the typo in one part of a union hid behind the part that
    selects (the policy as a whole selected something, so nothing was said)."""
    notes = _selection_notes(
        artifacts,
        tmp_path,
        """\
        version: 1
        policies:
          - select: "stg_payments +stg_ordrs tag:payment"
            rules: {docs.model_description: warn}
        """,
    )
    assert notes == [
        "note: dbtgate.yml:3: policy select 'stg_payments +stg_ordrs tag:payment': '+stg_ordrs' "
        "selects no resources (did you mean stg_orders?)"
    ]


def test_an_exclude_that_matches_nothing_says_so_with_the_closest_tag(artifacts, tmp_path):
    """A typo in `exclude` gates the resources it meant to leave out: a note names it, and a
    tag that differs in case only is suggested too (tags are case-sensitive)."""
    write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "*"
            exclude: "tag:Payment"
            rules: {docs.model_description: warn}
          - select: "*"
            exclude: "tag:payment"
            rules: {docs.model_description: warn}
        """,
    )
    result = dbtgate("check", "--artifacts", str(artifacts), cwd=tmp_path)
    notes = [line for line in result.stdout.splitlines() if "matches no resources" in line]
    assert notes == [
        "note: dbtgate.yml:3: policy exclude 'tag:Payment' matches no resources, so select '*' "
        "is gated whole (did you mean tag:payment?)"
    ]


def test_a_rule_for_resource_types_the_policy_does_not_select_says_so(artifacts, tmp_path):
    write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "resource_type:model"
            rules:
              docs.model_description: warn
              sources.freshness_configured: error
        """,
    )
    result = dbtgate("check", "--artifacts", str(artifacts), cwd=tmp_path)
    notes = [line for line in result.stdout.splitlines() if "checked nothing" in line]
    said = (
        "dbtgate.yml:6: sources.freshness_configured applies to sources; select "
        "'resource_type:model' selects none, so it checked nothing"
    )
    # A note, and beside the verdict: the team believes the rule checks its sources.
    assert notes == [f"note: {said}", f"partly checked: {said}"]


# -- plugins ------------------------------------------------------------------------------------

PLUGIN_FILE = '''\
"""A team's own rule, loaded from a path named in dbtgate.yml."""

from dbtgate.rules import Violation, rule


@rule(
    "acme.no_tmp_models",
    severity="error",
    applies_to=("model",),
    why="Scratch models must not reach production.",
    failing="models:\\n  - name: orders_tmp",
    passing="models:\\n  - name: orders",
    fix="Delete the model or give it a real name.",
)
def no_tmp_models(model, *, suffix: str = "_tmp"):
    """Model names do not end in `suffix`."""
    if model.name.endswith(suffix):
        return Violation(f"{model.name} looks like a scratch model")
'''


def test_a_plugin_path_in_the_config_adds_a_rule(artifacts, tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "acme.py").write_text(PLUGIN_FILE)
    write_config(
        tmp_path,
        """\
        version: 1
        plugins: [rules]
        policies:
          - select: "package:tiktok_ads"
            rules: {acme.no_tmp_models: error}
        """,
    )
    listed = dbtgate("rules", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "acme.no_tmp_models" in listed.stdout
    result = dbtgate("check", "--artifacts", str(artifacts), "--json", "gate.json", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "stg_tiktok_ads__location_tmp looks like a scratch model" in result.stdout


@pytest.mark.parametrize(
    ("statement", "error"),
    [
        ('{}["nope"]', "KeyError: 'nope'"),
        # sys.exit() in a rule ended the gate with the plugin's exit code, no verdict and no
        # word of why: it is the rule's failure, named as any other.
        ("raise SystemExit(4)", "SystemExit: 4"),
    ],
)
def test_a_plugin_rule_that_fails_is_named_with_its_file_and_resource(
    artifacts, tmp_path, statement, error
):
    """A bug in a team's rule is theirs to fix: the error names the rule, its file and the
    resource, not an internal error of dbtgate's; `dbtgate rules` names the file too."""
    (tmp_path / "rules").mkdir()
    failing = PLUGIN_FILE.replace(
        "if model.name.endswith(suffix):",
        f'if model.name.startswith("stg_"):\n        {statement}\n    if model.name.endswith(suffix):',
    )
    (tmp_path / "rules" / "acme.py").write_text(failing)
    write_config(
        tmp_path,
        """\
        version: 1
        plugins: [rules/acme.py]
        policies:
          - select: "package:tiktok_ads"
            rules: {acme.no_tmp_models: error}
        """,
    )
    result = dbtgate("check", "--artifacts", str(artifacts), cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(
        "dbtgate: error: acme.no_tmp_models (plugin rules/acme.py) failed on model.tiktok_ads.stg_"
    )
    assert line.endswith(f": {error} (DBTGATE_DEBUG=1 shows the traceback)")
    explained = dbtgate("rules", "acme.no_tmp_models", cwd=tmp_path)
    assert "from plugin rules/acme.py" in explained.stdout


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ("acme.no_tmp_models", None),
        ("acme.*", None),
        (
            "acme.no_tmp_model",
            "unknown rule 'acme.no_tmp_model' (did you mean acme.no_tmp_models?)",
        ),
        (
            "ours.pii_owned",
            "unknown rule 'ours.pii_owned': no rule of family 'ours' is registered, by dbtgate or "
            "the plugins listed (rules/acme.py); is the plugin that defines it among them?",
        ),
    ],
)
def test_a_waiver_names_a_code_a_listed_plugin_registers(tmp_path, rule, problem):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "acme.py").write_text(PLUGIN_FILE)
    write_config(
        tmp_path,
        f"""\
        version: 1
        plugins: [rules/acme.py]
        waivers:
          - {{rule: "{rule}", select: x, reason: r, owner: "@o", expires: 2099-01-01}}
        """,
    )
    result = dbtgate("validate", cwd=tmp_path)
    if problem is None:
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode == 2
        assert result.stderr.splitlines() == [
            f"dbtgate: error: dbtgate.yml:4: waiver: {problem}",
            "dbtgate.yml: 1 problem",
        ]


def test_a_missing_plugin_path_is_a_config_error(artifacts, tmp_path):
    write_config(tmp_path, "version: 1\nplugins: [rules/nope.py]\npolicies: [{select: '*'}]\n")
    result = dbtgate("check", "--artifacts", str(artifacts), cwd=tmp_path)
    assert result.returncode == 2
    assert "plugins: rules/nope.py: no such file or directory" in result.stderr


@pytest.mark.parametrize("inside", [[], ["README.md"], ["__init__.py", "_helpers.py"]])
def test_a_plugin_folder_without_a_file_to_load_is_a_config_error(artifacts, tmp_path, inside):
    """A mistyped or emptied folder under `plugins:` loaded nothing, in silence: the team's
    own rules never ran and the gate passed without them. As a path that is not there, it
    stops `check` and is a problem of `validate`, at the folder's line."""
    (tmp_path / "rules").mkdir()
    for name in inside:
        (tmp_path / "rules" / name).write_text("raise SystemExit('never imported')\n")
    (tmp_path / "acme.py").write_text(PLUGIN_FILE)  # a plugin that loads, listed before
    write_config(tmp_path, "version: 1\nplugins:\n  - acme.py\n  - rules\n")
    said = (
        "dbtgate: error: dbtgate.yml:4: plugins: rules: no rules to load: the folder (rules) "
        "holds no .py file to load (files named _*.py are not loaded)"
    )
    checked = dbtgate("check", "--artifacts", str(artifacts), cwd=tmp_path)
    assert checked.returncode == 2, checked.stdout + checked.stderr
    assert checked.stderr.splitlines() == [said]
    validated = dbtgate("validate", cwd=tmp_path)
    assert validated.returncode == 2, validated.stdout + validated.stderr
    assert validated.stderr.splitlines() == [said, "dbtgate.yml: 1 problem"]


def test_a_malformed_plugin_rule_is_named_by_its_function_and_line(artifacts, tmp_path):
    """Not by the module name dbtgate gives a plugin file (`dbtgate_plugin_<hash>`)."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "ours.py").write_text(
        "from dbtgate.rules import rule\n\n"
        '@rule("ours.thing", severity="warn", applies_to=("model",), why="w", failing="f",\n'
        '      passing="p", fix="x")\n'
        "def thing(resource):\n    return None\n"
    )
    write_config(tmp_path, "version: 1\nplugins: [rules/ours.py]\n")
    result = dbtgate("check", "--artifacts", str(artifacts), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "dbtgate: error: dbtgate.yml:2: plugins: rules/ours.py: cannot load: TypeError: thing "
        "(line 3): a rule needs a docstring (its first paragraph is the summary)"
    )


def test_a_plugin_rule_sharing_by_a_value_not_a_function_is_refused_at_its_line(
    artifacts, tmp_path
):
    """`shares=` is called only where a baseline entry of the rule is on a resource no policy
    selects: a plugin passing the file itself failed there, as dbtgate's internal error. It
    is refused when the plugin loads, as a rule without a docstring is, whatever the check."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "ours.py").write_text(
        "from dbtgate.rules import rule\n\n"
        '@rule("ours.thing", severity="warn", applies_to=("model",), why="w", failing="f",\n'
        '      passing="p", fix="x", shares="models/schema.yml")\n'
        "def thing(resource):\n    'Doc.'\n"
    )
    write_config(tmp_path, "version: 1\nplugins: [rules/ours.py]\n")
    result = dbtgate("check", "--artifacts", str(artifacts), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "dbtgate: error: dbtgate.yml:2: plugins: rules/ours.py: cannot load: TypeError: rule "
        "ours.thing: shares must be a function of a resource and the project, got "
        "'models/schema.yml'"
    )


def test_a_plugin_raising_on_import_is_named_with_the_line_it_raised_at(artifacts, tmp_path):
    """`RuntimeError: boom` alone left the author to find where; the plugin's own line is
    named, not the standard library's where the error came out (json's here)."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "ours.py").write_text(
        "import json\n\n\ndef settings():\n    return json.loads('{')\n\n\nSETTINGS = settings()\n"
    )
    write_config(tmp_path, "version: 1\nplugins: [rules]\n")
    result = dbtgate("check", "--artifacts", str(artifacts), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().startswith(
        "dbtgate: error: dbtgate.yml:2: plugins: rules: cannot load: JSONDecodeError: "
    )
    assert result.stderr.strip().endswith(" (at rules/ours.py:5)")


@pytest.mark.parametrize(("call", "said"), [("sys.exit(3)", "3"), ("sys.exit('bye')", "bye")])
def test_a_plugin_that_exits_on_import_is_a_load_that_failed(artifacts, tmp_path, call, said):
    """A plugin's sys.exit() ended dbtgate with the plugin's code: 3 (none of dbtgate's), or
    1 ("gate failed", for `validate` and `rules` too) with its text, naming nothing."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "ours.py").write_text(f"import sys\n\n{call}\n")
    write_config(tmp_path, "version: 1\nplugins: [rules/ours.py]\n")
    problem = f"dbtgate.yml:2: plugins: rules/ours.py: cannot load: SystemExit: {said} (at rules/ours.py:3)"
    for command in (("check", "--artifacts", str(artifacts)), ("validate",)):
        result = dbtgate(*command, cwd=tmp_path)
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr.splitlines()[0] == f"dbtgate: error: {problem}"
    listed = dbtgate("rules", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stderr.strip() == f"dbtgate: warning: {problem}; the built-in rules only"


def test_the_line_a_plugin_raised_at_is_named_from_the_working_directory(tmp_path):
    """In a repository, the plugin's file was named from the config's folder (`rules/ours.py`),
    a path that opens nothing from the root of a monorepo or from a folder below the config."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    project = tmp_path / "analytics"
    (project / "rules").mkdir(parents=True)
    (project / "models").mkdir()
    (project / "rules" / "ours.py").write_text("import sys\n\nsys.exit(3)\n")
    write_config(project, "version: 1\nplugins: [rules/ours.py]\n")
    for cwd, config, at in (
        (project, "dbtgate.yml", "rules/ours.py"),
        (tmp_path, "analytics/dbtgate.yml", "analytics/rules/ours.py"),
        (project / "models", "../dbtgate.yml", "../rules/ours.py"),
    ):
        result = dbtgate("validate", "--config", config, cwd=cwd)
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr.splitlines()[0] == (
            f"dbtgate: error: {config}:2: plugins: rules/ours.py: cannot load: SystemExit: 3 "
            f"(at {at}:3)"
        )


def test_a_plugin_that_cannot_load_is_an_error_at_its_line_without_any_policy(artifacts, tmp_path):
    # Listed and unused is still a mistake worth knowing of before a policy comes to need it.
    # The line is the entry's, in a list of several the one to mend.
    write_config(tmp_path, "version: 1\n\nplugins:\n  - acme_rules_not_installed\n")
    problem = (
        "dbtgate.yml:4: plugins: acme_rules_not_installed: "
        "cannot load: ModuleNotFoundError: No module named 'acme_rules_not_installed'"
    )
    result = dbtgate("check", "--artifacts", str(artifacts), cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip() == f"dbtgate: error: {problem}"
    # `rules` prints the built-in reference all the same, with the problem as a warning.
    listed = dbtgate("rules", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stderr.strip() == f"dbtgate: warning: {problem}; the built-in rules only"


def test_an_installed_package_adds_rules_through_its_entry_point(artifacts, tmp_path):
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(site),
            str(PLUGIN_PKG),
        ],
        check=True,
        capture_output=True,
    )
    env = {
        "NO_COLOR": "1",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "COLUMNS": "200",
        "PYTHONPATH": str(site),
    }
    explained = run_dbtgate("rules", "example.name_length", env=env, cwd=tmp_path)
    assert explained.returncode == 0, explained.stderr
    assert "from plugin dbtgate_example_rules" in explained.stdout
    assert "max_length: int = 40" in explained.stdout
    write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "package:tiktok_ads"
            rules: {example.name_length: {severity: error, max_length: 40}}
        """,
    )
    result = run_dbtgate("check", "--artifacts", str(artifacts), env=env, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "stg_tiktok_ads__ad_group_report_hourly_tmp is 42 characters long (max 40)" in (
        result.stdout
    )


def _dist_info(site: Path, name: str, entry_points: str) -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(entry_points)


def test_validate_lists_an_installed_plugin_that_fails_and_goes_on(artifacts, tmp_path):
    """An installed package whose `dbtgate.rules` entry point cannot load is one problem for
    `validate`, which still loads the config's plugins and checks the rest; `check` stops."""
    site = tmp_path / "site"
    _dist_info(site, "team_rules", "[dbtgate.rules]\nteam = team_rules_gone\n")
    write_config(tmp_path, "version: 1\nplugins: [rules/nope.py]\nscope: all\nfail_on: eror\n")
    env = {"PYTHONPATH": str(site)}
    validated = dbtgate("validate", cwd=tmp_path, env=env)
    assert validated.returncode == 2
    assert validated.stderr.splitlines() == [
        "dbtgate: error: rule plugin 'team' (team_rules_gone, entry point group dbtgate.rules): "
        "cannot load: ModuleNotFoundError: No module named 'team_rules_gone'",
        "dbtgate: error: dbtgate.yml:2: plugins: rules/nope.py: no such file or directory "
        "(rules/nope.py)",
        "dbtgate: error: dbtgate.yml:4: fail_on: expected one of 'error' | 'warn', got 'eror'",
        "dbtgate.yml: 3 problems; `dbtgate check` stops at the first it meets",
    ]
    (tmp_path / "dbtgate.yml").write_text("version: 1\nplugins: [rules/nope.py]\n")
    checked = dbtgate("check", "--artifacts", str(artifacts), cwd=tmp_path, env=env)
    assert (checked.returncode, checked.stderr) == (2, validated.stderr.splitlines()[0] + "\n")


def test_the_entry_point_look_ahead_finds_a_declaring_distribution(tmp_path, monkeypatch):
    """Before paying for importlib.metadata, the registry looks for `dbtgate.rules` in each
    distribution's entry_points.txt: it must say yes exactly when one declares the group, and
    yes for what it cannot see into (a zip archive on the path)."""
    from importlib.machinery import PathFinder

    from dbtgate.rules.registry import _entry_points_declared

    # Only the standard finder: others that list distributions (some tests install one) make
    # the look-ahead defer to importlib.metadata, which is right but not what is tested here.
    monkeypatch.setattr(sys, "meta_path", [PathFinder])
    site = tmp_path / "site"
    _dist_info(site, "other_tool", "[console_scripts]\nother = other_tool.cli:main\n")
    monkeypatch.setattr(sys, "path", [str(site), str(tmp_path / "absent")])
    assert not _entry_points_declared()
    _dist_info(site, "team_rules", "[dbtgate.rules]\nteam = team_rules\n")
    assert _entry_points_declared()
    archive = tmp_path / "bundle.zip"
    archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    monkeypatch.setattr(sys, "path", [str(tmp_path / "absent"), str(archive)])
    assert _entry_points_declared()


def test_a_choice_parameter_is_written_in_one_style_in_errors_and_in_the_reference() -> None:
    """Every rule parameter that takes one of a set of values: its error names them as the
    config's own choices do (`expected one of 'all' | 'any' | 'one'`), and `dbtgate rules`
    shows its default quoted as they are."""
    found = []
    for code, checked in load_rules().items():
        for name, param in checked.params.items():
            if not param.is_choice:
                continue
            allowed = choices(typing.get_args(param.hint))
            with pytest.raises(ParamError) as raised:
                checked.resolve_params({name: "most"})
            assert str(raised.value) == f"{name}: expected one of {allowed}, got 'most'", code
            console = Console(file=io.StringIO(), width=200, color_system=None)
            print_rule(console, checked)
            assert f"  {name}: {allowed} = {param.default!r}\n" in console.file.getvalue(), code
            found.append(code)
    assert "governance.required_meta" in found
