"""PNG plots for the report (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from eval import metrics  # noqa: E402


def _title(text: str) -> str:
    """Long titles wrap instead of running off the figure."""
    return textwrap.fill(text, 48)


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")  # keeps legends placed outside
    plt.close(fig)
    return path


def roc_plot(spec: dict, path: Path) -> Path | None:
    """ROC curves; a curve whose labels hold one class only is listed as undefined."""
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    drawn = 0
    for c in spec["curves"]:
        fpr, tpr = metrics.roc_points(c["y"], c["score"])
        if not fpr:
            ax.plot([], [], label=f"{c['label']} (one class: undefined)")
            continue
        auc = metrics.auroc(c["y"], c["score"])
        ax.plot(fpr, tpr, label=f"{c['label']} (AUROC {auc:.2f})")
        drawn += 1
    ax.plot([0, 1], [0, 1], ":", color="grey", label="chance")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title=_title(spec["title"]))
    ax.legend(fontsize=7, loc="lower right")
    return _save(fig, path)


def rejection_plot(spec: dict, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    for c in spec["curves"]:
        x, y = metrics.rejection_curve(c["correct"], c["uncertainty"])
        if x:
            ax.plot(x, y, label=f"{c['label']} (AURAC {np.mean(y):.2f})")
    if spec["curves"] and spec["curves"][0]["correct"]:
        first = spec["curves"][0]["correct"]
        x, y = metrics.rejection_curve(first, [-float(v) for v in first])
        ax.plot(x, y, "--", color="grey", label="oracle (Clarion's answers)")
        ax.axhline(float(np.mean(first)), ls=":", color="grey", label="random rejection")
    ax.set(
        xlabel="fraction rejected (most uncertain first)",
        ylabel="accuracy of kept answers",
        title=_title(spec["title"]),
        ylim=(-0.02, 1.02),
    )
    ax.legend(fontsize=7)
    return _save(fig, path)


def confusion_plot(spec: dict, path: Path) -> Path:
    labels, m = spec["labels"], np.asarray(spec["matrix"])
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    ax.imshow(m, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            ax.text(
                j,
                i,
                str(m[i, j]),
                ha="center",
                va="center",
                color="white" if m[i, j] > m.max() / 2 else "black",
            )
    ax.set(xlabel="chosen by Clarion", ylabel="expected", title=_title(spec["title"]))
    return _save(fig, path)


def bar_plot(spec: dict, path: Path) -> Path:
    """Grouped bars: spec = {"title", "labels": [...], "series": {name: [values]}, "ylabel"},
    optionally "intervals": {name: [[lo, hi], ...]} drawn as error bars."""
    labels, series = spec["labels"], spec["series"]
    intervals = spec.get("intervals") or {}
    many = len(series) > 3
    fig, ax = plt.subplots(figsize=(8.0 if many else 6.4, 4.6 if many else 4.2))
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        xs = np.arange(len(labels)) + i * width
        heights = np.array([np.nan if v is None else v for v in values], dtype=float)
        yerr = None
        if name in intervals:
            lo_hi = np.array([[np.nan] * 2 if iv is None else iv for iv in intervals[name]], float)
            yerr = np.abs(np.vstack([heights - lo_hi[:, 0], lo_hi[:, 1] - heights]))
        bars = ax.bar(xs, heights, width, label=name, yerr=yerr, capsize=2)
        # a 0.00 bar is otherwise invisible; upright labels would overlap with many series
        ax.bar_label(
            bars, fmt="%.2f", fontsize=6 if many else 7, rotation=90 if many else 0, padding=2
        )
    ax.set_xticks(
        np.arange(len(labels)) + width * (len(series) - 1) / 2,
        labels,
        rotation=15,
        ha="right",
        fontsize=8,
    )
    ax.set(ylabel=spec.get("ylabel", ""), title=_title(spec["title"]), ylim=(0, 1.1))
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=min(3, len(series)))
    return _save(fig, path)
