#!/bin/sh
# A persistent CXL type-3 device becomes a committed CXL region (`cxl
# create-region`), the nd region it feeds, a devdax namespace and its dax
# device, an fsdax namespace (on 7.2 ext4 -o dax: page state exact with 3
# pipe-held pages of a file, and holders of the CXL region name their
# holder; on 6.1 what is written there reads back as zeros); `daxpin
# list` shows that lineage as `cxl list` and ndctl, run in the same guest,
# do: CXL region, bus, root decoder, address, size,
# interleave, decode state, memory device (serial, host, endpoint decoder),
# its endpoint and port, and the dax device under the nd region. The
# NVDIMM's region says nothing of CXL; unprivileged, the lineage is null
# with a reason where the nd region's address is root's only. Then
# `daxpin drain cxl:regionN` (the spelling that tells the CXL region from
# the nd region of the same name): with pipe-held pages it times out and
# nothing changes (exit 6, still committed and enabled, the dax device
# enabled); --dry-run says busy (5); after the release it drains the nd
# region and disables the CXL region, and `cxl destroy-region` succeeds.
# `daxpin holders cxl:regionN` (and mem0, and the nd region) names the
# process whose pipe holds the dax device's pages, with the pipe's page
# count; the last drain is of mem0 in JSON: the CXL region's "disabled"
# event and its object in the result, validated against schema/.
# cxl: 256M
# timeout: 400
# json: list holders drain
set -eu
. "$(dirname "$0")/lib.sh"

# cxl_mem attaches the endpoint after the memdev appears
endpoint_up() { ls -d /sys/bus/cxl/devices/endpoint* >/dev/null 2>&1; }
wait_until endpoint_up
cxl create-region -m -t pmem -d decoder0.0 -w 1 mem0 -s 256M >/tmp/cxl-region.json
cxlr=$(jq -r .region /tmp/cxl-region.json)
# the nd region appears on the CXL bridge's nvdimm bus once cxl_pmem binds
nd_region() { ndctl list -b CXL -R | json_array | jq -r '.[0].dev // empty'; }
nd_up() { [ -n "$(nd_region)" ]; }
wait_until nd_up
ndr=$(nd_region)
echo "cxl $cxlr feeds nd $ndr"
# -M mem: on 6.1 a vmsplice of a device-dax page of a CXL region whose
# struct pages are on the device (-M dev, the default; 2M and 4K aligned)
# WARNs in try_grab_page (the page's refcount reads 0) and fails ENOMEM;
# with the struct pages in RAM, or on 7.2, it does not.
ndctl create-namespace -r "$ndr" -m devdax -M mem -s 128M >/tmp/ns.json
chardev=$(jq -r .daxregion.devices[0].chardev /tmp/ns.json)
# and an fsdax namespace beside it, in the rest of the region
ndctl create-namespace -r "$ndr" -m fsdax -M mem >/tmp/fsns.json
fs_ns=$(jq -r .dev /tmp/fsns.json)

# what the cxl tool says, each fact from its own listing
# (-vv for the mappings; it nests the region under its bus and decoder)
cxl list -R -r "$cxlr" -vv |
	jq --arg r "$cxlr" '[.. | objects | select(.region? == $r and has("decode_state"))][0]' >/tmp/cxl-r.json
jq -e .mappings /tmp/cxl-r.json >/dev/null || { echo "FAIL: cxl list shows no mappings of $cxlr"; cat /tmp/cxl-r.json; exit 1; }
cxl list -M -m mem0 | json_array | jq '.[0]' >/tmp/cxl-m.json
bus=$(cxl list -B | json_array | jq -r '.[0].bus')
endpoint=$(cxl list -E | json_array | jq -r '.[] | select(.host == "mem0") | .endpoint')
# the endpoint's parent port, from sysfs rather than any tool
port=$(basename "$(dirname "$(readlink -f "/sys/bus/cxl/devices/$endpoint")")")

out=$(json_file list.cxl.json)
"$DAXPIN" list -J >"$out"
jq --arg r "$ndr" '.regions[] | select(.dev == $r) | .cxl' "$out" >/tmp/daxpin-cxl.json
cat /tmp/daxpin-cxl.json

for k in region resource size interleave_ways interleave_granularity decode_state; do
	expect "cxl.$k as cxl list says" "$(jq -c ".$k" /tmp/cxl-r.json)" "$(jq -c ".$k" /tmp/daxpin-cxl.json)"
done
expect "cxl.region is the one create-region made" "\"$cxlr\"" "$(jq -c .region /tmp/daxpin-cxl.json)"
expect "cxl.decode_state" '"commit"' "$(jq -c .decode_state /tmp/daxpin-cxl.json)"
expect "cxl.state (enabled: no key)" null "$(jq -c .state /tmp/daxpin-cxl.json)"
expect "cxl.decoder: the root decoder" '"decoder0.0"' "$(jq -c .decoder /tmp/daxpin-cxl.json)"
expect "cxl.bus" "\"$bus\"" "$(jq -c .bus /tmp/daxpin-cxl.json)"
expect "cxl.mappings: position, memdev, decoder as cxl list says" \
	"$(jq -c '[.mappings[] | {position, memdev, decoder}]' /tmp/cxl-r.json)" \
	"$(jq -c '[.mappings[] | {position, memdev, decoder}]' /tmp/daxpin-cxl.json)"
expect "cxl.mappings[0].serial" "$(jq -c .serial /tmp/cxl-m.json)" "$(jq -c .mappings[0].serial /tmp/daxpin-cxl.json)"
expect "cxl.mappings[0].serial is the device's sn=0x1234" 4660 "$(jq -c .mappings[0].serial /tmp/daxpin-cxl.json)"
expect "cxl.mappings[0].host" "$(jq -c .host /tmp/cxl-m.json)" "$(jq -c .mappings[0].host /tmp/daxpin-cxl.json)"
expect "cxl.mappings[0].endpoint" "\"$endpoint\"" "$(jq -c .mappings[0].endpoint /tmp/daxpin-cxl.json)"
expect "cxl.mappings[0].ports" "[\"$port\"]" "$(jq -c .mappings[0].ports /tmp/daxpin-cxl.json)"
expect "the dax device under the nd region" "\"$chardev\"" \
	"$(jq -c --arg r "$ndr" '.regions[] | select(.dev == $r) | .namespaces[] | select(.mode == "devdax") | .daxregion.devices[0].chardev' "$out")"
expect "the fsdax namespace under the nd region" "\"$fs_ns\"" \
	"$(jq -c --arg r "$ndr" '.regions[] | select(.dev == $r) | .namespaces[] | select(.mode == "fsdax") | .dev' "$out")"
expect "regions not on CXL have no cxl key" "[]" \
	"$(jq -c --arg r "$ndr" '[.regions[] | select(.dev != $r) | select(has("cxl"))]' "$out")"

# bash completion offers the CXL region as drain and holders spell it, and
# its memory device
top=$(cd "$(dirname "$0")/../../.." && pwd)
expect "completion: drain and holders targets include cxl:$cxlr and mem0" "cxl:$cxlr mem0" \
	"$(PATH=$(dirname "$DAXPIN"):$PATH bash -c '. "$1"; _daxpin_cxl_regions' sh "$top/completions/daxpin" | xargs)"
expect "completion: holders offers them" "cxl:$cxlr mem0" \
	"$(PATH=$(dirname "$DAXPIN"):$PATH bash -c '. "$1"; _daxpin_holders "" ""; printf "%s\n" "${COMPREPLY[@]}"' sh "$top/completions/daxpin" | grep -E '^(cxl:|mem)' | xargs)"

# the table, one row per region: the nd region's line names its lineage
"$DAXPIN" list -r -n -o NAME,CXL_REGION,DECODER,INTERLEAVE_WAYS,INTERLEAVE_GRANULARITY,DECODE_STATE,MEMDEV,SERIAL,HOST,PORT \
	>/tmp/table.out
cat /tmp/table.out
expect "table row of $ndr" \
	"$ndr $cxlr decoder0.0 $(jq -r '"\(.interleave_ways) \(.interleave_granularity)"' /tmp/cxl-r.json) commit mem0 4660 $(jq -r .host /tmp/cxl-m.json) $port" \
	"$(grep "^$ndr " /tmp/table.out)"

# unprivileged: the address that names the CXL region may be root's only
out=$(json_file list.cxl-nobody.json)
as_nobody daxpin list -J >"$out"
if [ "$(stat -c %a "/sys/bus/nd/devices/$ndr/resource")" = 400 ]; then
	expect "nobody: cxl is null" null "$(jq -c --arg r "$ndr" '.regions[] | select(.dev == $r) | .cxl' "$out")"
	expect "nobody: cxl_reason says why" true \
		"$(jq -c --arg r "$ndr" '.regions[] | select(.dev == $r) | .cxl_reason | test("root")' "$out")"
	as_nobody daxpin list -o NAME,CXL_REGION >/tmp/nobody.out 2>/tmp/nobody.err
	cat /tmp/nobody.out /tmp/nobody.err
	expect "nobody: the table says why CXL_REGION shows '-'" 1 "$(grep -c "CXL_REGION of $ndr shows '-'" /tmp/nobody.err)"
else
	expect "nobody: the lineage as root sees it" "$(jq -c . /tmp/daxpin-cxl.json)" \
		"$(jq -c --arg r "$ndr" '.regions[] | select(.dev == $r) | .cxl' "$out")"
fi

# --- page state of the fsdax namespace: ext4 -o dax, 3 pipe-held pages -------
fs_dev=/dev/$(jq -r .blockdev /tmp/fsns.json)
# fs_pages: "REFS REFERENCED PINNED" of the fsdax namespace, as list says
fs_pages() {
	"$DAXPIN" list -J >/tmp/fs.json
	jq -r --arg n "$fs_ns" '.regions[].namespaces[] | select(.dev == $n) | "\(.refs) \(.referenced) \(.pinned)"' /tmp/fs.json
}
expect "fsdax on $cxlr, idle: no references" "0 0 0" "$(fs_pages)"
# what is written reaches the memory and reads back, on 7.2; on 6.1 what
# the kernel writes to this QEMU's CXL memory reads back as zeros (so do
# struct pages there: -M mem above), and no filesystem can live on it
head -c 8192 /dev/urandom >/tmp/pattern
dd if=/tmp/pattern of="$fs_dev" bs=4096 count=2 oflag=direct 2>/dev/null
dd if="$fs_dev" of=/tmp/readback bs=4096 count=2 iflag=direct 2>/dev/null
readback=$(if cmp -s /tmp/pattern /tmp/readback; then echo data; elif cmp -s -n 8192 /tmp/readback /dev/zero; then echo zeros; else echo other; fi)
case $KERNEL_FLAVOR in
stock)
	expect "6.1: what is written to $fs_dev reads back as zeros" zeros "$readback"
	;;
*)
	expect "what is written to $fs_dev reads back" data "$readback"
	mkfs.ext4 -q -b 4096 "$fs_dev" # DAX needs page-sized blocks
	mkdir -p /tmp/ext4
	mount -o dax "$fs_dev" /tmp/ext4
	hold_refs fspipe -k 3 /tmp/ext4/held
	expect "fsdax on $cxlr: 3 spliced pages of an ext4 file" "3 3 0" "$(fs_pages)"
	run fs-h "$DAXPIN" holders "cxl:$cxlr"
	expect "holders cxl:$cxlr names the file's holder (mapped, pipe)" 1 \
		"$(grep -cE "^cxl:$cxlr: $(cat /tmp/fspipe.pid)f?mP$" /tmp/fs-h.out)"
	release_refs fspipe
	expect "fsdax on $cxlr, released: no references" "0 0 0" "$(fs_pages)"
	umount /tmp/ext4
	;;
esac

# cxl_state: "DECODE_STATE enabled|disabled" of the CXL region, as cxl list
# says (-i: a disabled region too)
cxl_state() {
	cxl list -R -i -r "$cxlr" | json_array | jq -r '.[0] | "\(.decode_state) \(.state // "enabled")"'
}
run unknown "$DAXPIN" drain cxl:region99
expect "drain cxl:region99: not found" 3 "$rc"
expect "drain cxl:region99: the error names it and where to look" 1 \
	"$(grep -c "no CXL region 'cxl:region99'; see 'cxl list -R'" /tmp/unknown.err)"
run unknown-mem "$DAXPIN" drain mem9
expect "drain mem9: not found" 3 "$rc"
expect "drain mem9: the error names it" 1 "$(grep -c "no CXL memory device 'mem9'; see 'cxl list -M'" /tmp/unknown-mem.err)"
run unknown-h "$DAXPIN" holders cxl:region99
expect "holders cxl:region99: not found" 3 "$rc"
expect "holders cxl:region99: the error names it" 1 "$(grep -c "no CXL region 'cxl:region99'" /tmp/unknown-h.err)"
run unknown-hm "$DAXPIN" holders cxl:mem9
expect "holders cxl:mem9: not found" 3 "$rc"
expect "holders cxl:mem9: the error names it" 1 "$(grep -c "no CXL memory device 'cxl:mem9'" /tmp/unknown-hm.err)"
run idle-h "$DAXPIN" holders "cxl:$cxlr"
expect "holders cxl:$cxlr before any holder: none" 10 "$rc"

hold_refs pipe -k 3 -s 2M "/dev/$chardev"
holder=$(cat /tmp/pipe.pid)
# the holder maps and opens the dax device (m, f) and its pipe holds 3 pages (P)
for t in "cxl:$cxlr" mem0 cxl:mem0 "$ndr"; do
	label=$(echo "$t" | tr : -)
	run "h-$label" "$DAXPIN" holders "$t"
	expect "holders $t: found" 0 "$rc"
	expect "holders $t names the holder (fmP)" "$t: ${holder}fmP" "$(cat "/tmp/h-$label.out")"
done
out=$(json_file holders.cxl.json)
"$DAXPIN" holders --json "cxl:$cxlr" mem0 >"$out"
cat "$out"
for i in 0 1; do
	expect "holders --json target $i: the holder's pid" "$holder" "$(jq -c ".[$i].holders | map(.pid | tostring) | join(\",\")" "$out" | tr -d '"')"
	expect "holders --json target $i: the pipe's 3 pages" 3 \
		"$(jq "[.[$i].holders[0].references[] | select(.kind == \"pipe\") | .pages] | add" "$out")"
	expect "holders --json target $i: no unattributed references" 0 "$(jq ".[$i].unattributed" "$out")"
done
expect "holders --json: the targets as given" '["cxl:'"$cxlr"'","mem0"]' "$(jq -c 'map(.target)' "$out")"
run busy "$DAXPIN" drain --timeout 3 "cxl:$cxlr"
expect "drain cxl:$cxlr with pipe-held pages: timeout" 6 "$rc"
expect "it names the held dax device" 1 "$(grep -c "^$chardev: .*(3 references)" /tmp/busy.out)"
expect "CXL region unchanged after the timeout" "commit enabled" "$(cxl_state)"
expect "dax device unchanged after the timeout" enabled "$(dev_state "$chardev")"
run dry "$DAXPIN" drain --dry-run "cxl:$cxlr"
expect "dry run while held: busy" 5 "$rc"
release_refs pipe
run dry-idle "$DAXPIN" drain --dry-run "cxl:$cxlr"
expect "dry run once released: drainable" 0 "$rc"
expect "the dry run changed nothing" "commit enabled" "$(cxl_state)"
# the region and its memory device together: one region, neither idle
run dry-both "$DAXPIN" drain --dry-run "cxl:$cxlr" mem0
expect "dry run of cxl:$cxlr and mem0 together" 0 "$rc"
expect "neither said to have nothing to drain" 0 "$(grep -c 'nothing to drain\|nothing done' /tmp/dry-both.out)"
run dry-json "$DAXPIN" drain --dry-run --json "cxl:$cxlr"
cp /tmp/dry-json.out "$(json_file drain.cxl-dry.jsonl)"
expect "dry run JSON: the CXL region, still enabled" '{"name":"cxl:'"$cxlr"'","type":"cxl-region","state":"enabled"}' \
	"$(tail -n 1 /tmp/dry-json.out | jq -c '.objects[] | select(.type == "cxl-region")')"
# the memory device: every region it is part of, here the one
run drained "$DAXPIN" drain --json --timeout 30 mem0
cp /tmp/drained.out "$(json_file drain.cxl.jsonl)"
expect "drain mem0 once released" 0 "$rc"
expect "a disabled event for the CXL region, after the nd region's objects" \
	"cxl:$cxlr cxl-region" "$(jq -r 'select(.event == "disabled" and .type) | "\(.object) \(.type)"' /tmp/drained.out)"
expect "the last disabled event is the CXL region's" "cxl:$cxlr" \
	"$(jq -r 'select(.event == "disabled") | .object' /tmp/drained.out | tail -n 1)"
expect "result: ok, the CXL region disabled" 'ok {"name":"cxl:'"$cxlr"'","type":"cxl-region","state":"disabled"}' \
	"$(tail -n 1 /tmp/drained.out | jq -r '"\(.result) \(.objects[] | select(.type == "cxl-region") | tojson)"')"
expect "cxl list: the region is disabled" "disabled" "$(cxl_state | cut -d' ' -f2)"
expect "the nd region it fed is gone" "" "$(nd_region)"
run again "$DAXPIN" drain "cxl:$cxlr"
expect "drain of the disabled CXL region: nothing to do" 0 "$rc"
expect "it says so" "cxl:$cxlr: already disabled, nothing done" "$(cat /tmp/again.out)"
run destroy cxl destroy-region "$cxlr"
expect "cxl destroy-region then succeeds" 0 "$rc"
expect "no CXL region left" 0 "$(cxl list -R -i | json_array | jq length)"
run mem-idle "$DAXPIN" drain mem0
expect "drain mem0 in no region: nothing to do" 0 "$rc"
expect "it says so" "mem0: part of no enabled CXL region, nothing to drain" "$(cat /tmp/mem-idle.out)"
run mem-h "$DAXPIN" holders mem0
expect "holders mem0 in no region: none" 10 "$rc"
exit $failed
