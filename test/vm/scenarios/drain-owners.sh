#!/bin/sh
# daxpin drain and the owners of page references. A process maps a 2M
# device-dax device, vmsplice()s 3 pages into a pipe, unmaps and closes the
# device: it maps and opens nothing, yet its pipe holds the pages, and an
# unbind now would oops the kernel when they drop (peer-hazard). list
# --holders counts it (and says when it cannot: --no-bpf, unprivileged);
# drain --dry-run and a timed-out drain name it with
# the pipe's fd, inode, end and pages (JSON: holders[].references,
# unattributed 0); drain --force SIGTERMs it, then unbinds, with no oops;
# one that ignores SIGTERM is SIGKILLed after --grace; a pipe handed to a
# forked child: the child is signalled, not its parent. After each unbind
# the drain has seen the kernel's unbind event, the driver link is gone and
# daxctl lists the device disabled.
# timeout: 300
set -eu
. "$(dirname "$0")/lib.sh"

dax=$(ndctl create-namespace -r region0 -m devdax -a 2M -s 256M | jq -r '.daxregion.devices[0].chardev')
echo "devdax $dax (2M)"

# held NAME: the pid in NAME's ready file (the child's, with -f)
held() { sed -n 's/^ready //p' "/tmp/$1.ready"; }

# disabled WHAT: the device is unbound, as sysfs, daxctl and the drain's JSON say
disabled() {
	expect "$1: $dax disabled (daxctl list)" disabled "$(dev_state "$dax")"
	expect "$1: no driver bound (sysfs)" no "$([ -e "/sys/bus/dax/devices/$dax/driver" ] && echo yes || echo no)"
}

# --- the owner is named: dry run, timeout, JSON --------------------------------
hold_refs owner -m splice -c -k 3 -s 2M "/dev/$dax"
pid=$(held owner)
set -- $(pipe_fd "$pid")
fd=$1 ino=$2
expect "the owner neither maps nor opens $dax" 0 "$(grep -c "$dax" "/proc/$pid/maps" || true)"
expect "list --holders counts the owner as a holder of $dax and of its namespace" "$pid P,$pid P" \
	"$("$DAXPIN" list --holders --json | jq -r --arg d "$dax" '.regions[].namespaces[] |
		select(.daxregion.devices[0].chardev == $d) | [.holders[], .daxregion.devices[0].holders[]] |
		map("\(.pid) \(.access)") | join(",")')"
# where the owners cannot be searched, list says so rather than "complete, nobody"
expect "list --holders: owners searched as root" "true" \
	"$("$DAXPIN" list --holders --json | jq -r '.owners_searched')"
expect "list --holders --no-bpf: owners not searched, and why" "false not searched: holders read from /proc only, without BPF 0" \
	"$("$DAXPIN" list --holders --no-bpf --json | jq -r --arg d "$dax" '"\(.owners_searched) \(.owners_reason) \(
		[.regions[].namespaces[].daxregion.devices[]? | select(.chardev == $d) | .holders[]] | length)"')"
as_nobody daxpin list --holders --json >/tmp/nobody.json 2>/tmp/nobody.err || true
expect "unprivileged list --holders: owners not searched, with a reason" "false true" \
	"$(jq -r '"\(.owners_searched) \(.owners_reason | length > 0)"' /tmp/nobody.json)"
expect "unprivileged list --holders: holders incomplete" "false" "$(jq -r '.holders_complete' /tmp/nobody.json)"
as_nobody daxpin list --holders -o NAME,HOLDERS >/dev/null 2>/tmp/nobody.err || true
expect "unprivileged list --holders table: says the owners are missing" 1 \
	"$(grep -c '^daxpin list: owners of page references not among the holders: ' /tmp/nobody.err)"
run dry "$DAXPIN" drain --dry-run "$dax"
expect "dry run, 3 pages in the pipe of a process that closed $dax: exit 5 (busy)" 5 $rc
expect "dry run names the owner, its pipe fd, inode, end and pages" 1 \
	"$(grep -cx "$dax: held by pid $pid (hold-refs), access P: 3 pages in pipe fd $fd (inode $ino, read end)" /tmp/dry.out)"
run timeout "$DAXPIN" drain --timeout 1 --json "$dax"
expect "timeout: exit 6" 6 $rc
expect "timeout JSON: the owner with its pipe reference" "$pid P pipe $fd $ino read 3 true" \
	"$(jq -r 'select(.event == "result") | .objects[0].holders[0] | "\(.pid) \(.access) \(.references[0] | "\(.kind) \(.fd) \(.inode) \(.end) \(.pages) \(.exact)")"' /tmp/timeout.out)"
expect "timeout JSON: every reference attributed, owners searched" "0 null 1" \
	"$(jq -r 'select(.event == "result") | .objects[0] | "\(.unattributed) \(.owners_reason) \(.holders | length)"' /tmp/timeout.out)"
expect "timeout: still enabled" enabled "$(dev_state "$dax")"

# --- --force ends the owner, then unbinds ----------------------------------------
run force "$DAXPIN" drain --force --grace 5 --timeout 60 --json "$dax"
expect "--force: exit 0" 0 $rc
expect "--force: SIGTERM to the owner, its access reported" "$pid SIGTERM P" \
	"$(jq -r 'select(.event == "signal") | "\(.pid) \(.signal) \(.access)"' /tmp/force.out | xargs)"
wait "$(cat /tmp/owner.pid)"
expect "--force: the owner let go and exited" released "$(tail -n 1 /tmp/owner.out)"
expect "--force: disabled once confirmed by its unbind event" "$dax true" \
	"$(jq -r 'select(.event == "disabled") | "\(.object) \(.verify_ms >= 0)"' /tmp/force.out)"
disabled "--force"
daxctl enable-device "$dax" >/dev/null

# --- an owner that ignores SIGTERM: SIGKILL after the grace -------------------------
hold_refs stubborn -m splice -c -I -k 2 -s 2M "/dev/$dax"
pid=$(held stubborn)
run kill "$DAXPIN" drain --force --grace 1 --timeout 60 "$dax"
expect "SIGTERM ignored: exit 0" 0 $rc
expect "SIGTERM, then SIGKILL after the grace" \
	"sent SIGTERM to $pid (hold-refs), access P|sent SIGKILL to $pid (hold-refs), access P" \
	"$(grep '^sent ' /tmp/kill.out | paste -sd '|')"
set +e
wait "$pid"
st=$?
set -e
expect "SIGKILL: the owner was killed (status 128 + 9)" 137 $st
disabled "SIGKILL"
daxctl enable-device "$dax" >/dev/null

# --- the pipe handed to a forked child: the child is the owner ---------------------
hold_refs forked -m splice -c -f -k 1 -s 2M "/dev/$dax"
child=$(held forked)
parent=$(cat /tmp/forked.pid)
run child "$DAXPIN" drain --force --grace 5 --timeout 60 "$dax"
expect "forked: exit 0" 0 $rc
expect "forked: only the child signalled" "sent SIGTERM to $child (hold-refs), access P" "$(grep '^sent ' /tmp/child.out)"
wait "$parent" || true
disabled "forked"
exit $failed
