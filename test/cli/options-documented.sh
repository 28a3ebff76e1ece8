#!/bin/sh
# Every option a command takes (its --help, made from the one declaration
# the parser uses) is in its man page and in the bash completion of that
# command: a new option cannot land undocumented or uncompletable.
# Usage: options-documented.sh SOURCE_DIR DAXPIN
set -u
src=$1
daxpin=$2
failed=0
commands=$("$daxpin" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
[ -n "$commands" ] || { echo "FAIL: no command in 'daxpin --help'"; exit 1; }
for cmd in $commands; do
	[ "$cmd" = help ] && continue
	page=$src/man/daxpin-$cmd.adoc
	# the completion function of this command, up to the next one
	fn=$(echo "$cmd" | tr - _)
	completion=$(sed -n "/^_daxpin_$fn()/,/^}/p" "$src/completions/daxpin")
	[ -n "$completion" ] || { echo "FAIL: $cmd: no _daxpin_$fn in completions/daxpin"; failed=1; }
	opts=$("$daxpin" "$cmd" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
	[ -n "$opts" ] || { echo "FAIL: $cmd: --help lists no option"; failed=1; }
	for opt in $opts; do
		# --help is every command's (daxpin(1)); the others have an entry
		# of their own in the man page ("*-t, --timeout* SECONDS::") and
		# are a word of the completion
		[ "$opt" = --help ] && continue
		if ! grep -q -E -- "^\*[^:]*$opt([^a-z-][^:]*)?::\$" "$page"; then
			echo "FAIL: $cmd $opt: not in man/daxpin-$cmd.adoc"
			failed=1
		elif ! echo "$completion" | grep -q -w -- "$opt"; then
			echo "FAIL: $cmd $opt: not completed by _daxpin_$fn"
			failed=1
		else
			echo "ok: $cmd $opt"
		fi
	done
done
exit $failed
