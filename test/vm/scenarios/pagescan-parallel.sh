#!/bin/sh
# The page scan on every CPU counts exactly what one walk counts: the same
# counts and the same first busy folios (more of them than the scan lists,
# spread over both sides of a 1 GiB cut) on 1.5 GiB 4K and 2M device-dax,
# and on a PFN range that starts inside a 2M folio, with two threads and
# with one (taskset); the library's debug log shows that two threads ran.
# timeout: 420
set -eu
. "$(dirname "$0")/lib.sh"

probe=$VM_HELPERS/../bench/pagestate-probe
failures=0

# same WHAT EXPECTED PROBE_ARGS...: the probe's output on both CPUs equals
# its output on one, and holds every KEY=VALUE of EXPECTED
same() {
	what=$1 expected=$2
	shift 2
	DAXPIN_LOG=debug "$probe" -v "$@" >/tmp/all.out 2>/tmp/all.err
	taskset -c 0 "$probe" -v "$@" >/tmp/one.out
	bad=""
	grep -q 'page scan: .* over 2 threads' /tmp/all.err || bad=" (not scanned by 2 threads)"
	cmp -s /tmp/all.out /tmp/one.out || bad="$bad (differs from one thread: $(diff /tmp/one.out /tmp/all.out | tr '\n' ' '))"
	for kv in $expected; do
		grep -qx "$kv" /tmp/all.out || bad="$bad (no $kv)"
	done
	if [ -n "$bad" ]; then
		echo "FAIL: $what:$bad"
		failures=$((failures + 1))
	else
		echo "ok: $what: $(grep -E '^(pages|folios|refs|busy_folios|tail_pages)=' /tmp/all.out | tr '\n' ' ')$(grep -c '^busy ' /tmp/all.out) busy listed"
	fi
}

dax=$(ndctl create-namespace -r region0 -m devdax -a 4K -s 1536M | jq -r '.daxregion.devices[0].chardev')
pages=$(($(daxctl list -d "$dax" | jq '.[0].size') / 4096))
# 20 references 64 MiB apart: more than the 16 busy folios listed
hold_refs h -k 20 -s 64M "/dev/$dax" >/dev/null
same "4K device-dax, 20 spliced pages" "pages=$pages folios=$pages refs=20 busy_folios=20" "$dax"
release_refs h >/dev/null
ndctl destroy-namespace -f all >/dev/null

dax=$(ndctl create-namespace -r region0 -m devdax -a 2M -s 1536M | jq -r '.daxregion.devices[0].chardev')
pages=$(($(daxctl list -d "$dax" | jq '.[0].size') / 4096))
# from the second folio on, so that all six lie in the range below
hold_refs h -k 6 -s 256M -o 2M "/dev/$dax" >/dev/null
same "2M device-dax, 6 spliced folios" "pages=$pages folios=$((pages / 512)) refs=6 busy_folios=6" "$dax"
# from 100 pages into the device's first folio to its end
pfn=$(($(cat "/sys/bus/dax/devices/$dax/resource") / 4096 + 100))
same "2M device-dax from inside a folio" "pages=$((pages - 100)) tail_pages=412 refs=6" \
	-k devdax -p "$pfn:$((pages - 100))"
release_refs h >/dev/null

echo "$failures failures"
[ "$failures" -eq 0 ]
