#!/bin/busybox sh
# PID 1 of the vm tier guest (busybox sh, inside the initramfs that
# scripts/setup-vm.sh builds). It loads the modules, mounts the host's root
# filesystem (9p, read-only) under a tmpfs overlay, enters it with fresh
# proc/sys/dev/tmp/run, runs the job that tests/vm/run.sh left in the
# results share, records its exit status there and powers off.
# With `run.sh --systemd` (out/systemd exists) it hands the overlay to
# systemd as PID 1 instead (switch_root), which runs the job as a service,
# vm-job.service, and powers off when it is done.
#
# Shares (tags set by run.sh): hostroot = the host's /, read-only;
# out = the run's results directory, writable; rw0, rw1, ... = host
# directories mounted writable at the same path (listed in out/mounts).

/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin

log() { echo "vm-init: $*"; }
# Boot stages with the guest's uptime, kept in /out/boot-times.
times=
stage() { read -r up _ </proc/uptime; times="$times$1 $up
"; }
die() {
  log "$*"
  [ -d /out ] && echo "$*" >/out/init-error 2>/dev/null
  sync
  poweroff -f
  sleep 60
}

# systemd as PID 1 on the overlay (run.sh --systemd). The job runs as
# vm-job.service in vm.target: basic.target (sysinit, sockets, journald)
# and the job, nothing of multi-user.target (whose host services, a
# database or prometheus, would start too). The units and masks are
# runtime ones (/run/systemd/...): the guest's /etc stays the host's.
# Masked, every generator and what sysinit.target would do that this
# guest does not need: each process start costs a lot under emulation, and
# the guest is the same as in chroot mode (no sysctl.d, no sysusers, no
# persistent journal). systemd-tmpfiles-setup must not run in any case:
# its "D /tmp" would empty /tmp at boot (a build directory there, or a
# --rw directory under it on the host). /proc, /sys, /dev and /run are
# already mounted; systemd keeps them, with /run/vm-out and /run/netns.
boot_systemd() {
  u=$R/run/systemd/system
  mkdir -p "$u" $R/run/systemd/system-generators
  # A container's marker in the host's / would make systemd believe it runs
  # in one (docker) and skip what it does on a machine.
  rm -f $R/.dockerenv $R/run/.containerenv
  # switch_root empties the initramfs, also the modules bound into the
  # overlay: a copy there instead, so that modprobe works the same.
  umount "$R/lib/modules/$kver" && cp -a "/lib/modules/$kver/." "$R/lib/modules/$kver/" ||
    die "cannot copy the modules into the overlay"
  for g in $R/usr/lib/systemd/system-generators/* $R/etc/systemd/system-generators/*; do
    [ -e "$g" ] && ln -sf /dev/null "$R/run/systemd/system-generators/${g##*/}"
  done
  for m in systemd-tmpfiles-setup.service systemd-tmpfiles-clean.timer timers.target \
    systemd-tmpfiles-setup-dev.service kmod-static-nodes.service systemd-remount-fs.service \
    systemd-sysctl.service systemd-sysusers.service systemd-modules-load.service \
    modprobe@dm_mod.service modprobe@loop.service modprobe@drm.service modprobe@configfs.service \
    modprobe@fuse.service modprobe@efi_pstore.service \
    systemd-random-seed.service systemd-journal-flush.service systemd-journald-audit.socket \
    systemd-initctl.socket systemd-timesyncd.service systemd-pstore.service \
    systemd-update-utmp.service systemd-journal-catalog-update.service systemd-hwdb-update.service \
    systemd-ask-password-console.path systemd-ask-password-wall.path systemd-machine-id-commit.service \
    proc-sys-fs-binfmt_misc.automount sys-kernel-debug.mount sys-kernel-tracing.mount \
    sys-fs-fuse-connections.mount sys-kernel-config.mount dev-hugepages.mount dev-mqueue.mount; do
    ln -sf /dev/null "$u/$m"
  done
  cat >"$u/vm.target" <<'UNIT'
[Unit]
Description=vm tier job (tests/vm/run.sh --systemd)
Requires=basic.target vm-job.service
After=basic.target vm-job.service
AllowIsolate=yes
UNIT
  cat >"$u/vm-job.service" <<'UNIT'
[Unit]
Description=vm tier job (tests/vm/run.sh --systemd)
After=basic.target
SuccessAction=poweroff-immediate
FailureAction=poweroff-immediate

[Service]
Type=oneshot
ExecStart=/bin/sh /run/vm-job
TimeoutStartSec=infinity
StandardInput=null
StandardOutput=journal+console
UNIT
  # The job as init's chroot path runs it; the status file last, after a
  # sync, since poweroff-immediate unmounts nothing.
  cat >"$R/run/vm-job" <<'JOB'
o=/run/vm-out
read -r up _ </proc/uptime
{ cat $o/boot-times.init; echo "command $up"; } >$o/boot-times.tmp
mv $o/boot-times.tmp $o/boot-times
/bin/bash $o/job.sh </dev/null >$o/stdout 2>$o/stderr
echo $? >$o/status.tmp
read -r up _ </proc/uptime
echo "end $up" >>$o/boot-times
sync
mv $o/status.tmp $o/status
sync
JOB
  stage systemd
  printf '%s' "$times" >/out/boot-times.init
  exec switch_root $R /lib/systemd/systemd --unit=vm.target
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/console 2>&1
stage init

kver=$(uname -r)
# Modules in dependency order (setup-vm.sh resolved them with modprobe).
while read -r m; do
  insmod "/lib/modules/$kver/$m" 2>/dev/null || log "insmod $m failed"
done <"/lib/modules/$kver/preload"
stage modules

opts=trans=virtio,version=9p2000.L,msize=262144
mkdir -p /out /lower /upper /root
mount -t 9p -o "$opts",cache=none out /out || die "cannot mount the results share"
mount -t 9p -o "$opts",ro,cache=loose hostroot /lower || die "cannot mount the host root"
stage shares

# Writable layer over the host's root: the guest may change anything
# (/etc/hosts, /lib/modules, HOME, /tmp) without touching the host. /tmp is
# not a fresh tmpfs so that a checkout or build directory under the host's
# /tmp stays visible.
mount -t tmpfs -o mode=0755,size=50% tmpfs /upper
mkdir -p /upper/data /upper/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work /root ||
  die "cannot mount the overlay"

R=/root
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts $R/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $R/dev/shm
mount -t tmpfs -o mode=0755 tmpfs $R/run
mount -t cgroup2 cgroup2 $R/sys/fs/cgroup 2>/dev/null
mkdir -p $R/run/netns $R/run/lock $R/var
[ -L $R/var/run ] || { rm -rf $R/var/run; ln -s /run $R/var/run; }

# This kernel's modules for modprobe inside (the host has none for it).
mkdir -p "$R/lib/modules/$kver"
mount --bind "/lib/modules/$kver" "$R/lib/modules/$kver"

hostname tandem-vm
echo tandem-vm >$R/etc/hostname
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\ttandem-vm\n' >$R/etc/hosts
ip link set lo up

# The results share, visible inside as /run/vm-out.
mkdir -p $R/run/vm-out
mount --bind /out $R/run/vm-out

# Writable host directories: lines "TAG PATH".
if [ -f /out/mounts ]; then
  while read -r tag path; do
    [ -n "$tag" ] || continue
    mkdir -p "$R$path"
    mount -t 9p -o "$opts",cache=none "$tag" "$R$path" || die "cannot mount $path writable"
  done </out/mounts
fi

[ -f /out/job.sh ] || die "no job in the results share"
[ -f /out/systemd ] && boot_systemd
stage command
printf '%s' "$times" >/out/boot-times
chroot $R /bin/bash /run/vm-out/job.sh </dev/null >/out/stdout 2>/out/stderr
echo $? >/out/status.tmp
stage end
printf '%s' "$times" >/out/boot-times
mv /out/status.tmp /out/status
sync
poweroff -f
sleep 60
