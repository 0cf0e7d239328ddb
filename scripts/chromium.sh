#!/usr/bin/env bash
# Chromium for the tests of the HTML reports (tests/report/test_html_browser.py): Debian's browser,
# driven by the Python playwright package, which downloads no browser of its own.
#
#   bash scripts/chromium.sh   # prints the browser's path on stdout
#
# When Chromium is not installed and this runs as root (CI on a fresh Debian machine), it is
# installed from the system packages first, as scripts/postgres.sh installs PostgreSQL.
set -euo pipefail

die() {
    echo "chromium.sh: $*" >&2
    exit 1
}

find_chromium() {
    local path
    for path in /usr/bin/chromium /usr/bin/chromium-browser; do
        if [ -x "$path" ]; then
            echo "$path"
            return
        fi
    done
}

path="$(find_chromium)"
if [ -z "$path" ]; then
    [ "$(id -u)" -eq 0 ] || die "Chromium is not installed; install the chromium package (Debian) and rerun."
    echo "chromium.sh: installing Chromium from the system packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends chromium >/dev/null
    path="$(find_chromium)"
    [ -n "$path" ] || die "the chromium package installed no /usr/bin/chromium."
fi
echo "$path"
