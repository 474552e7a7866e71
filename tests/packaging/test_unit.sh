#!/usr/bin/env bash
# packaging/tandem.service and the template tandem@.service as systemd reads
# them: every directive known (a misspelt one is ignored by systemd,
# silently weakening the sandbox), the exposure level of `systemd-analyze
# security` at most its present 2.3, so that any loosening is deliberate,
# and the template the same unit as tandem.service but for the instance's
# configuration, control socket and runtime directory.
# usage: test_unit.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1/packaging
command -v systemd-analyze >/dev/null || { echo "test_unit: systemd-analyze is missing (package systemd)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# The template is checked as an instance of it, as systemd runs it.
cp "$src/tandem@.service" "$tmp/tandem@d1.service"
for unit in "$src/tandem.service" "$tmp/tandem@d1.service"; do
  name=$(basename "$unit")
  set +e
  systemd-analyze security --offline=yes --threshold=23 "$unit" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  set -e
  grep -v -e 'is not executable' -e "Command 'man " "$tmp/err" >"$tmp/complaints" || true
  if [ -s "$tmp/complaints" ]; then
    echo "FAIL: systemd complains about $name:"
    cat "$tmp/complaints"
    failures=$((failures + 1))
  fi
  score=$(sed -n "s/.*Overall exposure level for $name: \([0-9.]*\).*/\1/p" "$tmp/out")
  echo "$name: exposure level ${score:-none}"
  if [ "$rc" -ne 0 ] || [ -z "$score" ]; then
    echo "FAIL: $name: exposure level ${score:-unknown} is above 2.3 (exit $rc)"
    grep '✗' "$tmp/out" || true
    failures=$((failures + 1))
  fi

  # The capabilities are the three tandemd needs (tests/netns/test_capabilities.py
  # shows each one is), and nothing else grants any.
  caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
  [ "$caps" = "CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE" ] || {
    echo "FAIL: $name: CapabilityBoundingSet=$caps"
    failures=$((failures + 1))
  }
  if grep -Eq '^(AmbientCapabilities|User|DynamicUser|PermissionsStartOnly)=' "$unit"; then
    echo "FAIL: $name sets $(grep -E '^(AmbientCapabilities|User|DynamicUser|PermissionsStartOnly)=' "$unit")"
    failures=$((failures + 1))
  fi
done

# The template's directives with the instance's paths put back to
# tandem.service's are tandem.service's, in the same order.
directives() { grep -Ev '^[[:space:]]*(#|$)' "$1"; }
directives "$src/tandem.service" >"$tmp/plain"
directives "$src/tandem@.service" | sed -e 's| (%i)$||' -e 's|/etc/tandem/%i\.toml|/etc/tandem/tandem.toml|g' \
  -e 's| --socket /run/tandem/%i/tandemd\.sock||' -e 's|tandem/%i|tandem|' >"$tmp/template"
if ! diff -u "$tmp/plain" "$tmp/template" >"$tmp/diff"; then
  echo "FAIL: tandem@.service differs from tandem.service in more than the instance's paths:"
  cat "$tmp/diff"
  failures=$((failures + 1))
fi

if [ "$failures" -ne 0 ]; then
  echo "test_unit: $failures failed"
  exit 1
fi
echo "test_unit: ok"
