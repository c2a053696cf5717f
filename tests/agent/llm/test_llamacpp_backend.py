"""llama.cpp specifics on the real embedded GGUF: one batch for all samples, the KV
cache reused across calls without changing results, continuation, the deadline."""

import numpy as np
import pytest

from agent.llm.base import SamplingParams

pytestmark = pytest.mark.model


def test_log_probs_are_the_unscaled_models_close_to_transformers(
    llamacpp_backend, transformers_backend, france
):
    import torch

    sample = llamacpp_backend.sample(france, SamplingParams(n=1, max_new_tokens=12, seed=3))[0]
    prompt = transformers_backend._tokens(transformers_backend.render(france))
    ids = torch.tensor([prompt + list(sample.token_ids)])
    with torch.inference_mode():
        logits = transformers_backend.model(ids).logits[0, len(prompt) - 1 : -1]
    theirs = torch.log_softmax(logits.float(), -1).gather(1, ids[0, len(prompt) :, None])[:, 0]
    # the same weights (dequantized to F16 here, to fp32 there): close, not bit-equal
    assert np.abs(np.array(sample.token_logprobs) - theirs.numpy()).mean() < 0.05


def test_quantized_weights_are_dequantized_once_and_cached(llamacpp_backend):
    from agent.llm.llamacpp_setup import f16_copy
    from agent.llm.loading import default_gguf_path

    copy = f16_copy(str(default_gguf_path()))
    assert copy.endswith(".f16.gguf") and f16_copy(str(default_gguf_path())) == copy
    assert "F16" in llamacpp_backend.name


def test_all_samples_decode_in_one_batch_per_step(llamacpp_backend, france, monkeypatch):
    sizes = []
    original = llamacpp_backend._decoder.fill

    def counting_fill(entries, wanted):
        sizes.append(len(entries))
        return original(entries, wanted)

    monkeypatch.setattr(llamacpp_backend._decoder, "fill", counting_fill)
    params = SamplingParams(n=6, max_new_tokens=5, min_new_tokens=5, seed=0)
    llamacpp_backend._reset()
    samples = llamacpp_backend.sample(france, params)
    assert [len(s.token_ids) for s in samples] == [5] * 6
    assert sizes[1:] == [6] * 4  # after the prefill: one batch of 6 tokens per step


def test_cached_prefix_gives_the_same_greedy_answer_as_a_cold_cache(llamacpp_backend, france):
    llamacpp_backend._reset()
    cold = llamacpp_backend.greedy(france, 10)
    warm = llamacpp_backend.greedy(france, 10)  # the prompt's KV is reused
    assert cold.token_ids == warm.token_ids
    # F16 kernels sum in another order for another batch shape: equal to ~1e-2, not bits
    assert cold.token_logprobs == pytest.approx(warm.token_logprobs, abs=2e-2)


def test_a_seeded_call_ignores_the_cache_and_repeats_bit_for_bit(llamacpp_backend, france):
    params = SamplingParams(n=3, max_new_tokens=10, seed=11)
    llamacpp_backend._reset()
    cold = llamacpp_backend.sample(france, params)
    llamacpp_backend.greedy(france, 10)  # leaves the prompt's KV cached
    again = llamacpp_backend.sample(france, params)
    assert [(s.token_ids, s.token_logprobs) for s in cold] == [
        (s.token_ids, s.token_logprobs) for s in again
    ]


def test_many_conversations_are_split_into_calls_that_fit(llamacpp_backend, france):
    conversations = [france] * 12  # 12 x 4 = 48 sequences: more than one call holds
    results = llamacpp_backend.sample_batch(
        conversations, SamplingParams(n=4, max_new_tokens=3, seed=0)
    )
    assert [len(r) for r in results] == [4] * 12


def test_extend_continues_a_cut_answer_to_its_end(llamacpp_backend, france):
    cut = llamacpp_backend.sample(france, SamplingParams(n=1, max_new_tokens=6, seed=2))[0]
    assert cut.finish_reason == "length"
    pieces = []
    whole = llamacpp_backend.extend(france, cut, 200, on_text=pieces.append)
    assert whole.token_ids[: len(cut.token_ids)] == cut.token_ids
    assert whole.text.startswith(cut.text)
    assert len(whole.token_logprobs) == len(whole.token_ids)
    assert whole.finish_reason == "stop"  # the model ended it before 200 tokens
    assert whole.text.endswith("".join(pieces).strip())


def test_the_deadline_stops_generation(llamacpp_backend, france):
    llamacpp_backend.max_time_s = 0.0
    try:
        samples = llamacpp_backend.sample(france, SamplingParams(n=2, max_new_tokens=50))
    finally:
        llamacpp_backend.max_time_s = 300.0
    assert {s.finish_reason for s in samples} == {"time"}
    assert all(len(s.token_ids) <= 1 for s in samples)


def test_stop_strings_and_straggler_cut(llamacpp_backend, france):
    params = SamplingParams(n=4, max_new_tokens=40, seed=0, stop=(". ",))
    for s in llamacpp_backend.sample(france, params):
        assert ". " not in s.text
    cut = SamplingParams(n=6, max_new_tokens=64, seed=0, straggler_factor=1.0)
    lengths = [len(s.token_ids) for s in llamacpp_backend.sample(france, cut)]
    # the third sample ended at step s (EOS, not counted); the rest were cut at s + 1
    assert sorted(lengths)[-1] <= sorted(lengths)[2] + 2


def test_clear_cache_forgets_the_kept_kv(llamacpp_backend, france):
    llamacpp_backend.greedy(france, 4)
    assert llamacpp_backend._kept
    llamacpp_backend.clear_cache()
    assert not llamacpp_backend._kept


def test_decode_steps_and_prompts_use_the_same_threads():
    from agent.llm.llamacpp_setup import default_threads

    decode, batch = default_threads()
    assert decode == batch >= 1


def test_a_shared_system_prompt_is_prefilled_once_with_the_same_logits(
    llamacpp_backend, france, monkeypatch
):
    system = {"role": "system", "content": "You are a helpful assistant. Answer concisely."}
    italy = {"role": "user", "content": "What is the capital of Italy?"}
    conversations = ([system, *france], [system, italy])
    prompts = [llamacpp_backend.tokens(llamacpp_backend.render(m)) for m in conversations]
    fed = []
    original = llamacpp_backend._decoder.fill
    monkeypatch.setattr(
        llamacpp_backend._decoder,
        "fill",
        lambda entries, wanted: fed.append(len(entries)) or original(entries, wanted),
    )
    params = SamplingParams(n=2, max_new_tokens=1, seed=0)
    _, together = llamacpp_backend._prefill(prompts, params, [])
    assert sum(fed) < sum(map(len, prompts))  # the shared prefix was decoded once
    for i, prompt in enumerate(prompts):
        _, alone = llamacpp_backend._prefill([prompt], params, [])
        assert together[2 * i].argmax() == alone[0].argmax()
        assert np.allclose(together[2 * i], alone[0], atol=5e-2)
    llamacpp_backend._reset()


def _cos(a, b):
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_prompt_embeddings_are_the_final_state_at_the_last_prompt_token(
    llamacpp_backend, transformers_backend, france
):
    import torch

    login = [{"role": "user", "content": "write a login handler"}]
    one = llamacpp_backend.prompt_embeddings([france])
    assert one.shape == (1, llamacpp_backend.n_embd)
    assert np.array_equal(one, llamacpp_backend.prompt_embeddings([france]))  # deterministic
    both = llamacpp_backend.prompt_embeddings([login, france])
    # batched with another prompt: the same vector up to F16 summation order
    assert _cos(both[1], one[0]) > 0.9999 and _cos(both[0], one[0]) < 0.99
    # it is the vector transformers' final hidden state (after the last norm) has there
    prompt = transformers_backend._tokens(transformers_backend.render(france))
    with torch.inference_mode():
        out = transformers_backend.model(torch.tensor([prompt]), output_hidden_states=True)
    assert _cos(out.hidden_states[-1][0, -1].float().numpy(), one[0]) > 0.9999
    # the prompt's KV is kept: a greedy answer right after reads it and says the same
    warm = llamacpp_backend.greedy(france, 8)
    llamacpp_backend.clear_cache()
    assert llamacpp_backend.greedy(france, 8).token_ids == warm.token_ids
