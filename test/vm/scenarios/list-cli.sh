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

# -J -o chooses what is read: topology alone is read without BPF and has
# no page-state keys; a page-state column brings them back
page_keys='[.. | objects | select(has("refs") or has("pin_source"))] | length'
expect "-J -o NAME,MODE: no page-state keys" 0 \
	"$("$DAXPIN" list -J -o NAME,MODE | jq "$page_keys")"
expect "-J -o NAME,MODE: no BPF loaded" 0 \
	"$(DAXPIN_LOG=debug "$DAXPIN" list -J -o NAME,MODE 2>&1 >/dev/null | grep -c 'libbpf\|BPF programs')"
expect "-J -o NAME,MODE: the topology of -J" "$(jq -S -c "$topology_only" /tmp/list.json)" \
	"$("$DAXPIN" list -J -o NAME,MODE | jq -S -c "$topology_only")"
expect "-J -o NAME,REFS: page state of every object -J has" "$(jq "$page_keys" /tmp/list.json)" \
	"$("$DAXPIN" list -J -o NAME,REFS | jq "$page_keys")"
expect "-J -o NAME -n exits 2" 2 "$(status "$DAXPIN" list -J -o NAME -n)"

# verified programs pinned in bpffs: the first run loads and pins them, the
# next takes them from there with the same counts; root's own 0700 directory
rm -rf /sys/fs/bpf/daxpin
refs='[.. | objects | select(has("refs")) | "\(.refs) \(.pinned)"] | join(",")'
first=$(DAXPIN_LOG=debug "$DAXPIN" list -J 2>/tmp/first.log | jq -r "$refs")
second=$(DAXPIN_LOG=debug "$DAXPIN" list -J 2>/tmp/second.log | jq -r "$refs")
expect "pins: the first run loads and pins" 1 \
	"$(grep -c 'pagestate: BPF programs loaded, pinned in /sys/fs/bpf/daxpin/' /tmp/first.log)"
expect "pins: the next run takes them from bpffs, parses no kernel BTF" "1 0" \
	"$(grep -c 'pagestate: BPF programs from /sys/fs/bpf/daxpin/' /tmp/second.log) $(grep -c 'loading kernel BTF\|programs loaded' /tmp/second.log)"
expect "pins: the same counts" "$first" "$second"
expect "pins: root's own directory, 0700" "0 700" "$(stat -c '%u %a' /sys/fs/bpf/daxpin)"
# pins of another build (an upgrade): the current build's pins moved to the
# name another build's object hash gives; the next run pins its own, and
# removes the others, programs and maps with them
pins=$(ls /sys/fs/bpf/daxpin | sort | tr '\n' ' ')
for d in /sys/fs/bpf/daxpin/*; do
	mv "$d" "$(echo "$d" | sed 's/_[0-9a-f]\{16\}/_0123456789abcdef/')"
done
# and pin directories of the objects releases before one object pinned
mkdir /sys/fs/bpf/daxpin/pagestate_0123456789abcdef \
	/sys/fs/bpf/daxpin/owners_0123456789abcdef_ib_uverbs_1a2b
echo "pins of another build: $(ls /sys/fs/bpf/daxpin | tr '\n' ' ')"
third=$(DAXPIN_LOG=info "$DAXPIN" list -J 2>/tmp/third.log | jq -r "$refs")
expect "pins: another build's removed, this build's pinned again" "$pins" \
	"$(ls /sys/fs/bpf/daxpin | sort | tr '\n' ' ')"
expect "pins: and said so, each" "$(($(echo "$pins" | wc -w) + 2))" \
	"$(grep -c 'BPF pins of another daxpin build removed' /tmp/third.log)"
expect "pins: the same counts after" "$first" "$third"
# nothing holds $dax: exit 10, the iterators loaded and pinned all the same
expect "pins: holders loads its iterators" 10 "$(status "$DAXPIN" holders "/dev/$dax")"
expect "pins: holders' iterators too" 1 \
	"$(DAXPIN_LOG=debug "$DAXPIN" holders --no-owners "/dev/$dax" 2>&1 >/dev/null | grep -c 'holders: BPF programs from')"
expect "pins: unprivileged list still says why" 1 \
	"$(as_nobody daxpin list --dev "$xfs" -o NAME,REFS 2>&1 >/dev/null | grep -c 'needs CAP_BPF')"

umount /tmp/xfs "/tmp/ext4 dir"
exit $failed
