"""roi: carry AI proofs of concept into production, or kill them early, with numbers."""

from roi._version import __version__
from roi.assess import Assessment, assess
from roi.evaluate import Results, compute, evaluate, evaluate_table
from roi.exceptions import Problem, RoiError, ScenarioError
from roi.files import load_scenario, load_scenarios, save_scenario
from roi.scenario import FIELD_SPECS, Range, Scenario, scenario_from_dict

__all__ = [
    "FIELD_SPECS",
    "Assessment",
    "Problem",
    "Range",
    "Results",
    "RoiError",
    "Scenario",
    "ScenarioError",
    "__version__",
    "assess",
    "compute",
    "evaluate",
    "evaluate_table",
    "load_scenario",
    "load_scenarios",
    "save_scenario",
    "scenario_from_dict",
]
