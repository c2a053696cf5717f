"""What the llama.cpp backend prefills for a call's prompts (pure: no llama.cpp here).

Conversations are split into calls whose sequences and KV cells fit (call_groups). A
prompt reuses the longest prefix of it that the kept KV of the last call holds
(best_prefix), at most all but its last token. When nothing is reused, a token that
several prompts share after the same prefix is decoded once for all their sequences
(prefill_entries).
"""

from __future__ import annotations

from agent.errors import GenerationError
from agent.llm.llamacpp_decoder import MAX_SEQUENCES

Plan = list[tuple[list[int], list[int], int]]  # (prompt tokens, sequence ids, reused length)


def call_groups(prompts: list[list[int]], n: int, max_new: int, n_ctx: int) -> list[list[int]]:
    """Conversations (their indices) split so each group's sequences and KV cells fit one
    call: half the sequence ids and half the cells (the other half is kept KV)."""
    per_call = MAX_SEQUENCES // 2
    if n > per_call:
        raise GenerationError(f"At most {per_call} samples per conversation in one call.")
    groups: list[list[int]] = [[]]
    cells = 0
    for i, prompt in enumerate(prompts):
        need = len(prompt) + n * max_new
        if groups[-1] and ((len(groups[-1]) + 1) * n > per_call or cells + need > n_ctx // 2):
            groups.append([])
            cells = 0
        groups[-1].append(i)
        cells += need
    return groups


def best_prefix(kept: dict[int, list[int]], tokens: list[int]) -> tuple[int, int]:
    """(kept sequence, length) of the longest cached prefix of `tokens`, at most all
    but the last token (its logits are needed, so it is always decoded again)."""
    best, length = -1, 0
    for sid, cached in kept.items():
        same = _same_start(cached, tokens, min(len(cached), len(tokens) - 1))
        if same > length:
            best, length = sid, same
    return best, length


def prefill_entries(plan: Plan) -> list[tuple[list[int], list[int], int]]:
    """The (tokens, sequence ids, position) entries that prefill `plan`. When nothing is
    reused from the kept KV (a seeded call, a cold cache), a token that several prompts
    share after the same prefix (the system prompt of every cell, the perspective
    template) is decoded once, tagged with all their sequences: the unified KV cache
    stores it once, as it does a prompt's n samples. Each prompt's last token stays its
    own (its logits are that prompt's row). A value-laden turn's 8 conversations: 828
    prompt tokens, 555 decoded."""
    if any(reuse for _, _, reuse in plan):  # a reused prefix: each prompt decodes the rest
        return [(t, sids, pos) for t, sids, reuse in plan for pos in range(reuse, len(t))]
    entries = []
    for i, (tokens, sids, _) in enumerate(plan):
        shared = [_shared(tokens, other) if j != i else 0 for j, (other, _, _) in enumerate(plan)]
        for pos in range(len(tokens)):
            if any(shared[j] > pos for j in range(i)):
                continue  # an earlier prompt's entry already carries this sequence
            later = [sid for k in range(i + 1, len(plan)) if shared[k] > pos for sid in plan[k][1]]
            entries.append((tokens, [*sids, *later], pos))
    return entries


def _shared(a: list[int], b: list[int]) -> int:
    """How many leading tokens a and b share, at most all but the last of either."""
    return _same_start(a, b, min(len(a), len(b)) - 1)


def _same_start(a: list[int], b: list[int], limit: int) -> int:
    """How many leading tokens a and b share, at most `limit`."""
    same = 0
    while same < limit and a[same] == b[same]:
        same += 1
    return same
