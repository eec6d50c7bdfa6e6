"""The server's malloc arenas, capped from inside the process where no environment variable can be set.

glibc gives each thread that meets a locked arena a new one, up to eight per core. Streamlit
runs every session's script in a thread of its own, so under many sessions the heap spreads
over many arenas whose freed pages stay mapped: bench/bench_load.py measured the resident
memory growing about 10 MB a minute under 20 busy sessions, against flat within
±8 MB over 15 minutes with two arenas. ``MALLOC_ARENA_MAX=2`` in the environment does that
for ``make run`` and the Docker image; :func:`cap_arenas` does it on hosts that start the
server themselves (Streamlit Community Cloud), through ``mallopt(M_ARENA_MAX, 2)``, which
caps the arenas created from then on.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os

ARENAS = 2
_M_ARENA_MAX = -8  # glibc's malloc.h


@functools.cache
def cap_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas at ``arenas`` once per process; False where there is no glibc, or the
    environment already chose (``MALLOC_ARENA_MAX``)."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
        if not hasattr(libc, "gnu_get_libc_version"):
            return False
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return mallopt(_M_ARENA_MAX, int(arenas)) == 1
