"""One reader for numbers: each notation means the same in a file, a CSV cell, a CLI option
and an app box, or is refused with the same reason in each."""

from __future__ import annotations

import json
import math

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from roi.amounts import parse_text, read_metric, read_number
from roi.app.model import WorkbookModel
from roi.cli import main
from roi.exceptions import ScenarioError
from roi.files import load_scenario
from roi.resources import EXAMPLE_SCENARIO

# (field, as typed, what it means; a text: the reason it is refused). Worked by hand.
NOTATIONS = [
    ("users", "1,500", 1500.0),
    ("users", "2k", 2000.0),
    ("users", "1500", 1500.0),
    ("hourly_rate", "$70", 70.0),
    ("build_cost", "$40,000", 40_000.0),
    ("build_cost", "40k", 40_000.0),
    ("build_cost", "1.2M", 1_200_000.0),
    ("build_cost", "$1.2mm", 1_200_000.0),
    ("discount_rate", "10%", 0.10),
    ("discount_rate", "12", 0.12),
    ("discount_rate", "0.12", 0.12),
    ("discount_rate", "1", "is ambiguous for a percent: write 1% or 100%"),
    ("build_cost", "1,5M", "reads two ways: 1.5M with a decimal comma, or 15M"),
    ("users", "250.000", "reads two ways: 250 with a decimal point, or 250,000"),
    ("build_cost", "1.234,56", "a thousands point and a decimal comma: write 1,234.56"),
    ("users", "10%", "is a percent; this field is in people"),
    ("users", "$5", "is money; this field is in people"),
    ("users", "lots", "must be a number (1500, 1,500, 2k, $70, 1.2M or 10%)"),
    ("users", "1,50", "reads two ways: 1.50 with a decimal comma, or 150"),
]


def _scenario_fields(field: str, value: object) -> dict:
    fields = load_scenario(EXAMPLE_SCENARIO).to_dict()
    fields[field] = value
    return fields


@pytest.mark.parametrize(("field", "typed", "meant"), NOTATIONS)
def test_a_notation_in_a_yaml_file(tmp_path, field, typed, meant):
    """A quoted YAML value (text) reads as the notation says, or is refused naming why."""
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(_scenario_fields(field, typed)), encoding="utf-8")
    if isinstance(meant, str):
        with pytest.raises(ScenarioError) as caught:
            load_scenario(path)
        assert meant in str(caught.value) and repr(typed) in str(caught.value)
    else:
        assert load_scenario(path).value(field) == pytest.approx(meant, rel=1e-12)


@pytest.mark.parametrize(("field", "typed", "meant"), NOTATIONS)
def test_a_notation_in_a_csv_cell(tmp_path, field, typed, meant):
    """The same notation in a CSV cell (quoted where it holds a comma)."""
    fields = _scenario_fields(field, typed)
    columns = ["name", "users", "tasks_per_day", "minutes_saved_per_task", "hourly_rate"]
    columns += ["platform_cost_annual", "model_cost_annual", "support_cost_annual"]
    columns += ["build_cost", "change_cost", "discount_rate"]
    fields.setdefault("discount_rate", 0.1)
    cells = [str(fields[c]) for c in columns]
    path = tmp_path / "s.csv"
    path.write_text(
        ",".join(columns) + "\n" + ",".join(f'"{c}"' for c in cells) + "\n", encoding="utf-8"
    )
    if isinstance(meant, str):
        with pytest.raises(ScenarioError) as caught:
            load_scenario(path)
        assert meant in str(caught.value)
    else:
        assert load_scenario(path).value(field) == pytest.approx(meant, rel=1e-12)


@pytest.mark.parametrize(("field", "typed", "meant"), NOTATIONS)
def test_a_notation_in_an_app_box(field, typed, meant):
    """The same notation typed into the app: the model's input, or the reason under the
    box with the figures on the last valid inputs."""
    model = WorkbookModel(load_scenario(EXAMPLE_SCENARIO), samples=0)
    before = model.scenario.value(field)
    ok = model.set_text(field, typed)
    if isinstance(meant, str):
        assert not ok and meant in model.errors[field]
        assert model.scenario.value(field) == before
    else:
        assert ok and model.scenario.value(field) == pytest.approx(meant, rel=1e-12)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [(typed, meant) for field, typed, meant in NOTATIONS if field == "build_cost"],
)
def test_a_notation_as_a_cli_amount(capsys, typed, meant):
    """roi portfolio --budget reads the same notations (a budget in dollars)."""
    args = ["portfolio", str(EXAMPLE_SCENARIO), "--samples", "0", "--budget", typed, "--json"]
    if isinstance(meant, str):
        with pytest.raises(SystemExit) as caught:
            main(args)
        assert caught.value.code == 2 and meant in capsys.readouterr().err
    else:
        assert main(args) == 0
        shown = json.loads(capsys.readouterr().out.splitlines()[0])
        assert shown["limits"]["budget"] == meant


def test_yaml_1_1_booleans_in_text_fields_stay_text(tmp_path):
    """country: NO is Norway (YAML 1.1 reads it as false)."""
    path = tmp_path / "s.yaml"
    text = yaml.safe_dump(_scenario_fields("name", "Norway pilot")) + "country: NO\n"
    path.write_text(text, encoding="utf-8")
    assert load_scenario(path).country == "NO"


@given(st.integers(0, 10**12))
def test_every_grouped_integer_reads_back(number):
    """Any whole number written with thousands commas reads back exactly."""
    assert parse_text(f"{number:,}") == (float(number), False)


@given(st.floats(0.0001, 0.9999))
def test_a_percent_and_its_fraction_agree(fraction):
    """p% and p/100 are the same discount rate, whichever way it is written."""
    assert read_number(f"{fraction * 100!r}%", "per year") == pytest.approx(fraction, rel=1e-12)
    assert read_number(fraction, "per year") == fraction


def test_a_share_criterion_takes_a_percent_and_refuses_a_bare_93():
    assert read_metric("93%", "share") == pytest.approx(0.93)
    with pytest.raises(ValueError, match=r"write 0\.93 or 93%"):
        read_metric(93, "share")
    assert read_metric("93%", "%") == 93.0
    assert math.isclose(read_metric("1,200", "ms"), 1200.0)


def test_a_name_written_like_a_number_keeps_its_text(tmp_path):
    """name: 1.10 is the initiative "1.10" (YAML would make it the number 1.1)."""
    fields = yaml.safe_dump(_scenario_fields("name", "x")).replace("name: x", "name: 1.10")
    path = tmp_path / "s.yaml"
    path.write_text(fields, encoding="utf-8")
    assert load_scenario(path).name == "1.10"
