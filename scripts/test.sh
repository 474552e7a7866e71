#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, then runs
#   1. the unit tier and the fuzz-corpus replays (CTest label "unit"), and
#      the component tier (label "component": the probers against servers on
#      loopback and real child processes; no privileges), and the packaging
#      tier (label "packaging": the Debian package's files against the
#      programs, and the package itself, built and checked by lintian into
#      build/deb/ for the vm tier),
#   2. the same under AddressSanitizer + UndefinedBehaviorSanitizer,
#   3. the netns tier (label "netns": real daemons in network namespaces; root),
#   4. the vm tier (label "vm": IPVS tests inside a QEMU guest with a Debian
#      kernel; scripts/setup-vm.sh prepares the guest), one of them under
#      systemd with the package installed.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

scripts/setup.sh

echo "== build (RelWithDebInfo)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"

echo "== unit tier"
ctest --test-dir build -L unit --output-on-failure -j"$jobs"

echo "== component tier"
ctest --test-dir build -L component --output-on-failure -j"$jobs"

echo "== packaging tier"
ctest --test-dir build -L packaging --output-on-failure -j"$jobs"

echo "== unit and component tiers under ASan + UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTANDEM_SANITIZE=ON >/dev/null
fuzz_targets=$(for f in tests/fuzz/fuzz_*.cpp; do basename "$f" .cpp; done)
# shellcheck disable=SC2086 # one target per word
cmake --build build-asan -j"$jobs" --target tandem_unit_tests tandem_component_tests $fuzz_targets
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -L unit --output-on-failure -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -L component --output-on-failure -j"$jobs"

if [ "$(id -u)" -eq 0 ]; then
  echo "== netns tier"
  ctest --test-dir build -L netns --output-on-failure
else
  echo "== netns tier skipped: it needs root (network namespaces); run: sudo $0"
  if [ "${CI:-}" = "true" ]; then exit 1; fi
fi

echo "== vm tier"
scripts/setup-vm.sh
ctest --test-dir build -L vm --output-on-failure
