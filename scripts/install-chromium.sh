#!/bin/sh
# Installs the Debian Chromium that the browser tests drive (test/support/chromium.ts expects
# /usr/bin/chromium). Idempotent: does nothing when it is already there. Needs root (CI image).
set -eu
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y chromium
/usr/bin/chromium --version
