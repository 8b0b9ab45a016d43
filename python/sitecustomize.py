"""Labbook's startup hook, on PYTHONPATH only under ``labbook run``.

Python imports the first ``sitecustomize`` on sys.path at startup. This one arranges for the script's parsed
configuration (argparse, Hydra) to be recorded as params, then runs the ``sitecustomize`` it shadows (the user's
or the distribution's), so putting Labbook first on PYTHONPATH changes nothing else.
"""

import importlib.machinery
import importlib.util
import os
import sys


def _install_labbook_hooks():
    # The runner sets the journal; anywhere else this file is inert.
    if not os.environ.get("LABBOOK_JOURNAL"):
        return
    try:
        from labbook import _config_hooks

        _config_hooks.install()
    except Exception as error:  # a broken hook must never stop the user's script
        sys.stderr.write("labbook: warning: config capture is off: %s\n" % error)


def _run_shadowed_sitecustomize():
    here = os.path.dirname(os.path.abspath(__file__))
    rest = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


_install_labbook_hooks()
_run_shadowed_sitecustomize()
