#!/usr/bin/env bash
# packaging/bash-completion/tandemctl against the tandemctl just built: the
# commands, options and import formats it offers are those tandemctl's
# --help and import name, and group names come from [[group]] tables.
# usage: test_completion.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
src=$1
tandemctl=$2/tools/tandemctl
# shellcheck source=/dev/null
. "$src/packaging/bash-completion/tandemctl"
failures=0

# complete WORD... : COMPREPLY for the last word, sorted, on one line.
complete_words() {
  COMP_WORDS=("$tandemctl" "$@")
  COMP_CWORD=$#
  _tandemctl
  printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

# Each case: a description, the words typed, what must be offered.
check() {
  local what=$1 want=$2
  shift 2
  local got
  got=$(complete_words "$@")
  if [ "$got" != "$want" ]; then
    echo "FAIL: $what: [$*] offered \"$got\", want \"$want\""
    failures=$((failures + 1))
  fi
}

commands=$("$tandemctl" --help | sed -n 's/^  \([a-z][a-z-]*\).*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//')
for c in status standby takeover reload drain disable enable import; do
  case " $commands " in *" $c "*) ;; *) echo "FAIL: --help lists no command $c"; failures=$((failures + 1)) ;; esac
done
check "the commands and global options" "$(printf '%s\n' $commands --help --socket | sort | tr '\n' ' ' | sed 's/ $//')" ""
check "a command by its prefix" "standby status" st
check "the command after --socket PATH" "reload" --socket /run/tandem/tandemd.sock re
check "status options" "--json" status -
check "the options of reload" "--dry-run" reload -
check "the options of drain" "--timeout" drain 10.0.0.100:80 10.0.0.11 -
check "the import formats" "heartbeat ipvsadm keepalived ldirectord piranha" import ""
check "the import formats by prefix" "ipvsadm" import ip
check "ipvsadm options" "--node --peer --peer-address --services-only -o" import ipvsadm -
check "ipvsadm options by prefix" "--peer --peer-address" import ipvsadm --pe
check "keepalived options" "--node --peer-address --peer-config --services-only -o" import keepalived -
check "no completion for the value of --node" "" import ipvsadm --node ""

# The formats are those tandemctl names, not a list kept here.
formats=$(_tandemctl_formats "$tandemctl")
[ "$formats" = "$("$tandemctl" import 2>&1 | sed -n 's/.*needs a format: //p' | tr ',' ' ')" ] || {
  echo "FAIL: formats \"$formats\" differ from tandemctl's"
  failures=$((failures + 1))
}

groups=$(_tandemctl_groups "$src/examples/lab-active-active/d1.toml" | tr '\n' ' ' | sed 's/ $//')
[ "$groups" = "web mail" ] || { echo "FAIL: groups of the active/active lab: \"$groups\""; failures=$((failures + 1)); }
groups=$(_tandemctl_groups "$src/examples/lab/d1.toml")
[ -z "$groups" ] || { echo "FAIL: groups of a file without [[group]]: \"$groups\""; failures=$((failures + 1)); }

if [ "$failures" -ne 0 ]; then
  echo "test_completion: $failures failed"
  exit 1
fi
echo "test_completion: ok"
