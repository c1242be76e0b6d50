"""roi: carry AI proofs of concept into production, or kill them early, with numbers."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("roi")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

from roi.evaluate import Results, compute, evaluate, evaluate_table
from roi.exceptions import Problem, RoiError, ScenarioError
from roi.files import load_scenario, load_scenarios, save_scenario
from roi.scenario import FIELD_SPECS, Range, Scenario, scenario_from_dict

__all__ = [
    "FIELD_SPECS",
    "Problem",
    "Range",
    "Results",
    "RoiError",
    "Scenario",
    "ScenarioError",
    "__version__",
    "compute",
    "evaluate",
    "evaluate_table",
    "load_scenario",
    "load_scenarios",
    "save_scenario",
    "scenario_from_dict",
]
