# Functions for scenarios: `. "$(dirname "$0")/lib.sh"`. Not a scenario.

# as_nobody PROGRAM [ARGS...]: PROGRAM ("daxpin" or a helper's name) as user
# nobody, from the world-readable copy guest-run made: the checkout itself may
# be in a directory nobody cannot enter.
as_nobody() {
	prog=$UNPRIV_DIR/bin/$1
	shift
	setpriv --reuid=65534 --regid=65534 --clear-groups "$prog" "$@"
}

# wait_for FILE: wait up to 30 s for FILE to appear.
wait_for() {
	i=0
	while [ ! -e "$1" ]; do
		i=$((i + 1))
		[ $i -le 300 ] || { echo "timed out waiting for $1"; return 1; }
		sleep 0.1
	done
}

# wait_until CMD [ARGS...]: wait up to 30 s for CMD to succeed; steps are
# ordered by such a bounded poll on their condition, never by a fixed sleep.
# wait_within SECONDS CMD [ARGS...]: the same with another bound.
wait_until() { wait_within 30 "$@"; }
wait_within() {
	limit=$(($1 * 10))
	shift
	i=0
	until "$@"; do
		i=$((i + 1))
		[ $i -le $limit ] || { echo "timed out waiting for: $*"; return 1; }
		sleep 0.1
	done
}

# hold_refs NAME [hold-refs options] PATH: runs test/vm/helpers/hold-refs in
# the background and returns once it holds what it was asked to.
hold_refs() {
	name=$1
	shift
	rm -f "/tmp/$name.ready" "/tmp/$name.release"
	"$VM_HELPERS/hold-refs" -r "/tmp/$name.ready" -t "/tmp/$name.release" "$@" \
		>"/tmp/$name.out" &
	echo $! >"/tmp/$name.pid"
	wait_for "/tmp/$name.ready"
}

# release_refs NAME: lets the hold_refs NAME go and waits for it to exit.
release_refs() {
	touch "/tmp/$1.release"
	wait "$(cat "/tmp/$1.pid")"
}

# json_array: normalise ndctl/daxctl output, which prints a lone object bare.
json_array() {
	jq 'if type == "array" then . else [.] end'
}

# run NAME CMD...: runs CMD, output in /tmp/NAME.out and .err, status in $rc
run() {
	name=$1
	shift
	set +e
	"$@" >"/tmp/$name.out" 2>"/tmp/$name.err"
	rc=$?
	set -e
	cat "/tmp/$name.out" "/tmp/$name.err"
}

# dev_state DAXDEV, ns_state NAMESPACE: "enabled" or "disabled", as daxctl
# and ndctl list them
exists() { [ -e "$1" ] && echo yes || echo no; }
dev_state() { daxctl list -d "$1" -i | json_array | jq -r '.[0].state // "enabled"'; }
ns_state() { ndctl list -n "$1" -i | json_array | jq -r '.[0].state // "enabled"'; }

# pipe_fd PID: "FD INODE" of the pipe or FIFO PID holds, from /proc
pipe_fd() {
	for f in /proc/"$1"/fd/*; do
		case $(readlink "$f") in
		pipe:\[*\]) echo "${f##*/} $(readlink "$f" | tr -dc 0-9)"; return ;;
		/tmp/*fifo) echo "${f##*/} $(stat -L -c %i "$f")"; return ;;
		esac
	done
}

# expect WHAT EXPECTED ACTUAL: one "ok:" or "FAIL:" line; a failure sets
# $failed, which the scenario exits with.
failed=0
expect() {
	if [ "$2" = "$3" ]; then
		echo "ok: $1"
	else
		echo "FAIL: $1: expected '$2', got '$3'"
		failed=1
	fi
}

# json_file NAME.LABEL.json|NAME.LABEL.jsonl: the path to write a daxpin
# --json output to; run-scenario validates it against schema/NAME.schema.json
# on the host (JSON Lines: each line).
json_file() {
	mkdir -p "$RESULTS/json"
	echo "$RESULTS/json/$1"
}
