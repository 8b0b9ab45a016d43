"""The Python side of a run's environment: interpreter, virtual environment and installed distributions.

Distributions are read from the names of the ``*.dist-info`` and ``*.egg-info`` entries on sys.path (name and
version are in the name, by the packaging specs), which costs about a millisecond; reading each one's METADATA
through importlib.metadata costs over half a second and would delay every script.
"""

import os
import re
import sys

from labbook import _write

_INFO = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+?)(?:-py\d[\d.]*)?\.(?:dist|egg)-info$")


def _normalized(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def distributions():
    """Installed distributions as {normalized name: version}; the first on sys.path wins, as at import time."""
    found = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or os.curdir)
        except OSError:
            continue
        for name in names:
            match = _INFO.match(name)
            if match:
                found.setdefault(_normalized(match.group("name")), match.group("version"))
    return dict(sorted(found.items()))


def install():
    """Writes the environment record to the journal."""
    _write(
        {
            "t": "environment",
            "python": {
                "version": sys.version.split()[0],
                "implementation": sys.implementation.name,
                "executable": sys.executable,
                "prefix": sys.prefix,
                "virtualenv": sys.prefix != getattr(sys, "base_prefix", sys.prefix),
                "packages": distributions(),
            },
        }
    )
