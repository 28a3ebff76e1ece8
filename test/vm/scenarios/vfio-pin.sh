#!/bin/sh
# VFIO DMA mappings of device-dax pages, as a VM with a passed-through
# device takes them: QEMU's emulated Intel IOMMU (q35, intel_iommu=on) puts
# a pci-testdev in an IOMMU group of its own; bound to vfio-pci, hold-refs
# -m vfio maps K pages of a device-dax mapping for DMA through a type1
# container (VFIO_IOMMU_MAP_DMA: FOLL_LONGTERM pins), then unmaps and
# closes the device. list --pinned counts the pins exactly; holders names
# the process with access V and a vfio-hint reference marked as a hint (not
# exact, no page count), the pins unattributed; a drain refuses (busy) and
# names it. Measured on 6.1 and 7.2: type1 accounts none of these pins
# (device-dax pages are marked reserved: VmLck and VmPin stay 0), and never
# unpins them either: after the container is gone they stay, with no owner
# at all, until reboot. The kernel refuses VFIO_IOMMU_MAP_DMA on fsdax.
# machine: q35
# qemu: -device intel-iommu -device pci-testdev
# cmdline: intel_iommu=on
# timeout: 420
# json: holders drain
set -eu
. "$(dirname "$0")/lib.sh"

# pci-testdev (1b36:0005) to vfio-pci, which makes /dev/vfio/GROUP
bdf=$(for d in /sys/bus/pci/devices/*; do
	if [ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1b36:0x0005 ]; then basename "$d"; fi
done)
[ -n "$bdf" ] || { echo "FAIL: no pci-testdev"; exit 1; }
echo vfio-pci >"/sys/bus/pci/devices/$bdf/driver_override"
echo "$bdf" >/sys/bus/pci/drivers_probe
group=/dev/vfio/$(basename "$(readlink "/sys/bus/pci/devices/$bdf/iommu_group")")
expect "$bdf bound to vfio-pci, alone in its IOMMU group ($group)" "vfio-pci $bdf" \
	"$(basename "$(readlink "/sys/bus/pci/devices/$bdf/driver")") $(ls "/sys/bus/pci/devices/$bdf/iommu_group/devices")"

# pinned DEV: "refs pinned" of a dax device as daxpin reports them
pinned() {
	"$DAXPIN" list --json --dev "$1" | jq -r '.. | objects | select(.chardev == "'"$1"'" and .driver) | "\(.refs) \(.pinned)"'
}
held() { sed -n 's/^ready //p' "/tmp/$1.ready"; }
# accounted NAME: VmLck and VmPin of the holder NAME, in kB
accounted() { awk '/^Vm(Lck|Pin):/ { printf "%s%s", sep, $2; sep = " " }' "/proc/$(held "$1")/status"; }

# vfio_fds PID: its fds open on /dev/vfio/* (the container and the group)
vfio_fds() {
	for f in /proc/"$1"/fd/*; do
		case $(readlink "$f") in /dev/vfio/*) echo "${f##*/}" ;; esac
	done | sort -n | paste -sd, -
}

# check DEV NAME REFS PINNED: what daxpin says while NAME holds DEV's pages
# through its VFIO container only
check() {
	dev=$1 name=$2 pid=$(held "$2")
	expect "$dev: $pid neither maps nor opens it" 0 "$(grep -c "$dev" "/proc/$pid/maps" || true)"
	expect "$dev: the DMA pins counted exactly (refs pinned)" "$3 $4" "$(pinned "$dev")"
	expect "$dev: VFIO accounts none of them (VmLck VmPin kB)" "0 0" "$(accounted "$name")"
	run holders "$DAXPIN" holders --json "$dev"
	expect "$dev: $pid named with a VFIO hint per VFIO fd ($(vfio_fds "$pid")), not exact, no page count" \
		"$pid V $(vfio_fds "$pid" | sed 's/[0-9][0-9]*/&:vfio-hint:false:null/g')" \
		"$(jq -r '.[0].holders[] | "\(.pid) \(.access) " + ([.references[] | "\(.fd):\(.kind):\(.exact):\(.pages)"] | join(","))' /tmp/holders.out)"
	expect "$dev: the pins unattributed" "$3" "$(jq -r '.[0].unattributed' /tmp/holders.out)"
	cp /tmp/holders.out "$(json_file "holders.$dev.json")"
	expect "$dev: holders table" "$dev: ${pid}V ($3 page references without a known owner)" \
		"$("$DAXPIN" holders "$dev")"
	run drain "$DAXPIN" drain --timeout 1 --json "$dev"
	expect "$dev: drain refuses, timed out (exit 6)" 6 "$rc"
	cp /tmp/drain.out "$(json_file "drain.$dev.jsonl")"
	expect "$dev: drain names $pid as a VFIO hint, refs unattributed" "$pid V vfio-hint false $3" \
		"$(jq -r 'select(.event == "result") | .objects[0] | "\(.holders[0].pid) \(.holders[0].access) \(.holders[0].references[0].kind) \(.holders[0].references[0].exact) \(.unattributed)"' /tmp/drain.out)"
	expect "$dev: still enabled" enabled "$(dev_state "$dev")"
}

# after DEV NAME REFS PINNED: NAME exited, its container closed
after() {
	dev=$1
	release_refs "$2" >/dev/null
	expect "$dev: the pins outlive the container (refs pinned)" "$3 $4" "$(pinned "$dev")"
	run holders "$DAXPIN" holders --json "$dev"
	expect "$dev: no holder left, all unattributed" "0 $3" \
		"$(jq -r '"\(.[0].holders | length) \(.[0].unattributed)"' /tmp/holders.out)"
	run drain "$DAXPIN" drain --dry-run "$dev"
	expect "$dev: drain --dry-run still refuses (exit 5, busy)" 5 "$rc"
}

# 2M device-dax: a pin of a compound folio pins its 512 pages, one reference
ndctl create-namespace -r region0 -m devdax -a 2M -s 256M >/dev/null
hold_refs v2m -m vfio -g "$group" -c -k 3 -s 2M /dev/dax0.0
check dax0.0 v2m 3 $((3 * 512))
after dax0.0 v2m 3 $((3 * 512))

# 4K device-dax: a pin of a small folio is GUP_PIN_COUNTING_BIAS references
ndctl create-namespace -r region0 -m devdax -a 4K -s 256M >/dev/null
hold_refs v4k -m vfio -g "$group" -c -k 5 /dev/dax0.1
check dax0.1 v4k $((5 * 1024)) 5
after dax0.1 v4k $((5 * 1024)) 5

# fsdax: FOLL_LONGTERM is refused
ndctl create-namespace -r region0 -m fsdax -s 512M >/dev/null
mkdir -p /tmp/pmem
mkfs.xfs -q /dev/pmem0.2
mount -o dax=always /dev/pmem0.2 /tmp/pmem
touch /tmp/now # released at once if it ever held
run fsdax "$VM_HELPERS/hold-refs" -m vfio -g "$group" -t /tmp/now /tmp/pmem/file
expect "VFIO_IOMMU_MAP_DMA refused on fsdax (EOPNOTSUPP: exit 95)" 95 "$rc"
umount /tmp/pmem
exit $failed
