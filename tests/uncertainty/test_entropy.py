import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from uncertainty.entropy import (
    discrete_semantic_entropy,
    entropy_from_counts,
    likelihood_cluster_probabilities,
    likelihood_semantic_entropy,
    miller_madow_entropy,
)


def test_one_cluster_has_zero_entropy():
    assert discrete_semantic_entropy([0, 0, 0, 0]) == 0.0
    assert miller_madow_entropy([4]) == 0.0


def test_even_split_is_ln2():
    assert math.isclose(discrete_semantic_entropy([0, 1, 0, 1]), math.log(2))


def test_miller_madow_adds_k_minus_1_over_2n():
    assert math.isclose(miller_madow_entropy([2, 2]), math.log(2) + 1 / 8)
    assert math.isclose(miller_madow_entropy([1, 1, 1, 0]), math.log(3) + 2 / 6)


def test_likelihood_weighting_sums_probability_within_clusters():
    # Two samples in cluster 0 with prob e^-1 each, one in cluster 1 with prob e^-1.
    p = likelihood_cluster_probabilities([0, 0, 1], [-1.0, -1.0, -1.0])
    assert np.allclose(p, [2 / 3, 1 / 3])
    # A far likelier answer dominates although it is in the minority.
    p = likelihood_cluster_probabilities([0, 0, 1], [-5.0, -5.0, -0.1])
    assert p[1] > 0.98
    assert math.isclose(likelihood_semantic_entropy([0, 1], [-2.0, -2.0]), math.log(2))


@given(st.lists(st.integers(0, 30), min_size=1, max_size=12))
def test_entropy_bounds_and_permutation_invariance(counts):
    h = entropy_from_counts(counts)
    k = sum(1 for c in counts if c > 0)
    assert h >= 0.0
    assert h <= math.log(max(k, 1)) + 1e-9
    assert math.isclose(h, entropy_from_counts(list(reversed(counts))), abs_tol=1e-12)


@given(st.lists(st.tuples(st.integers(0, 4), st.floats(-20, 0)), min_size=1, max_size=20))
def test_likelihood_entropy_bounds(pairs):
    ids, lps = zip(*pairs, strict=True)
    ids = list(ids)
    k = len(set(ids))
    p = likelihood_cluster_probabilities(ids, lps)
    assert math.isclose(p.sum(), 1.0, rel_tol=1e-9)
    h = likelihood_semantic_entropy(ids, lps)
    assert 0.0 <= h <= math.log(k) + 1e-9


def test_minus_inf_logprob_is_probability_zero_and_nan_is_no_weight():
    p = likelihood_cluster_probabilities([0, 1, 2], [-1.0, -np.inf, np.nan])
    assert np.allclose(p, [1.0, 0.0, 0.0])


def test_all_degenerate_logprobs_fall_back_to_discrete_weights():
    """Defect 6: all -inf log-probs used to give NaN (-inf - -inf)."""
    for bad in ([-np.inf] * 3, [np.nan] * 3, [np.inf, -np.inf, np.nan]):
        p = likelihood_cluster_probabilities([0, 0, 1], bad)
        assert np.allclose(p, [2 / 3, 1 / 3])
        h = likelihood_semantic_entropy([0, 0, 1], bad)
        assert math.isfinite(h) and math.isclose(h, discrete_semantic_entropy([0, 0, 1]))
