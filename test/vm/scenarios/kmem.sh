#!/bin/sh
# System RAM from a dax device (kmem), as a CXL RAM region gives it: a 512 MiB
# device onlined movable with daxctl, as operators do it (auto-online off).
# daxpin memory shows its blocks as lsmem and daxctl count them; a process
# that holds pages of the range in a pipe (test/vm/helpers/hold-ram) makes
# them blocking pages, named by kind; daxctl offline-memory beside it shows
# what the peer does with the same holder. daxpin drain then: a dry run says
# busy and names the block, a drain times out and leaves every block online
# in its zone, SIGINT mid-offline too; once the pipe is gone it offlines the
# blocks, unbinds kmem, and the memory is removed. --force signals the
# pipe's owner and drains. Onlined in ZONE_NORMAL, the memory takes a
# long-term pin (io_uring fixed buffers, an RDMA registration over
# soft-RoCE): named, and the drain times out.
# timeout: 600
# json: memory holders drain
set -eu
. "$(dirname "$0")/lib.sh"

echo offline >/sys/devices/system/memory/auto_online_blocks
dax=$(ndctl create-namespace -r region0 -m devdax -a 2M -s 512M | jq -r '.daxregion.devices[0].chardev')
daxctl reconfigure-device -m system-ram "$dax" >/dev/null
daxctl list -d "$dax" | json_array | jq -c '.[0] | {chardev, mode, online_memblocks, total_memblocks, movable}'
total=$(daxctl list -d "$dax" | json_array | jq '.[0].total_memblocks')
online=$(daxctl list -d "$dax" | json_array | jq '.[0].online_memblocks')
# the device's page frames, from its mapping
set -- $(daxctl list -d "$dax" -M | json_array | jq -r '.[0].mappings[0] | "\(.start) \(.end)"')
first_pfn=$(printf '%x' $(($1 / 4096)))
last_pfn=$(printf '%x' $(($2 / 4096)))
echo "$dax: $total blocks, $online online, PFNs $first_pfn-$last_pfn"

# --- the blocks, idle ------------------------------------------------------
memory() { "$DAXPIN" memory -J --dev "$dax" >"$(json_file "memory.$1.json")"; cat "$RESULTS/json/memory.$1.json"; }
"$DAXPIN" memory --dev "$dax"
memory idle >/tmp/idle.json
expect "idle: as many blocks as daxctl counts" "$total" "$(jq '.memory | length' /tmp/idle.json)"
expect "idle: as many online as daxctl counts" "$online" "$(jq '[.memory[] | select(.state == "online")] | length' /tmp/idle.json)"
expect "idle: every block Movable (daxctl: movable)" "$online" "$(jq '[.memory[] | select(.zones == "Movable")] | length' /tmp/idle.json)"
expect "idle: the blocks match /sys/devices/system/memory" "$(jq -r '.memory[] | "memory\(.block) \(.state)"' /tmp/idle.json)" \
	"$(for b in $(jq -r '.memory[].block' /tmp/idle.json); do echo "memory$b $(cat /sys/devices/system/memory/memory$b/state)"; done)"
expect "idle: page kinds read as root" 0 "$(jq '[.memory[] | select(.pages == null)] | length' /tmp/idle.json)"
expect "idle: no pinned or referenced pages" 0 "$(jq '[.memory[].pages | .referenced + .pinned] | add' /tmp/idle.json)"
run memory-user as_nobody daxpin memory -J --dev "$dax"
# the blocks are found from the device's physical addresses, root's only
expect "unprivileged: exit 4 (needs root)" 4 $rc
expect "unprivileged: says root is needed" 1 "$(grep -c 'root only' /tmp/memory-user.err)"

# --- a pipe holds 5 pages of the range --------------------------------------
rm -f /tmp/ram.ready /tmp/ram.release
"$VM_HELPERS/hold-ram" -p "$first_pfn-$last_pfn" -k 5 -r /tmp/ram.ready -t /tmp/ram.release &
ram=$!
wait_for /tmp/ram.ready
memory held >/tmp/held.json
expect "held: at least the 5 spliced pages are referenced" yes \
	"$(jq '[.memory[].pages.referenced] | add >= 5 | if . then "yes" else "no" end' -r /tmp/held.json)"
expect "held: the blocking count covers them" yes \
	"$(jq '[.memory[].blocking] | add >= 5 | if . then "yes" else "no" end' -r /tmp/held.json)"
"$DAXPIN" memory --dev "$dax" -o BLOCK,STATE,ZONES,FREE,BLOCKING,BLOCKERS
ram_pid=$(awk '{print $2}' /tmp/ram.ready)
ram_pipe=$(awk '{print $3}' /tmp/ram.ready)
run holders "$DAXPIN" holders -J "$dax"
cp /tmp/holders.out "$(json_file holders.sysram.json)"
# what the memory holds just after, for a reader of a failed check below
"$DAXPIN" memory --dev "$dax" -o BLOCK,BLOCKING,BLOCKERS
expect "holders: exit 0 (someone holds it)" 0 $rc
expect "holders: names hold-ram as the owner of its pipe (P) whose memory lives there (M)" "PM" \
	"$(jq -r '.[0].holders[] | select(.pid == '"$ram_pid"') | .access' /tmp/holders.out)"
expect "holders: the pipe's inode and its 5 pages" "$ram_pipe 5" \
	"$(jq -r '[.[0].holders[] | select(.pid == '"$ram_pid"') | .references[] | select(.kind == "pipe")][0] | "\(.inode) \(.pages)"' /tmp/holders.out)"
expect "holders: the pipe explains every referenced page of the memory (unattributed 0)" 0 \
	"$(jq '.[0].unattributed' /tmp/holders.out)"
expect "holders: the kernel's own pages are counted by kind (movable: none)" "0 0 0" \
	"$(jq -r '.[0].unmovable | "\(.slab) \(.page_tables) \(.kernel)"' /tmp/holders.out)"
expect "holders: resident memory has no fd or inode" "null null" \
	"$(jq -r '[.[0].holders[].references[] | select(.kind == "resident")][0] | "\(.fd) \(.inode)"' /tmp/holders.out)"
"$DAXPIN" holders "$dax"
run holders-user as_nobody daxpin holders "$dax"
expect "holders unprivileged: exit 4, never 'no holders'" 4 $rc
run holders-nobpf "$DAXPIN" holders --no-bpf "$dax"
expect "holders --no-bpf: refused (exit 2): system RAM is found by page frame" 2 $rc

# the peer with the same holder: it retries until killed (or says EBUSY)
set +e
timeout 10 daxctl offline-memory "$dax" >/tmp/peer.out 2>&1
peer=$?
set -e
echo "peer: daxctl offline-memory exit $peer: $(tr '\n' ' ' </tmp/peer.out)"
echo "peer: left $(daxctl list -d "$dax" | json_array | jq '.[0].online_memblocks') of $total blocks online"
expect "peer: daxctl offline-memory does not finish while the pipe holds pages" yes \
	"$([ $peer -ne 0 ] && echo yes || echo no)"
# put back what the peer offlined, as it found it (movable)
daxctl online-memory "$dax" >/dev/null 2>&1 || true
expect "peer: every block online again" "$total" "$(daxctl list -d "$dax" | json_array | jq '.[0].online_memblocks')"

# --- drain with the pipe holding pages ----------------------------------------
blocks_state() { for b in $(jq -r '.memory[].block' /tmp/idle.json); do printf '%s ' "$(cat /sys/devices/system/memory/memory$b/state)/$(cat /sys/devices/system/memory/memory$b/valid_zones)"; done; }
before=$(blocks_state)
run dry "$DAXPIN" drain --dry-run --json "$dax"
cp /tmp/dry.out "$(json_file drain.dry.jsonl)"
expect "dry run while held: exit 5 (busy), nothing changed" "5 $before" "$rc $(blocks_state)"
expect "dry run: names a block with referenced pages" yes \
	"$(jq -s 'any(.[]; .event == "memblock" and .memblock.pages.referenced > 0) | if . then "yes" else "no" end' -r /tmp/dry.out)"
run held "$DAXPIN" drain --json --timeout 8 "$dax"
cp /tmp/held.out "$(json_file drain.held.jsonl)"
expect "drain while held: times out (exit 6)" 6 $rc
expect "drain while held: every block online in its zone, as before" "$before" "$(blocks_state)"
expect "drain while held: reported the blocking pages as it waited" yes \
	"$(jq -s 'any(.[]; .event == "memblock" and .memblock.blocking > 0) | if . then "yes" else "no" end' -r /tmp/held.out)"
expect "drain while held: the result says why" 1 "$(jq -s '[.[] | select(.event == "result") | .reason | test("did not go offline")] | map(select(.)) | length' /tmp/held.out)"
run held-text "$DAXPIN" drain --timeout 8 "$dax"
expect "drain while held (text): names hold-ram and its pipe as what holds the memory" yes \
	"$(grep -q "$ram_pid.*hold-ram\|hold-ram.*$ram_pid" /tmp/held-text.out /tmp/held-text.err && echo yes || echo no)"

# SIGINT while the kernel retries: the blocks it offlined come back
"$DAXPIN" drain --json --timeout 120 "$dax" >/tmp/int.out &
drain=$!
blocked() { jq -e -s 'any(.[]; .event == "memblock" and .memblock.blocking > 0)' /tmp/int.out >/dev/null 2>&1; }
wait_until blocked
kill -INT $drain
set +e
wait $drain
rc=$?
set -e
expect "SIGINT mid-offline: exit 7" 7 $rc
expect "SIGINT mid-offline: every block online in its zone, as before" "$before" "$(blocks_state)"

# SIGKILL while the kernel retries: the blocks it offlined stay offline (the
# kernel cannot undo them for a dead process) until the next daxpin command,
# which onlines them in their zones from the drain's record and says so
"$DAXPIN" drain --json --timeout 120 "$dax" >/tmp/kill.out &
drain=$!
offlined_and_blocked() {
	jq -e -s 'any(.[]; .event == "memblock" and .memblock.state == "offline") and
		  any(.[]; .event == "memblock" and .memblock.blocking > 0)' /tmp/kill.out >/dev/null 2>&1
}
wait_until offlined_and_blocked
kill -KILL $drain
wait $drain || true
offlined=$(jq -s '[.[] | select(.event == "memblock" and .memblock.state == "offline")] | length' /tmp/kill.out)
expect "SIGKILL mid-offline: its record names the $offlined blocks it offlined" "$offlined" \
	"$(wc -l </run/daxpin/offlined-"$dax")"
no_writer() { ! grep -q going-offline /sys/devices/system/memory/memory*/state; }
wait_until no_writer
expect "SIGKILL mid-offline: no writer outlives it (no block going-offline)" 0 \
	"$(grep -l going-offline /sys/devices/system/memory/memory*/state | wc -l)"
run repair "$DAXPIN" memory --dev "$dax"
expect "SIGKILL mid-offline: the next command onlines them again and says so" 1 \
	"$(grep -c "onlined $offlined memory blocks\? of $dax again, offlined by a drain (pid $drain) that is gone" /tmp/repair.err)"
expect "SIGKILL mid-offline: every block online in its zone, as before" "$before" "$(blocks_state)"
expect "SIGKILL mid-offline: the record is gone" no "$(exists /run/daxpin/offlined-"$dax")"

# the pipe drains: so does the device
touch /tmp/ram.release
wait $ram
run drained "$DAXPIN" drain --json --timeout 120 "$dax"
cp /tmp/drained.out "$(json_file drain.drained.jsonl)"
expect "released: drain exits 0" 0 $rc
expect "released: $dax disabled" disabled "$(dev_state "$dax")"
expect "released: no block of it left" 0 \
	"$(for b in $(jq -r '.memory[].block' /tmp/idle.json); do [ -e /sys/devices/system/memory/memory$b ] && echo x; done | wc -l)"
expect "released: no 'cannot be hotremoved' in the kernel log" 0 "$(dmesg | grep -c 'cannot be hotremoved' || true)"

# hold_ram MODE: a hold-ram of 5 pages of the range, as $ram ($ram_pid)
hold_ram() {
	rm -f /tmp/ram.ready /tmp/ram.release
	"$VM_HELPERS/hold-ram" -p "$first_pfn-$last_pfn" -k 5 -r /tmp/ram.ready -t /tmp/ram.release -m "$1" &
	ram=$!
	wait_for /tmp/ram.ready
	ram_pid=$(awk '{print $2}' /tmp/ram.ready)
}

# --- --force: the pipe's owner is signalled, then the memory goes -----------
daxctl reconfigure-device -m system-ram "$dax" >/dev/null
hold_ram splice
run forced "$DAXPIN" drain --json --force --grace 3 --timeout 120 "$dax"
cp /tmp/forced.out "$(json_file drain.forced.jsonl)"
expect "--force: exit 0" 0 $rc
expect "--force: SIGTERM to hold-ram, the owner of the pipe" yes \
	"$(jq -r -s 'any(.[]; .event == "signal" and .pid == '"$ram_pid"' and .signal == "SIGTERM") | if . then "yes" else "no" end' /tmp/forced.out)"
touch /tmp/ram.release	# a failed --force must not leave the scenario waiting
wait $ram
expect "--force: $dax disabled, no block of it left" "disabled 0" \
	"$(dev_state "$dax") $(for b in $(jq -r '.memory[].block' /tmp/idle.json); do [ -e /sys/devices/system/memory/memory$b ] && echo x; done | wc -l)"

# --- ZONE_NORMAL with a long-term pin: io_uring fixed buffers ---------------
daxctl reconfigure-device -m system-ram --no-movable "$dax" >/dev/null
expect "normal: every block in ZONE_NORMAL" "$total" \
	"$("$DAXPIN" memory -J --dev "$dax" | jq '[.memory[] | select(.zones == "Normal")] | length')"
hold_ram uring
"$DAXPIN" memory --dev "$dax" -o BLOCK,ZONES,BLOCKING,BLOCKERS
expect "normal: the 5 registered pages are pinned" yes \
	"$("$DAXPIN" memory -J --dev "$dax" | jq -r '[.memory[].pages.pinned] | add >= 5 | if . then "yes" else "no" end')"
"$DAXPIN" memory --dev "$dax" 2>&1 >/dev/null | grep -q 'ZONE_NORMAL' && note=yes || note=no
expect "normal: the ZONE_NORMAL policy is named" yes "$note"
run pinned-holders "$DAXPIN" holders -J "$dax"
expect "normal: holders names hold-ram's io_uring ring (U)" yes \
	"$(jq -r '[.[0].holders[] | select(.pid == '"$ram_pid"') | .access | test("U")] | any | if . then "yes" else "no" end' /tmp/pinned-holders.out)"
before=$(blocks_state)
run pinned "$DAXPIN" drain --json --timeout 8 "$dax"
cp /tmp/pinned.out "$(json_file drain.pinned.jsonl)"
expect "normal, pinned: drain times out (exit 6)" 6 $rc
expect "normal, pinned: every block online in ZONE_NORMAL again" "$before" "$(blocks_state)"
expect "normal, pinned: the pinned pages were reported" yes \
	"$(jq -r -s 'any(.[]; .event == "memblock" and .memblock.pages.pinned > 0) | if . then "yes" else "no" end' /tmp/pinned.out)"
touch /tmp/ram.release
wait $ram

# --- ZONE_NORMAL with an RDMA registration (soft-RoCE), the other long-term pin
ip link show dummy0 >/dev/null 2>&1 || ip link add dummy0 type dummy
ip link set dummy0 up
rdma link add rxe0 type rxe netdev dummy0
hold_ram rdma
expect "normal, rdma: the 5 registered pages are pinned" yes \
	"$("$DAXPIN" memory -J --dev "$dax" | jq -r '[.memory[].pages.pinned] | add >= 5 | if . then "yes" else "no" end')"
run rdma-holders "$DAXPIN" holders -J "$dax"
expect "normal, rdma: holders names hold-ram with its RDMA device (R)" yes \
	"$(jq -r '[.[0].holders[] | select(.pid == '"$ram_pid"') | .access | test("R")] | any | if . then "yes" else "no" end' /tmp/rdma-holders.out)"
before=$(blocks_state)
run rdma "$DAXPIN" drain --json --timeout 5 "$dax"
cp /tmp/rdma.out "$(json_file drain.rdma.jsonl)"
expect "normal, rdma: drain times out (exit 6), every block online in ZONE_NORMAL again" "6 $before" "$rc $(blocks_state)"
touch /tmp/ram.release
wait $ram
exit $failed
