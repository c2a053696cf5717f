"""The prefill plan of the llama.cpp backend: shared prompt prefixes are decoded once."""

from agent.llm.llamacpp_prefill import prefill_entries


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
