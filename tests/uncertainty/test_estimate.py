import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uncertainty import LabeledAnswer, LLMJudge, estimate

# Answers mean the same iff they are the same string (duplicates short-circuit anyway).
EXACT = LLMJudge(lambda q, a, b: False)
RAW = {"entropy_correction": "none", "mi_correction": "none"}


def answers(texts, **labels):
    return [LabeledAnswer(t, **{k: v[i] for k, v in labels.items()}) for i, t in enumerate(texts)]


def test_one_cluster_is_zero_everywhere():
    r = estimate(answers(["Paris"] * 6), EXACT)
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
    r = estimate(answers(["yes", "no"] * 4), EXACT, **RAW)
    assert math.isclose(r.semantic_entropy.value, math.log(2))
    r = estimate(answers(["yes", "no"] * 4), EXACT)
    assert math.isclose(r.semantic_entropy.raw, math.log(2))
    assert math.isclose(r.semantic_entropy.value, math.log(2) + 1 / 16)
    assert "Miller-Madow" in r.semantic_entropy.method


def test_consistent_but_different_readings_are_ambiguity_not_epistemic():
    texts = ["Paris"] * 10 + ["Austin"] * 10
    readings = ["France"] * 10 + ["Texas"] * 10
    r = estimate(answers(texts, reading=readings), EXACT, **RAW)
    assert math.isclose(r.ambiguity.value, r.semantic_entropy.value)
    assert math.isclose(r.ambiguity.value, math.log(2))
    assert r.epistemic.value == 0.0
    assert r.differing_readings == ["France", "Texas"]
    c = estimate(answers(texts, reading=readings), EXACT)
    assert c.ambiguity.value > 0.8 * math.log(2)
    assert c.epistemic.value == pytest.approx(0.0, abs=1e-12)


def test_members_uncertain_the_same_way_have_no_disagreement():
    texts = ["A", "B", "A", "B"] * 3
    members = ["m1"] * 4 + ["m2"] * 4 + ["m3"] * 4
    r = estimate(answers(texts, member=members), EXACT, **RAW)
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
    r = estimate(items, EXACT, **RAW)
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
    with pytest.raises(ValueError, match="entropy_correction"):
        estimate(answers(["a"]), EXACT, entropy_correction="bogus")
    with pytest.raises(ValueError, match="mi_correction"):
        estimate(answers(["a"]), EXACT, mi_correction="miller_madow")  # not offered for MI


labelled = st.lists(
    st.tuples(st.sampled_from("ABC"), st.sampled_from(["r1", "r2"]), st.sampled_from("pq")),
    min_size=1,
    max_size=16,
)


@settings(max_examples=40, deadline=None)
@given(labelled, st.sampled_from(["permutation", "none"]), st.randoms())
def test_properties(data, mi_correction, rnd):
    items = [LabeledAnswer(t, reading=r, perspective=p) for t, r, p in data]
    r = estimate(items, EXACT, mi_correction=mi_correction, permutations=20)
    k = len(r.clusters)
    for comp in r.components():
        assert comp.value >= 0.0 and comp.raw >= 0.0
    assert r.semantic_entropy.raw <= math.log(k) + 1e-9
    assert r.ambiguity.raw <= r.semantic_entropy.raw + 1e-9
    assert r.value_conflict.raw <= r.semantic_entropy.raw + 1e-9
    assert math.isclose(sum(c.probability for c in r.clusters), 1.0)
    shuffled = list(items)
    rnd.shuffle(shuffled)
    s = estimate(shuffled, EXACT, **RAW)
    base = estimate(items, EXACT, **RAW)
    for a, b in zip(base.components(), s.components(), strict=True):
        assert math.isclose(a.raw, b.raw, abs_tol=1e-9)


def test_agreeing_perspectives_with_their_own_reasons_are_no_conflict():
    """Defect 4: four perspectives take the same position, each with its own reason."""
    reasons = {
        "care": "It spares her pain later.",
        "duty": "Honesty is owed to everyone.",
        "liberty": "She has a right to decide with the facts.",
        "fairness": "Everyone deserves the same candour.",
    }
    texts, persp = [], []
    for pid, reason in reasons.items():
        for opener in ("", "As a thinker of this kind, ", "In my view, ", "I believe that "):
            texts.append(f"{opener}you should tell her the truth. {reason}")
            persp.append(pid)
    r = estimate(answers(texts, perspective=persp), EXACT)
    vc = r.value_conflict
    assert vc.value == 0.0 and vc.raw == 0.0
    assert vc.evidence["whole_answer_mi_raw"] > 1.0  # what comparing whole answers saw
    assert vc.evidence["positions"]["duty"] == "You should tell her the truth."
    assert "position cluster" in vc.method


def test_perspectives_that_disagree_on_the_position_are_conflict():
    texts = ["Yes, tell her. It is kind."] * 4 + ["No, keep quiet. It is her business."] * 4
    texts += ["In my view, yes, tell her. Honesty."] * 4 + ["No, keep quiet. Privacy."] * 4
    persp = ["care"] * 4 + ["liberty"] * 4 + ["duty"] * 4 + ["privacy"] * 4
    vc = estimate(answers(texts, perspective=persp), EXACT).value_conflict
    assert vc.raw == pytest.approx(math.log(2))
    assert 0.3 < vc.value <= vc.evidence["ceiling"] + 1e-9


def test_mi_components_carry_their_ceiling():
    texts = ["Paris"] * 4 + ["Austin"] * 4 + ["Rome"] * 4
    readings = ["France"] * 4 + ["Texas"] * 4 + ["Italy"] * 4
    amb = estimate(answers(texts, reading=readings), EXACT).ambiguity
    assert amb.raw == pytest.approx(math.log(3))
    assert amb.value == amb.evidence["ceiling"] == pytest.approx(0.875, abs=0.01)
    raw = estimate(answers(texts, reading=readings), EXACT, **RAW).ambiguity
    assert raw.evidence["ceiling"] == pytest.approx(math.log(3))
    single = estimate(answers(texts), EXACT).ambiguity
    assert single.evidence["ceiling"] == 0.0


def test_empty_answer_is_no_evidence():
    """Defect 6: an empty answer has mean log-prob 0 (probability 1) and used to win
    both the likelihood weights and the representative."""
    items = [LabeledAnswer("", logprob=0.0)] + [LabeledAnswer("Paris", logprob=-0.5)] * 3
    items += [LabeledAnswer("Lyon", logprob=-2.0)]
    r = estimate(items, EXACT)
    assert [c.representative for c in r.clusters] == ["Paris", "Lyon"]
    assert r.n_samples == 4 and r.semantic_entropy.evidence["empty_answers"] == 1
    assert r.clusters[0].likelihood_probability > 0.9
    assert all("" not in c.members for c in r.clusters)


def test_only_empty_answers_measure_nothing():
    r = estimate([LabeledAnswer(" ", logprob=0.0)] * 3, EXACT)
    assert r.vector() == dict.fromkeys(r.vector(), 0.0)
    assert "nothing was measured" in r.semantic_entropy.evidence["empty_note"]


def test_degenerate_logprobs_give_finite_discrete_weights():
    items = [LabeledAnswer("A", logprob=-math.inf)] * 2 + [LabeledAnswer("B", logprob=math.nan)]
    r = estimate(items, EXACT)
    assert [c.likelihood_probability for c in r.clusters] == [None, None]  # not NaN
    assert r.semantic_entropy.evidence["likelihood_weighted"] is None
    assert "no sample has a finite log-prob" in r.semantic_entropy.evidence["likelihood_note"]
    assert all(math.isfinite(v) for v in r.vector().values())
    mixed = [LabeledAnswer("A", logprob=-math.inf), LabeledAnswer("B", logprob=-1.0)]
    m = estimate(mixed, EXACT)
    assert [c.likelihood_probability for c in m.clusters] == [0.0, 1.0]
    assert m.clusters[0].representative == "A"
