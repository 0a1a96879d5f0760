#!/bin/sh
# Installs the Debian packages the tests use: Chromium, which the browser tests drive
# (test/support/chromium.ts expects /usr/bin/chromium), and Valgrind, which counts a request's
# instructions (npm run bench:instructions, and its smoke test). Idempotent: installs only what
# is missing. Needs root (CI image).
set -eu
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v callgrind_control >/dev/null 2>&1 || missing="$missing valgrind"
if [ -z "$missing" ]; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086 # one word per package
apt-get install -y $missing
/usr/bin/chromium --version
valgrind --version
