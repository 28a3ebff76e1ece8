#!/bin/sh
# Namespaces of every mode come up, and `daxpin list --json` agrees with
# ndctl and daxctl run in the same guest: same regions, namespaces and dax
# devices with the same sizes, modes, maps, aligns, uuids, block and char
# devices, plus the mounts of the fsdax namespaces.
set -eu
. "$(dirname "$0")/lib.sh"

ns() { ndctl create-namespace -r region0 "$@" | jq -r '.blockdev // .dev'; }
ns -m devdax -a 4K -s 256M >/dev/null
ns -m devdax -a 2M -s 256M >/dev/null
xfs_dev=$(ns -m fsdax -M dev -s 512M) # XFS wants more than 300 MiB
ext4_dev=$(ns -m fsdax -M mem -s 256M)
ns -m sector -s 128M >/dev/null
ns -m raw -s 128M >/dev/null

mkdir -p /tmp/xfs /tmp/ext4
mkfs.xfs -q "/dev/$xfs_dev"
mount -o dax=always "/dev/$xfs_dev" /tmp/xfs
mkfs.ext4 -q -b 4096 "/dev/$ext4_dev" # DAX needs page-sized blocks
mount -o dax "/dev/$ext4_dev" /tmp/ext4

ndctl list -R | json_array >/tmp/regions.json
ndctl list -N | json_array >/tmp/namespaces.json
daxctl list -i | json_array >/tmp/daxdevs.json
echo "namespaces by mode:"
jq -r '.[] | "\(.mode) \(.map // "-") \(.dev) \(.blockdev // .chardev)"' /tmp/namespaces.json

# the guest really has what was asked for
[ "$(jq -r '[.[].mode] | sort | join(" ")' /tmp/namespaces.json)" = "devdax devdax fsdax fsdax raw sector" ]
[ "$(jq -r '[.[].align] | sort | join(" ")' /tmp/daxdevs.json)" = "4096 2097152" ]

if ! daxpin_has list; then
	echo "daxpin has no 'list' command yet: comparison skipped"
	exit 0
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

check() { # what, daxpin's projection, ndctl's projection
	if [ "$2" = "$3" ]; then
		echo "ok: $1 agree"
	else
		echo "MISMATCH: $1"
		echo "daxpin: $2"
		echo "ndctl/daxctl: $3"
		failed=1
	fi
}
failed=0
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
