"""Train a linear classifier on the iris data set, printing metrics each epoch.

Labbook needs nothing from this script: it reads `key: value` pairs from the printed lines, the params from
the command line, and stores the model file it writes.

    labbook run -- python3 examples/iris/train.py --lr 0.05 --epochs 20
"""

import argparse
import os
import pickle

import numpy as np
from sklearn.datasets import load_iris
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lr", type=float, default=0.05, help="initial learning rate")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--alpha", type=float, default=1e-4, help="L2 regularisation")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "models", "iris.pkl"))
    return parser.parse_args()


def main():
    args = parse_args()
    features, labels = load_iris(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(features, labels, test_size=0.3, random_state=args.seed, stratify=labels)
    scaler = StandardScaler().fit(x_train)
    x_train, x_val = scaler.transform(x_train), scaler.transform(x_val)
    model = SGDClassifier(loss="log_loss", learning_rate="constant", eta0=args.lr, alpha=args.alpha, random_state=args.seed)
    classes = np.unique(labels)
    rng = np.random.default_rng(args.seed)
    print(f"training on {len(x_train)} samples, validating on {len(x_val)}")
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(len(x_train))
        model.partial_fit(x_train[order], y_train[order], classes=classes)
        loss = log_loss(y_train, model.predict_proba(x_train), labels=classes)
        val_loss = log_loss(y_val, model.predict_proba(x_val), labels=classes)
        acc = accuracy_score(y_train, model.predict(x_train))
        val_acc = accuracy_score(y_val, model.predict(x_val))
        print(f"epoch {epoch} | loss: {loss:.4f} | acc: {acc:.4f} | val_loss: {val_loss:.4f} | val_acc: {val_acc:.4f}")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "wb") as handle:
        pickle.dump({"scaler": scaler, "model": model}, handle)
    print(f"saved model to {args.out}")


if __name__ == "__main__":
    main()
