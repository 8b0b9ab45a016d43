"""Optuna as a search strategy for ``labbook sweep --optuna``.

The CLI starts this driver and runs the trials itself, so each trial is a tracked run exactly like any other sweep
run. They talk in JSON lines: this driver writes ``{"trial": n, "params": {...}}`` on stdout for each trial Optuna
asks for, and reads back ``{"value": x}`` (``null`` when the run failed or logged no value of the metric) on stdin.
While the trial runs, the CLI may send its intermediate values of the metric, ``{"step": s, "value": x}`` (``null``
for a value that is not a number, which Optuna's pruners treat as hopeless), and this driver answers each with
``{"prune": true|false}``: whether Optuna's pruner would stop the trial there. A trial the CLI stopped ends with
``{"pruned": true}``. At the end it writes ``{"best": {"trial": n, "value": x}}``.

The spec (first argument, JSON): ``params`` (name -> distribution as src/core/sweep.ts parses it), ``direction``
(``minimize`` or ``maximize``), ``trials``, ``seed`` (the sampler's, so a sweep can be repeated) and ``pruner``
(``median`` or ``none``).
"""

import json
import sys

import optuna


def suggest(trial, name, distribution):
    """One value from Optuna for a param, as the text the command gets."""
    kind = distribution["kind"]
    if kind == "choice":
        return str(trial.suggest_categorical(name, distribution["values"]))
    if kind == "int":
        return str(trial.suggest_int(name, int(distribution["low"]), int(distribution["high"])))
    return repr(trial.suggest_float(name, distribution["low"], distribution["high"], log=kind == "loguniform"))


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def pruner(name):
    """Median: a trial stops when its value at a step is worse than the median of earlier trials at that step."""
    if name == "none":
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner()


def outcome(trial):
    """Answers the trial's intermediate values until its last message, which is returned."""
    for line in iter(sys.stdin.readline, ""):
        message = json.loads(line)
        if "step" not in message:
            return message
        value = message["value"]
        trial.report(float("nan") if value is None else float(value), int(message["step"]))
        send({"prune": bool(trial.should_prune())})  # numpy bool -> JSON
    return None  # the CLI stopped the sweep


def main():
    spec = json.loads(sys.argv[1])
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=spec["seed"])
    study = optuna.create_study(direction=spec["direction"], sampler=sampler, pruner=pruner(spec.get("pruner", "median")))
    for number in range(spec["trials"]):
        trial = study.ask()
        params = {name: suggest(trial, name, distribution) for name, distribution in spec["params"].items()}
        send({"trial": number, "params": params})
        message = outcome(trial)
        if message is None:
            return
        if message.get("pruned"):
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        elif message.get("value") is None:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        else:
            study.tell(trial, float(message["value"]))
    finished = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if finished:
        best = study.best_trial
        send({"best": {"trial": best.number, "value": best.value}})


if __name__ == "__main__":
    main()
