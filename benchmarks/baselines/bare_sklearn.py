"""The floor for `train` (sklearn): the same data, split and pipeline, fitted by hand."""

from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

digits = load_digits()
x, y = digits.data / 16.0, digits.target
# 359 test and 270 validation samples: 20% and 15% of the 1,797 digits, as data.py splits
x_rest, x_test, y_rest, y_test = train_test_split(x, y, test_size=359, random_state=0, stratify=y)
x_train, x_val, y_train, y_val = train_test_split(
    x_rest, y_rest, test_size=270, random_state=0, stratify=y_rest
)
model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=1000, random_state=42))
model.fit(x_train, y_train)
print(f"val_acc {model.score(x_val, y_val):.4f} test_acc {model.score(x_test, y_test):.4f}")
