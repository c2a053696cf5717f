"""The common row type of every evaluation data set."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Item:
    """One evaluation row.

    `text` is what a user would send (or the raw sentence a suite wraps in a prompt
    template); `label` is the class used for stratified sampling and scoring.
    """

    id: str
    dataset: str
    text: str
    label: str
    meta: dict = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "dataset": self.dataset,
            "text": self.text,
            "label": self.label,
            "meta": self.meta,
        }
