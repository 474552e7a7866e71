#!/usr/bin/env bash
# packaging/tandem.toml, the package's /etc/tandem/tandem.toml: unedited,
# tandemd --check-config names each blank to fill in; once the names are
# filled in (with sed, as an operator would), it is accepted together with
# an authkeys file made by packaging/new-authkeys, as the postinst makes it.
# usage: test_conffile.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
tandemd=$2/daemon/tandemd
new_authkeys=$src/packaging/new-authkeys
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# new-authkeys: mode 0600, heartbeat syntax, a 64-hex-digit sha256 key.
"$new_authkeys" "$tmp/authkeys"
mode=$(stat -c %a "$tmp/authkeys")
[ "$mode" = 600 ] || fail "authkeys mode is $mode, not 600"
grep -qx 'auth 1' "$tmp/authkeys" || fail "authkeys has no 'auth 1' line"
grep -Eqx '1 sha256 [0-9a-f]{64}' "$tmp/authkeys" || fail "authkeys has no '1 sha256 HEX64' key"
before=$(cat "$tmp/authkeys")
if "$new_authkeys" "$tmp/authkeys" 2>/dev/null; then fail "new-authkeys replaced an existing file"; fi
[ "$(cat "$tmp/authkeys")" = "$before" ] || fail "new-authkeys changed an existing file"
"$new_authkeys" "$tmp/authkeys2"
[ "$(grep sha256 "$tmp/authkeys")" != "$(grep sha256 "$tmp/authkeys2")" ] || fail "two keys are the same"
[ -z "$(find "$tmp" -name 'authkeys.*')" ] || fail "new-authkeys left a temporary file"

# The file as shipped, with only the authkeys path moved to the test's copy.
sed "s|^authkeys = \"/etc/tandem/authkeys\"|authkeys = \"$tmp/authkeys\"|" \
  "$src/packaging/tandem.toml" >"$tmp/shipped.toml"
grep -q "^authkeys = \"$tmp/authkeys\"" "$tmp/shipped.toml" || fail "no authkeys line to point at the test's key"

set +e
"$tandemd" -c "$tmp/shipped.toml" --check-config 2>"$tmp/shipped.err" >/dev/null
rc=$?
set -e
[ "$rc" = 1 ] || fail "the unedited file: --check-config exit $rc, not 1"
for blank in "cluster.peer is empty" "link.interface is empty" 'link.peer: "" is not' \
  'vip.address: "" is not' "vip.interface is empty"; do
  grep -Eq "^$tmp/shipped.toml:[0-9]+:[0-9]+: error: .*$blank" "$tmp/shipped.err" ||
    fail "the unedited file: no located error for $blank"
done

# The names filled in. Each sed expression must match exactly one line.
fills=(
  's/^# name = "d1"/name = "d1"/'
  's/^peer = ""\( *# the other director\)/peer = "d2"\1/'
  's/^preferred = ""/preferred = "d1"/'
  's/^interface = ""\( *# e.g. "eth0"\)$/interface = "eth0"\1/'
  's/^peer = ""\( *# the peer.s address\)/peer = "10.0.0.2"\1/'
  's|^address = ""|address = "10.0.0.100/24"|'
)
cp "$tmp/shipped.toml" "$tmp/filled.toml"
for f in "${fills[@]}"; do
  sed "$f" "$tmp/filled.toml" >"$tmp/next.toml"
  changed=$(diff "$tmp/filled.toml" "$tmp/next.toml" | grep -c '^>' || true)
  # The interface blank appears twice (link and vip): both are filled.
  case $f in *interface*) want=2 ;; *) want=1 ;; esac
  [ "$changed" = "$want" ] || fail "sed '$f' changed $changed lines, not $want"
  mv "$tmp/next.toml" "$tmp/filled.toml"
done
if ! out=$("$tandemd" -c "$tmp/filled.toml" --check-config 2>&1); then
  fail "the filled-in file is rejected:"
  echo "$out"
fi
[ "$out" = "$tmp/filled.toml: ok" ] || fail "the filled-in file: --check-config printed \"$out\""

# The commented-out sections, uncommented as they stand, are accepted too.
sed -e 's/^# \(\[metrics\]\)$/\1/' -e 's/^# \(listen = \)/\1/' \
  -e 's/^# \(\[ipvs\]\)$/\1/' -e 's/^# \(\(tcp\|tcpfin\|udp\)_timeout = \)/\1/' \
  "$tmp/filled.toml" >"$tmp/sections.toml"
for section in '[metrics]' '[ipvs]' 'tcp_timeout = "900s"' 'tcpfin_timeout = "120s"' 'udp_timeout = "300s"'; do
  grep -qxF "$section" "$tmp/sections.toml" || fail "no commented-out '$section' to uncomment"
done
if ! out=$("$tandemd" -c "$tmp/sections.toml" --check-config 2>&1); then
  fail "the file with [metrics] and [ipvs] uncommented is rejected:"
  echo "$out"
fi

# preferred must be one of the two names; the blank alone is an error too.
sed 's/^preferred = "d1"/preferred = ""/' "$tmp/filled.toml" >"$tmp/nopref.toml"
if "$tandemd" -c "$tmp/nopref.toml" --check-config >/dev/null 2>"$tmp/nopref.err"; then
  fail "an empty preferred is accepted"
fi
grep -q "error: .*preferred" "$tmp/nopref.err" || fail "no error names preferred: $(cat "$tmp/nopref.err")"

if [ "$failures" -ne 0 ]; then
  echo "test_conffile: $failures failed"
  exit 1
fi
echo "test_conffile: ok"
