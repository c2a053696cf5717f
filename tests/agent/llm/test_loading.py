import json
import os

import pytest

from agent.errors import ModelLoadError
from agent.llm import loading


def test_default_resolves_to_the_embedded_gguf():
    source = loading.resolve(None)
    assert source.kind == "gguf"
    assert source.location.endswith(loading.DEFAULT_GGUF_NAME)
    assert os.path.getsize(source.location) > 50_000_000


def test_a_missing_local_path_is_a_clear_error(tmp_path):
    with pytest.raises(ModelLoadError, match="does not exist"):
        loading.resolve(str(tmp_path / "nowhere" / "model"))


def test_a_file_that_is_not_gguf_is_refused(tmp_path):
    f = tmp_path / "weights.bin"
    f.write_bytes(b"x")
    with pytest.raises(ModelLoadError, match="not a .gguf"):
        loading.resolve(str(f))


def test_unknown_hub_id_fails_offline_with_a_hint(monkeypatch):
    monkeypatch.delenv("CLARION_ALLOW_DOWNLOAD", raising=False)
    with pytest.raises(ModelLoadError, match="downloads are off"):
        loading.load_model("clarion-test/no-such-model")


def test_a_broken_model_folder_is_a_load_error(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "llama"}))
    with pytest.raises(ModelLoadError, match="Could not load model"):
        loading.load_model(str(tmp_path))


def test_unknown_quantization_is_refused():
    with pytest.raises(ModelLoadError, match="Unknown quantization"):
        loading.load_model(None, quantize="3bit")


def test_cache_key_follows_the_source_file(tmp_path, monkeypatch):
    monkeypatch.setenv("CLARION_CACHE_DIR", str(tmp_path / "cache"))
    f = tmp_path / "m.gguf"
    f.write_bytes(b"a")
    first = loading.converted_dir(str(f))
    f.write_bytes(b"ab")  # a changed file gets a new cache entry
    assert loading.converted_dir(str(f)) != first
    assert str(first).startswith(str(tmp_path / "cache"))


@pytest.mark.model
def test_gguf_conversion_is_cached_without_quantizer(tmp_path, monkeypatch):
    monkeypatch.setenv("CLARION_CACHE_DIR", str(tmp_path))
    gguf = str(loading.default_gguf_path())
    target = loading.convert_gguf(gguf)
    config = json.loads((target / "config.json").read_text())
    assert "quantization_config" not in config
    assert (target / "model.safetensors").exists()
    assert loading.convert_gguf(gguf) == target  # second call reuses the cache
    assert not list(tmp_path.glob("converted/.tmp-*"))
