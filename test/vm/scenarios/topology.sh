#!/bin/sh
# Usage (in the guest): topology.sh [--record]
#
# Namespaces of every mode on two regions come up, and `daxpin list --json`
# agrees with ndctl and daxctl run in the same guest: same regions,
# namespaces and dax devices with the same sizes, modes, maps, aligns, uuids,
# block and char devices and states, plus the mounts of the fsdax namespaces.
# Every dax device's driver is the one sysfs links, and on Linux 7.x, whose
# fsdev_dax (famfs) binds a device through its new_id, list names it famfs,
# holders finds who has it open, and drain refuses it (exit 8) leaving it
# bound; Linux 6.1 has no such driver.
# With --record it also saves the umockdev recording and the ndctl/daxctl
# JSON of this topology in $RESULTS (test/vm/record-fixtures).
# nvdimms: 2
set -eu
. "$(dirname "$0")/lib.sh"

# udevd, as on a real system: it fills the udev database that libudev and
# umockdev-record read. systemd's tools refuse to act in a chroot unless told.
export SYSTEMD_IGNORE_CHROOT=1
/lib/systemd/systemd-udevd --daemon
udevadm trigger --action=add
udevadm settle

# ns REGION ARGS: create a namespace, print its block or dax device name
ns() {
	r=$1
	shift
	ndctl create-namespace -r "$r" "$@" | jq -r '.blockdev // .daxregion.devices[0].chardev'
}
ns region0 -m devdax -a 4K -s 256M >/dev/null
ns region0 -m devdax -a 2M -s 256M >/dev/null
xfs_dev=$(ns region0 -m fsdax -M dev -s 512M) # XFS wants more than 300 MiB
ext4_dev=$(ns region0 -m fsdax -M mem -s 256M)
ns region0 -m sector -s 128M >/dev/null
ns region0 -m raw -s 128M >/dev/null
unbound_dev=$(ns region1 -m devdax -a 2M -s 256M)
daxctl disable-device "$unbound_dev"
# Debian kernels online hot-added memory themselves, which daxctl refuses
# to race with: leave onlining to daxctl.
echo offline >/sys/devices/system/memory/auto_online_blocks
daxctl reconfigure-device -m system-ram "$(ns region1 -m devdax -a 2M -s 512M)" >/dev/null

mkdir -p /tmp/xfs /tmp/ext4
mkfs.xfs -q "/dev/$xfs_dev"
mount -o dax=always "/dev/$xfs_dev" /tmp/xfs
mkfs.ext4 -q -b 4096 "/dev/$ext4_dev" # DAX needs page-sized blocks
mount -o dax "/dev/$ext4_dev" /tmp/ext4
udevadm settle

ndctl list -R | json_array >/tmp/regions.json
ndctl list -N | json_array >/tmp/namespaces.json
daxctl list -i | json_array >/tmp/daxdevs.json
echo "namespaces:"
jq -r '.[] | "  \(.dev) \(.mode) \(.map // "-") \(.blockdev // .chardev)"' /tmp/namespaces.json
echo "dax devices:"
jq -r '.[] | "  \(.chardev) \(.mode) align=\(.align) \(.state // "enabled")"' /tmp/daxdevs.json

# the guest really has what was asked for
[ "$(jq -r '[.[].mode] | sort | join(" ")' /tmp/namespaces.json)" = \
	"devdax devdax devdax devdax fsdax fsdax raw sector" ]
[ "$(jq -r '[.[] | "\(.mode)/\(.state // "")"] | sort | join(" ")' /tmp/daxdevs.json)" = \
	"devdax/ devdax/ devdax/disabled system-ram/" ]

if [ "${1:-}" = --record ]; then
	umockdev-record --all >"$RESULTS/umockdev"
	ndctl list -RNDi >"$RESULTS/ndctl.json"
	daxctl list -RDMi >"$RESULTS/daxctl.json"
	echo "$KVER" >"$RESULTS/kver"
fi

"$DAXPIN" list --json >/tmp/daxpin.json
cp /tmp/*.json "$RESULTS/"

# The same projection of both sides, keys as ndctl/daxctl name them; a key
# ndctl omits is left out on both sides.
cat >/tmp/project.jq <<'JQ'
def keep(keys): with_entries(select(.key as $k | keys | index($k)) | select(.value != null));
def ns: keep(["dev","mode","map","size","uuid","sector_size","align","blockdev","chardev","state"]);
def dev: keep(["chardev","size","target_node","align","mode","state"]);
def region: keep(["dev","size","align","available_size","type","state"]);
JQ
project() { jq -S -L /tmp 'include "project"; '"$1" "$2"; }

failed=0
check() { # WHAT DAXPIN_PROJECTION NDCTL_PROJECTION
	if [ "$2" = "$3" ]; then
		echo "ok: $1 agree"
	else
		echo "MISMATCH: $1"
		echo "daxpin: $2"
		echo "ndctl/daxctl: $3"
		failed=1
	fi
}
check regions \
	"$(project '[.regions[] | region] | sort_by(.dev)' /tmp/daxpin.json)" \
	"$(project '[.[] | region] | sort_by(.dev)' /tmp/regions.json)"
check namespaces \
	"$(project '[.regions[].namespaces[] | ns] | sort_by(.dev)' /tmp/daxpin.json)" \
	"$(project '[.[] | ns] | sort_by(.dev)' /tmp/namespaces.json)"
check "dax devices" \
	"$(project '[(.regions[].namespaces[].daxregion.devices[]?, .dax_regions[].devices[]) | dev] | sort_by(.chardev)' /tmp/daxpin.json)" \
	"$(project '[.[] | dev] | sort_by(.chardev)' /tmp/daxdevs.json)"
check mounts \
	"$(jq -c '[.regions[].namespaces[] | select(.mounts) | .mounts[] | {target, fstype}] | sort' /tmp/daxpin.json)" \
	"$(findmnt -J -t xfs,ext4 -o TARGET,FSTYPE | jq -c '[.filesystems[] | select(.target | startswith("/tmp/")) | {target, fstype}] | sort')"

# --- every dax driver ---------------------------------------------------------
# mode_driver FILE DAXDEV: "MODE DRIVER" of DAXDEV in daxpin list's JSON
# FILE (DRIVER "null" when it names none); driver_of DAXDEV: the same from
# a list run now, after a change of driver
mode_driver() {
	jq -r --arg d "$2" '[.. | objects | select(.chardev? == $d and has("driver"))][0] | "\(.mode) \(.driver)"' "$1"
}
driver_of() {
	"$DAXPIN" list --json >/tmp/drivers.json
	mode_driver /tmp/drivers.json "$1"
}
for d in /sys/bus/dax/devices/*; do
	n=${d##*/}
	if [ -e "$d/driver" ]; then
		drv=$(basename "$(readlink "$d/driver")")
	else
		drv=null
	fi
	got=$(mode_driver /tmp/daxpin.json "$n")
	expect "$n: list names the driver sysfs links" "$drv" "${got#* }"
done

case $KVER in
6.*)
	# fsdev_dax came in 7.1; the suite loads it wherever the kernel has it
	expect "6.1 has no fsdev_dax" no "$(exists /sys/bus/dax/drivers/fsdev_dax)"
	;;
*)
	expect "fsdev_dax is loaded" yes "$(exists /sys/bus/dax/drivers/fsdev_dax)"
	# fsdev_dax matches no device by type: an id written to its new_id
	# binds the unbound device it names
	echo "$unbound_dev" >/sys/bus/dax/drivers/fsdev_dax/new_id
	expect "$unbound_dev bound to fsdev_dax" fsdev_dax \
		"$(basename "$(readlink "/sys/bus/dax/devices/$unbound_dev/driver")")"
	udevadm settle
	expect "$unbound_dev: list mode and driver" "famfs fsdev_dax" "$(driver_of "$unbound_dev")"
	expect "$unbound_dev: famfs pages, none referenced" "0 0" \
		"$(jq -r --arg d "$unbound_dev" '[.. | objects | select(.chardev? == $d and has("driver"))][0] | "\(.referenced) \(.pinned)"' /tmp/drivers.json)"
	# its node opens (famfs's daemon opens it) but has no mmap
	sleep 600 <"/dev/$unbound_dev" &
	opener=$!
	wait_until [ -e "/proc/$opener/fd/0" ]
	"$DAXPIN" holders --json "$unbound_dev" >/tmp/fsdev-holders.json
	expect "$unbound_dev: holders finds its opener" "$opener 1" \
		"$(jq -r '.[0].holders[] | "\(.pid) \(.fds)"' /tmp/fsdev-holders.json)"
	expect "$unbound_dev: holders is complete" true "$(jq -r '.[0].complete' /tmp/fsdev-holders.json)"
	for how in --dry-run --timeout=2; do
		run fsdev-drain "$DAXPIN" drain $how "$unbound_dev"
		expect "drain $how $unbound_dev refused" 8 "$rc"
		expect "drain $how $unbound_dev says famfs" 1 \
			"$(grep -c "is a famfs device (fsdev_dax)" /tmp/fsdev-drain.err)"
		expect "$unbound_dev still bound to fsdev_dax" fsdev_dax \
			"$(basename "$(readlink "/sys/bus/dax/devices/$unbound_dev/driver")")"
		expect "/dev/$unbound_dev still there" yes "$(exists "/dev/$unbound_dev")"
	done
	kill "$opener"
	wait "$opener" || true
	# back to device_dax, as daxctl would have it
	echo "$unbound_dev" >/sys/bus/dax/drivers/fsdev_dax/unbind
	echo "$unbound_dev" >/sys/bus/dax/drivers/fsdev_dax/remove_id
	echo "$unbound_dev" >/sys/bus/dax/drivers/device_dax/bind
	expect "$unbound_dev: devdax again" "devdax device_dax" "$(driver_of "$unbound_dev")"
	;;
esac
exit $failed
