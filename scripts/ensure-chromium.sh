#!/bin/sh
# Make sure the Chromium that the browser tests drive is installed.
# Installs Debian's package when run as root with apt-get; otherwise says how to install it.
set -eu
DEFAULT=/usr/bin/chromium
CHROMIUM="${CHROMIUM:-$DEFAULT}"
if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if [ "$CHROMIUM" = "$DEFAULT" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Chromium not found at $CHROMIUM: installing Debian's chromium package"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation
    if [ -x "$CHROMIUM" ]; then
        exit 0
    fi
    echo "apt-get installed chromium, but $CHROMIUM is still missing." >&2
    exit 1
fi
cat >&2 <<MSG
The browser tests need Chromium at $CHROMIUM, and it is missing.
Install it, then run make test again:
    sudo apt-get update && sudo apt-get install -y chromium     # Debian / Ubuntu
Or point CHROMIUM at another Chromium binary: make test CHROMIUM=/path/to/chromium
MSG
exit 1
