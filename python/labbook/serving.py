"""Labbook's model process for `labbook serve-model`: loads one model and answers predictions over stdin/stdout.

Run as `python3 serving.py MODEL_DIR_OR_FILE`. Protocol, one JSON object a line:
  first line out: {"ready": true, "features": [...] | null, "task": "classifier" | "regressor" | "unknown",
                   "classes": [...] | null, "flavor": "..."}  or  {"fatal": "why it cannot load"} (then exit 1)
  in:  {"id": N, "columns": [...] | null, "rows": [[...], ...]}
  out: {"id": N, "predictions": [...]}  or  {"id": N, "error": "..."}
Requests are answered in order. Anything the model prints goes to stderr, so stdout carries only the protocol.

Layouts: an MLflow model folder (MLmodel; the sklearn flavor's pickled_model, pickle or cloudpickle; any other
python_function flavor through mlflow itself when it is installed), a folder with one .pkl/.pickle/.joblib file, or
such a file. Only the standard library plus what the model needs (numpy, scikit-learn; pandas when present).
"""

import json
import math
import os
import pickle
import sys


class LoadError(Exception):
    pass


def read_mlmodel(folder):
    path = os.path.join(folder, "MLmodel")
    if not os.path.exists(path):
        return None
    try:
        import yaml
    except ImportError as error:
        raise LoadError("reading an MLmodel file needs PyYAML (Debian: python3-yaml)") from error
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def load_pickle(path, serialization="pickle"):
    if path.endswith(".joblib") or serialization == "joblib":
        import joblib

        return joblib.load(path)
    # cloudpickle writes standard pickles; classes it pickled by value need cloudpickle itself to be importable.
    with open(path, "rb") as handle:
        return pickle.load(handle)


def signature_features(mlmodel):
    inputs = ((mlmodel or {}).get("signature") or {}).get("inputs")
    if not inputs:
        return None
    try:
        names = [column.get("name") for column in json.loads(inputs)]
    except (ValueError, AttributeError):
        return None
    return names if names and all(isinstance(name, str) for name in names) else None


def load_mlflow_folder(folder, mlmodel):
    flavors = mlmodel.get("flavors") or {}
    sklearn = flavors.get("sklearn")
    if sklearn and sklearn.get("pickled_model"):
        model = load_pickle(os.path.join(folder, sklearn["pickled_model"]), sklearn.get("serialization_format", "pickle"))
        return model, "mlflow.sklearn"
    if "python_function" in flavors:
        try:
            import mlflow.pyfunc
        except ImportError as error:
            loader = flavors["python_function"].get("loader_module", "?")
            raise LoadError(f"this model's flavor ({loader}) loads only through mlflow, which is not installed for {sys.executable}") from error
        return mlflow.pyfunc.load_model(folder), "mlflow.pyfunc"
    raise LoadError(f"the MLmodel file names no flavor Labbook can load (flavors: {', '.join(flavors) or 'none'})")


def load_model(path):
    if os.path.isfile(path):
        return load_pickle(path), "pickle", None
    mlmodel = read_mlmodel(path)
    if mlmodel is not None:
        model, flavor = load_mlflow_folder(path, mlmodel)
        return model, flavor, signature_features(mlmodel)
    files = sorted(name for name in os.listdir(path) if name.endswith((".pkl", ".pickle", ".joblib")))
    if len(files) != 1:
        raise LoadError(f"{path} has no MLmodel file and {len(files)} pickle/joblib files; Labbook needs exactly one")
    return load_pickle(os.path.join(path, files[0])), "pickle", None


def describe(model, signature):
    features = getattr(model, "feature_names_in_", None)
    features = [str(name) for name in features] if features is not None else signature
    classes = getattr(model, "classes_", None)
    if getattr(model, "_estimator_type", None) == "classifier" or classes is not None:
        task = "classifier"
    elif getattr(model, "_estimator_type", None) == "regressor":
        task = "regressor"
    else:
        task = "unknown"
    return {"features": features, "task": task, "classes": jsonable(list(classes)) if classes is not None else None}


def jsonable(value):
    """Plain JSON values: numpy scalars and arrays as Python ones, NaN and infinities as null."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def frame(columns, rows, features):
    """The model's input: a DataFrame in the model's feature order when names are known, else a 2-D array."""
    try:
        import pandas as pd
    except ImportError:
        pd = None
    if columns is not None and features is not None:
        missing = [name for name in features if name not in columns]
        if missing:
            raise ValueError(f"missing feature(s) {', '.join(missing)}; the model takes {', '.join(features)}")
        order = [columns.index(name) for name in features]
        rows = [[row[i] for i in order] for row in rows]
        columns = features
    elif columns is None and features is not None and rows and len(rows[0]) == len(features):
        columns = features
    if pd is not None and columns is not None:
        return pd.DataFrame(rows, columns=columns)
    import numpy as np

    return np.array(rows, dtype=object if any(isinstance(v, str) for row in rows for v in row) else float)


def predict(model, request, features):
    data = frame(request.get("columns"), request["rows"], features)
    predictions = model.predict(data)
    if hasattr(predictions, "to_dict"):  # a DataFrame or Series from a pyfunc model
        predictions = predictions.to_dict(orient="records") if hasattr(predictions, "columns") else predictions.tolist()
    return jsonable(predictions)


def main():
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # model code that prints must not corrupt the protocol
    sys.stdout = sys.stderr

    def send(message):
        out.write(json.dumps(message, allow_nan=False) + "\n")
        out.flush()

    try:
        model, flavor, signature = load_model(sys.argv[1])
        info = describe(model, signature)
    except Exception as error:  # any failure to load is reported, not a traceback on stdout
        send({"fatal": f"{type(error).__name__}: {error}"})
        return 1
    send({"ready": True, "flavor": flavor, **info})
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            send({"id": request["id"], "predictions": predict(model, request, info["features"])})
        except Exception as error:
            send({"id": request["id"], "error": f"{type(error).__name__}: {error}"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
