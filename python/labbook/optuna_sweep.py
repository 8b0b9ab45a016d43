"""Optuna as a search strategy for ``labbook sweep --optuna``.

The CLI starts this driver and runs the trials itself, so each trial is a tracked run exactly like any other sweep
run. They talk in JSON lines: this driver writes ``{"trial": n, "params": {...}}`` on stdout for each trial Optuna
asks for, and reads back ``{"value": x}`` (``null`` when the run failed or logged no value of the metric) on stdin.
At the end it writes ``{"best": {"trial": n, "value": x, "params": {...}}}``.

The spec (first argument, JSON): ``params`` (name -> distribution as src/core/sweep.ts parses it), ``direction``
(``minimize`` or ``maximize``), ``trials`` and ``seed`` (the sampler's, so a sweep can be repeated).
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


def main():
    spec = json.loads(sys.argv[1])
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=spec["seed"])
    study = optuna.create_study(direction=spec["direction"], sampler=sampler)
    for number in range(spec["trials"]):
        trial = study.ask()
        params = {name: suggest(trial, name, distribution) for name, distribution in spec["params"].items()}
        send({"trial": number, "params": params})
        line = sys.stdin.readline()
        if not line:
            return  # the CLI stopped the sweep
        value = json.loads(line).get("value")
        if value is None:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        else:
            study.tell(trial, float(value))
    finished = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if finished:
        best = study.best_trial
        send({"best": {"trial": best.number, "value": best.value}})


if __name__ == "__main__":
    main()
