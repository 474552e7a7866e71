#!/usr/bin/env bash
# packaging/tandem.service as systemd reads it: every directive known (a
# misspelt one is ignored by systemd, silently weakening the sandbox), and
# the exposure level of `systemd-analyze security` at most its present 2.3,
# so that any loosening is deliberate.
# usage: test_unit.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
unit=$1/packaging/tandem.service
command -v systemd-analyze >/dev/null || { echo "test_unit: systemd-analyze is missing (package systemd)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

set +e
systemd-analyze security --offline=yes --threshold=23 "$unit" >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
grep -v -e 'is not executable' -e "Command 'man " "$tmp/err" >"$tmp/complaints" || true
if [ -s "$tmp/complaints" ]; then
  echo "FAIL: systemd complains about the unit:"
  cat "$tmp/complaints"
  failures=$((failures + 1))
fi
score=$(sed -n 's/.*Overall exposure level for tandem.service: \([0-9.]*\).*/\1/p' "$tmp/out")
echo "exposure level: ${score:-none}"
if [ "$rc" -ne 0 ] || [ -z "$score" ]; then
  echo "FAIL: exposure level ${score:-unknown} is above 2.3 (exit $rc)"
  grep '✗' "$tmp/out" || true
  failures=$((failures + 1))
fi

# The capabilities are the three tandemd needs (tests/netns/test_capabilities.py
# shows each one is), and nothing else grants any.
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
[ "$caps" = "CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE" ] || {
  echo "FAIL: CapabilityBoundingSet=$caps"
  failures=$((failures + 1))
}
if grep -Eq '^(AmbientCapabilities|User|DynamicUser|PermissionsStartOnly)=' "$unit"; then
  echo "FAIL: the unit sets $(grep -E '^(AmbientCapabilities|User|DynamicUser|PermissionsStartOnly)=' "$unit")"
  failures=$((failures + 1))
fi

if [ "$failures" -ne 0 ]; then
  echo "test_unit: $failures failed"
  exit 1
fi
echo "test_unit: ok"
