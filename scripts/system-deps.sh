#!/usr/bin/env bash
# The Debian packages the test suite runs against, installed when missing, so that `npm test`
# works on a fresh machine: openssl (certificates for the wss tests), Chromium (browser tests,
# driven by playwright-core, which downloads no browser), Godot 3 headless (interop),
# python3-websockets (interop) and redis-server (rxpeer/redis; each test starts its own).
set -euo pipefail

missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v godot3-server >/dev/null 2>&1 || missing+=(godot3-server)
/usr/bin/python3 -c 'import websockets' >/dev/null 2>&1 || missing+=(python3-websockets)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "The tests need these Debian packages: ${missing[*]}" >&2
  echo "Install them (as root): apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "Installing the Debian packages the tests need: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
