"""The production timeline: phase data, totals, governance modes, dates and warnings."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import FAST, ranges

from roi.evaluate import evaluate
from roi.exceptions import ConfigError, ScenarioError
from roi.files import load_scenario, save_scenario
from roi.scenario import Range, Scenario
from roi.timeline import (
    CHECKPOINTS,
    GOVERNANCE,
    PHASES,
    add_business_days,
    estimate_timeline,
    governance_weeks,
    parse_config,
    schedule,
    total_weeks,
)

CHAIN = (
    "planning",
    "refactoring",
    "data_pipeline",
    "infrastructure",
    "integration_testing",
    "monitoring",
    "rollout",
)


def test_the_seven_phases_from_the_issue():
    """Names, week ranges and roles as the issue lists them, in order."""
    expected = {
        "planning": (1, 2, {"Product manager", "Tech lead"}),
        "refactoring": (2, 4, {"ML engineer", "Software engineer"}),
        "data_pipeline": (2, 4, {"Data engineer"}),
        "infrastructure": (2, 3, {"DevOps / MLOps engineer"}),
        "integration_testing": (1, 2, {"Full team"}),
        "monitoring": (1, 2, {"MLOps engineer"}),
        "rollout": (2, 4, {"Full team"}),
    }
    assert tuple(p.id for p in PHASES) == CHAIN
    for phase in PHASES:
        low, high, roles = expected[phase.id]
        assert (phase.min_weeks, phase.max_weeks, set(phase.roles)) == (low, high, roles)


def test_the_five_governance_checkpoints_from_the_issue():
    """Data validation 2-3 days, model evaluation 3-5, security 2-3, bias 3-5, ops 2-3."""
    days = {c.id: (c.min_days, c.max_days) for c in CHECKPOINTS}
    assert days == {
        "data_validation": (2, 3),
        "model_evaluation": (3, 5),
        "security_review": (2, 3),
        "bias_audit": (3, 5),
        "operational_readiness": (2, 3),
    }


def test_default_totals_are_11_16_21_weeks():
    """Phases in sequence: mins 1+2+2+2+1+1+2 = 11, midpoints 1.5+3+3+2.5+1.5+1.5+3 = 16,
    maxes 2+4+4+3+2+2+4 = 21. Parallel checkpoints (at most 3, 4, 5 days = 0.6, 0.8,
    1 week after infrastructure) end before integration testing + monitoring (2, 3, 4
    weeks), so they are off the critical path."""
    plan = estimate_timeline()
    assert (plan.min_weeks, plan.likely_weeks, plan.max_weeks) == (11, 16, 21)
    assert plan.critical_path == CHAIN
    assert plan.governance == "parallel"
    assert plan.warnings == ()  # 16 weeks is not more than 16


def test_pert_mean_and_spread_of_the_default_plan():
    """Likely = midpoint, so each PERT mean is the midpoint: 16 in total. Spread on the
    critical path: sqrt((1^2+2^2+2^2+1^2+1^2+1^2+2^2) / 36) = sqrt(16/36) = 0.667."""
    plan = estimate_timeline()
    assert plan.pert_mean_weeks == pytest.approx(16)
    assert plan.pert_sd_weeks == pytest.approx(4 / 6)
    planning = plan.phases[0]
    assert (planning.pert_mean, planning.pert_sd) == pytest.approx((1.5, 1 / 6))


def test_governance_in_sequence_worked_by_hand():
    """Checkpoints one after another: 2+3+2+3+2 = 12 days (2.4 weeks), likely 2.5+4+2.5+
    4+2.5 = 15.5 days (3.1 weeks), 3+5+3+5+3 = 19 days (3.8 weeks), after infrastructure
    ends at week 7, 10 or 13. Rollout waits for them and for monitoring (9, 13, 17):
    min max(9.4, 9) + 2 = 11.4; likely max(13.1, 13) + 3 = 16.1; max max(16.8, 17) + 4 = 21."""
    plan = estimate_timeline(governance="sequential")
    assert plan.min_weeks == pytest.approx(11.4)
    assert plan.likely_weeks == pytest.approx(16.1)
    assert plan.max_weeks == pytest.approx(21)
    assert plan.critical_path == (*CHAIN[:4], GOVERNANCE, "rollout")
    assert plan.warnings == ()  # 16.1 weeks is within the full plan's 11-21


def test_governance_weeks_parallel_and_sequential():
    """Longest checkpoint (4 days = 0.8 weeks) or all of them (15.5 days = 3.1 weeks)."""
    likely = {c.id: c.likely for c in CHECKPOINTS}
    assert float(governance_weeks(likely, "parallel")) == pytest.approx(0.8)
    assert float(governance_weeks(likely, "sequential")) == pytest.approx(3.1)
    with pytest.raises(ValueError, match="paralel"):
        governance_weeks(likely, "paralel")


def test_the_plan_lists_every_phase_and_the_governance_block():
    """Seven phases plus governance right after infrastructure, with likely start/finish."""
    plan = estimate_timeline()
    ids = [row.id for row in plan.phases]
    assert ids == [*CHAIN[:4], GOVERNANCE, *CHAIN[4:]]
    gov = plan.phases[4]
    assert (gov.start_week, gov.finish_week) == pytest.approx((10, 10.8))
    assert not gov.critical
    rollout = plan.phases[-1]
    assert (rollout.start_week, rollout.finish_week) == (13, 16)


def test_phase_override_with_a_number_and_a_range():
    """Rollout fixed at 6 weeks: 11 - 2 + 6 = 15, 16 - 3 + 6 = 19, 21 - 4 + 6 = 23.
    Then refactoring as a range 3/4/8: 15 - 2 + 3 = 16, 19 - 3 + 4 = 20, 23 - 4 + 8 = 27."""
    plan = estimate_timeline({"rollout": 6})
    assert (plan.min_weeks, plan.likely_weeks, plan.max_weeks) == (15, 19, 23)
    plan = estimate_timeline({"rollout": 6, "refactoring": Range(low=3, likely=4, high=8)})
    assert (plan.min_weeks, plan.likely_weeks, plan.max_weeks) == (16, 20, 27)
    with pytest.raises(ValueError, match="planing"):
        estimate_timeline({"planing": 2})


def test_go_live_dates_in_business_days():
    """From Monday 2026-01-05: 11, 16 and 21 working weeks later are Mondays 2026-03-23,
    2026-04-27 and 2026-06-01."""
    plan = estimate_timeline(start_date=date(2026, 1, 5))
    assert plan.go_live_earliest == date(2026, 3, 23)
    assert plan.go_live_date == date(2026, 4, 27)
    assert plan.go_live_latest == date(2026, 6, 1)
    assert plan.to_dict()["go_live_date"] == "2026-04-27"


def test_add_business_days_skips_weekends():
    """Half a week is 2.5 days, rounded up to 3: Monday to Thursday. A Saturday start
    rolls to Monday; 1 week from Friday 2026-01-09 is Friday 2026-01-16."""
    assert add_business_days(date(2026, 1, 5), 0.5) == date(2026, 1, 8)
    assert add_business_days(date(2026, 1, 10), 0) == date(2026, 1, 12)
    assert add_business_days(date(2026, 1, 9), 1) == date(2026, 1, 16)


@pytest.mark.parametrize(
    ("poc_weeks", "ratio", "warning"),
    [(5, 3.2, None), (4, 4.0, None), (8, 2.0, None), (10, 1.6, "less"), (2, 8.0, "more")],
)
def test_poc_ratio_rule(poc_weeks, ratio, warning):
    """Production is 16 weeks likely: 16 / PoC weeks must be within 2-4 or it warns."""
    plan = estimate_timeline(poc_weeks=poc_weeks)
    assert plan.poc_ratio == pytest.approx(ratio)
    if warning is None:
        assert plan.warnings == ()
    else:
        assert len(plan.warnings) == 1 and f"{warning} than the usual 2-4x" in plan.warnings[0]


def test_long_plan_warning_past_the_profiles_range():
    """The full plan is flagged past its 11-21 weeks (planning likely 7.5 instead of 1.5:
    22 weeks), not at its own likely 16; a well-scoped feature past its 6-10 weeks (the
    pipeline likely 6 instead of 1.5: 8 + 4.5 = 12.5 weeks), each naming its audit line."""
    assert estimate_timeline().warnings == ()
    plan = estimate_timeline({"planning": Range(low=1, likely=7.5, high=8)})
    assert plan.likely_weeks == 22
    assert any("past the 11-21 weeks" in w and "past 21 weeks" in w for w in plan.warnings)
    assert estimate_timeline(profile="well_scoped").warnings == ()
    small = estimate_timeline(
        {"data_pipeline": Range(low=2, likely=6, high=8)}, "parallel", profile="well_scoped"
    )
    assert small.likely_weeks == pytest.approx(12.5)
    assert any("past the 6-10 weeks" in w and "past 16 weeks" in w for w in small.warnings)


def test_a_well_scoped_feature_takes_half_the_full_plans_phases():
    """Each phase of the well-scoped profile is the full plan's at half the weeks (min
    11 -> 5.5, likely 16 -> 8, max 21 -> 10.5 on the same critical path); the audit line
    is the articles' 16 weeks, the full plan's 21."""
    full, small = estimate_timeline(), estimate_timeline(profile="well_scoped")
    for big, half in zip(full.phases, small.phases, strict=True):
        assert (half.min_weeks, half.likely_weeks, half.max_weeks) == pytest.approx(
            (big.min_weeks / 2, big.likely_weeks / 2, big.max_weeks / 2)
        ) or half.id == "governance"
    assert (small.min_weeks, small.likely_weeks, small.max_weeks) == (5.5, 8.0, 10.5)
    assert (full.audit_past_weeks, small.audit_past_weeks) == (21, 16)
    with pytest.raises(ValueError, match="plan profile must be one of full, well_scoped"):
        estimate_timeline(profile="tiny")


def test_schedule_is_vectorized_over_samples():
    """Arrays of phase durations give one total per sample, same as scheduling each alone."""
    rng = np.random.default_rng(7)
    durations = {p.id: rng.uniform(p.min_weeks, p.max_weeks, 50) for p in PHASES}
    days = {c.id: rng.uniform(c.min_days, c.max_days, 50) for c in CHECKPOINTS}
    totals = total_weeks(schedule(durations, days, "sequential"))
    for i in (0, 17, 49):
        one = total_weeks(
            schedule(
                {k: v[i] for k, v in durations.items()},
                {k: v[i] for k, v in days.items()},
                "sequential",
            )
        )
        assert totals[i] == pytest.approx(float(one))


phase_overrides = st.dictionaries(
    st.sampled_from(CHAIN),
    st.one_of(st.floats(0, 12, allow_nan=False), ranges("adoption_months")),
    max_size=7,
)


@given(overrides=phase_overrides, governance=st.sampled_from(["parallel", "sequential"]))
@FAST
def test_totals_lie_within_sum_of_mins_and_sum_of_maxes(overrides, governance):
    """min <= likely <= max, at least the phases' mins in sequence and at most all maxes
    (phases plus the governance block) in sequence."""
    plan = estimate_timeline(overrides, governance=governance)
    rows = {row.id: row for row in plan.phases}
    sum_min = sum(rows[p].min_weeks for p in CHAIN)
    sum_max = sum(row.max_weeks for row in plan.phases)
    assert sum_min - 1e-9 <= plan.min_weeks <= plan.likely_weeks <= plan.max_weeks
    assert plan.max_weeks <= sum_max + 1e-9
    assert plan.likely_weeks >= sum(rows[p].likely_weeks for p in CHAIN) - 1e-9
    assert plan.min_weeks - 1e-9 <= plan.pert_mean_weeks <= plan.max_weeks + 1e-9


def test_config_errors_are_clear():
    """Malformed phase data names what is wrong: a missing key, a reversed range, a cycle."""
    good = {
        "phases": [
            {"id": "a", "name": "A", "min_weeks": 1, "max_weeks": 2, "after": []},
            {"id": "b", "name": "B", "min_weeks": 1, "max_weeks": 2, "after": ["a"]},
        ],
        "checkpoints": [],
        "checkpoints_after": "a",
        "plan_profiles": {
            "full": {"name": "F", "weeks": [2, 4], "audit_past_weeks": 4, "phase_scale": 1},
            "well_scoped": {
                "name": "W",
                "weeks": [1, 2],
                "audit_past_weeks": 3,
                "phase_scale": 0.5,
            },
        },
        "poc_ratio": [2, 4],
    }
    assert [p.id for p in parse_config(good).phases] == ["a", "b"]
    with pytest.raises(ConfigError, match="malformed"):
        parse_config({**good, "phases": [{"id": "a"}]})
    reversed_range = [{**good["phases"][0], "min_weeks": 3}, good["phases"][1]]
    with pytest.raises(ConfigError, match="phase 'a' needs 0 <= min"):
        parse_config({**good, "phases": reversed_range})
    cycle = [{**good["phases"][0], "after": ["b"]}, good["phases"][1]]
    with pytest.raises(ConfigError, match="cycle"):
        parse_config({**good, "phases": cycle})
    with pytest.raises(ConfigError, match="plan_profiles must be exactly full, well_scoped"):
        parse_config({**good, "plan_profiles": {"full": good["plan_profiles"]["full"]}})
    wide = {**good["plan_profiles"], "full": {**good["plan_profiles"]["full"], "weeks": [2, 9]}}
    with pytest.raises(ConfigError, match="profile 'full' needs 0 <= weeks low <= high"):
        parse_config({**good, "plan_profiles": wide})
    with pytest.raises(ConfigError, match="unknown 'zz'"):
        parse_config({**good, "phases": [{**good["phases"][0], "after": ["zz"]}]})


def test_longest_allowed_plan_still_has_real_dates():
    """Every phase at the 520-week maximum a scenario allows: go-live is still a date
    (far beyond it numpy would return a day count or overflow instead)."""
    plan = estimate_timeline({p: 520 for p in CHAIN}, start_date=date(2026, 1, 5))
    assert plan.max_weeks == 7 * 520
    assert isinstance(plan.go_live_latest, date)
    assert 2095 <= plan.go_live_latest.year <= 2096  # 3,640 weeks: about 70 years


def test_critical_path_ends_at_go_live_even_with_a_zero_week_phase():
    """A 0-week rollout ties with monitoring's finish; the path still ends at rollout."""
    plan = estimate_timeline({"rollout": 0})
    assert plan.likely_weeks == 13
    assert plan.critical_path == CHAIN


# --- public holidays --------------------------------------------------------------------

HOLIDAY_BASE = dict(
    name="Holidays",
    users=200,
    tasks_per_day=12,
    minutes_saved_per_task=4,
    hourly_rate=55,
    platform_cost_annual=60_000,
    model_cost_annual=36_000,
    support_cost_annual=40_000,
    build_cost=250_000,
    change_cost=50_000,
    start_date="2026-11-02",
)


def test_a_countrys_public_holidays_move_go_live_worked_by_hand():
    """16 weeks = 80 business days from Monday 2026-11-02: 2027-02-22 with no holidays.
    US federal holidays on weekdays in between: Veterans Day (Wed 11 Nov), Thanksgiving
    (Thu 26 Nov), Christmas (Fri 25 Dec), New Year (Fri 1 Jan), Martin Luther King Jr.
    Day (Mon 18 Jan), Washington's Birthday (Mon 15 Feb): six days, so Tue 2027-03-02."""
    assert evaluate(Scenario(**HOLIDAY_BASE)).go_live_date == date(2027, 2, 22)
    assert evaluate(Scenario(**HOLIDAY_BASE, country="us")).go_live_date == date(2027, 3, 2)


def test_own_holidays_count_only_on_weekdays_and_once():
    # Thu 24 Dec and Thu 31 Dec are weekdays; Sat 26 Dec is not; 24 Dec given twice.
    own = ["2026-12-24", "2026-12-31", "2026-12-26", "2026-12-24"]
    scenario = Scenario(**HOLIDAY_BASE, holidays=own)
    assert scenario.holidays == (date(2026, 12, 24), date(2026, 12, 26), date(2026, 12, 31))
    assert evaluate(scenario).go_live_date == date(2027, 2, 24)
    # With the US holidays too: 24 and 31 Dec add two days to the six.
    both = evaluate(Scenario(**HOLIDAY_BASE, country="US", holidays=own))
    assert both.go_live_date == date(2027, 3, 4)


def test_an_unknown_country_is_a_named_problem():
    with pytest.raises(ScenarioError, match=r"'country' must be a country code .*got 'XX'"):
        Scenario(**HOLIDAY_BASE, country="XX")


def test_country_and_holidays_round_trip_through_a_file(tmp_path):
    scenario = Scenario(**HOLIDAY_BASE, country="DE", holidays=["2026-12-24"])
    assert load_scenario(save_scenario(scenario, tmp_path / "s.yaml")) == scenario
