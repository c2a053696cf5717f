import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import uncertainty.information as information
from uncertainty.entropy import discrete_semantic_entropy, miller_madow_entropy
from uncertainty.information import (
    conditional_entropy,
    contingency,
    miller_madow_conditional_entropy,
    mutual_information,
    permutation_ceiling,
    permutation_mutual_information,
)

pairs = st.lists(st.tuples(st.sampled_from("abcd"), st.integers(0, 4)), min_size=1, max_size=30)


def test_label_determines_cluster_gives_full_information():
    labels = ["r1"] * 4 + ["r2"] * 4
    clusters = [0] * 4 + [1] * 4
    assert math.isclose(mutual_information(labels, clusters), math.log(2))
    assert conditional_entropy(labels, clusters) == 0.0


def test_independent_labels_give_zero():
    labels = ["a", "b"] * 4
    clusters = [0, 0, 1, 1] * 2
    assert math.isclose(mutual_information(labels, clusters), 0.0, abs_tol=1e-12)
    assert math.isclose(conditional_entropy(labels, clusters), math.log(2))


def test_miller_madow_conditional_entropy_formula():
    labels = ["a", "a", "b", "b"]
    clusters = [0, 1, 0, 1]
    # H(Y|X) = ln2, + (Kxy-Kx)/(2N) = 2/8.
    assert math.isclose(miller_madow_conditional_entropy(labels, clusters), math.log(2) + 0.25)


def test_scattered_answers_carry_no_information_and_mi_has_no_miller_madow():
    """Defect 3: 12 all-different answers over 3 readings. The answers say nothing about
    the reading, yet plug-in MI is ln 3 and Miller-Madow pushes it further up, to 1.18."""
    labels = [f"r{i // 4}" for i in range(12)]
    clusters = list(range(12))
    raw = mutual_information(labels, clusters)
    assert math.isclose(raw, math.log(3))
    t = contingency(labels, clusters)
    mm = (  # H_MM(X) + H_MM(Y) - H_MM(X,Y), the formula the estimator used to offer
        miller_madow_entropy(t.sum(axis=1))
        + miller_madow_entropy(t.sum(axis=0))
        - miller_madow_entropy(t.ravel())
    )
    assert mm == pytest.approx(1.18, abs=0.005) and mm > raw  # the wrong way
    pm = permutation_mutual_information(labels, clusters, permutations=200, seed=0)
    assert pm.corrected == 0.0  # every shuffle gives ln 3 too: no association
    assert not hasattr(information, "miller_madow_mutual_information")


def test_ceiling_with_three_readings_of_four_samples_is_not_ln3():
    labels = [f"r{i // 4}" for i in range(12)]
    ceiling = permutation_ceiling(labels, permutations=200, seed=0)
    assert math.isclose(ceiling.raw, math.log(3))
    assert ceiling.corrected == pytest.approx(0.875, abs=0.01)
    perfect = permutation_mutual_information(labels, [i // 4 for i in range(12)], 200, 0)
    assert perfect == ceiling


def test_permutation_baseline_removes_small_sample_bias():
    """5 perspectives x 4 samples, clusters drawn independently of the label."""
    rng = np.random.default_rng(1)
    labels = [f"p{i % 5}" for i in range(20)]
    raws, centred, corrected = [], [], []
    for seed in range(40):
        clusters = rng.integers(0, 3, size=20).tolist()
        pm = permutation_mutual_information(labels, clusters, permutations=100, seed=seed)
        raws.append(pm.raw)
        centred.append(pm.raw - pm.null_mean)
        corrected.append(pm.corrected)
    assert np.mean(raws) > 0.2  # plug-in MI looks like conflict everywhere...
    assert abs(np.mean(centred)) < 0.03  # ...the baseline centres it on 0
    assert np.mean(corrected) < 0.07
    again = permutation_mutual_information(labels, clusters, permutations=100, seed=39)
    assert again == pm  # seeded


def test_permutation_keeps_real_association():
    labels = [f"p{i // 4}" for i in range(20)]
    clusters = [i // 4 % 2 for i in range(20)]
    pm = permutation_mutual_information(labels, clusters, permutations=200, seed=0)
    assert pm.corrected > 0.4
    assert pm.p_value < 0.05


@given(pairs)
def test_mi_nonnegative_and_bounded(data):
    labels, clusters = zip(*data, strict=True)
    mi = mutual_information(labels, clusters)
    h_y = discrete_semantic_entropy(clusters)
    h_x = discrete_semantic_entropy([ord(x) - 97 for x in labels])
    assert mi >= 0.0
    assert mi <= min(h_x, h_y) + 1e-9
    assert math.isclose(mi + conditional_entropy(labels, clusters), h_y, abs_tol=1e-9)


@given(pairs, st.randoms(use_true_random=False))
def test_mi_invariant_to_sample_order(data, rnd):
    shuffled = list(data)
    rnd.shuffle(shuffled)
    a = mutual_information(*zip(*data, strict=True))
    b = mutual_information(*zip(*shuffled, strict=True))
    assert math.isclose(a, b, abs_tol=1e-9)


@settings(max_examples=30, deadline=None)
@given(pairs, st.integers(0, 1000))
def test_permutation_corrected_between_zero_and_raw(data, seed):
    labels, clusters = zip(*data, strict=True)
    pm = permutation_mutual_information(labels, clusters, permutations=20, seed=seed)
    assert 0.0 <= pm.corrected <= pm.raw + 1e-12
