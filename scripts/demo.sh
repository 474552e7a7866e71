#!/usr/bin/env bash
# The tandem demo. Installs what is missing (scripts/setup.sh,
# scripts/setup-vm.sh), builds tandemd and tandemctl, boots the vm (a Debian
# kernel with IPVS under QEMU, tests/vm/README.md) and runs inside it two
# directors with the configuration in examples/lab/, two web servers behind
# them and a client (tests/vm/demo_lab.py): requests shared by the web
# servers, one web server failing, the active director losing power. Needs
# root (apt-get); takes a few minutes.
#
#   sudo scripts/demo.sh            # build into build/
#   sudo scripts/demo.sh --nat      # the same with NAT (examples/lab-nat/): the web
#                                   # servers behind the directors' floating gateway
#   sudo scripts/demo.sh --netns    # the older demo: failover of a bare VIP in
#                                   # network namespaces on this kernel, no IPVS
#   BUILD_DIR=out sudo -E scripts/demo.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir=${BUILD_DIR:-build}
mode=vm
nat=()
case ${1:-} in
  '') ;;
  --netns) mode=netns ;;
  --nat) nat=(--nat) ;;
  -h|--help) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 0 ;;
  *) echo "demo: unknown option $1 (try --help)" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: needs root (it installs packages, and the netns demo creates network namespaces); run: sudo $0${1:+ $1}" >&2
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

if [ "$mode" = netns ]; then
  exec python3 tests/netns/demo.py --build "$build_dir"
fi

echo
echo "=== Preparing the virtual machine (QEMU and a Debian kernel with IPVS)"
bash scripts/setup-vm.sh
echo "    done; booting it (software emulation: everything inside runs slower)"
exec tests/vm/run.sh --timeout 600 -q -- python3 tests/vm/demo_lab.py --build "$build_dir" "${nat[@]}"
