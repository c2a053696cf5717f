import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uncertainty import LabeledAnswer, LLMJudge, estimate

# Answers mean the same iff they are the same string (duplicates short-circuit anyway).
EXACT = LLMJudge(lambda q, a, b: False)


def answers(texts, **labels):
    return [LabeledAnswer(t, **{k: v[i] for k, v in labels.items()}) for i, t in enumerate(texts)]


def test_one_cluster_is_zero_everywhere():
    r = estimate(answers(["Paris"] * 6), EXACT, correction="miller_madow")
    assert r.vector() == {
        "semantic_entropy": 0.0,
        "epistemic": 0.0,
        "ambiguity": 0.0,
        "value_conflict": 0.0,
    }
    assert len(r.clusters) == 1 and r.clusters[0].probability == 1.0
    assert "only one reading" in r.ambiguity.evidence["reason"]
    assert r.differing_readings == []


def test_even_split_is_ln2():
    r = estimate(answers(["yes", "no"] * 4), EXACT, correction="none")
    assert math.isclose(r.semantic_entropy.value, math.log(2))
    r = estimate(answers(["yes", "no"] * 4), EXACT, correction="miller_madow")
    assert math.isclose(r.semantic_entropy.raw, math.log(2))
    assert math.isclose(r.semantic_entropy.value, math.log(2) + 1 / 16)
    assert "Miller-Madow" in r.semantic_entropy.method


def test_consistent_but_different_readings_are_ambiguity_not_epistemic():
    texts = ["Paris"] * 10 + ["Austin"] * 10
    readings = ["France"] * 10 + ["Texas"] * 10
    r = estimate(answers(texts, reading=readings), EXACT, correction="none")
    assert math.isclose(r.ambiguity.value, r.semantic_entropy.value)
    assert math.isclose(r.ambiguity.value, math.log(2))
    assert r.epistemic.value == 0.0
    assert r.differing_readings == ["France", "Texas"]
    for correction in ("miller_madow", "permutation"):
        c = estimate(answers(texts, reading=readings), EXACT, correction=correction)
        assert c.ambiguity.value > 0.8 * math.log(2)
        assert c.epistemic.value == pytest.approx(0.0, abs=1e-12)


def test_members_uncertain_the_same_way_have_no_disagreement():
    texts = ["A", "B", "A", "B"] * 3
    members = ["m1"] * 4 + ["m2"] * 4 + ["m3"] * 4
    r = estimate(answers(texts, member=members), EXACT, correction="none")
    ens = r.epistemic.evidence["ensemble"]
    assert math.isclose(ens["total"], math.log(2))
    assert math.isclose(ens["expected_within_member"], math.log(2))
    assert ens["mutual_information"] == pytest.approx(0.0, abs=1e-12)


def test_members_that_disagree_show_ensemble_mutual_information():
    texts = ["A"] * 6 + ["B"] * 6
    members = ["m1"] * 6 + ["m2"] * 6
    ens = estimate(answers(texts, member=members), EXACT).epistemic.evidence["ensemble"]
    assert math.isclose(ens["mutual_information_raw"], math.log(2))
    assert ens["mutual_information"] > 0.5
    assert ens["correction"]["permutation_std"] >= 0


def test_value_conflict_permutation_evidence_and_distributions():
    texts = ["yes"] * 4 + ["no"] * 4 + ["yes", "no"] * 2
    persp = ["care"] * 4 + ["liberty"] * 4 + ["fairness"] * 4
    r = estimate(answers(texts, perspective=persp), EXACT, permutations=100, seed=3)
    vc = r.value_conflict
    assert vc.raw > vc.value > 0
    assert {"permutation_mean", "permutation_std", "p_value"} <= set(vc.evidence)
    assert vc.evidence["distribution"]["care"] == {"0": 4}
    assert r.clusters[0].labels["perspective"] == {"care": 4, "fairness": 2}


def test_likelihood_weighted_entropy_is_evidence_not_value():
    items = [LabeledAnswer("A", logprob=-0.1)] * 3 + [LabeledAnswer("B", logprob=-3.0)]
    r = estimate(items, EXACT, correction="none")
    lw = r.semantic_entropy.evidence["likelihood_weighted"]
    assert lw < r.semantic_entropy.value
    assert r.clusters[0].likelihood_probability > r.clusters[0].probability
    r2 = estimate([LabeledAnswer("A"), LabeledAnswer("B", logprob=-1.0)], EXACT)
    assert r2.semantic_entropy.evidence["likelihood_weighted"] is None
    assert r2.clusters[0].likelihood_probability is None


def test_representative_is_the_most_likely_wording():
    same = LLMJudge(lambda q, a, b: True)  # one meaning
    items = [
        LabeledAnswer("Paris, I think", logprob=-2.0),
        LabeledAnswer("Paris.", logprob=-0.2),
        LabeledAnswer("It is Paris", logprob=-1.0),
    ]
    assert estimate(items, same).clusters[0].representative == "Paris."
    plain = answers(["Paris, I think", "Paris."])
    assert estimate(plain, same).clusters[0].representative == "Paris, I think"


def test_clusters_sorted_by_probability():
    r = estimate(answers(["b", "a", "a", "c", "a", "b"]), EXACT)
    assert [c.representative for c in r.clusters] == ["a", "b", "c"]
    assert [c.id for c in r.clusters] == [0, 1, 2]
    assert r.clusters[0].members == ["a", "a", "a"]


def test_differing_readings_one_per_modal_cluster():
    texts = ["x", "x", "x", "y", "y", "x", "x", "z"]
    readings = ["r1", "r1", "r1", "r2", "r2", "r3", "r3", "r3"]
    r = estimate(answers(texts, reading=readings), EXACT)
    assert r.differing_readings == ["r1", "r2"]  # r3's mode is x, like r1


def test_bad_input():
    with pytest.raises(ValueError):
        estimate([], EXACT)
    with pytest.raises(ValueError, match="correction"):
        estimate(answers(["a"]), EXACT, correction="bogus")


labelled = st.lists(
    st.tuples(st.sampled_from("ABC"), st.sampled_from(["r1", "r2"]), st.sampled_from("pq")),
    min_size=1,
    max_size=16,
)


@settings(max_examples=40, deadline=None)
@given(labelled, st.sampled_from(["miller_madow", "permutation", "none"]), st.randoms())
def test_properties(data, correction, rnd):
    items = [LabeledAnswer(t, reading=r, perspective=p) for t, r, p in data]
    r = estimate(items, EXACT, correction=correction, permutations=20)
    k = len(r.clusters)
    for comp in r.components():
        assert comp.value >= 0.0 and comp.raw >= 0.0
    assert r.semantic_entropy.raw <= math.log(k) + 1e-9
    assert r.ambiguity.raw <= r.semantic_entropy.raw + 1e-9
    assert r.value_conflict.raw <= r.semantic_entropy.raw + 1e-9
    assert math.isclose(sum(c.probability for c in r.clusters), 1.0)
    shuffled = list(items)
    rnd.shuffle(shuffled)
    s = estimate(shuffled, EXACT, correction="none")
    base = estimate(items, EXACT, correction="none")
    for a, b in zip(base.components(), s.components(), strict=True):
        assert math.isclose(a.raw, b.raw, abs_tol=1e-9)
