"""The server's memory: malloc arenas capped at two by the server itself, and its startup objects frozen once."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc's malloc arenas only"
)

# 16 threads allocating at once, then glibc's own per-arena report on stderr.
THREADS = """
import ctypes, sys, threading
import numpy as np
if sys.argv[1] == "cap":
    from dashboard.memory import cap_arenas
    assert cap_arenas()
def work():
    for _ in range(200):
        blocks = [np.ones(1000) for _ in range(50)]
        del blocks
threads = [threading.Thread(target=work) for _ in range(16)]
for t in threads:
    t.start()
for t in threads:
    t.join()
ctypes.CDLL("libc.so.6").malloc_stats()
"""


def arenas(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run(
        [sys.executable, "-c", THREADS, mode], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    return sum(line.startswith("Arena ") for line in out.stderr.splitlines())


def test_session_threads_share_two_arenas_once_capped():
    assert arenas("cap") == 2
    assert arenas("free") > 2  # without the cap glibc gives the threads arenas of their own


def test_the_environment_keeps_its_choice(monkeypatch):
    from dashboard import memory

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    memory.cap_arenas.cache_clear()
    try:
        assert memory.cap_arenas() is False
    finally:
        memory.cap_arenas.cache_clear()


FREEZE = """
import gc
from dashboard.memory import freeze_startup
first = freeze_startup()
extra = [[i] for i in range(1000)]
second = freeze_startup()
print(first, second, gc.get_freeze_count())
"""


def test_the_startup_objects_are_frozen_once():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", FREEZE], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    first, second, now = map(int, out.stdout.split())
    assert first > 1000 and second == first == now  # the objects made later stay in the collector's sight
