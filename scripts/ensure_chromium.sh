#!/usr/bin/env bash
# Debian's Chromium for the browser tests (`make e2e`): installed with apt-get when it is
# missing, so `make test` works on a fresh machine. Playwright never downloads a browser
# (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1; web/e2e/browser.ts points at this executable).
set -euo pipefail

CHROMIUM="${XOR_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if [ "$CHROMIUM" != /usr/bin/chromium ]; then
    echo "XOR_CHROMIUM=$CHROMIUM is not an executable; unset it to use Debian's chromium" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null; then
        echo "chromium is missing and this user cannot install it: run 'apt-get install -y chromium' as root" >&2
        exit 1
    fi
    SUDO="sudo"
fi
echo "Installing Debian's chromium for the browser tests (once)..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
"$CHROMIUM" --version
