"""`trainer.early_stopping`: stop a run when a monitored metric has stopped improving, with
the names and meanings that trainer libraries give it. After each epoch the metric
`monitor` improves when it beats the best value so far by more than `min_delta` (higher for
`mode: max`, lower for `min`); after `patience` epochs in a row without an improvement, or at a
value that is not finite, the run stops. Its state is part of last.pt: a resumed run counts on
from where the interrupted one was."""

import math


class EarlyStopping:
    def __init__(self, monitor: str, mode: str, patience: int, min_delta: float = 0.0) -> None:
        self.monitor, self.mode, self.patience = monitor, mode, patience
        self.min_delta = abs(min_delta)
        self.best = -math.inf if mode == "max" else math.inf
        self.wait = 0  # epochs in a row without an improvement
        self.reason: str | None = None  # why the run stopped; None while it goes on

    def update(self, row: dict) -> bool:
        """Whether the run stops after the epoch of `row` (its metrics)."""
        value = row[self.monitor]
        if not math.isfinite(value):
            self.reason = f"{self.monitor} is {value}, not a finite number"
            return True
        improved = (
            value - self.min_delta > self.best
            if self.mode == "max"
            else value + self.min_delta < self.best
        )
        if improved:
            self.best, self.wait = value, 0
            return False
        self.wait += 1
        if self.wait < self.patience:
            return False
        self.reason = (
            f"{self.monitor} had not improved on its best, {self.best:.4f}, "
            f"by more than {self.min_delta:g} for {self.wait} epochs"
        )
        return True

    def state_dict(self) -> dict:
        return {"best": self.best, "wait": self.wait, "reason": self.reason}

    def load_state_dict(self, state: dict) -> None:
        self.best, self.wait, self.reason = state["best"], state["wait"], state["reason"]
