#!/usr/bin/env bash
# debian/tandem.postinst and tandem.postrm, run as dpkg would run them, in a
# private mount namespace whose /etc, /usr/libexec and /run are
# scratch directories (needs root; exit 77, skipped, otherwise):
#   configure (install)   makes /etc/tandem/authkeys: mode 0600, root:root,
#                         one sha256 key
#   configure 0.1.0       (upgrade) keeps it
#   a symlink in its place is left alone
#   purge                 removes it, and /etc/tandem once empty
# usage: test_maintscripts.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
if [ "$(id -u)" -ne 0 ]; then
  echo "test_maintscripts: skipped: needs root (a mount namespace)"
  exit 77
fi
exec unshare --mount --propagation private bash -s "$src" <<'INNER'
set -euo pipefail
src=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/etc/tandem" "$scratch/libexec" "$scratch/run"
cp /etc/passwd /etc/group /etc/nsswitch.conf "$scratch/etc/"
cp "$src/packaging/tandem.toml" "$scratch/etc/tandem/"
mount --bind "$scratch/etc" /etc
mount -t tmpfs tmpfs /run
mkdir -p "$scratch/libexec/tandem"
cp "$src/packaging/new-authkeys" "$scratch/libexec/tandem/"
mount --bind "$scratch/libexec" /usr/libexec
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

sh "$src/debian/tandem.postinst" configure 2>/dev/null || fail "postinst configure exited $?"
[ -f /etc/tandem/authkeys ] || fail "install made no /etc/tandem/authkeys"
[ "$(stat -c '%a %U:%G' /etc/tandem/authkeys 2>/dev/null)" = "600 root:root" ] ||
  fail "authkeys is $(stat -c '%a %U:%G' /etc/tandem/authkeys 2>/dev/null)"
grep -Eqx '1 sha256 [0-9a-f]{64}' /etc/tandem/authkeys || fail "authkeys holds no sha256 key"
key=$(cat /etc/tandem/authkeys)

sh "$src/debian/tandem.postinst" configure 0.1.0 2>/dev/null || fail "postinst configure (upgrade) exited $?"
[ "$(cat /etc/tandem/authkeys)" = "$key" ] || fail "an upgrade replaced the key"

mv /etc/tandem/authkeys /etc/tandem/keys.real
ln -s keys.real /etc/tandem/authkeys
sh "$src/debian/tandem.postinst" configure 0.1.0 2>/dev/null || fail "postinst with a symlinked authkeys exited $?"
[ "$(readlink /etc/tandem/authkeys)" = keys.real ] || fail "the symlinked authkeys was replaced"
rm /etc/tandem/authkeys
mv /etc/tandem/keys.real /etc/tandem/authkeys

mkdir -p /run/tandem
: >/run/tandem/ipvs-created
rm /etc/tandem/tandem.toml  # dpkg removes the conffile before postrm purge
sh "$src/debian/tandem.postrm" purge || fail "postrm purge exited $?"
[ ! -e /etc/tandem/authkeys ] || fail "purge left authkeys"
[ ! -e /etc/tandem ] || fail "purge left /etc/tandem: $(ls -A /etc/tandem)"
[ ! -e /run/tandem ] || fail "purge left /run/tandem"

if [ "$failures" -ne 0 ]; then
  echo "test_maintscripts: $failures failed"
  exit 1
fi
echo "test_maintscripts: ok"
INNER
