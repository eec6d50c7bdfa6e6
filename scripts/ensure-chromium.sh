#!/bin/sh
# Make sure the browser the end-to-end tests drive is installed.
set -eu
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Chromium not found at $CHROMIUM: installing Debian's chromium package"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
    exit 0
fi
cat >&2 <<MSG
The browser tests need Chromium at $CHROMIUM, and it is missing.
Install it, then run make test again:
    sudo apt-get update && sudo apt-get install -y chromium     # Debian / Ubuntu
Or point CHROMIUM at another Chromium binary: make test CHROMIUM=/path/to/chromium
MSG
exit 1
