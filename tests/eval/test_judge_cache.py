"""The judges' feature cache gives a warm run the values a cold run computes, though a
batched model's rows depend (in the last bits) on their batch-mates."""

from __future__ import annotations

import numpy as np

from eval.judges.features import FeatureCache


def padded(calls: list[list[str]]):
    """A stand-in for a padded batched model: each row also reads its batch's length."""

    def fn(chunk: list[str]) -> list[np.ndarray]:
        calls.append(list(chunk))
        longest = max(len(t) for t in chunk)
        return [np.array([len(t), longest * 1e-3]) for t in chunk]

    return fn


def test_warm_run_reads_what_a_cold_run_computes(tmp_path):
    texts = [f"q{'x' * i}" for i in range(10)]
    cold = FeatureCache(tmp_path / "cold").compute("k", texts, padded([]), "", False, batch=4)
    FeatureCache(tmp_path / "warm").compute("k", texts[:5], padded([]), "", False, batch=4)
    warm = FeatureCache(tmp_path / "warm")  # after a run on another row set
    calls: list[list[str]] = []
    again = warm.compute("k", texts, padded(calls), "", False, batch=4)
    assert np.array_equal(again, cold)
    # the first batch (4 shortest texts) was cached whole, the rest computed
    assert [len(c) for c in calls] == [4, 2] and warm.computed["k"] == 6
    calls.clear()
    assert np.array_equal(warm.compute("k", texts, padded(calls), "", False, batch=4), cold)
    assert calls == []  # all cached now


def test_fresh_ignores_the_cache(tmp_path):
    texts = ["a", "bb", "ccc"]
    FeatureCache(tmp_path).compute("k", texts, padded([]), "", False)
    calls: list[list[str]] = []
    FeatureCache(tmp_path, fresh=True).compute("k", texts, padded(calls), "", False)
    assert calls == [["a", "bb", "ccc"]]
