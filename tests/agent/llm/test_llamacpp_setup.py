"""agent.llm.llamacpp_setup: plain CPU buffers for llama-cpp-python's own Llama on an AMX build."""

from __future__ import annotations

import llama_cpp.llama_cpp as native
import pytest

from agent.llm import llamacpp_setup


@pytest.mark.parametrize("amx", [True, False])
def test_plain_buffers_turns_off_the_extra_buffers_only_on_an_amx_build(monkeypatch, amx):
    monkeypatch.setattr(llamacpp_setup, "amx_build", lambda: amx)
    default = native.llama_model_default_params
    assert default().use_extra_bufts  # llama.cpp's default: repack into extra buffers
    with llamacpp_setup.plain_buffers():
        assert native.llama_model_default_params().use_extra_bufts is (not amx)
    assert native.llama_model_default_params is default  # restored
