#!/bin/busybox sh
# shellcheck shell=dash disable=SC1091
# /init of the splitvm test initramfs (built by scripts/guest-image).
#
# Prints `@@` markers on the console, each on its own line:
#   @@ INIT <uptime s>              as soon as /proc is mounted
#   @@ MODULE <name> ok             one per module, in load order
#   @@ MODULE <name> fail <reason>  (e.g. EPERM under the `nomodule` boot arg)
#   @@ MODULES <loaded>/<total>     ("0/0 skipped <why>" when not loaded)
#   @@ NOSCRIPT                     when the image holds no /test.sh
#   ... whatever /test.sh prints (PASS/FAIL/SKIP via /lib/splitvm-test.sh)
#   @@ DONE <status>                /test.sh's exit status, 1 if it reported
#                                   a FAIL but exited 0
# then ends the guest with `reboot -f` (with reboot=k and a VMM that exits on
# reset, or QEMU -no-reboot, that ends the run).
# Kernel parameters read from /proc/cmdline:
#   splitvm.halt=reboot|poweroff|halt   how to end (default reboot)
#   splitvm.modules=skip                load no modules
#   splitvm.verbose                     keep kernel info messages on the
#                                       console (default: warnings and worse,
#                                       so they do not cut into markers)
# This script must never exit: it is PID 1.

/bin/busybox mount -t proc proc /proc
read -r up _ </proc/uptime
# The newline ends whatever the firmware left on the line (SeaBIOS leaves
# terminal escapes without one, and a `quiet` kernel prints nothing).
echo
echo "@@ INIT $up"

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/ TERM=dumb
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run

halt=reboot modules=load verbose=
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case $arg in
	splitvm.halt=*) halt=${arg#*=} ;;
	splitvm.modules=*) modules=${arg#*=} ;;
	splitvm.verbose) verbose=1 ;;
	esac
done
if [ -z "$verbose" ] && [ -e /proc/sys/kernel/printk ]; then
	echo 5 >/proc/sys/kernel/printk
fi

# One marker per line, written at once.
say() { echo "@@ $*"; }

# /lib/modules/order: one file name per line, dependencies first.
load_modules() {
	local total=0 loaded=0 f name err running kver
	[ -s /lib/modules/order ] || { say "MODULES 0/0 skipped none in image"; return; }
	if [ "$modules" = skip ]; then
		say "MODULES 0/0 skipped splitvm.modules=skip"
		return
	fi
	running=$(uname -r)
	read -r kver </lib/modules/kver
	if [ "$running" != "$kver" ]; then
		say "MODULES 0/0 skipped kernel $running, modules for $kver"
		return
	fi
	while read -r f; do
		name=${f%.ko}
		total=$((total + 1))
		if err=$(insmod "/lib/modules/$f" 2>&1); then
			loaded=$((loaded + 1))
			say "MODULE $name ok"
		else
			# busybox: "insmod: can't insert 'x.ko': Operation not permitted"
			err=$(echo "$err" | tr '\n' ' ')
			say "MODULE $name fail ${err##*: }"
		fi
	done </lib/modules/order
	say "MODULES $loaded/$total"
}

end_guest() {
	sync
	case $halt in
	poweroff) poweroff -f ;;
	halt) halt -f ;;
	*) reboot -f ;;
	esac
	# Not reached unless the call failed; PID 1 must not exit.
	echo "init: $halt -f failed" >&2
	while :; do sleep 3600; done
}

load_modules

if [ -f /test.sh ]; then
	: >/run/splitvm-failures
	(
		cd /
		. /lib/splitvm-test.sh
		. /test.sh
	) </dev/null
	status=$?
	if [ "$status" -eq 0 ] && [ -s /run/splitvm-failures ]; then
		status=1
	fi
	say "DONE $status"
else
	say NOSCRIPT
	say "DONE 0"
fi
end_guest
