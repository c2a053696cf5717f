"""The evaluation suites, by name."""

from eval.suites.base import Suite
from eval.suites.clarification import ClarificationSuite
from eval.suites.clarifying_questions import ClarifyingQuestionsSuite
from eval.suites.dialogues import DialoguesSuite
from eval.suites.distributional import DistributionalSuite
from eval.suites.pluralism import PluralismSuite
from eval.suites.readings import ReadingsSuite
from eval.suites.selective import SelectiveSuite

SUITES: dict[str, Suite] = {
    s.name: s
    for s in (
        DialoguesSuite(),
        ClarificationSuite(),
        ClarifyingQuestionsSuite(),
        SelectiveSuite(),
        PluralismSuite(),
        DistributionalSuite(),
        ReadingsSuite(),
    )
}

__all__ = ["SUITES", "Suite"]
