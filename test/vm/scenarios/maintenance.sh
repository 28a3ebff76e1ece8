#!/bin/sh
# contrib's node-maintenance hook and Ansible playbook on a real kernel:
# while a pipe holds pages of a device-dax device the hook fails with a
# timeout (6) and reports what held it, changing nothing, and its check mode
# says busy (5); released, check mode says it would change something (0)
# and changes nothing; the playbook, run against localhost, drains it
# (changed) and a second run finds nothing to do (ok); the hook then exits
# 10 (ok). The drain results it reports are validated against the schema.
# json: drain
# timeout: 540
set -eu
. "$(dirname "$0")/lib.sh"

src=$(cd "$(dirname "$0")/../../.." && pwd)
hook=$src/contrib/node-maintenance/daxpin-maintenance
export DAXPIN
dax=$(ndctl create-namespace -r region0 -m devdax -a 2M -s 256M | jq -r '.daxregion.devices[0].chardev')
dev_state() { daxctl list -d "$1" -i | json_array | jq -r '.[0].state // "enabled"'; }

# hook NAME ARGS: runs the hook, its report in $RESULTS, the drain result
# kept for validation, the exit status in $rc
hook() {
	name=$1
	shift
	rc=0
	DAXPIN=$DAXPIN "$hook" "$@" >"$RESULTS/report-$name.json" || rc=$?
	jq .drain "$RESULTS/report-$name.json" >"$(json_file "drain.hook-$name.json")"
}

hold_refs a -k 2 -s 2M "/dev/$dax"
hook timeout --timeout 2 "$dax"
expect "held: the hook fails with the timeout (6)" "6 failed false timeout" \
	"$rc $(jq -r '"\(.status) \(.changed) \(.drain.result)"' "$RESULTS/report-timeout.json")"
expect "held: the report names the references and the holder" "2 $(cat /tmp/a.pid)" \
	"$(jq -r '.drain.objects[] | select(.name == "'"$dax"'") | "\(.refs) \(.holders[0].pid)"' "$RESULTS/report-timeout.json")"
expect "held: before lists the busy device" 2 \
	"$(jq '[.before | .. | objects | select(.chardev == "'"$dax"'" and .driver)][0].refs' "$RESULTS/report-timeout.json")"
hook check-busy --check "$dax"
expect "held: check mode says busy (5)" "5 failed" "$rc $(jq -r .status "$RESULTS/report-check-busy.json")"
expect "held: still enabled" enabled "$(dev_state "$dax")"

release_refs a
hook check --check "$dax"
expect "released: check mode would change it (0)" "0 changed" "$rc $(jq -r .status "$RESULTS/report-check.json")"
expect "check mode changed nothing" enabled "$(dev_state "$dax")"

# ansible-playbook against this host, its variables as JSON (key=value
# splits a path with a space); ansible wants a UTF-8 locale, its
# temporary files where the guest can write (its root file system is the
# host's, read-only) and,
# as root already, no become
play() {
	LC_ALL=C.UTF-8 ANSIBLE_LOCAL_TEMP=/tmp/ansible ANSIBLE_REMOTE_TEMP=/tmp/ansible-remote ANSIBLE_NOCOLOR=1 \
		ansible-playbook -i localhost, -c local "$src/contrib/ansible/pmem-maintenance.yml" \
		-e "$(jq -cn --arg hook "$hook" --arg daxpin "$DAXPIN" --arg dax "$dax" \
			'{daxpin_hosts: "localhost", ansible_become: false, daxpin_maintenance: $hook,
			  daxpin_binary: $daxpin, daxpin_targets: [$dax], daxpin_timeout: 30}')" \
		>"$RESULTS/ansible-$1.log" 2>&1 || { cat "$RESULTS/ansible-$1.log"; echo "FAIL: ansible-playbook"; exit 1; }
	grep -E '^localhost +:' "$RESULTS/ansible-$1.log"
}
play first
expect "playbook: changed, drained" "changed=1 disabled" \
	"$(grep -oE 'changed=[0-9]+' "$RESULTS/ansible-first.log" | tail -n 1) $(dev_state "$dax")"
play again
expect "playbook again: nothing to do (ok)" "changed=0 failed=0" \
	"$(grep -oE 'changed=[0-9]+ .*failed=[0-9]+' "$RESULTS/ansible-again.log" | tail -n 1 | awk '{print $1, $NF}')"
hook after "$dax"
expect "the hook: already disabled, ok (10)" "10 ok was-disabled" \
	"$rc $(jq -r '"\(.status) \(.drain.objects[0].state)"' "$RESULTS/report-after.json")"
exit $failed
