"""`trainer.profiler=pytorch` (and `debug=profile`): training under torch's profiler. When
training ends, the run folder holds the trace, `profile.trace.json` (open it in
https://ui.perfetto.dev or chrome://tracing), and `profile.txt`, a table of the operations that
took the most time. CUDA's activity is traced too on a GPU."""

import contextlib
from pathlib import Path

TRACE = "profile.trace.json"
TABLE = "profile.txt"


@contextlib.contextmanager
def profiled(profiler: str | None, out: Path, on_cuda: bool):
    """Profile the block when `profiler` is "pytorch"; write its files into `out` at its end."""
    if profiler is None:
        yield
        return
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if on_cuda else [])
    with profile(activities=activities, record_shapes=True) as traced:
        yield
    traced.export_chrome_trace(str(out / TRACE))
    sort_by = "cuda_time_total" if on_cuda else "cpu_time_total"
    (out / TABLE).write_text(traced.key_averages().table(sort_by=sort_by, row_limit=30) + "\n")
