#!/bin/sh
# The JSON outputs daxpin gives on any machine, as any user (no persistent
# memory needed; as root also as user nobody), validated against schema/:
# list, holders of a file a process holds open, layouts, layouts --wait
# events, drain's result event for an unknown target, watch's start and end
# events; and the outputs of real kernels in test/schema/fixtures. Then the
# validator itself must reject documents that break the contract, or a
# pass would prove nothing.
# Usage: host.sh DAXPIN SCHEMA_DIR VALIDATE
set -u
daxpin=$1
schemas=$2
validate=$3
tmp=$(mktemp -d)
trap 'kill "$holder" 2>/dev/null; rm -rf "$tmp"' EXIT
out=$tmp/out
mkdir "$out"

: >"$tmp/held"
# shellcheck disable=SC2217 # the open file is the point
sleep 60 <"$tmp/held" &
holder=$!
# the holder has the file open once /proc shows it
i=0
until [ "$(readlink "/proc/$holder/fd/0")" = "$tmp/held" ] || [ $i -gt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done

# outputs LABEL [RUNNER...]: every output, as the user RUNNER makes daxpin run as
outputs() {
	label=$1
	shift
	"$@" "$daxpin" list --json >"$out/list.$label.json" 2>/dev/null
	"$@" "$daxpin" list --json -u --holders >"$out/list.$label-holders.json" 2>/dev/null
	"$@" "$daxpin" holders --json "$tmp/held" "$tmp" >"$out/holders.$label.json"
	"$@" "$daxpin" layouts --json >"$out/layouts.$label.json" 2>/dev/null
	"$@" "$daxpin" layouts --wait --timeout 1 --json "$tmp/held" \
		>"$out/layouts-wait.$label.jsonl" 2>/dev/null
	"$@" "$daxpin" drain --json --dry-run no-such-device >"$out/drain.$label.jsonl" 2>/dev/null
	"$@" "$daxpin" watch --json --interval 0.2 >"$out/watch.$label.jsonl" 2>/dev/null &
	watcher=$!
	sleep 1
	kill -TERM $watcher
	wait $watcher
}
outputs self
# root's outputs lack what only an unprivileged user sees (nulls and reasons)
if [ "$(id -u)" = 0 ] && setpriv --reuid=65534 --regid=65534 --clear-groups "$daxpin" --version >/dev/null 2>&1; then
	chmod 755 "$tmp"
	outputs nobody setpriv --reuid=65534 --regid=65534 --clear-groups
fi

failed=0
"$validate" "$schemas" --require list,holders,layouts,layouts-wait,drain,watch "$out" || failed=1
# outputs the VM suite recorded on real kernels (json-schema scenario), in
# the states no host has: held pages, waiters, timed-out drains and breaks,
# watch events of devices and references coming and going
"$validate" "$schemas" --require list,holders,layouts,layouts-wait,layouts-files,drain,break-layouts,watch \
	"$(dirname "$0")/fixtures" || failed=1
grep -q "\"pid\": $holder" "$out/holders.self.json" ||
	{ echo "FAIL: holders --json does not name the holder $holder"; failed=1; }

# documents that break the contract must fail
bad=$tmp/bad
mkdir "$bad"
sed 's/"schema_version": 1/"schema_version": 2/' "$out/list.self.json" >"$bad/list.version.json"
sed 's/"regions"/"region"/' "$out/list.self.json" >"$bad/list.renamed.json"
sed 's/"result":"not-found"/"result":"gone"/' "$out/drain.self.jsonl" >"$bad/drain.enum.jsonl"
sed 's/"schema_version":1,//' "$out/drain.self.jsonl" >"$bad/drain.unversioned.jsonl"
for f in "$bad"/*; do
	if "$validate" "$schemas" "$f" >/dev/null; then
		echo "FAIL: the validator accepted $(basename "$f")"
		failed=1
	else
		echo "ok: rejected $(basename "$f")"
	fi
done
exit $failed
