import math

import numpy as np
import pytest

from eval import metrics


def test_auroc_on_a_known_case():
    # pairs (pos, neg): (0.35>0.1) (0.35<0.4) (0.8>0.1) (0.8>0.4) -> 3/4
    assert metrics.auroc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)


def test_auroc_with_one_class_is_nan_not_an_error():
    assert math.isnan(metrics.auroc([1, 1, 1], [0.1, 0.2, 0.3]))


def test_precision_recall_f1_by_hand():
    # tp=2 (rows 0, 4), fp=1 (row 3), fn=1 (row 1)
    m = metrics.prf([1, 1, 0, 0, 1], [1, 0, 0, 1, 1])
    assert m["precision"] == pytest.approx(2 / 3)
    assert m["recall"] == pytest.approx(2 / 3)
    assert m["f1"] == pytest.approx(2 / 3)
    assert m["accuracy"] == pytest.approx(3 / 5)


def test_rejection_curve_aurac_and_prr_by_hand():
    correct, unc = [1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4]
    x, y = metrics.rejection_curve(correct, unc)
    assert x == [0, 0.25, 0.5, 0.75]
    assert y == pytest.approx([0.5, 2 / 3, 1.0, 1.0])
    assert metrics.aurac(correct, unc) == pytest.approx((0.5 + 2 / 3 + 1 + 1) / 4)
    assert metrics.prr(correct, unc) == pytest.approx(1.0)  # as good as the oracle
    # the worst ranking: curve 0.5, 1/3, 0, 0 -> AURAC 5/24, PRR -1
    assert metrics.aurac(correct, unc[::-1]) == pytest.approx(5 / 24)
    assert metrics.prr(correct, unc[::-1]) == pytest.approx(-1.0)


def test_constant_uncertainty_gives_a_flat_curve_and_zero_prr():
    assert metrics.rejection_curve([1, 0, 1, 0], [0, 0, 0, 0])[1] == [0.5] * 4
    assert metrics.prr([1, 0, 1, 0], [0, 0, 0, 0]) == pytest.approx(0.0)
    assert math.isnan(metrics.prr([1, 1], [0.2, 0.1]))  # all right: undefined


def test_partial_tie_group_counts_its_mean():
    # kept 2 of 3: the certain right answer + half of the tied (right, wrong) pair
    assert metrics.rejection_curve([1, 0, 1], [0.5, 0.5, 0.1])[1] == pytest.approx(
        [2 / 3, 0.75, 1.0]
    )


def test_coverage_sums_the_represented_shares():
    assert metrics.coverage([0, 2, 2], [0.5, 0.3, 0.2]) == pytest.approx(0.7)
    assert metrics.coverage([], [0.5, 0.5]) == 0.0


def test_wilson_upper_bound_by_hand():
    assert metrics.wilson_upper(0, 10, 1.96) == pytest.approx(0.2775, abs=1e-4)
    assert metrics.wilson_upper(15, 100, 1.645) == pytest.approx(0.2179, abs=1e-4)
    assert metrics.wilson_upper(0, 0, 1.645) == 1.0


def test_js_similarity_by_hand():
    assert metrics.js_similarity([1, 0], [0, 1]) == pytest.approx(0.0)
    assert metrics.js_similarity([0.2, 0.8], [0.2, 0.8]) == pytest.approx(1.0)
    # JS divergence of [1,0] and [.5,.5] in bits: 0.5*log2(4/3) + 0.5*(0.5*log2(2/3) + 0.5)
    div = 0.5 * math.log2(4 / 3) + 0.5 * (0.5 * math.log2(2 / 3) + 0.5)
    assert metrics.js_similarity([1, 0], [0.5, 0.5]) == pytest.approx(1 - math.sqrt(div))


def test_bootstrap_ci_is_seeded_and_brackets_the_estimate():
    values = np.array([0, 1, 1, 0, 1, 1, 1, 0, 1, 1], dtype=float)
    a = metrics.bootstrap_ci(np.mean, values, seed=3)
    assert a == metrics.bootstrap_ci(np.mean, values, seed=3)
    assert a[0] <= values.mean() <= a[1]
    cell = metrics.with_ci(np.mean, values, seed=3)
    assert cell["value"] == pytest.approx(0.7) and cell["lo"] == a[0]


def test_confusion_matrix_rows_are_expected_moves():
    m = metrics.moves_confusion(
        ["answer", "hedge", "hedge"], ["answer", "answer", "hedge"], ["answer", "hedge"]
    )
    assert m == [[1, 0], [1, 1]]


def test_fast_bootstrap_metrics_equal_sklearn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 60)
    score = np.round(rng.random(60), 1)  # with ties
    pred = rng.integers(0, 2, 60)
    assert metrics.auroc_rank(y, score) == pytest.approx(metrics.auroc(y, score))
    assert metrics.f1(y, pred) == pytest.approx(metrics.prf(y, pred)["f1"])
    assert metrics.f1([0, 0], [0, 0]) == 0.0
