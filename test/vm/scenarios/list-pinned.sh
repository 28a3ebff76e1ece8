#!/bin/sh
# `daxpin list --pinned` and the page-state fields of `daxpin list` as an
# operator sees them: exact counts per namespace and dax device while a
# pipe holds pages, the --pinned filter (and its "none" answer), the detected
# kernel semantics, and unprivileged use: null counts with the reason,
# never a zero, and --pinned refusing with exit status 4.
# timeout: 300
set -eu
. "$(dirname "$0")/lib.sh"


ndctl create-namespace -r region0 -m devdax -a 4K -s 256M >/dev/null
ndctl create-namespace -r region0 -m devdax -a 2M -s 256M >/dev/null
fsdax=$(ndctl create-namespace -r region0 -m fsdax -M dev -s 512M | jq -r .blockdev)
mkdir -p /tmp/xfs
mkfs.xfs -q "/dev/$fsdax" && mount -o dax=always "/dev/$fsdax" /tmp/xfs
dev4k=$(daxctl list | jq -r '.[] | select(.align == 4096) | .chardev')
dev2m=$(daxctl list | jq -r '.[] | select(.align == 2097152) | .chardev')

# counts OBJECT_JQ_SELECTOR: "refs referenced pinned" of one object
counts() {
	"$DAXPIN" list --json | jq -r "[.. | objects | select($1)][0] | \"\(.refs) \(.referenced) \(.pinned)\""
}

want_sem=idle-ref
[ "$KERNEL_FLAVOR" = current ] && want_sem=mapping-refs
expect "semantics detected on $KVER" "$want_sem bpf" \
	"$("$DAXPIN" list --json | jq -r '"\(.page_semantics) \(.pin_source)"')"
expect "idle: --pinned lists nothing" "no referenced or DMA-pinned pages" "$("$DAXPIN" list --pinned)"
expect "idle: --pinned --json is empty" "0" "$("$DAXPIN" list --pinned --json | jq '[.regions[].namespaces[]] | length')"
expect "idle $dev4k" "0 0 0" "$(counts ".chardev == \"$dev4k\" and .driver")"

hold_refs a -k 5 "/dev/$dev4k"
hold_refs b -k 3 -s 2M "/dev/$dev2m"
hold_refs c -k 7 /tmp/xfs/held
"$DAXPIN" list
"$DAXPIN" list --pinned -o NAME,DEV,REFS,PINNED,MAPPED,MAXREF
expect "5 spliced pages of $dev4k" "5 5 0" "$(counts ".chardev == \"$dev4k\" and .driver")"
expect "its namespace sums its device" "5 5 0" \
	"$(counts ".daxregion.devices[0].chardev? == \"$dev4k\"")"
expect "3 spliced 2M folios of $dev2m" "3 1536 0" "$(counts ".chardev == \"$dev2m\" and .driver")"
expect "7 spliced pages of an XFS file on $fsdax" "7 7 0" "$(counts ".blockdev == \"$fsdax\"")"
expect "--pinned lists the three namespaces" "3" \
	"$("$DAXPIN" list --pinned --json | jq '[.regions[].namespaces[]] | length')"
expect "--pinned -v names the busy folios of $dev4k" "5" \
	"$("$DAXPIN" list --pinned --json -v --dev "$dev4k" | jq '[.. | objects | select(.chardev == "'"$dev4k"'" and .driver and .busy) | .busy[]] | length')"
expect "table REFS of $fsdax" "7" \
	"$("$DAXPIN" list --dev "$fsdax" -o NAME,REFS --raw --noheadings | awk '$1 ~ /^namespace/ {print $2}')"

# unprivileged: unknown, and said so
expect "unprivileged counts are null with a reason" "null null true" \
	"$(as_nobody daxpin list --json --dev "$fsdax" | jq -r '.regions[].namespaces[] | "\(.refs) \(.pinned) \(.pin_source | test("CAP_BPF|root"))"')"
set +e
as_nobody daxpin list --pinned >/dev/null 2>/tmp/stderr
rc=$?
set -e
expect "unprivileged --pinned exits 4 (permission)" 4 $rc
expect "and says what it needs" 1 "$(grep -c 'CAP_BPF\|root' /tmp/stderr)"
expect "unprivileged table shows '-' and one hint" "- 1" \
	"$(as_nobody daxpin list --dev "$fsdax" -o NAME,REFS --raw --noheadings 2>/tmp/stderr | awk '$1 ~ /^namespace/ {print $2}') $(grep -c "page state unavailable" /tmp/stderr)"

release_refs a
release_refs b
release_refs c
expect "released: --pinned lists nothing" "no referenced or DMA-pinned pages" "$("$DAXPIN" list --pinned)"
umount /tmp/xfs
exit $failed
