"""The floor for `train` (lightning): the same data, MLP, optimizer and epochs in a minimal
LightningModule, with Lightning's default Trainer (logger off, as in the template)."""

import lightning as L
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

L.seed_everything(42, verbose=False)
digits = load_digits()
x = (digits.images.reshape(-1, 1, 8, 8) / 16.0).astype("float32")
y = digits.target.astype("int64")
# 359 test and 270 validation samples: 20% and 15% of the 1,797 digits, as data.py splits
x_rest, x_test, y_rest, y_test = train_test_split(x, y, test_size=359, random_state=0, stratify=y)
x_train, x_val, y_train, y_val = train_test_split(
    x_rest, y_rest, test_size=270, random_state=0, stratify=y_rest
)


def batches(x, y, shuffle=False):
    data = TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    return DataLoader(data, batch_size=64, shuffle=shuffle)


class Module(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(64, 128),
            nn.ReLU(),
            nn.Dropout(0.1),
            nn.Linear(128, 64),
            nn.ReLU(),
            nn.Dropout(0.1),
            nn.Linear(64, 10),
        )

    def step(self, batch, split):
        x, y = batch
        logits = self.net(x)
        loss = nn.functional.cross_entropy(logits, y)
        self.log(f"{split}_acc", (logits.argmax(1) == y).float().mean(), on_epoch=True)
        return loss

    def training_step(self, batch, batch_idx):
        return self.step(batch, "train")

    def validation_step(self, batch, batch_idx):
        self.step(batch, "val")

    def test_step(self, batch, batch_idx):
        self.step(batch, "test")

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=2e-3)


model = Module()
trainer = L.Trainer(max_epochs=20, accelerator="cpu", devices=1, logger=False)
trainer.fit(model, batches(x_train, y_train, True), batches(x_val, y_val))
trainer.test(model, batches(x_test, y_test))
