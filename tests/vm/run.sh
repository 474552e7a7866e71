#!/usr/bin/env bash
# Runs one command as root inside a QEMU guest whose kernel has IPVS, with
# the host's root filesystem as its own (read-only below a throwaway layer),
# and exits with the command's status. See tests/vm/README.md.
#
#   tests/vm/run.sh [OPTIONS] -- COMMAND [ARGS...]
#
#   --timeout S      kill the guest after S seconds (default 600); exit 124
#   --cwd DIR        working directory inside (default: the repository)
#   --rw DIR         make the host directory DIR writable inside (repeatable)
#   --env NAME=VAL   set a variable inside (repeatable); CI passes through
#   --mem MB         guest memory (default 2048)
#   --smp N          guest CPUs (default 2)
#   --systemd        boot systemd as PID 1 and run COMMAND as its service
#                    vm-job.service (default: a shell runs COMMAND in a chroot)
#   --console        copy the guest's console to stderr while it runs
#   --keep           keep the results directory (printed at the end)
#   -q               no timing line on stderr
#
# The command's stdout and stderr come out on stdout and stderr. Exit codes
# of the harness itself: 124 timeout, 125 the guest did not run the command.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

timeout=600 cwd=$repo mem=2048 smp=2 console='' keep='' quiet='' systemd=''
rw=() envs=()
usage() { sed -n '2,21s/^# \{0,1\}//p' "$0" >&2; exit 2; }
while (($#)); do
  case $1 in
    --timeout) timeout=$2; shift 2 ;;
    --cwd) cwd=$(cd "$2" && pwd); shift 2 ;;
    --rw) rw+=("$(cd "$2" && pwd)"); shift 2 ;;
    --env) envs+=("$2"); shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --smp) smp=$2; shift 2 ;;
    --systemd) systemd=1; shift ;;
    --console) console=1; shift ;;
    --keep) keep=1; shift ;;
    -q) quiet=1; shift ;;
    --) shift; break ;;
    -h|--help) usage ;;
    *) echo "run.sh: unknown option $1" >&2; usage ;;
  esac
done
(($#)) || usage

# The kernel and initramfs that scripts/setup-vm.sh prepared for these
# versions of init.sh and setup-vm.sh; prepare them if missing.
cache=${TANDEM_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/tandem-vm}
hash=$(cat "$here/init.sh" "$repo/scripts/setup-vm.sh" | sha256sum | cut -c1-16)
env_file=$cache/current-$hash.env
KERNEL='' INITRD=''
# shellcheck source=/dev/null
[ -f "$env_file" ] && . "$env_file"
if [ ! -f "$KERNEL" ] || [ ! -f "$INITRD" ] || ! command -v qemu-system-x86_64 >/dev/null; then
  env_file=$("$repo/scripts/setup-vm.sh" --print-env)
  # shellcheck source=/dev/null
  . "$env_file"
fi
touch -a "$INITRD"

# Results directories of runs that were killed outright.
find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'tandem-vm.*' -mmin +1440 -exec rm -rf {} + 2>/dev/null || true
out=$(mktemp -d "${TMPDIR:-/tmp}/tandem-vm.XXXXXX")
chmod 755 "$out"
qpid='' tails=()
cleanup() {
  if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
    kill "$qpid" 2>/dev/null || true
    sleep 0.5
    kill -9 "$qpid" 2>/dev/null || true
  fi
  for t in "${tails[@]}"; do kill "$t" 2>/dev/null || true; done
  if [ -n "$keep" ]; then echo "vm: results kept in $out" >&2; else rm -rf "$out"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The job: bash inside the guest runs it from the results share.
{
  echo "cd $(printf %q "$cwd") || exit 125"
  echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  echo "export HOME=/root USER=root LOGNAME=root LANG=C.UTF-8 TERM=dumb PYTHONUNBUFFERED=1"
  echo "export TANDEM_VM=1 TANDEM_VM_OUT=/run/vm-out"
  [ -z "${CI:-}" ] || echo "export CI=$(printf %q "$CI")"
  for e in "${envs[@]}"; do echo "export $(printf %q "$e")"; done
  printf 'exec'
  printf ' %q' "$@"
  echo
} >"$out/job.sh"

virtfs=(
  -virtfs "local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap"
  -virtfs "local,path=$out,mount_tag=out,security_model=none,multidevs=remap"
)
: >"$out/mounts"
for i in "${!rw[@]}"; do
  virtfs+=(-virtfs "local,path=${rw[$i]},mount_tag=rw$i,security_model=none,multidevs=remap")
  echo "rw$i ${rw[$i]}" >>"$out/mounts"
done
[ -z "$systemd" ] || : >"$out/systemd"
: >"$out/stdout"
: >"$out/stderr"
: >"$out/console.log"

start=$(date +%s.%N)
# QEMU dies with this script even when it is killed outright (CTest timeout).
setpriv --pdeathsig KILL -- qemu-system-x86_64 \
  -accel tcg -m "$mem" -smp "$smp" \
  -nodefaults -no-user-config -display none -monitor none -no-reboot \
  -serial "file:$out/console.log" \
  -kernel "$KERNEL" -initrd "$INITRD" \
  -append "console=ttyS0 panic=-1 quiet" \
  -device virtio-rng-pci \
  "${virtfs[@]}" \
  </dev/null >"$out/qemu.log" 2>&1 &
qpid=$!

# Stream the command's output while it runs.
tail -n +1 -s 0.2 -f --pid="$qpid" "$out/stdout" &
tails+=($!)
tail -n +1 -s 0.2 -f --pid="$qpid" "$out/stderr" >&2 &
tails+=($!)
if [ -n "$console" ]; then
  tail -n +1 -s 0.2 -f --pid="$qpid" "$out/console.log" >&2 &
  tails+=($!)
fi

elapsed() { awk -v now="$(date +%s.%N)" -v start="$start" 'BEGIN { printf "%.2f", now - start }'; }
cmd_start='' timed_out=''
while kill -0 "$qpid" 2>/dev/null; do
  if [ -z "$cmd_start" ] && [ -f "$out/boot-times" ]; then cmd_start=$(elapsed); fi
  if (($(date +%s) - ${start%.*} >= timeout)); then timed_out=1; break; fi
  sleep 0.1
done
if [ -n "$timed_out" ]; then
  kill "$qpid" 2>/dev/null || true
fi
wait "$qpid" 2>/dev/null || true
qpid_done=$qpid
qpid=''
for t in "${tails[@]}"; do wait "$t" 2>/dev/null || true; done
tails=()
total=$(elapsed)

show_console() {
  echo "vm: last lines of the guest console:" >&2
  tail -n 40 "$out/console.log" >&2
  if [ -s "$out/qemu.log" ]; then
    echo "vm: qemu said:" >&2
    cat "$out/qemu.log" >&2
  fi
}

if [ -n "$timed_out" ]; then
  echo "vm: timed out after ${timeout} s; guest killed" >&2
  show_console
  exit 124
fi
if [ ! -f "$out/status" ]; then
  echo "vm: the guest stopped without running the command to its end (qemu pid $qpid_done)" >&2
  [ -f "$out/init-error" ] && echo "vm: $(cat "$out/init-error")" >&2
  show_console
  exit 125
fi
status=$(cat "$out/status")
if [ -z "$quiet" ]; then
  stages=$(awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }' "$out/boot-times")
  printf 'vm: command started %.1f s after launch (guest uptime: %s), exit %s, total %.1f s\n' \
    "${cmd_start:-0}" "$stages" "$status" "$total" >&2
fi
exit "$status"
