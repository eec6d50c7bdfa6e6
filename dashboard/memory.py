"""The server's memory: malloc arenas capped from inside the process, and the startup objects frozen.

glibc gives each thread that meets a locked arena a new one, up to eight per core. Streamlit
runs every session's script in a thread of its own, so under many sessions the heap spreads
over many arenas whose freed pages stay mapped: bench/bench_load.py measured the resident
memory growing about 10 MB a minute under 20 busy sessions, against flat within
±8 MB over 15 minutes with two arenas. ``MALLOC_ARENA_MAX=2`` in the environment does that
for ``make run`` and the Docker image; :func:`cap_arenas` does it on hosts that start the
server themselves (Streamlit Community Cloud), through ``mallopt(M_ARENA_MAX, 2)``, which
caps the arenas created from then on.

:func:`freeze_startup` moves the objects alive at the first script run (the imported
modules of Streamlit, pandas, Plotly, Numba…, about 180,000) out of the cyclic garbage
collector's sight with ``gc.freeze()``. A full collection then looks at what the
sessions made since, not at them again: over 80 reruns of the playground in one
process, full collections took 85 ms each without the freeze (every session's script
waits meanwhile) and 15 ms with it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
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


@functools.cache
def freeze_startup() -> int:
    """Collect, then freeze every object alive, once per process; return how many were frozen.

    Frozen objects are still freed when nothing refers to them; only a cycle among them
    is never collected, which objects made at startup (modules, classes, functions) do
    not become.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
