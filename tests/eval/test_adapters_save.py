"""eval.adapters.train.save_adapters: the layout both adapter families commit."""

import json

from peft import LoraConfig, get_peft_model
from transformers import LlamaConfig, LlamaForCausalLM

from eval.adapters.train import BASE_NAME, save_adapters


def test_named_adapters_are_saved_with_the_embedded_base_and_no_peft_readme(tmp_path):
    tiny = LlamaConfig(
        vocab_size=50,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
    )
    targets = ["v_proj", "q_proj", "o_proj", "k_proj"]
    model = get_peft_model(LlamaForCausalLM(tiny), LoraConfig(r=2, target_modules=targets))
    model.add_adapter("west", LoraConfig(r=2, target_modules=targets))
    save_adapters(model, tmp_path / "out", ["west", "default"])
    out = tmp_path / "out"
    for folder in (out, out / "west"):  # "default" at the root, the others in subfolders
        assert (folder / "adapter_model.safetensors").is_file()
        config = json.loads((folder / "adapter_config.json").read_text())
        assert config["base_model_name_or_path"] == BASE_NAME
        # sorted, not peft's list(set), whose order changes with the process's hash seed
        assert config["target_modules"] == sorted(targets)
    assert not (out / "README.md").exists()
