#!/bin/sh
# Page-state counts read from the live kernel (libdaxpin's BPF page scan):
# idle devices count 0 references; K pages held in a pipe by vmsplice()
# count exactly K, on a 4K device-dax, a 2M (compound) device-dax and a file
# on XFS mounted -o dax=always; 0 again once the pipe is gone; pages that
# are merely mapped are not referenced (and count as mapped where the
# kernel tracks DAX mappings, 6.15+).
# timeout: 420
set -eu
. "$(dirname "$0")/lib.sh"

# pagestate-probe is built next to the VM helpers, in test/bench
probe=${PAGESTATE_PROBE:-$VM_HELPERS/../bench/pagestate-probe}

# ns ARGS: create a namespace in region0, print its JSON
ns() {
	ndctl create-namespace -r region0 "$@"
}
dax4k=$(ns -m devdax -a 4K -s 256M | jq -r '.daxregion.devices[0].chardev')
dax2m=$(ns -m devdax -a 2M -s 256M | jq -r '.daxregion.devices[0].chardev')
fsdax=$(ns -m fsdax -M dev -s 512M) # XFS wants more than 300 MiB
fsdax_ns=$(echo "$fsdax" | jq -r .dev)
mkdir -p /tmp/xfs
mkfs.xfs -q "/dev/$(echo "$fsdax" | jq -r .blockdev)"
mount -o dax=always "/dev/$(echo "$fsdax" | jq -r .blockdev)" /tmp/xfs
file=/tmp/xfs/held

failures=0
semantics=$("$probe" "$dax4k" | sed -n 's/^semantics=//p')
echo "kernel $KVER: page-state semantics $semantics"
case $KERNEL_FLAVOR/$semantics in
stock/idle-ref | current/mapping-refs) ;;
*)
	echo "FAIL: unexpected semantics $semantics on the $KERNEL_FLAVOR kernel"
	failures=$((failures + 1))
	;;
esac

# expect WHAT DEV KEY=VALUE...: the probe's counts for DEV match
expect() {
	what=$1 dev=$2
	shift 2
	out=$("$probe" -v "$dev")
	bad=""
	for kv in "$@"; do
		echo "$out" | grep -qx "$kv" || bad="$bad $kv"
	done
	summary=$(echo "$out" | grep -E '^(pages|folios|refs|referenced_pages|pinned_pages|mapped_pages|max_refcount)=' | tr '\n' ' ')
	if [ -n "$bad" ]; then
		echo "FAIL: $what: $dev: wanted$bad, got $summary"
		echo "$out" | grep '^busy ' || true
		failures=$((failures + 1))
	else
		echo "ok: $what: $dev: $summary"
	fi
}

# every page of a device is scanned once, as whole folios
pages() { echo $(($(daxctl list -d "$1" | jq '.[0].size') / 4096)); }
idle="refs=0 referenced_pages=0 pinned_pages=0 busy_folios=0"
expect "idle 4K device-dax" "$dax4k" $idle pages=$(pages "$dax4k") folios=$(pages "$dax4k")
expect "idle 2M device-dax" "$dax2m" $idle pages=$(pages "$dax2m") folios=$(($(pages "$dax2m") / 512))
expect "idle fsdax (XFS mounted)" "$fsdax_ns" $idle tail_pages=0

for k in 1 3 17 100; do
	hold_refs h -k $k "/dev/$dax4k" >/dev/null
	expect "$k spliced pages" "$dax4k" refs=$k referenced_pages=$k busy_folios=$k pinned_pages=0
	release_refs h >/dev/null
	expect "after release" "$dax4k" $idle
done

# K references on K compound folios, then K references on one folio
hold_refs h -k 3 -s 2M "/dev/$dax2m" >/dev/null
expect "3 spliced pages on 3 folios" "$dax2m" refs=3 referenced_pages=1536 busy_folios=3
release_refs h >/dev/null
hold_refs h -k 5 -l 2M "/dev/$dax2m" >/dev/null
expect "5 spliced pages of one folio" "$dax2m" refs=5 referenced_pages=512 busy_folios=1
release_refs h >/dev/null
expect "after release" "$dax2m" $idle

for k in 1 7 64; do
	hold_refs h -k $k "$file" >/dev/null
	expect "$k spliced pages of an XFS file" "$fsdax_ns" refs=$k referenced_pages=$k pinned_pages=0
	release_refs h >/dev/null
	expect "after release" "$fsdax_ns" $idle
done

# mapped (and written), not referenced
if [ "$semantics" = mapping-refs ]; then
	mapped4k="mapped_pages=9" mapped2m="mapped_pages=1024" mappedfs="mapped_pages=9"
else
	mapped4k="mapped_pages=unknown" mapped2m=$mapped4k mappedfs=$mapped4k
fi
hold_refs m1 -m touch -k 9 "/dev/$dax4k" >/dev/null
hold_refs m2 -m touch -k 2 -s 2M "/dev/$dax2m" >/dev/null
hold_refs m3 -m touch -k 9 "$file" >/dev/null
expect "9 mapped pages" "$dax4k" $idle $mapped4k
expect "2 mapped folios" "$dax2m" $idle $mapped2m
expect "9 mapped pages of an XFS file" "$fsdax_ns" $idle $mappedfs
release_refs m1
release_refs m2
release_refs m3

umount /tmp/xfs
echo "$failures failures"
[ "$failures" -eq 0 ]
