#!/bin/sh
# check-layers.sh SOURCE_ROOT: the tree keeps its layers, and the check
# catches each kind of violation it exists for (on a copy of the tree).
set -eu
src=$1
check=$src/scripts/check-layers
"$check" "$src"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# expect_violation WHAT EDIT...: the copy with EDIT applied fails, naming WHAT
expect_violation() {
	what=$1
	shift
	rm -rf "$tmp/t"
	mkdir "$tmp/t"
	cp -R "$src/lib" "$src/include" "$src/daxpin" "$src/bpf" "$tmp/t/"
	(cd "$tmp/t" && "$@")
	if "$check" "$tmp/t" >"$tmp/out" 2>&1; then
		echo "check-layers passed a tree with $what" >&2
		exit 1
	fi
	grep -q -- "$what" "$tmp/out" || {
		echo "check-layers did not name $what:" >&2
		cat "$tmp/out" >&2
		exit 1
	}
}
add() { printf '#include %s\n' "$2" >>"$1"; }
expect_violation 'lib/core/ctx.c:.* may not use lib/holders/' add lib/core/ctx.c '"holders/holders_internal.h"'
expect_violation 'lib/pages/owners.c:.* may not use lib/drain/' add lib/pages/owners.c '<daxpin/drain.h>'
expect_violation 'lib/topology/mounts.c:.*"../../daxpin/output.h"' add lib/topology/mounts.c '"../../daxpin/output.h"'
expect_violation 'lib/topology/mounts.c:.*"daxpin/output.h"' add lib/topology/mounts.c '"daxpin/output.h"'
expect_violation 'daxpin/daxpin.c:.*"core/private.h"' add daxpin/daxpin.c '"core/private.h"'
expect_violation 'include/daxpin/topology.h:.* may not use lib/pages/' add include/daxpin/topology.h '<daxpin/pagestate.h>'
expect_violation 'lib/stray.c: outside every room' touch lib/stray.c
expect_violation 'May-use lines loop' sed -i 's/^May use: nothing.*/May use: layouts./' lib/core/README.md
expect_violation 'include/daxpin/monitor.h: says no "Fronts' sed -i '/Fronts lib/d' include/daxpin/monitor.h
echo "check-layers: every kind of violation caught"
