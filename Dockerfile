# The dashboard as a container: docker build -t linreg-dashboard . && docker run -p 8501:8501 linreg-dashboard
FROM python:3.11-slim

# Two malloc arenas: with one per script thread, RSS under 20 busy sessions grew about 10 MB a minute
# (fragmentation); with two it stayed within 190-207 MB for 15 minutes (bench/bench_load.py). app.py
# sets the same cap through mallopt where the environment cannot (dashboard/memory.py).
# Numba's cache of the adaptive optimizers' compiled loop lives apart from the read-only code (below).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MALLOC_ARENA_MAX=2 \
    NUMBA_CACHE_DIR=/var/cache/linreg/numba

# The server runs as an unprivileged user; the code stays owned by root, read-only to it.
RUN groupadd --gid 10001 app && useradd --create-home --uid 10001 --gid app app

WORKDIR /app

# Dependencies first, so that editing the code does not reinstall them.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

# Compile the adaptive optimizers' loop once, into a cache the server may write to: every container then loads
# it (0.4 s) instead of compiling it (2.9 s) on its first Adam, RMSProp or AdaGrad run. On a host whose CPU
# differs from the build's, Numba compiles again and adds its code to the same cache.
RUN python -c "from linreg._adaptive import warm_up; assert warm_up()" \
    && chown -R 10001:10001 /var/cache/linreg

USER 10001:10001

EXPOSE 8501

# python:3.11-slim has no curl; Python itself asks the health endpoint.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request as r; r.urlopen('http://localhost:8501/_stcore/health', timeout=4)"]

ENTRYPOINT ["streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0", "--server.headless=true"]
