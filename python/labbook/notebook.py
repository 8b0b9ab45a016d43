"""Track a Jupyter kernel session as a Labbook run, without changing the notebook's code.

``labbook notebook`` (or the editor's "Track This Notebook") creates the run and prints the one line to run in
the kernel, e.g. ``import labbook.notebook; labbook.notebook.track({...})``. From then on:

- ``mlflow`` calls land in the run (MLFLOW_TRACKING_URI and MLFLOW_RUN_ID are set in the kernel),
- ``labbook.log_*`` calls are journaled as under ``labbook run``,
- printed text is journaled as ``output`` records, which Labbook parses with the same rules as a script's stdout,
- each executed cell's source, its sha256 and execution count are journaled in execution order,
- with the sha256 of the notebook file (LABBOOK_NOTEBOOK) as saved when the cell ran; each new content is copied
  next to the journal (notebook-snapshots/) for Labbook to keep, so the code behind the run can be diffed later.

The run ends when the kernel shuts down or ``labbook.notebook.stop()`` runs.
"""

import atexit
import hashlib
import os
import re
import sys

import labbook

__all__ = ["track", "stop", "load_ipython_extension", "unload_ipython_extension"]

_state = {"shell": None, "streams": None, "notebook_sha": None}


class _Tee:
    """A text stream that passes writes through and journals each complete line as an ``output`` record."""

    def __init__(self, stream):
        self._stream = stream
        self._pending = ""

    def write(self, text):
        written = self._stream.write(text)
        self._pending += text
        if "\n" in self._pending:
            lines, _, self._pending = self._pending.rpartition("\n")
            labbook._write({"t": "output", "text": lines + "\n"})
        return written

    def flush_pending(self):
        if self._pending:
            labbook._write({"t": "output", "text": self._pending + "\n"})
            self._pending = ""

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _notebook_snapshot(count):
    """The notebook file's sha256 as saved now, and the name of the copy made when its content is new (else None)."""
    path = os.environ.get("LABBOOK_NOTEBOOK")
    if not path:
        return {}
    try:
        with open(path, "rb") as handle:
            content = handle.read()
    except OSError:
        return {}  # not saved yet, or moved: the cells' sources still say what ran
    sha = hashlib.sha256(content).hexdigest()
    if sha == _state["notebook_sha"]:
        return {"notebook": sha}
    # Plain ASCII names only: Labbook takes no other path from a journal.
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", os.path.basename(path))
    name = "notebook-snapshots/%s-%s" % (count if count is not None else "x", safe)
    target = os.path.join(os.path.dirname(os.environ[labbook.JOURNAL_ENV]), name)
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(content)
    except OSError:
        return {"notebook": sha}
    _state["notebook_sha"] = sha
    return {"notebook": sha, "snapshot": name}


def _post_run_cell(result):
    info = getattr(result, "info", None)
    source = getattr(info, "raw_cell", None) or ""
    count = getattr(result, "execution_count", None)
    for tee in _state["streams"] or ():
        tee.flush_pending()
    labbook._write(
        {
            "t": "cell",
            "n": count,
            "sha": hashlib.sha256(source.encode("utf-8")).hexdigest(),
            "source": source,
            "ok": bool(getattr(result, "success", True)),
            **_notebook_snapshot(count),
        }
    )


def track(settings=None):
    """Turns tracking on in this kernel: ``settings`` holds the environment Labbook gave (journal, tracking URI, run id)."""
    if _state["shell"] is not None:
        return
    os.environ.update({str(k): str(v) for k, v in dict(settings or {}).items()})
    if not labbook.active():
        raise RuntimeError("labbook.notebook.track needs LABBOOK_JOURNAL: start it with `labbook notebook` or Track This Notebook")
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise RuntimeError("labbook.notebook.track runs inside an IPython kernel")
    labbook._write({"t": "kernel", "pid": os.getpid()})
    _state["streams"] = (_Tee(sys.stdout), _Tee(sys.stderr))
    sys.stdout, sys.stderr = _state["streams"]
    shell.events.register("post_run_cell", _post_run_cell)
    _state["shell"] = shell
    atexit.register(stop)


def stop():
    """Ends the run (status FINISHED); the kernel keeps running, untracked."""
    shell = _state["shell"]
    if shell is None:
        return
    _state["shell"] = None
    shell.events.unregister("post_run_cell", _post_run_cell)
    out, err = _state["streams"]
    out.flush_pending()
    err.flush_pending()
    sys.stdout, sys.stderr = out._stream, err._stream
    labbook._write({"t": "end"})
    os.environ.pop(labbook.JOURNAL_ENV, None)


def load_ipython_extension(shell):
    """``%load_ext labbook.notebook``: tracks with the environment the kernel was started with."""
    track()


def unload_ipython_extension(shell):
    """``%unload_ext labbook.notebook``: stops tracking."""
    stop()
