#!/usr/bin/env bash
# The tandem demo: builds tandemd and tandemctl if needed, then runs two
# directors and a client in network namespaces and fails the active director
# over while you watch (tests/netns/demo.py). Needs root; takes about a minute.
#
#   sudo scripts/demo.sh            # build into build/
#   BUILD_DIR=out sudo -E scripts/demo.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir=${BUILD_DIR:-build}

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: network namespaces need root; run: sudo $0" >&2
  exit 1
fi

echo "=== Building tandemd and tandemctl into $build_dir/"
bash scripts/setup.sh
mkdir -p "$build_dir"
log="$build_dir/demo-build.log"
if ! { [ -f "$build_dir/CMakeCache.txt" ] || cmake -S . -B "$build_dir"; } >"$log" 2>&1 ||
   ! cmake --build "$build_dir" --target tandemd tandemctl -j"$(nproc)" >>"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "demo: the build failed; the whole log is in $log" >&2
  exit 1
fi
echo "    done"

exec python3 tests/netns/demo.py --build "$build_dir"
