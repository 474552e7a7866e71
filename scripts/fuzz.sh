#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (plus ASan/UBSan) and runs each for
# SECONDS (default 60), starting from its seed corpus. Crashes are written to
# build-fuzz/crash-*.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=()
  for f in tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi

if ! command -v clang++ >/dev/null || ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "ok installed"; then
  echo "fuzz: installing clang"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev
fi
scripts/setup.sh
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTANDEM_FUZZ=ON -DTANDEM_SANITIZE=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}"

for t in "${targets[@]}"; do
  corpus=tests/fuzz/corpus/${t#fuzz_}
  work=build-fuzz/corpus-${t#fuzz_}
  mkdir -p "$work"
  echo "== $t for ${seconds}s"
  log=build-fuzz/$t.log
  if (cd build-fuzz && "./tests/fuzz/$t" -max_total_time="$seconds" -print_final_stats=1 \
        "../$work" "../$corpus") >"$log" 2>&1; then
    grep -E "^stat::(number_of_executed_units|new_units_added)|^Done " "$log"
  else
    tail -n 40 "$log"
    echo "fuzz: $t failed; the reproducer is build-fuzz/crash-* (log: $log)" >&2
    status=1
  fi
done
exit "${status:-0}"
