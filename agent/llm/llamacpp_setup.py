"""Setting up llama.cpp for a GGUF file: the F16 copy, the build's quirks, threads.

Precision: by default a quantized GGUF (the embedded one is Q4_1) is dequantized once to
F16 (cached next to the transformers conversion; `dequantize=False` runs the file as it
is). With quantized weights llama.cpp also quantizes the activations to 8 bits, which
moves logits by ~0.2: enough to flip near-tied greedy choices ("What is the capital of
France?" starts "L'Étoile..." instead of "The capital of France is Paris."). F16 weights
are the same numbers transformers runs in fp32, and on this CPU they decode as fast.

Why `use_extra_bufts` is off when `amx_build()` (llamacpp_decoder.Decoder): a build with AMX_INT8
kernels repacks the weights into an AMX buffer, and `ggml_backend_amx_mul_mat` segfaults
on the first multi-token batch where the VM does not really support AMX (llama.cpp
#20824, dspy #10079); that was the `n_batch=1` crash on the old machine. We keep the
plain CPU buffers when the build reports AMX_INT8, so the default n_batch works
everywhere; `plain_buffers` does the same for llama-cpp-python's own `Llama` (eval bench's
reference), which crashed on this machine's AMX CPU with the file as shipped (Q4_1).
"""

from __future__ import annotations

import ctypes
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from agent.errors import ModelLoadError

log = logging.getLogger(__name__)


def default_threads() -> tuple[int, int]:
    """(decode threads, batch threads): half the cores for both. llama.cpp runs every
    multi-token batch on its batch threads, and here each decode step of N samples IS a
    batch (one token per sequence), so llama-cpp-python's default of all cores for
    batches put the whole decode on them: on 2 busy cores that was 30-60 tokens/s
    against ~100 with one thread (8 x 48 samples, `eval bench`'s speed figure)."""
    half = max(1, (os.cpu_count() or 1) // 2)
    return half, half


def quiet() -> None:
    """Keep llama.cpp's load and conversion chatter off the terminal (errors still show)."""
    logging.getLogger("llama-cpp-python").setLevel(logging.ERROR)


def amx_build() -> bool:
    import llama_cpp

    return "AMX_INT8 = 1" in llama_cpp.llama_print_system_info().decode(errors="replace")


@contextmanager
def plain_buffers() -> Iterator[None]:
    """While open, a `llama_cpp.Llama` built on an AMX build keeps the plain CPU buffers
    (module docstring): it reads its model parameters from llama_model_default_params()."""
    import llama_cpp.llama_cpp as native

    if not amx_build():
        yield
        return
    default = native.llama_model_default_params

    def params() -> native.llama_model_params:
        p: native.llama_model_params = default()
        p.use_extra_bufts = False
        return p

    native.llama_model_default_params = params
    try:
        yield
    finally:
        native.llama_model_default_params = default


UNQUANTIZED = {0, 1, 32}  # general.file_type: all F32, mostly F16, mostly BF16


def f16_copy(gguf_path: str) -> str:
    """The GGUF file with its quantized weights dequantized to F16, made once and cached
    (keyed by the file and llama-cpp-python's version); unquantized files as they are."""
    import hashlib

    import llama_cpp

    from agent.llm.loading import cache_root

    quiet()
    source = Path(gguf_path).resolve()
    stat = source.stat()
    key = f"{source}|{stat.st_size}|{stat.st_mtime_ns}|{llama_cpp.__version__}|f16"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    target = cache_root() / "converted" / f"{source.stem}-{digest}.f16.gguf"
    if target.is_file():
        return str(target)
    if file_type(str(source)) in UNQUANTIZED:
        return str(source)
    log.info("Dequantizing %s to F16 for llama.cpp (once; cached in %s)", source, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = 1  # LLAMA_FTYPE_MOSTLY_F16
    params.allow_requantize = True
    params.nthread = 1
    try:
        failed = llama_cpp.llama_model_quantize(
            str(source).encode(), str(tmp).encode(), ctypes.byref(params)
        )
        if failed:
            raise ModelLoadError(f"llama.cpp could not convert {source} to F16 (code {failed}).")
        os.replace(tmp, target)  # atomic: a crash never leaves a half-written file
    finally:
        tmp.unlink(missing_ok=True)
    return str(target)


def file_type(gguf_path: str) -> int | None:
    from gguf import GGUFReader

    field = GGUFReader(gguf_path).fields.get("general.file_type")
    return int(field.parts[-1][0]) if field is not None else None
