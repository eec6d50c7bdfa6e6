"""Start and stop a Streamlit server for the tests, by its own process id."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

SERVER_START_TIMEOUT_S = 120


def free_port() -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_healthy(url: str) -> bool:
    """True when Streamlit's health endpoint at ``url`` answers ``ok``."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read() == b"ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def wait_until_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    """Poll the health endpoint until it answers; fail with the server log if the server dies or never answers."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if is_healthy(url):
            return
        if process.poll() is not None:
            pytest.fail(f"the server exited with code {process.returncode}:\n{log.read_text()}")
        time.sleep(0.25)
    pytest.fail(f"{url}/_stcore/health did not answer within {SERVER_START_TIMEOUT_S} s:\n{log.read_text()}")


def stop(process: subprocess.Popen) -> None:
    """Stop the server started by this session, by its own process id."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def start_server(command: list[str], cwd: Path, url: str, log: Path) -> subprocess.Popen:
    """Start ``command`` in ``cwd``, logging to ``log``, and return once ``url`` is healthy."""
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        wait_until_healthy(url, process, log)
    except BaseException:
        stop(process)
        raise
    return process
