"""The floor for `train` (pytorch): the same data, split, MLP, optimizer and epochs, by hand."""

import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(42)
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


def accuracy(model, loader):
    model.eval()
    with torch.no_grad():
        hits = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in loader)
    return hits / len(loader.dataset)


model = nn.Sequential(
    nn.Flatten(),
    nn.Linear(64, 128),
    nn.ReLU(),
    nn.Dropout(0.1),
    nn.Linear(128, 64),
    nn.ReLU(),
    nn.Dropout(0.1),
    nn.Linear(64, 10),
)
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
train, val, test = batches(x_train, y_train, True), batches(x_val, y_val), batches(x_test, y_test)
for epoch in range(20):
    model.train()
    for xb, yb in train:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        optimizer.step()
    print(f"epoch {epoch + 1} val_acc {accuracy(model, val):.4f}")
print(f"test_acc {accuracy(model, test):.4f}")
