#!/usr/bin/env python3
"""Four workloads of the real `mlflow` client against tracking servers; prints one JSON object of figures a server.

Development only (mlflowClient.ts drives it): it needs MLflow's source on PYTHONPATH, which CI does not have.
It runs against a null server (canned answers, no work) and `labbook serve`, so the difference between the two
is the server's cost. Each workload alternates between the servers so that a busy machine slows both alike.

  log_metric   calls/s of MlflowClient.log_metric, one point a call
  log_batch    points/s of MlflowClient.log_batch, 1,000 metrics a call
  history_s    seconds of MlflowClient.get_metric_history over 100,000 points (4 pages of 25,000)
  runs_s       seconds to create 1,000 runs: start_run, log_params (10), log_metrics (10), end_run

Each figure is the best of --repeat rounds: the machine is shared, and the best round is the least disturbed.

Usage: mlflow_client_bench.py [--repeat 3] NAME=URI [NAME=URI ...]
"""

import argparse
import json
import sys
import time

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric

WORKLOADS = ["log_metric", "log_batch", "history_s", "runs_s"]
HISTORY_POINTS = 100_000
KEYS = ["loss", "acc", "val_loss", "val_acc", "lr", "grad_norm", "tokens", "throughput", "mem", "epoch"]


def timed(action):
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def log_metric_rate(client, run_id, calls, first_step):
    def action():
        for i in range(first_step, first_step + calls):
            client.log_metric(run_id, "single", float(i), step=i)

    return calls / timed(action)


def batches(count, first_step):
    now = int(time.time() * 1000)
    return [
        [Metric(KEYS[i % len(KEYS)], float(i), now + r, first_step + r * 100 + i // len(KEYS)) for i in range(1000)]
        for r in range(count)
    ]


def log_batch_rate(client, run_id, count, first_step):
    # Metric objects are built beforehand, as a training loop has its values at hand; the client's own work
    # (protobuf, JSON, HTTP) is what is timed on both servers.
    work = batches(count, first_step)

    def action():
        for metrics in work:
            client.log_batch(run_id, metrics=metrics)

    return count * 1000 / timed(action)


def seed_history(client, run_id):
    now = int(time.time() * 1000)
    for start in range(0, HISTORY_POINTS, 1000):
        client.log_batch(run_id, metrics=[Metric("hist", float(i), now + i, i) for i in range(start, start + 1000)])


def history_seconds(client, run_id):
    found = []

    def action():
        found.append(len(client.get_metric_history(run_id, "hist")))

    seconds = timed(action)
    if found[0] != HISTORY_POINTS:
        raise SystemExit(f"get_metric_history returned {found[0]} points, expected {HISTORY_POINTS}")
    return seconds


def create_runs_seconds(uri, count):
    mlflow.set_tracking_uri(uri)

    def action():
        for i in range(count):
            with mlflow.start_run(experiment_id="0"):
                mlflow.log_params({f"p{j}": j * i for j in range(10)})
                mlflow.log_metrics({f"m{j}": j * 0.5 + i for j in range(10)})

    return timed(action)


class Target:
    """One server: its client, the runs the workloads write to, and its best figures so far."""

    def __init__(self, uri):
        self.uri = uri
        self.client = MlflowClient(uri)
        self.run_id = self.client.create_run("0").info.run_id
        self.history_run = self.client.create_run("0").info.run_id
        seed_history(self.client, self.history_run)
        log_metric_rate(self.client, self.run_id, 50, 0)  # warm-up: connection, imports, caches
        self.figures = {"log_metric": 0.0, "log_batch": 0.0, "history_s": float("inf"), "runs_s": float("inf")}

    def measure(self, workload, r, args):
        first_step = (r + 1) * 1_000_000  # past every earlier step: logging as a training loop does, never a repeat
        if workload == "log_metric":
            value = log_metric_rate(self.client, self.run_id, args.calls, first_step)
        elif workload == "log_batch":
            value = log_batch_rate(self.client, self.run_id, args.batches, first_step)
        elif workload == "history_s":
            value = history_seconds(self.client, self.history_run)
        else:
            value = create_runs_seconds(self.uri, args.runs)
        best = max if workload in ("log_metric", "log_batch") else min
        self.figures[workload] = best(self.figures[workload], value)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("servers", nargs="+", help="NAME=URI")
    args = parser.parse_args()

    targets = {name: Target(uri) for name, uri in (server.split("=", 1) for server in args.servers)}
    # Workload by workload, each server in turn: a busy spell on the machine slows both servers' figures alike.
    for r in range(args.repeat):
        for workload in WORKLOADS:
            for target in targets.values():
                target.measure(workload, r, args)
    json.dump({name: target.figures for name, target in targets.items()}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
