"""Records the files a script opens for reading, through Python's audit hooks (PEP 578), with no code change.

``open()``, ``os.open()`` and everything built on them (numpy.load, pandas.read_csv, torch.load, PIL) raise the
``open`` audit event. Only files under the workspace roots are reported, each once per process, and never Python
sources, compiled modules or Labbook's own store. The hook returns at once for every other event, since it runs
for all of them (imports alone raise hundreds).
"""

import os
import sys
import threading

from labbook import _write

ROOTS_ENV = "LABBOOK_READ_ROOTS"
_SKIPPED_SUFFIXES = (".py", ".pyc", ".pyo", ".pyi", ".so", ".pyd", ".pth")
_SKIPPED_PARTS = (os.sep + ".git" + os.sep, os.sep + ".labbook" + os.sep, os.sep + "__pycache__" + os.sep)

_seen = set()
_roots = ()
_state = threading.local()  # per thread: one thread's journal write must not hide another's read


def _opened_for_reading(mode, flags):
    if mode is None:  # os.open: the access mode is in the flags
        return flags & os.O_ACCMODE != os.O_WRONLY
    return "r" in mode or "+" in mode


def _wanted(path):
    if path.endswith(_SKIPPED_SUFFIXES) or any(part in path for part in _SKIPPED_PARTS):
        return False
    return any(path == root or path.startswith(root + os.sep) for root in _roots)


def _hook(event, args):
    if event != "open" or getattr(_state, "busy", False):
        return
    path, mode, flags = args
    if not isinstance(path, (str, bytes, os.PathLike)) or not _opened_for_reading(mode, flags):
        return
    _state.busy = True  # writing the journal opens a file too
    try:
        absolute = os.path.abspath(os.fsdecode(path))
        if absolute not in _seen:
            _seen.add(absolute)
            if _wanted(absolute) and os.path.isfile(absolute):
                _write({"t": "read", "path": absolute})
    except Exception:
        pass  # a path that cannot be decoded or stat'ed is not one the run can have read
    finally:
        _state.busy = False


def install():
    """Starts recording reads under the roots in LABBOOK_READ_ROOTS (the working folder when unset)."""
    global _roots
    configured = os.environ.get(ROOTS_ENV) or os.getcwd()
    _roots = tuple(os.path.abspath(root) for root in configured.split(os.pathsep) if root)
    _write({"t": "reads-tracked"})
    sys.addaudithook(_hook)
