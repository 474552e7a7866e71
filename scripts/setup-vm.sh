#!/usr/bin/env bash
# Prepares the vm test tier (tests/vm): installs what is missing (QEMU,
# busybox, kmod, ipvsadm, curl), downloads the Debian kernel once and builds
# the guest's initramfs once. Safe to run repeatedly; quick when all is there.
#
# Cache: $TANDEM_VM_CACHE, default ${XDG_CACHE_HOME:-~/.cache}/tandem-vm:
#   <kernel version>/linux-image-*.deb   the downloaded package
#   <kernel version>/vmlinuz             the kernel
#   <kernel version>/vmlinux             the same, decompressed (PVH entry):
#                                        boots seconds faster under emulation
#   <kernel version>/initrd-<hash>.cpio  busybox, tests/vm/init.sh, modules
#   current-<hash>.env                   which of them tests/vm/run.sh boots
# <hash> covers tests/vm/init.sh and this script, so editing either rebuilds.
# With --print-env, prints the path of current-<hash>.env when done.
set -euo pipefail
print_env=
[ "${1:-}" = --print-env ] && print_env=1
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${TANDEM_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/tandem-vm}
export PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive

# keepalived: bench/health_vm.py compares its checker with tandemd's. Installing
# it starts nothing: its unit and init script need /etc/keepalived/keepalived.conf,
# which the package does not ship.
packages=(qemu-system-x86 busybox-static cpio kmod ipvsadm curl python3 iproute2 iputils-ping keepalived)

# Modules loaded at boot, with their dependencies. The guest's CPU is
# emulated without SSE4.2, so crc32c comes from crc32c_generic.
modules=(
  virtio_pci 9pnet_virtio 9p overlay virtio_rng
  crc32c_generic
  ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr
  ip_vs_dh ip_vs_sh ip_vs_sed ip_vs_nq ip_vs_fo ip_vs_ovf ip_vs_mh
  veth bridge dummy macvlan 8021q tun sch_netem
  ip_tunnel ipip gre ip_gre fou fou6 ip6_tunnel
  nf_tables nft_compat nft_ct x_tables xt_mark xt_tcpudp xt_conntrack
  ip_tables iptable_filter iptable_mangle ip6_tables ip6table_filter ip6table_mangle
)
skip_modules=(crc32c-intel)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
apt_updated=
if ((${#missing[@]})); then
  echo "setup-vm: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq >&2
  apt_updated=1
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

hash=$(cat "$repo/tests/vm/init.sh" "$repo/scripts/setup-vm.sh" | sha256sum | cut -c1-16)
mkdir -p "$cache"

# The kernel package that linux-image-amd64 currently depends on (the full
# amd64 flavour: -cloud has no 9p).
kernel_package() {
  apt-cache depends linux-image-amd64 2>/dev/null |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}
kpkg=$(kernel_package)
if [ -z "$kpkg" ]; then
  # No package lists: use a kernel already prepared, or fetch the lists.
  existing=$(ls -t "$cache"/*/initrd-"$hash".cpio 2>/dev/null | head -n1 || true)
  if [ -n "$existing" ]; then
    kpkg=linux-image-$(basename "$(dirname "$existing")")
  elif [ -z "$apt_updated" ]; then
    $SUDO apt-get update -qq >&2
    kpkg=$(kernel_package)
  fi
fi
[ -n "$kpkg" ] || { echo "setup-vm: cannot find the package linux-image-amd64 depends on" >&2; exit 1; }
kver=${kpkg#linux-image-}
dir=$cache/$kver
initrd=$dir/initrd-$hash.cpio
kernel=$dir/vmlinuz
[ ! -f "$dir/vmlinux" ] || kernel=$dir/vmlinux

write_current() {
  local env=$cache/current-$hash.env
  printf 'KVER=%s\nKERNEL=%s\nINITRD=%s\n' "$kver" "$kernel" "$initrd" >"$env.$$"
  mv "$env.$$" "$env"
  if [ -n "$print_env" ]; then echo "$env"; fi
}

if [ -f "$kernel" ] && [ -f "$initrd" ]; then
  write_current
  exit 0
fi

# One builder at a time; the others wait and then find the result.
exec 9>"$cache/.lock"
flock 9
if [ -f "$kernel" ] && [ -f "$initrd" ]; then
  write_current
  exit 0
fi
mkdir -p "$dir"

deb=$(ls "$dir"/"$kpkg"_*.deb 2>/dev/null | head -n1 || true)
if [ -z "$deb" ]; then
  echo "setup-vm: downloading $kpkg" >&2
  dl=$(mktemp -d "$dir/download.XXXXXX")
  if [ "$(id -u)" -eq 0 ]; then sandbox=(-o APT::Sandbox::User=root); else sandbox=(); fi
  (cd "$dl" && apt-get download -qq "${sandbox[@]}" "$kpkg" >&2)
  mv "$dl"/*.deb "$dir/"
  rmdir "$dl"
  deb=$(ls "$dir"/"$kpkg"_*.deb | head -n1)
fi

echo "setup-vm: building the initramfs for $kver" >&2
work=$(mktemp -d "$dir/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree=$work/tree
stage=$work/initramfs
mkdir -p "$tree" "$stage"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tree" "./boot/vmlinuz-$kver" "./lib/modules/$kver"
depmod -b "$tree" "$kver"

# Every module with its dependencies, in load order, without repeats.
declare -A seen=()
preload=()
for s in "${skip_modules[@]}"; do seen[$s]=1; done
moddir=$tree/lib/modules/$kver
for m in "${modules[@]}"; do
  deps=$(modprobe -d "$tree" -S "$kver" --show-depends "$m") ||
    { echo "setup-vm: module $m not found in $kpkg" >&2; exit 1; }
  while read -r verb path _; do
    [ "$verb" = insmod ] || continue
    rel=${path#"$moddir"/}
    name=$(basename "$rel" .ko)
    [ -z "${seen[$name]:-}" ] || continue
    seen[$name]=1
    preload+=("$rel")
  done <<<"$deps"
done

smod=$stage/lib/modules/$kver
mkdir -p "$smod" "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root}
for rel in "${preload[@]}"; do
  mkdir -p "$smod/$(dirname "$rel")"
  cp "$moddir/$rel" "$smod/$rel"
done
# Without their signatures the modules load in half the time under
# emulation (the kernel only notes an unsigned module; it does not enforce).
python3 - "$smod" <<'PY'
import pathlib, struct, sys
marker = b"~Module signature appended~\n"
for ko in pathlib.Path(sys.argv[1]).rglob("*.ko"):
    data = ko.read_bytes()
    if data.endswith(marker):
        # struct module_signature (12 bytes, big-endian sig_len last) + signature
        sig_len = struct.unpack(">I", data[-len(marker) - 4:-len(marker)])[0]
        ko.write_bytes(data[:-len(marker) - 12 - sig_len])
PY
cp "$moddir"/modules.order "$moddir"/modules.builtin "$moddir"/modules.builtin.modinfo "$smod/"
depmod -b "$stage" "$kver"
printf '%s\n' "${preload[@]}" >"$smod/preload"
cp /bin/busybox "$stage/bin/busybox"
cp "$repo/tests/vm/init.sh" "$stage/init"
chmod 755 "$stage/init" "$stage/bin/busybox"

(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$work/initrd.cpio"
# QEMU boots an uncompressed kernel through its PVH entry point directly;
# the bzImage would first decompress itself (xz) at emulated speed.
python3 - "$tree/boot/vmlinuz-$kver" "$work/vmlinux" <<'PY' || rm -f "$work/vmlinux"
import lzma, sys
image = open(sys.argv[1], "rb").read()
start = image.find(b"\xfd7zXZ\x00")
if start < 0:
    sys.exit(1)
elf = lzma.LZMADecompressor().decompress(image[start:])
# An ELF kernel with the Xen PVH entry note (type 0x12, name "Xen").
if not elf.startswith(b"\x7fELF") or b"\x12\x00\x00\x00Xen\x00" not in elf:
    sys.exit(1)
open(sys.argv[2], "wb").write(elf)
PY
cp "$tree/boot/vmlinuz-$kver" "$work/vmlinuz"
mv "$work/vmlinuz" "$dir/vmlinuz"
kernel=$dir/vmlinuz
if [ -f "$work/vmlinux" ]; then
  mv "$work/vmlinux" "$dir/vmlinux"
  kernel=$dir/vmlinux
fi
mv "$work/initrd.cpio" "$initrd"
# Images of other versions of the scripts that no run has used for weeks.
find "$cache" -maxdepth 2 \( -name 'initrd-*.cpio' -o -name 'current-*.env' \) -atime +21 -delete
# Older kernels that no image uses any more.
for old in "$cache"/*/; do
  old=${old%/}
  [ "$old" != "$dir" ] || continue
  ls "$old"/initrd-*.cpio >/dev/null 2>&1 || rm -rf "$old"
done
write_current
echo "setup-vm: ready: $kernel, $initrd ($(du -h "$initrd" | cut -f1))" >&2
