"""What the notebooks call: parameters in, validated scenario and result tables out."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from roi.assess import Assessment
from roi.decision import DecisionRule
from roi.exceptions import Problem, ScenarioError
from roi.files import load_scenario, project_path
from roi.formatting import money, share
from roi.presentation import present
from roi.resources import EXAMPLE_SCENARIO, SCENARIOS
from roi.scenario import SCENARIO_KEYS, Scenario, scenario_from_dict
from roi.uncertainty import DEFAULT_SAMPLES, MAX_SAMPLES

RESULTS_MIMETYPE = "application/json"


def scenario_path(name: str | Path | None) -> Path:
    """The file a notebook's `scenario_file` names: a path, else a starter's file name
    (templates/scenarios, shipped with roi); None is the built-in example.

    >>> scenario_path("invoice_triage.yaml") == EXAMPLE_SCENARIO
    True
    """
    if name is None or str(name) == "":
        return EXAMPLE_SCENARIO
    path = Path(name)
    if path.exists() or path.is_absolute() or len(path.parts) > 1:
        return project_path(path)
    starter = SCENARIOS / path
    return starter if starter.exists() else path


def scenario_from_parameters(
    namespace: Mapping[str, Any], *, default_file: str | None = None
) -> Scenario:
    """The scenario a notebook's parameters describe.

    `scenario_file` (a path or a starter's file name) gives the scenario; every Scenario
    key in `namespace` whose value is not None is laid over it, and the whole is
    validated once. Without a `scenario_file` the parameters describe the scenario
    alone: `papermill ... -f my.yaml` gives exactly what `roi run my.yaml` gives, with
    nothing inherited from the example. Only when no field is given at all does the
    notebook open `default_file`, or the built-in example. The app passes its starter
    as `default_file`: a link's values are laid over it.
    """
    given = {key: namespace[key] for key in SCENARIO_KEYS if namespace.get(key, None) is not None}
    scenario_file = namespace.get("scenario_file") or default_file
    if not scenario_file and not given:
        scenario_file = EXAMPLE_SCENARIO.name
    base: dict[str, Any] = {}
    source = "notebook parameters"
    if scenario_file:
        path = scenario_path(scenario_file)
        base = load_scenario(path).to_dict()
        source = str(path)
    if not given and scenario_file:
        return load_scenario(scenario_path(scenario_file))
    return scenario_from_dict({**base, **given}, source=source)


def monte_carlo_parameters(namespace: Mapping[str, Any]) -> tuple[int, int]:
    """(samples, seed) from a notebook's parameters; `samples = None` is roi's default."""
    samples = namespace.get("samples")
    seed = namespace.get("seed", 0)
    samples = DEFAULT_SAMPLES if samples is None else samples
    problems = []
    for name, value, most in (("samples", samples, MAX_SAMPLES), ("seed", seed, None)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(
                Problem(name, value, "must be a whole number >= 0", "notebook parameters")
            )
        elif most is not None and value > most:
            problems.append(
                Problem(name, value, f"must be at most {most:,}", "notebook parameters")
            )
    if problems:
        raise ScenarioError(problems)
    return int(samples), int(seed)


def decision_rule(namespace: Mapping[str, Any]) -> DecisionRule:
    """The decision rule a notebook's parameters give: `confidence` (None: roi's
    default), as `roi run --confidence` takes it. The MLOps maturity a Go needs is the
    scenario's own `min_maturity` field.

    >>> decision_rule({"confidence": 0.9}).confidence, decision_rule({}).confidence
    (0.9, 0.7)
    """
    confidence = namespace.get("confidence")
    if confidence is None:
        return DecisionRule()
    if (
        isinstance(confidence, bool)
        or not isinstance(confidence, int | float)
        or not 0 < confidence <= 1
    ):
        raise ScenarioError(
            [
                Problem(
                    "confidence",
                    confidence,
                    "must be a number > 0 and <= 1 (the least probability of meeting the"
                    " payback threshold for a Go), or None for roi's default",
                    "notebook parameters",
                )
            ]
        )
    return DecisionRule(confidence=float(confidence))


def results_table(assessment: Assessment) -> pd.DataFrame:
    """The decision and every figure as a table people can read (`roi.presentation`): the
    headline on the assessment's basis (P50 of the Monte Carlo when the scenario has
    ranges), then the named details and the reconciliation, each with its basis and
    what it is, as the CLI and the memo word them."""
    results = assessment.results
    t = results.timeline
    shown = present(assessment)
    rows = [("Decision", assessment.decision.summary, "", "")]
    for f in shown.headline:
        value = f.text
        if f.likely_text:
            value += f" (likely {f.likely_text})"
        rows.append((f.label, value, f.basis, f.definition))
    rows += [
        ("Chance of payback in time", share(assessment.prob_meets_threshold), "simulation", ""),
        ("Monthly net impact", money(results.monthly_net_impact, 2), "likely", ""),
    ]
    if shown.one_time is not None:
        one_time = shown.one_time
        rows.append((one_time.label, one_time.text, one_time.basis, one_time.definition))
    rows += [(f.label, f.text, f.basis, f.definition) for f in shown.details]
    rows += [(f.label, f.text, f.basis, f.definition) for f in shown.reconciliation]
    rows.append(
        (
            "Timeline (weeks)",
            f"{t.min_weeks:g} / {t.likely_weeks:g} / {t.max_weeks:g}",
            "min / likely / max",
            "",
        )
    )
    return pd.DataFrame(rows, columns=["Result", "Value", "Basis", "What it is"]).set_index(
        "Result"
    )


# --- what an executed notebook shows (papermill, nbconvert) ---------------------------------

PLOTLY_MIMETYPE = "application/vnd.plotly.v1+json"


def decision_html(assessment: Assessment) -> str:
    """The decision as static HTML: outcome and initiative, every reason, the conditions
    and the kill criteria; user text escaped. nbconvert's HTML keeps it as it is."""
    import html

    from roi.decision import OUTCOME_CSS

    decision = assessment.decision
    colour = {"go": "#1a7f37", "conditional": "#9a6700", "no-go": "#cf222e"}[
        OUTCOME_CSS[decision.outcome]
    ]

    def items(values: Any) -> str:
        return "".join(f"<li>{html.escape(v)}</li>" for v in values)

    parts = [
        f'<div class="roi-decision" style="border-left:6px solid {colour};padding:6px 12px;'
        'margin:6px 0;background:#f6f8fa">',
        f'<p style="font-size:1.3em;margin:0"><b class="roi-outcome" style="color:{colour}">'
        f"{html.escape(decision.outcome)}</b> &mdash; {html.escape(assessment.scenario.name)}"
        "</p>",
        f"<ul>{items(decision.reasons)}</ul>",
    ]
    if decision.conditions:
        parts.append(f"<p><b>Conditions</b></p><ul>{items(decision.conditions)}</ul>")
    if decision.kill_criteria:
        parts.append(f"<p><b>Kill criteria</b></p><ul>{items(decision.kill_criteria)}</ul>")
    parts.append("</div>")
    return "".join(parts)


def chart_bundles(assessment: Assessment) -> list[dict[str, Any]]:
    """The memo's charts as display bundles: plotly's JSON (interactive in JupyterLab)
    and a static SVG drawn without a browser (what nbconvert HTML and code hosts show,
    as they run no JavaScript), with the chart's title as text."""
    import json

    from roi.reports.memo import memo_figures
    from roi.reports.static import figure_svg

    bundles = []
    for _chart_id, title, caption, figure in memo_figures(assessment):
        figure.update_layout(title_text=title, margin_t=80)  # no heading around it here
        bundles.append(
            {
                PLOTLY_MIMETYPE: json.loads(figure.to_json()),
                "image/svg+xml": figure_svg(figure, 760),
                "text/plain": f"{title}: {caption}",
            }
        )
    return bundles
