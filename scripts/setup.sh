#!/usr/bin/env bash
# Installs every build and test dependency that is missing (Debian 12).
# Safe to run repeatedly; does nothing when everything is present.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache
  libboost-dev libssl-dev
  libnl-3-dev libnl-route-3-dev libnl-genl-3-dev
  libsystemd-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev
  iproute2 iputils-ping python3 procps nftables
  systemd  # systemd-analyze: the packaging tier checks tandem.service
  prometheus  # promtool: the netns tier checks a real /metrics scrape
  chromium fonts-dejavu-core  # headless: the netns tier loads the status page
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
