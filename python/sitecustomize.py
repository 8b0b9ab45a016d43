"""Labbook's startup hook, on PYTHONPATH only under ``labbook run``.

Python imports the first ``sitecustomize`` on sys.path at startup. This one arranges for the script's parsed
configuration (argparse, Hydra) to be recorded as params, the files it opens for reading as its inputs, and the
interpreter and installed distributions as its environment, then runs the ``sitecustomize`` it shadows (the
user's or the distribution's), so putting Labbook first on PYTHONPATH changes nothing else.
"""

import importlib
import importlib.machinery
import os
import sys


def _is_debug_adapter():
    # Under `labbook run --debug`, debugpy starts its adapter as a Python child that inherits the journal: its
    # own arguments (an access token among them) are not the script's params, nor its reads the script's inputs.
    argv = getattr(sys, "argv", None) or [""]
    return "--for-server" in argv and "debugpy" in argv[0]


def _install_labbook_hooks():
    # The runner sets the journal; anywhere else this file is inert.
    if not os.environ.get("LABBOOK_JOURNAL") or _is_debug_adapter():
        return
    for name, what in (("_config_hooks", "config capture"), ("_reads", "input recording"), ("_environment", "environment capture")):
        try:
            module = importlib.import_module("labbook." + name)
            module.install()
        except Exception as error:  # a broken hook must never stop the user's script
            sys.stderr.write("labbook: warning: %s is off: %s\n" % (what, error))


def _run_shadowed_sitecustomize():
    here = os.path.dirname(os.path.abspath(__file__))
    rest = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None:
        return
    # A module built by hand: importlib.util (and the contextlib it pulls in) would add ~9 ms to every start.
    module = type(sys)(spec.name)
    module.__spec__, module.__loader__, module.__file__ = spec, spec.loader, spec.origin
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


_install_labbook_hooks()
_run_shadowed_sitecustomize()
