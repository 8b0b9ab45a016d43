"""Records a script's parsed configuration as params, without changes to the script (see sitecustomize.py).

- argparse: every ``parse_known_args`` (so ``parse_args`` too) records the resulting namespace, defaults
  included; each param's source says whether it was given on the command line or is the parser's default.
- Hydra: the config each task function receives, resolved and flattened to dotted keys.

The modules are patched when the script imports them, so a script that uses neither pays nothing. Params are
written with a source, which makes them yield: a key the runner already recorded (from argv or a params file)
keeps its value.
"""

import sys
import threading

import labbook

ARGV = "argparse"
DEFAULT = "argparse default"
HYDRA = "hydra"


class _PatchAfterImport:
    """Finds modules as the other finders do, then runs a patch on each named one right after it is executed.

    A plain class: the import system only needs find_spec, and importing importlib.abc costs ~20 ms at start-up.
    """

    def __init__(self, patches):
        self._patches = patches

    def find_spec(self, fullname, path, target=None):
        patch = self._patches.get(fullname)
        if patch is None:
            return None
        spec = self._spec_from_others(fullname, path, target)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            patch(module)

        # Each spec found on a path has a loader of its own, so this changes the loading of this module only.
        spec.loader.exec_module = exec_module
        return spec

    def _spec_from_others(self, fullname, path, target):
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                return spec
        return None


def install():
    """Patches argparse and Hydra when (or if) the script imports them."""
    patches = {"argparse": _patch_argparse, "hydra.core.utils": _patch_hydra}
    for name, patch in patches.items():
        if name in sys.modules:
            patch(sys.modules[name])
    sys.meta_path.insert(0, _PatchAfterImport({k: v for k, v in patches.items() if k not in sys.modules}))


# ---- argparse ----

_parsing = threading.local()


def _patch_argparse(argparse):
    parser_class = argparse.ArgumentParser
    parse_known_args = parser_class.parse_known_args
    get_values = parser_class._get_values

    # argparse converts the strings of every action it meets on the command line here, and only those.
    def _get_values(self, action, arg_strings):
        seen = getattr(_parsing, "seen", None)
        if seen is not None:
            seen.add(action)
        return get_values(self, action, arg_strings)

    def recording_parse_known_args(self, args=None, namespace=None):
        # Subparsers and parse_args call back into this: only the outermost call records, once, the whole namespace.
        if getattr(_parsing, "seen", None) is not None:
            return parse_known_args(self, args, namespace)
        _parsing.seen = set()
        try:
            result = parse_known_args(self, args, namespace)
            _record_quietly(lambda: _record_namespace(argparse, self, result[0], _parsing.seen))
            return result
        finally:
            _parsing.seen = None

    parser_class._get_values = _get_values
    parser_class.parse_known_args = recording_parse_known_args


def _actions(argparse, parser):
    """The parser's actions and those of its subparsers, by dest."""
    found = {}
    pending = [parser]
    visited = set()
    while pending:
        current = pending.pop()
        if id(current) in visited:
            continue
        visited.add(id(current))
        for action in current._actions:
            found.setdefault(action.dest, []).append(action)
            if isinstance(action, argparse._SubParsersAction):
                pending.extend(action.choices.values())
    return found


def _record_namespace(argparse, parser, namespace, seen):
    actions = _actions(argparse, parser)
    for key, value in sorted(vars(namespace).items()):
        mine = actions.get(key)
        # set_defaults(func=handler) and the like: no action, no param.
        if not mine or callable(value):
            continue
        source = ARGV if any(action in seen for action in mine) else DEFAULT
        labbook._log_sourced_param(key, labbook._param_text(value), source)


# ---- Hydra ----


def _patch_hydra(utils):
    run_job = utils.run_job

    def recording_run_job(task_function, config, *args, **kwargs):
        return run_job(_recording_task(task_function), config, *args, **kwargs)

    utils.run_job = recording_run_job


def _recording_task(task_function):
    def task(config):
        _record_quietly(lambda: labbook.log_config(config, source=HYDRA))
        return task_function(config)

    return task


def _record_quietly(record):
    try:
        record()
    except Exception as error:  # recording must never change what the script does
        sys.stderr.write("labbook: warning: could not record the config: %s\n" % error)
