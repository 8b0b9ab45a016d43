"""Log metrics, params, tags and artifacts to Labbook from any Python script.

Standard library only. Under ``labbook run`` the runner sets ``LABBOOK_JOURNAL`` and puts this package on
PYTHONPATH; each call appends one JSON line to that journal, which the runner ingests live. Outside a tracked
run every call is a no-op, so scripts keep working unchanged.

    import labbook
    labbook.log_param("lr", 0.01)
    for epoch in range(10):
        labbook.log_metric("loss", loss, step=epoch)
"""

import json
import math
import os
import threading
import time

__all__ = [
    "active",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "set_tag",
    "set_tags",
    "log_artifact",
    "log_config",
]

JOURNAL_ENV = "LABBOOK_JOURNAL"

_lock = threading.Lock()
_next_step = {}
_fd = None
_fd_pid = None


def active():
    """True when running under ``labbook run`` (calls are recorded); False means calls do nothing."""
    return bool(os.environ.get(JOURNAL_ENV))


def _number(value):
    # JSON has no NaN or Infinity: send them as the strings MLflow uses, the runner turns them back.
    number = float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return number


def _journal_fd():
    global _fd, _fd_pid
    # A forked child (DataLoader workers, multiprocessing) must not share the parent's descriptor state.
    if _fd is None or _fd_pid != os.getpid():
        _fd = os.open(os.environ[JOURNAL_ENV], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        _fd_pid = os.getpid()
    return _fd


def _write(record):
    if not active():
        return
    record["ts"] = int(time.time() * 1000)
    line = (json.dumps(record, ensure_ascii=False, allow_nan=False, default=str) + "\n").encode("utf-8")
    with _lock:
        # One write per line with O_APPEND keeps lines whole when several processes log at once.
        os.write(_journal_fd(), line)


def _step_for(key, step):
    if step is None:
        step = _next_step.get(key, 0)
    _next_step[key] = int(step) + 1
    return int(step)


def log_metric(key, value, step=None):
    """Record one metric value; without a step, each key counts 0, 1, 2, ... on its own."""
    with _lock:
        step = _step_for(str(key), step)
    _write({"t": "metric", "key": str(key), "value": _number(value), "step": step})


def log_metrics(metrics, step=None):
    """Record several metrics at the same step."""
    for key, value in dict(metrics).items():
        log_metric(key, value, step)


def log_param(key, value):
    """Record one param; params are immutable, as in MLflow (a changed value is reported by the runner)."""
    _write({"t": "param", "key": str(key), "value": str(value)})


def log_params(params):
    """Record several params."""
    for key, value in dict(params).items():
        log_param(key, value)


def _param_text(value):
    """A value as params files are stored: true/false, null, lists and mappings as JSON, paths and files by name."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, default=_param_text)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    name = getattr(value, "name", None)
    if isinstance(name, str) and (hasattr(value, "read") or hasattr(value, "write")):
        return name
    return str(value)


def _log_sourced_param(key, value, source):
    # A param with a source yields: a key already recorded (argv, params files, log_param) keeps its value.
    _write({"t": "param", "key": str(key), "value": value, "source": source})


def _flatten(config, prefix=""):
    items = []
    for key, value in config.items():
        name = "%s%s" % (prefix, key)
        if isinstance(value, dict) and value:
            items.extend(_flatten(value, name + "."))
        else:
            items.append((name, "{}" if isinstance(value, dict) else _param_text(value)))
    return items


def log_config(config, source="config"):
    """Record a whole configuration (a mapping, an OmegaConf config, resolved) as params with dotted keys.

    Keys the run already has (from argv, params files or log_param) keep their value; the run's tag
    ``labbook.param_sources`` names the source of each param recorded here.
    """
    if not active():
        return
    if type(config).__module__.startswith("omegaconf"):
        from omegaconf import OmegaConf  # only when given one of its configs; labbook itself is stdlib-only

        config = OmegaConf.to_container(config, resolve=True)
    for key, value in _flatten(dict(config)):
        _log_sourced_param(key, value, str(source))


def set_tag(key, value):
    """Set a tag on the run (tags may change)."""
    _write({"t": "tag", "key": str(key), "value": str(value)})


def set_tags(tags):
    """Set several tags."""
    for key, value in dict(tags).items():
        set_tag(key, value)


def log_artifact(path, role=None):
    """Store a file with the run, by content hash; role is one of model, data, output (guessed when None)."""
    record = {"t": "artifact", "path": os.path.abspath(os.fspath(path))}
    if role is not None:
        record["role"] = str(role)
    _write(record)
