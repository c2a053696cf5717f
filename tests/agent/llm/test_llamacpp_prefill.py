"""The prefill plan of the llama.cpp backend: calls that fit, the kept KV reused, shared
prompt prefixes decoded once."""

import pytest

from agent.errors import GenerationError
from agent.llm.llamacpp_prefill import best_prefix, call_groups, prefill_entries


def test_calls_are_split_where_sequence_ids_or_kv_cells_run_out():
    # 32 sequence ids per call (half of MAX_SEQUENCES): 8 samples each -> 4 conversations
    assert call_groups([[1] * 10] * 9, 8, 5, 8192) == [[0, 1, 2, 3], [4, 5, 6, 7], [8]]
    # half the KV cells per call: 30 prompt + 10 new tokens each, 50 cells a call
    assert call_groups([[1] * 30] * 3, 1, 10, 100) == [[0], [1], [2]]
    with pytest.raises(GenerationError):
        call_groups([[1]], 33, 1, 8192)


def test_the_longest_kept_prefix_is_reused_but_never_the_last_token():
    kept = {3: [1, 2, 3, 4], 5: [1, 2, 9]}
    assert best_prefix(kept, [1, 2, 3, 4]) == (3, 3)  # the last token is decoded again
    assert best_prefix(kept, [1, 2, 9, 7]) == (5, 3)
    assert best_prefix({}, [1, 2]) == (-1, 0)


def test_tokens_prompts_share_are_decoded_once_for_all_their_sequences():
    plan = [([1, 2, 3, 4], [0, 1], 0), ([1, 2, 5], [2, 3], 0), ([1, 2, 3, 4], [4, 5], 0)]
    entries = [(pos, sids) for _, sids, pos in prefill_entries(plan)]
    assert entries == [
        (0, [0, 1, 2, 3, 4, 5]),  # tokens 1, 2: all three prompts
        (1, [0, 1, 2, 3, 4, 5]),
        (2, [0, 1, 4, 5]),  # token 3: the first and the third (the same prompt)
        (3, [0, 1]),  # each prompt's last token is its own (one logits row per prompt)
        (2, [2, 3]),
        (3, [4, 5]),
    ]
    # every sequence gets every position of its prompt exactly once, in order
    for tokens, sids, _ in plan:
        for sid in sids:
            fed = [(pos, t[pos]) for t, group, pos in prefill_entries(plan) if sid in group]
            assert fed == list(enumerate(tokens))


def test_a_reused_prefix_turns_sharing_off():
    plan = [([1, 2, 3], [0], 2), ([1, 2, 4], [1], 0)]
    assert [(pos, sids) for _, sids, pos in prefill_entries(plan)] == [
        (2, [0]),
        (0, [1]),
        (1, [1]),
        (2, [1]),
    ]
