#!/bin/sh
# `daxpin list` options on a real kernel: PFN ranges equal what sysfs says
# the struct pages cover, mounts and their DAX mode, filters, exit codes for
# bad input, unprivileged listing, and the table modes.
set -eu
. "$(dirname "$0")/lib.sh"

status() { set +e; "$@" >/dev/null 2>/tmp/stderr; echo $?; set -e; }

ndctl create-namespace -r region0 -m devdax -a 4K -s 256M >/dev/null
ndctl create-namespace -r region0 -m fsdax -M dev -s 512M >/dev/null
ndctl create-namespace -r region0 -m fsdax -M mem -s 256M >/dev/null
dax=$(daxctl list | jq -r '[.[]?, .]? | .. | objects | select(.chardev) | .chardev' | head -n 1)
xfs=$(ndctl list -N | jq -r '.. | objects | select(.map == "dev" and .mode == "fsdax") | .blockdev')
ext4=$(ndctl list -N | jq -r '.. | objects | select(.map == "mem" and .mode == "fsdax") | .blockdev')
mkdir -p /tmp/xfs "/tmp/ext4 dir"
mkfs.xfs -q "/dev/$xfs" && mount -o dax=always "/dev/$xfs" /tmp/xfs
mkfs.ext4 -q -b 4096 "/dev/$ext4" && mount -o dax "/dev/$ext4" "/tmp/ext4 dir"

"$DAXPIN" list -o +TYPE,MAJ:MIN,DRIVER,DAX,PFNS,PAGES
"$DAXPIN" list --json >/tmp/list.json

# fsdax: the pfn device's data area (sysfs resource/size) is the PFN range
for pfn in /sys/bus/nd/devices/pfn*; do
	[ -d "$pfn/block" ] || continue # the seed
	bdev=$(ls "$pfn/block")
	want="$(( $(cat "$pfn/resource") / 4096 )) $(( $(cat "$pfn/size") / 4096 ))"
	got=$(jq -r --arg b "$bdev" '.regions[].namespaces[] | select(.blockdev == $b) | .pfn_ranges[] | "\(.pfn) \(.count)"' /tmp/list.json)
	expect "pfn range of $bdev" "$want" "$got"
done
# device-dax: each mapping range of the device
want=$(for m in /sys/bus/dax/devices/$dax/mapping*; do
	echo "$(( $(cat "$m/start") / 4096 )) $(( ($(cat "$m/end") - $(cat "$m/start") + 1) / 4096 ))"
done)
got=$(jq -r --arg d "$dax" '.. | objects | select(.chardev == $d and .pfn_ranges) | .pfn_ranges[] | "\(.pfn) \(.count)"' /tmp/list.json)
expect "pfn ranges of $dax" "$want" "$got"

expect "mounts of $xfs" "/tmp/xfs xfs always" \
	"$(jq -r --arg b "$xfs" '.regions[].namespaces[] | select(.blockdev == $b) | .mounts[] | "\(.target) \(.fstype) \(.dax)"' /tmp/list.json)"
expect "mounts of $ext4 (space in the path)" "/tmp/ext4 dir ext4 always" \
	"$(jq -r --arg b "$ext4" '.regions[].namespaces[] | select(.blockdev == $b) | .mounts[] | "\(.target) \(.fstype) \(.dax)"' /tmp/list.json)"

# filters
expect "--dev $dax keeps one namespace" "1" \
	"$("$DAXPIN" list --json --dev "/dev/$dax" | jq '[.regions[].namespaces[]] | length')"
expect "--mode fsdax" "fsdax fsdax" \
	"$("$DAXPIN" list --json --mode fsdax | jq -r '[.regions[].namespaces[].mode] | join(" ")')"
expect "--region region0 --raw --noheadings rows" "5" \
	"$("$DAXPIN" list --region region0 --raw --noheadings | wc -l)"
expect "-o NAME,SIZE --bytes of $xfs" "$(ndctl list -N | jq -r --arg b "$xfs" '.. | objects | select(.blockdev == $b) | .size')" \
	"$("$DAXPIN" list --dev "$xfs" -o NAME,SIZE --bytes --raw --noheadings | awk '$1 ~ /^namespace/ {print $2}')"

# bad input: a documented exit code and one line naming the thing
expect "unknown device exits 3" 3 "$(status "$DAXPIN" list --dev dax9.9)"
expect "its message names it" 1 "$(grep -c "no device 'dax9.9'" /tmp/stderr)"
expect "unknown region exits 3" 3 "$(status "$DAXPIN" list --region region7)"
expect "unknown mode exits 2" 2 "$(status "$DAXPIN" list --mode bogus)"
expect "unknown column exits 2" 2 "$(status "$DAXPIN" list -o NAME,BOGUS)"
expect "unknown option exits 2" 2 "$(status "$DAXPIN" list --bogus)"
expect "unknown command exits 2" 2 "$(status "$DAXPIN" bogus)"

# unprivileged: the same topology (what needs root is checked below)
topology_only='del(.. | .pfn_ranges?, .pfn_ranges_reason?, .mappings?, .refs?,
	.referenced?, .pinned?, .mapped?, .mapped_reason?, .max_refcount?,
	.pin_source?, .page_semantics?)'
expect "unprivileged list matches root's" "$(jq -S -c "$topology_only" /tmp/list.json)" \
	"$(as_nobody daxpin list --json | jq -S -c "$topology_only")"

expect "unprivileged: unknown ranges are null with a reason" \
	"null physical addresses are shown to root only" \
	"$(as_nobody daxpin list --json --dev "$xfs" | jq -r '.regions[].namespaces[] | "\(.pfn_ranges) \(.pfn_ranges_reason)"')"
expect "unprivileged: device mappings are null, not empty" "null null" \
	"$(as_nobody daxpin list --json --dev "$dax" | jq -r '.. | objects | select(.chardev and .driver) | "\(.mappings) \(.pfn_ranges)"')"
expect "unprivileged: PFNS prints '-' and says why" "- 1" \
	"$(as_nobody daxpin list --dev "$xfs" -o PFNS --noheadings --raw 2>/tmp/stderr | tail -n 1) $(grep -c 'root only' /tmp/stderr)"

umount /tmp/xfs "/tmp/ext4 dir"
exit $failed
