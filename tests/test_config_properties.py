"""The config read two ways agrees: `check` stops at the first problem, `validate` lists them
all (`load_config(path, problems)`). Over generated configs, good and bad: the problem `check`
stops at is among those `validate` lists, and a config `check` reads without a problem is one
where `validate` finds none and reads the same values."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbtgate.config import load_config
from dbtgate.errors import DbtgateError

SEVERITIES = st.sampled_from(["error", "warn", "info", "eror", None, 3])
RULE_SETTINGS = st.one_of(
    SEVERITIES,
    st.fixed_dictionaries(
        {"severity": SEVERITIES},
        optional={"min": st.sampled_from([1, 2, "two", "2099-02-30"]), "min_length": st.just(4)},
    ),
    st.just(["error"]),
)
POLICIES = st.fixed_dictionaries(
    {
        "select": st.sampled_from(["*", "tier:1", "tag:", 7]),
        "rules": st.one_of(
            st.dictionaries(
                st.sampled_from(["docs.model_description", "tests.min_per_model", "owner.x"]),
                RULE_SETTINGS,
                max_size=3,
            ),
            st.just("docs.model_description"),
        ),
    },
    optional={"exclude": st.sampled_from(["tag:legacy", ""]), "selct": st.just("*")},
)
WAIVERS = st.fixed_dictionaries(
    {
        "rule": st.sampled_from(["owner.present", "docs.*"]),
        "select": st.sampled_from(["orders", "*"]),
        "owner": st.sampled_from(["@data", ""]),
        "expires": st.sampled_from(["2099-01-01", "2099-02-30", "soon", 20990101]),
    },
    optional={"reason": st.sampled_from(["being rebuilt", " ", None])},
)
CONFIGS = st.fixed_dictionaries(
    {},
    optional={
        "version": st.sampled_from([1, "1", None]),
        "scope": st.sampled_from(["changed", "all", "chnged"]),
        "fail_on": st.sampled_from(["error", "warn", True]),
        "policies": st.one_of(st.lists(POLICIES, max_size=3), st.just({"select": "*"})),
        "waivers": st.lists(WAIVERS, max_size=3),
        "waiver_notice_days": st.sampled_from([14, -1, "x"]),
        "kpi": st.fixed_dictionaries(
            {},
            optional={
                "targets": st.dictionaries(
                    st.sampled_from(["test_coverage", "docs_models", "docs_modles"]),
                    st.sampled_from([0.8, 1.5, "high", None]),
                    max_size=2,
                ),
                "gate": st.lists(st.sampled_from(["test_coverage", "docs_models"]), max_size=2),
            },
        ),
        "lint": st.fixed_dictionaries({}, optional={"enabled": st.sampled_from([False, "yes"])}),
        "scoep": st.just("all"),
    },
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(CONFIGS)
def test_validate_lists_what_check_stops_at_and_nothing_on_a_good_config(config: dict) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dbtgate.yml"
        # Dates as YAML writes them unquoted, so that 2099-02-30 reaches YAML's date reader.
        text = yaml.safe_dump(config, sort_keys=False).replace("'2099-", "2099-")
        text = text.replace("-01-01'", "-01-01").replace("-02-30'", "-02-30")
        path.write_text(text)
        problems: list[DbtgateError] = []
        try:
            first = load_config(path)
        except DbtgateError as stopped:
            try:
                load_config(path, problems)
            except DbtgateError as also:  # nothing to read further (not a version-1 config)
                assert str(also) == str(stopped)
                return
            assert str(stopped) in [str(problem) for problem in problems], text
            # One problem per value: a value of the wrong type in an `X | None` field is one
            # problem, not X's and the union's.
            assert not any("object at 0x" in str(problem) for problem in problems), text
            places = [str(problem).split(": ", 2)[:2] for problem in problems]
            assert len(places) == len({tuple(place) for place in places}), text
            return
        assert load_config(path, problems) == first, text
        assert problems == [], text
