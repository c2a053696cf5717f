from uncertainty import LLMJudge, cluster_answers


class CountingJudge:
    """Same meaning iff same first letter; records what it was asked."""

    def __init__(self):
        self.calls = []
        self.bound = []

    def bind(self, question, texts):
        self.bound.append((question, list(texts)))

        def same(i, j):
            self.calls.append((i, j))
            return texts[i][0].lower() == texts[j][0].lower()

        return same


def test_groups_by_meaning_with_representatives():
    texts = ["apple", "banana", "avocado", "blueberry", "cherry"]
    c = cluster_answers(texts, CountingJudge())
    assert c.assignments == [0, 1, 0, 1, 2]
    assert c.representatives == [0, 1, 4]
    assert c.n_clusters == 3


def test_comparisons_are_against_representatives_only():
    judge = CountingJudge()
    texts = [f"{letter}{i}" for i in range(10) for letter in "abc"]  # N=30, C=3
    c = cluster_answers(texts, judge)
    assert c.n_clusters == 3
    # Every comparison involves a representative; at most C per text (O(N*C), not N^2/2).
    reps = set(c.representatives)
    assert all(i in reps for i, _ in judge.calls)
    assert c.comparisons == len(judge.calls) <= len(texts) * c.n_clusters
    assert len(judge.calls) < len(texts) * (len(texts) - 1) // 2 // 5


def test_exact_duplicates_cost_no_comparison():
    judge = CountingJudge()
    c = cluster_answers(["Paris", "paris ", "Paris", "Lyon"], judge)
    assert c.assignments == [0, 0, 0, 1]
    assert judge.calls == [(0, 3)]


def test_question_and_all_texts_bound_once():
    judge = CountingJudge()
    cluster_answers(["x", "y"], judge, question="Q?")
    assert judge.bound == [("Q?", ["x", "y"])]


def test_empty_input():
    c = cluster_answers([], LLMJudge(lambda q, a, b: True))
    assert c.assignments == [] and c.representatives == []
