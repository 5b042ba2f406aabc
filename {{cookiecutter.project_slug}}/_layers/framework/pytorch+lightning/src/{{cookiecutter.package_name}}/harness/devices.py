"""Whether this machine has the GPUs a run asks for, and can run the precision it asks for,
checked when the config is composed (the trainer schemas of schemas.py call it), so that each
is one line before the run starts: a torch built without CUDA, no GPU seen, fewer GPUs than
asked for, no Apple GPU, float16 autocast on a CPU. torch is imported only here, and only when
a GPU or a mixed precision is asked for."""

import shutil
import subprocess
from collections.abc import Callable


def mps_available() -> bool:
    import torch

    return torch.backends.mps.is_available()


def gpu_problem(
    given: str, kind: str, indices: list[int], fix: str, fewer: Callable[[int], str]
) -> str | None:
    """Whether this machine has the GPUs `indices` of `kind` (cuda or mps); `given` names the
    setting that asks for them, `fix` says what to use without a GPU, `fewer(count)` what to
    use when there are fewer GPUs than asked for (`count` of them)."""
    import torch

    if kind == "mps":
        return None if mps_available() else f"{given}: MPS (Apple's GPU) is not there; {fix}"
    if not torch.cuda.is_available():
        if torch.version.cuda is None and torch.version.hip is None:
            return f"{given}: this torch has no CUDA (a CPU-only build); {fix}"
        return f"{given}: this torch sees no CUDA GPU on this machine; {fix}"
    count = torch.cuda.device_count()
    if max(indices) < count:
        return None
    there = "cuda:0" if count == 1 else f"cuda:0 to cuda:{count - 1}"
    gpus = f"{count} CUDA GPU{'s' if count > 1 else ''} ({there})"
    return f"{given}: this machine has {gpus}; {fewer(count)}"


# trainer.precision: 32 (float32, "32-true" too) or an autocast one
PRECISIONS = ("32", "32-true", "bf16-mixed", "16-mixed")


def device_kind(kind: str) -> str:
    """cuda, mps or cpu for a device kind; `auto` is what it picks here: cuda, then mps."""
    if kind != "auto":
        return kind
    import torch

    return "cuda" if torch.cuda.is_available() else "mps" if mps_available() else "cpu"


def precision_problem(name: str, value, kind: str, device_key: str) -> str | None:
    """Whether trainer.precision `value` is known and runs on the device kind `kind` (cpu,
    cuda, mps or auto) that `device_key` asks for: float16 autocast needs a GPU, bfloat16 a GPU
    that has it (on a CPU it runs)."""
    value = str(value)
    if value not in PRECISIONS:
        return f"{name}: {value!r} is not one of 32, bf16-mixed, 16-mixed"
    if value in ("32", "32-true") or kind not in ("auto", "cpu", "cuda", "mps"):
        return None
    kind = device_kind(kind)
    if value == "16-mixed" and kind == "cpu":
        return (
            f"{name}=16-mixed: float16 autocast needs a GPU, and {device_key} is the CPU "
            "here; use bf16-mixed or 32"
        )
    if value == "bf16-mixed" and kind == "cuda":
        import torch

        if torch.cuda.is_available() and not torch.cuda.is_bf16_supported():
            return f"{name}=bf16-mixed: this GPU has no bfloat16; use 16-mixed or 32"
    return None


def machine() -> dict:
    """What summary.json says of this machine's compute (provenance.machine): torch's threads,
    and the GPUs with their CUDA and driver versions when there are some."""
    import torch

    facts = {"torch_threads": torch.get_num_threads()}
    if torch.cuda.is_available():
        count = torch.cuda.device_count()
        facts["gpus"] = [torch.cuda.get_device_name(index) for index in range(count)]
        facts["cuda"] = torch.version.cuda
        facts["driver"] = nvidia_driver()
    return facts


def nvidia_driver() -> str | None:
    """The NVIDIA driver's version, as nvidia-smi reports it (None without nvidia-smi)."""
    if shutil.which("nvidia-smi") is None:
        return None
    query = ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"]
    try:
        done = subprocess.run(query, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.splitlines()[0].strip() if done.returncode == 0 and done.stdout else None
