#!/bin/sh
# Usage (in the guest): topology.sh [--record]
#
# Namespaces of every mode on two regions come up, and `daxpin list --json`
# agrees with ndctl and daxctl run in the same guest: same regions,
# namespaces and dax devices with the same sizes, modes, maps, aligns, uuids,
# block and char devices and states, plus the mounts of the fsdax namespaces.
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
daxctl disable-device "$(ns region1 -m devdax -a 2M -s 256M)"
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
exit $failed
