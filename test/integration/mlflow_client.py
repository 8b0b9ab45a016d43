#!/usr/bin/env python3
"""A stand-in for the `mlflow` Python client, built on the standard library only (urllib, json).

It speaks the REST API the way mlflow 2.x/3.x does (MLFLOW_TRACKING_URI, Bearer MLFLOW_TRACKING_TOKEN,
set_experiment by get-by-name then create, start_run, params, metrics, batches, tags, proxied artifact uploads,
an MLflow 2 model directory and an MLflow 3 logged model, end_run, register, stage, alias, and loading
`models:/name/Production` and `models:/name@alias` back through get-latest-versions / alias + get-download-uri).
Every file it downloads is compared byte for byte with what it uploaded. On success it prints one JSON line
with what it made; on any mismatch it exits 1 with the reason on stderr.

Usage: MLFLOW_TRACKING_URI=http://127.0.0.1:PORT python3 mlflow_client.py [--experiment NAME] [--model NAME]
"""

import argparse
import json
import os
import pickle
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request


class MlflowError(Exception):
    def __init__(self, status, code, message):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code


class Client:
    def __init__(self, uri, token):
        self.uri = uri.rstrip("/")
        self.token = token

    def request(self, method, path, fields=None, data=None, content_type=None):
        url = self.uri + path
        body = data
        headers = {"User-Agent": "labbook-stdlib-client/1.0"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        if method == "GET" and fields:
            url += "?" + urllib.parse.urlencode(fields, doseq=True)
        elif fields is not None:
            # allow_nan: mlflow's server (Python json) accepts bare NaN/Infinity, and so must Labbook's.
            body = json.dumps(fields).encode("utf-8")
            content_type = "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        req = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as res:
                return res.read()
        except urllib.error.HTTPError as error:
            payload = error.read()
            try:
                parsed = json.loads(payload)
            except ValueError:
                raise MlflowError(error.code, "NOT_JSON", payload[:200]) from None
            raise MlflowError(error.code, parsed.get("error_code"), parsed.get("message")) from None

    def api(self, method, endpoint, fields=None):
        payload = self.request(method, "/api/2.0/mlflow/" + endpoint, fields)
        return json.loads(payload) if payload else {}

    # ---- tracking ----

    def set_experiment(self, name):
        try:
            return self.api("GET", "experiments/get-by-name", {"experiment_name": name})["experiment"]["experiment_id"]
        except MlflowError as error:
            if error.code != "RESOURCE_DOES_NOT_EXIST":
                raise
        try:
            return self.api("POST", "experiments/create", {"name": name})["experiment_id"]
        except MlflowError as error:
            if error.code != "RESOURCE_ALREADY_EXISTS":
                raise
            return self.api("GET", "experiments/get-by-name", {"experiment_name": name})["experiment"]["experiment_id"]

    def start_run(self, experiment_id, run_name, tags):
        fields = {
            "experiment_id": experiment_id,
            "user_id": "tester",
            "run_name": run_name,
            "start_time": now_ms(),
            "tags": [{"key": k, "value": v} for k, v in tags.items()],
        }
        return self.api("POST", "runs/create", fields)["run"]

    def log_metric(self, run_id, key, value, step):
        fields = {"run_uuid": run_id, "run_id": run_id, "key": key, "value": wire_float(value), "timestamp": now_ms(), "step": step}
        self.api("POST", "runs/log-metric", fields)
        return fields["timestamp"]

    def log_batch(self, run_id, metrics=(), params=None, tags=None):
        fields = {"run_id": run_id}
        if metrics:
            fields["metrics"] = list(metrics)
        if params:
            fields["params"] = [{"key": k, "value": str(v)} for k, v in params.items()]
        if tags:
            fields["tags"] = [{"key": k, "value": v} for k, v in tags.items()]
        self.api("POST", "runs/log-batch", fields)

    def get_run(self, run_id):
        return self.api("GET", "runs/get", {"run_uuid": run_id, "run_id": run_id})["run"]

    # ---- proxied artifacts ----

    def artifact_path(self, artifact_uri, rel=""):
        prefix = "mlflow-artifacts:/"
        check(artifact_uri.startswith(prefix), f"artifact URI {artifact_uri} is not proxied")
        path = artifact_uri[len(prefix):].strip("/")
        return path + ("/" + rel if rel else "")

    def upload_dir(self, artifact_uri, local_dir, dest=""):
        for root, _dirs, files in os.walk(local_dir):
            for name in sorted(files):
                local = os.path.join(root, name)
                rel = os.path.relpath(local, local_dir).replace(os.sep, "/")
                target = self.artifact_path(artifact_uri, (dest + "/" if dest else "") + rel)
                with open(local, "rb") as handle:
                    data = handle.read()
                kind = "application/octet-stream" if name.endswith(".pkl") else "text/plain"
                self.request("PUT", "/api/2.0/mlflow-artifacts/artifacts/" + urllib.parse.quote(target), data=data, content_type=kind)

    def list_artifacts(self, artifact_uri, rel=""):
        payload = self.request("GET", "/api/2.0/mlflow-artifacts/artifacts", {"path": self.artifact_path(artifact_uri, rel)})
        return json.loads(payload).get("files", []) if payload else []

    def download_tree(self, artifact_uri, rel=""):
        """Every file under rel as {relative path: bytes}, walked the way mlflow's download_artifacts does."""
        out = {}
        for entry in self.list_artifacts(artifact_uri, rel):
            child = (rel + "/" if rel else "") + entry["path"]
            if entry["is_dir"]:
                for sub, data in self.download_tree(artifact_uri, child).items():
                    out[entry["path"] + "/" + sub] = data
                continue
            data = self.request("GET", "/api/2.0/mlflow-artifacts/artifacts/" + urllib.parse.quote(self.artifact_path(artifact_uri, child)))
            check(len(data) == entry["file_size"], f"{child}: listed {entry['file_size']} bytes, downloaded {len(data)}")
            out[entry["path"]] = data
        return out

    # ---- registry ----

    def resolve_model_uri(self, uri):
        """models:/name/Stage or models:/name@alias to (version, artifact URI), as mlflow's model URI resolution does."""
        body = uri[len("models:/"):]
        if "@" in body:
            name, alias = body.split("@", 1)
            version = self.api("GET", "registered-models/alias", {"name": name, "alias": alias})["model_version"]
        else:
            name, stage = body.split("/", 1)
            versions = self.api("POST", "registered-models/get-latest-versions", {"name": name, "stages": [stage]}).get("model_versions", [])
            check(len(versions) == 1, f"{uri}: expected one latest version, got {versions}")
            version = versions[0]
        uri = self.api("GET", "model-versions/get-download-uri", {"name": name, "version": version["version"]})["artifact_uri"]
        return version, uri


def now_ms():
    return int(time.time() * 1000)


def wire_float(value):
    """Non-finite floats the way protobuf JSON writes them (what the real client sends)."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def expect_error(code, action):
    try:
        action()
    except MlflowError as error:
        check(error.code == code, f"expected {code}, got {error.code}: {error}")
        return
    raise AssertionError(f"expected {code}, the call succeeded")


class LinearModel:
    """A scikit-learn-like estimator: pickled to model.pkl and used again after loading."""

    def __init__(self, coef, intercept):
        self.coef_ = coef
        self.intercept_ = intercept

    def predict(self, rows):
        return [sum(c * x for c, x in zip(self.coef_, row)) + self.intercept_ for row in rows]


def write_files(root, files):
    for rel, data in files.items():
        path = os.path.join(root, *rel.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)


def model_files(model, run_id, artifact_path, model_uuid):
    mlmodel = (
        f"artifact_path: {artifact_path}\n"
        "flavors:\n"
        "  python_function:\n"
        "    env:\n      conda: conda.yaml\n      virtualenv: python_env.yaml\n"
        "    loader_module: mlflow.sklearn\n    model_path: model.pkl\n    predict_fn: predict\n    python_version: 3.11.2\n"
        "  sklearn:\n    code: null\n    pickled_model: model.pkl\n    serialization_format: cloudpickle\n    sklearn_version: 1.2.1\n"
        f"mlflow_version: 2.12.2\nmodel_size_bytes: 724\nmodel_uuid: {model_uuid}\nrun_id: {run_id}\n"
        f"utc_time_created: '{time.strftime('%Y-%m-%d %H:%M:%S')}.000000'\n"
    )
    return {
        "MLmodel": mlmodel.encode(),
        "model.pkl": pickle.dumps(model),
        "conda.yaml": b"channels:\n- conda-forge\ndependencies:\n- python=3.11.2\n- pip\n",
        "python_env.yaml": b"python: 3.11.2\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n",
        "requirements.txt": b"mlflow==2.12.2\nscikit-learn==1.2.1\n",
        "metadata/MLmodel": mlmodel.encode(),
    }


def load_and_compare(client, uri, expected, label):
    version, artifact_uri = client.resolve_model_uri(uri)
    files = client.download_tree(artifact_uri)
    check(sorted(files) == sorted(expected), f"{label}: files {sorted(files)} != {sorted(expected)}")
    for rel, data in expected.items():
        check(files[rel] == data, f"{label}: {rel} differs after the round trip")
    model = pickle.loads(files["model.pkl"])
    return version, model.predict([[1.0, 2.0]])[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--experiment", default="stdlib-client")
    parser.add_argument("--model", default="stdlib-model")
    args = parser.parse_args()
    client = Client(os.environ["MLFLOW_TRACKING_URI"], os.environ.get("MLFLOW_TRACKING_TOKEN"))

    expect_error("RESOURCE_DOES_NOT_EXIST", lambda: client.api("GET", "experiments/get-by-name", {"experiment_name": args.experiment + "-missing"}))
    experiment_id = client.set_experiment(args.experiment)
    check(client.set_experiment(args.experiment) == experiment_id, "set_experiment is not idempotent")
    expect_error("RESOURCE_ALREADY_EXISTS", lambda: client.api("POST", "experiments/create", {"name": args.experiment}))

    tags = {"mlflow.user": "tester", "mlflow.source.name": "mlflow_client.py", "mlflow.source.type": "LOCAL", "mlflow.runName": "stdlib-run"}
    run = client.start_run(experiment_id, "stdlib-run", tags)
    run_id = run["info"]["run_id"]
    artifact_uri = run["info"]["artifact_uri"]
    check(run["info"]["experiment_id"] == experiment_id, f"run landed in experiment {run['info']['experiment_id']}, not {experiment_id}")

    client.api("POST", "runs/log-parameter", {"run_uuid": run_id, "run_id": run_id, "key": "alpha", "value": "0.5"})
    client.log_batch(run_id, params={"l1_ratio": 0.1, "solver": "lbfgs"})
    client.api("POST", "runs/log-parameter", {"run_id": run_id, "key": "alpha", "value": "0.5"})
    expect_error("INVALID_PARAMETER_VALUE", lambda: client.api("POST", "runs/log-parameter", {"run_id": run_id, "key": "alpha", "value": "0.6"}))

    losses = [1.0, 0.5, 0.25, 0.125, 0.0625]
    first_loss_at = [client.log_metric(run_id, "loss", loss, step) for step, loss in enumerate(losses)][0]
    client.log_metric(run_id, "odd", float("nan"), 0)
    stamp = now_ms()
    batch = [{"key": "f1", "value": 0.8, "timestamp": stamp, "step": 2}, {"key": "edge", "value": float("inf"), "timestamp": stamp, "step": 0}]
    client.log_batch(run_id, metrics=batch)
    client.log_batch(run_id, metrics=batch)  # a repeat, as mlflow 3 re-logs: kept once
    client.api("POST", "runs/set-tag", {"run_uuid": run_id, "run_id": run_id, "key": "team", "value": "ml"})
    client.log_batch(run_id, tags={"a": "1", "b": "2"})

    with tempfile.TemporaryDirectory() as tmp:
        plain = {"notes.txt": b"some notes\n", "sub dir/notes v1+final.txt": b"plus and space\n", "data/blob.bin": bytes(range(256)) * 64}
        write_files(os.path.join(tmp, "plain"), plain)
        client.upload_dir(artifact_uri, os.path.join(tmp, "plain"))

        # MLflow 2: the model directory under the run's artifacts, then runs/log-model.
        v2_files = model_files(LinearModel([0.5, 0.25], 0.1), run_id, "model", "a" * 32)
        write_files(os.path.join(tmp, "model2"), v2_files)
        client.upload_dir(artifact_uri, os.path.join(tmp, "model2"), "model")
        model_json = {"run_id": run_id, "artifact_path": "model", "flavors": {"sklearn": {"pickled_model": "model.pkl"}}, "model_uuid": "a" * 32, "utc_time_created": "2024-01-01 00:00:00.000000"}
        client.api("POST", "runs/log-model", {"run_id": run_id, "model_json": json.dumps(model_json)})

        # MLflow 3: a logged model with its own artifact root, finalized READY, linked as the run's output.
        created = client.api("POST", "logged-models", {"experiment_id": experiment_id, "name": "model", "source_run_id": run_id, "params": [{"key": "alpha", "value": "0.5"}]})
        model_id = created["model"]["info"]["model_id"]
        v3_files = model_files(LinearModel([1.0, 1.0], 0.0), run_id, "model", "b" * 32)
        write_files(os.path.join(tmp, "model3"), v3_files)
        client.upload_dir(created["model"]["info"]["artifact_uri"], os.path.join(tmp, "model3"))
        client.api("PATCH", "logged-models/" + model_id, {"model_id": model_id, "status": "LOGGED_MODEL_READY"})
        client.api("POST", "runs/outputs", {"run_id": run_id, "models": [{"model_id": model_id, "step": 0}]})
        # mlflow 3 re-logs the run's step metrics with the model id: the run must keep them once.
        client.log_batch(run_id, metrics=[{"key": "loss", "value": 1.0, "timestamp": first_loss_at, "step": 0, "model_id": model_id}])
        found = client.api("POST", "logged-models/search", {"experiment_ids": [experiment_id], "filter": "name = 'model'"})["models"]
        check(model_id in [m["info"]["model_id"] for m in found], "logged-models/search by name misses the model")

        client.api("POST", "runs/update", {"run_uuid": run_id, "run_id": run_id, "status": "FINISHED", "end_time": now_ms()})

        finished = client.get_run(run_id)
        # Under labbook run this script's own argparse options (--experiment, --model) are recorded too.
        params = {p["key"]: p["value"] for p in finished["data"]["params"] if p["key"] not in vars(args)}
        check(params == {"alpha": "0.5", "l1_ratio": "0.1", "solver": "lbfgs"}, f"params {params}")
        latest = {m["key"]: m["value"] for m in finished["data"]["metrics"]}
        check(latest["loss"] == 0.0625 and latest["odd"] == "NaN" and latest["edge"] == "Infinity", f"latest metrics {latest}")
        run_tags = {t["key"]: t["value"] for t in finished["data"]["tags"]}
        check(run_tags.get("team") == "ml" and run_tags.get("b") == "2", f"tags {run_tags}")
        check(json.loads(run_tags["mlflow.log-model.history"])[0]["model_uuid"] == "a" * 32, "log-model history")
        check(finished["outputs"]["model_outputs"][0]["model_id"] == model_id, "run outputs")
        history = client.api("GET", "metrics/get-history", {"run_uuid": run_id, "run_id": run_id, "metric_key": "loss", "max_results": "25000"})["metrics"]
        check([m["value"] for m in history] == losses, f"loss history {history}")
        edge = client.api("GET", "metrics/get-history", {"run_id": run_id, "metric_key": "edge"})["metrics"]
        check(len(edge) == 1, f"a repeated batch was stored twice: {edge}")
        listing = {f["path"]: f for f in client.list_artifacts(artifact_uri)}
        check(sorted(listing) == ["data", "model", "notes.txt", "sub dir"], f"artifact root {sorted(listing)}")
        check(client.download_tree(artifact_uri, "sub dir") == {"notes v1+final.txt": plain["sub dir/notes v1+final.txt"]}, "plus/space path round trip")
        check(client.download_tree(artifact_uri, "data") == {"blob.bin": plain["data/blob.bin"]}, "binary round trip")
        searched = client.api("POST", "runs/search", {"experiment_ids": [experiment_id], "filter": "metrics.f1 > 0.5 and params.alpha = '0.5'", "max_results": 1000, "order_by": ["metrics.f1 DESC"]})
        check(run_id in [r["info"]["run_id"] for r in searched.get("runs", [])], "runs/search misses the run")

    # Registry: version 1 from the run's model directory (2.x), version 2 from the logged model (3.x).
    name = args.model
    client.api("POST", "registered-models/create", {"name": name})
    expect_error("RESOURCE_ALREADY_EXISTS", lambda: client.api("POST", "registered-models/create", {"name": name}))
    v1 = client.api("POST", "model-versions/create", {"name": name, "source": artifact_uri + "/model", "run_id": run_id})["model_version"]
    v2 = client.api("POST", "model-versions/create", {"name": name, "source": "models:/" + model_id, "run_id": run_id, "model_id": model_id})["model_version"]
    check(v1["status"] == "READY" and v2["status"] == "READY", "versions are not READY at once")
    client.api("POST", "model-versions/transition-stage", {"name": name, "version": v1["version"], "stage": "Production", "archive_existing_versions": False})
    client.api("POST", "registered-models/alias", {"name": name, "alias": "champion", "version": v2["version"]})

    version, prediction = load_and_compare(client, f"models:/{name}/Production", v2_files, "Production")
    check(version["version"] == v1["version"] and abs(prediction - 1.1) < 1e-9, f"Production loaded version {version['version']}, predicted {prediction}")
    version, prediction = load_and_compare(client, f"models:/{name}@champion", v3_files, "@champion")
    check(version["version"] == v2["version"] and abs(prediction - 3.0) < 1e-9, f"@champion loaded version {version['version']}, predicted {prediction}")

    client.api("POST", "model-versions/transition-stage", {"name": name, "version": v2["version"], "stage": "Production", "archive_existing_versions": True})
    old = client.api("GET", "model-versions/get", {"name": name, "version": v1["version"]})["model_version"]
    check(old["current_stage"] == "Archived", f"archive_existing_versions left version 1 in {old['current_stage']}")

    print(json.dumps({"run_id": run_id, "experiment_id": experiment_id, "model_id": model_id, "registered_model": name, "versions": [v1["version"], v2["version"]]}))


if __name__ == "__main__":
    try:
        main()
    except (AssertionError, MlflowError) as failure:
        print(f"mlflow_client.py: {failure}", file=sys.stderr)
        sys.exit(1)
