"""The machine-readable summary of a run (`--json`): one JSON object on stdout,

    {"suite": ..., "n": ..., "systems": {name: {metric: value}},
     "components": {name: {metric: value}}}

read from the score tables every suite already writes: a table whose first column is
"system" gives each row's system its metrics (a cell with a confidence interval gives
`metric` and `metric_ci`); a table whose columns name uncertainty components gives each
component one metric per row (`<first word of the title>_<row label>`, e.g.
`auroc_clamber`). Metric names are the column headers in snake case; when two tables
give one system the same metric, the later one is prefixed with its table's title.
"""

from __future__ import annotations

import math
import re
from typing import Any

from uncertainty.report import COMPONENT_NAMES

Metrics = dict[str, dict[str, Any]]


def slug(text: str) -> str:
    text = re.sub(r"\[95% CI\]", "", str(text)).strip().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def _number(value: Any) -> Any:
    """JSON-safe: NaN and infinities become None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _put(metrics: dict[str, Any], key: str, value: Any) -> None:
    if isinstance(value, dict) and "value" in value:
        metrics[key] = _number(value["value"])
        metrics[f"{key}_ci"] = [_number(value.get("lo")), _number(value.get("hi"))]
    else:
        metrics[key] = _number(value)


def _component(column: str) -> tuple[str, str] | None:
    """(component, estimator) of a column named 'ambiguity' or 'ambiguity (sampled)'."""
    name, _, rest = column.partition(" (")
    if name not in COMPONENT_NAMES:
        return None
    return name, rest.rstrip(")")


def summarize(results: dict[str, Any]) -> dict[str, Any]:
    """The summary object of a results.json (`eval run` or `eval calibrate`)."""
    systems: Metrics = {}
    components: Metrics = {}
    for table in (results.get("scores") or {}).get("tables", []):
        columns = [str(c) for c in table.get("columns", [])]
        rows = table.get("rows", [])
        title = slug(table.get("title", ""))
        if columns and columns[0] == "system":
            for row in rows:
                metrics = systems.setdefault(str(row[0]), {})
                for column, value in zip(columns[1:], row[1:], strict=False):
                    key = slug(column)
                    _put(metrics, f"{title}.{key}" if key in metrics else key, value)
        elif columns and columns[0] == "component":
            for row in rows:
                metrics = components.setdefault(str(row[0]), {})
                for column, value in zip(columns[1:], row[1:], strict=False):
                    _put(metrics, slug(column), value)
        named = [c for c in columns if _component(c)]
        if named and columns[0] != "component":
            kind = title.split("_")[0] if title else "value"
            for row in rows:
                for column, value in zip(columns, row, strict=False):
                    name, estimator = _component(column) or ("", "")
                    if name:
                        key = f"{kind}_{slug(row[0])}"
                        key += f"_{slug(estimator)}" if estimator else ""
                        _put(components.setdefault(name, {}), key, value)
    return {
        "suite": results.get("suite"),
        "n": results.get("n_items"),
        "systems": systems,
        "components": components,
    }
