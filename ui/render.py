"""Rendering: a Reply and its report -> chat bubble HTML, the uncertainty chart, the
cluster list. Pure functions of their arguments, unit-tested without a browser; every
model or user text goes through `safe_text`."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import gradio as gr
from matplotlib.figure import Figure

from uncertainty.report import COMPONENT_NAMES, ComponentName

if TYPE_CHECKING:
    from agent.reply import PerspectiveView, Reply
    from uncertainty import Cluster

BADGES: dict[str, tuple[str, str]] = {  # move -> (badge label, one-line meaning)
    "answer": ("ANSWER", "the sampled answers agree"),
    "hedge": ("HEDGE", "the model itself is unsure"),
    "clarify": ("CLARIFY", "the request can be read in different ways"),
    "perspectives": ("PERSPECTIVES", "reasonable value positions disagree"),
}
MAX_OPTIONS = 8  # AgentConfig.readings is at most 8


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


# HTML's own characters and those Markdown gives meaning to (links, images, emphasis,
# headings, code, lists, tables), in one table: as numeric entities they look the same
# and mean nothing to either.
_INERT = str.maketrans({c: f"&#{ord(c)};" for c in "&<>\"'\\`*_{}[]()#+-.!|~:=/"})


def safe_text(text: Any) -> str:
    """Model or user text for a Markdown/HTML view: escaped for both, so no image loads
    and no link or raw HTML appears whatever the text holds; line breaks become <br>
    (never a blank line, so Markdown does not re-read the surrounding HTML)."""
    return "<br>".join(line.translate(_INERT) for line in str(text).splitlines())


def badge_html(kind: str) -> str:
    label, meaning = BADGES.get(kind, (kind.title(), ""))
    return f'<span class="move-badge move-{esc(kind)}" title="{esc(meaning)}">{esc(label)}</span>'


def perspective_cards_html(perspectives: Sequence[PerspectiveView]) -> str:
    """Side-by-side cards, one per perspective, no merged verdict."""
    cards = []
    for view in perspectives:
        cards.append(
            f'<div class="pv-card pv-{esc(view.id)}">'
            f'<div class="pv-head"><span class="pv-name">{safe_text(view.name)}</span>'
            f'<span class="pv-share">{view.share:.0%} of samples</span></div>'
            + (
                '<div class="pv-distribution">'
                + safe_text(
                    "answer shares (culture adapter): "
                    + ", ".join(f"{o} {p:.0%}" for o, p in view.distribution.items())
                )
                + "</div>"
                if view.distribution
                else ""
            )
            + f'<div class="pv-position">{safe_text(view.position)}</div>'
            f'<div class="pv-reasoning">{safe_text(view.reasoning)}</div></div>'
        )
    return f'<div class="pv-cards">{"".join(cards)}</div>'


def reply_html(reply: Reply) -> str:
    """The assistant's chat bubble: badge, route reason, then the text (escaped)."""
    meta = []
    if reply.confidence is not None and reply.kind in ("answer", "hedge"):
        meta.append(f"confidence {reply.confidence:.0%}")
    meta.append(f"profile {reply.context}")
    meta.append(f"{reply.seconds:.1f} s")
    parts = [
        f'<div class="reply-head">{badge_html(reply.kind)}'
        f'<span class="reply-meta">{esc(" · ".join(meta))}</span></div>',
        f'<div class="route-reason">{safe_text(reply.route_reason)}</div>',
        f'<div class="reply-text">{safe_text(reply.text or "")}</div>',
    ]
    if reply.kind == "perspectives" and reply.perspectives:
        parts.append(perspective_cards_html(reply.perspectives))
    return "".join(parts)


def history_html(kind: str | None, content: str) -> str:
    """A stored turn (after a reload): badge and text; details are not stored."""
    text = f'<div class="reply-text">{safe_text(content)}</div>'
    return f'<div class="reply-head">{badge_html(kind)}</div>{text}' if kind else text


ERROR_MARK = "move-error"


def error_html(message: str) -> str:
    return (
        f'<div class="reply-head"><span class="move-badge {ERROR_MARK}">ERROR</span></div>'
        f'<div class="reply-text">{safe_text(message)}</div>'
    )


def uncertainty_figure(
    vector: Mapping[ComponentName, float] | None,
    thresholds: Mapping[ComponentName, float],
    sources: dict[str, tuple[str, str, float | None]] | None = None,
) -> Figure:
    """The uncertainty vector as bars; each component's threshold as a black tick.
    A red bar crossed its threshold: that component can trigger a move. `sources` names,
    per component, the estimator behind the bar, its unit and the sampled estimate (drawn
    as a hollow diamond when a judge produced the bar)."""
    fig = Figure(figsize=(5.2, 2.5), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    vector = vector or {}
    values = [float(vector.get(name, 0.0)) for name in COMPONENT_NAMES]
    limits = [thresholds.get(name) for name in COMPONENT_NAMES]
    colors = [
        "#c0392b" if t is not None and v >= t else "#3b6fb6"
        for v, t in zip(values, limits, strict=True)
    ]
    # Entropies here rarely exceed ln(32); a threshold far beyond (a move switched off)
    # is drawn as an arrow at the edge instead of squashing the bars.
    top = max([1.0, *values, *(t for t in limits if t is not None and t <= 4.0)]) * 1.2
    rows = range(len(COMPONENT_NAMES))
    ax.barh(rows, values, color=colors, height=0.55)
    for row, (value, limit) in enumerate(zip(values, limits, strict=True)):
        ax.text(value, row, f" {value:.2f}", va="center", fontsize=8)
        if limit is not None and limit <= top:
            ax.plot([limit, limit], [row - 0.38, row + 0.38], color="black", lw=2.2)
        elif limit is not None:
            ax.text(
                top,
                row,
                f"threshold {limit:g} ▶",
                va="center",
                ha="right",
                fontsize=7,
                color="#555",
            )
    sources = sources or {}
    labels = []
    for row, name in enumerate(COMPONENT_NAMES):
        estimator, unit, sampled = sources.get(name, ("sampled", "nats", 0.0))
        labels.append(f"{name.replace('_', ' ')}\n{estimator}, {unit}")
        if estimator != "sampled" and sampled is not None:  # None: nothing was sampled
            ax.plot([min(sampled, top)], [row], marker="D", mfc="none", mec="#555", ms=5)
    ax.set_yticks(list(rows), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, top)
    ax.set_xlabel("black tick = profile threshold; ◇ = sampled estimate (nats)", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def clusters_markdown(clusters: Sequence[Cluster], n_samples: int | None = None) -> str:
    """Each meaning cluster: its share of the samples and every member answer."""
    if not clusters:
        if n_samples == 0:  # an unsampled turn: the judges and one greedy answer decided
            return "_Nothing was sampled for this turn: the judges and one greedy answer decided._"
        return "_No answers sampled yet._"
    count = f"{len(clusters)} meaning cluster{'s' if len(clusters) != 1 else ''}"
    lines = [count + (f" over {n_samples} samples" if n_samples else "") + ":", ""]
    for rank, cluster in enumerate(clusters, start=1):
        extra = ""
        if getattr(cluster, "likelihood_probability", None) is not None:
            extra = f", likelihood-weighted {cluster.likelihood_probability:.0%}"
        lines.append(
            f"**{rank}. {cluster.probability:.0%}**{extra} ({len(cluster.members)} answers)"
        )
        for member in cluster.members:
            lines.append(f"- {safe_text(' '.join(str(member).split()))}")
        lines.append("")
    return "\n".join(lines)


def progress_html(message: str) -> str:
    return f'<div class="turn-progress"><span class="spinner"></span>{safe_text(message)}</div>'


def panel_header_md(reply: Reply | None) -> str:
    if reply is None:
        return "_Send a message to see how sure Clarion is._"
    return f"{badge_html(reply.kind)} {safe_text(reply.route_reason)}"


def option_updates(options: list[str]) -> list[gr.Button]:
    shown = options[:MAX_OPTIONS]
    return [
        gr.Button(value=shown[i], visible=True)
        if i < len(shown)
        else gr.Button(value="", visible=False)
        for i in range(MAX_OPTIONS)
    ]
