#!/bin/sh
# daxpin list --format prometheus on a real kernel, as node_exporter's
# textfile collector reads it: while pipes hold 3 2M folios of a device-dax
# device and 2 pages of an XFS file whose same-size truncate waits in a
# layout break, the metrics file (written atomically with --output-file)
# passes promtool and has the exact counts, the holders, the waiter and its
# wait; mapped pages only where the kernel counts DAX mappings (6.15+);
# as user nobody: valid, no count sample, page state unavailable with the
# reason; released: zero.
# timeout: 360
set -eu
. "$(dirname "$0")/lib.sh"

set -- $(ndctl create-namespace -r region0 -m devdax -a 2M -s 256M |
	jq -r '"\(.dev) \(.daxregion.devices[0].chardev)"')
ns=$1 dax=$2
set -- $(ndctl create-namespace -r region0 -m fsdax -s 512M | jq -r '"\(.dev) \(.blockdev)"')
fsns=$1 pmem=$2
mkdir -p /tmp/xfs /tmp/textfile
mkfs.xfs -q -f "/dev/$pmem" && mount -o dax=always "/dev/$pmem" /tmp/xfs
f=/tmp/xfs/f
prom=/tmp/textfile/daxpin.prom

# sample METRIC LABELS FILE: the value of one sample, or "none"
sample() {
	awk -v m="$1$2" '$1 == m { print $2; found = 1 } END { if (!found) print "none" }' "$3"
}
dev_labels="{type=\"daxdev\",region=\"region0\",namespace=\"$ns\",device=\"$dax\"}"
fs_labels="{type=\"namespace\",region=\"region0\",namespace=\"$fsns\",device=\"$pmem\"}"

hold_refs a -k 3 -s 2M "/dev/$dax"
hold_refs b -k 2 "$f"
truncate -s "$(stat -c %s "$f")" "$f" &
tpid=$!
i=0
until "$DAXPIN" layouts "$f" >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -le 50 ] || { echo "FAIL: the truncate never waited"; exit 1; }
	sleep 0.2
done
# the longest wait must read at least 1.5 s: poll the waiter's own figure
waited_2s() { [ "$("$DAXPIN" layouts --json | jq '[.[].waited_ms] | max // 0')" -ge 2000 ] 2>/dev/null; }
wait_until waited_2s

echo old >$prom
"$DAXPIN" list --format prometheus --output-file $prom
cp $prom "$RESULTS/held.prom"
cat $prom
promtool check metrics <$prom && echo "ok: promtool accepts it"
expect "no temporary file left" "daxpin.prom" "$(ls -A /tmp/textfile)"
expect "$dax: references, referenced and pinned pages" "3 1536 0" \
	"$(sample daxpin_page_references "$dev_labels" $prom) $(sample daxpin_referenced_pages "$dev_labels" $prom) $(sample daxpin_pinned_pages "$dev_labels" $prom)"
expect "$fsns: references, referenced pages" "2 2" \
	"$(sample daxpin_page_references "$fs_labels" $prom) $(sample daxpin_referenced_pages "$fs_labels" $prom)"
expect "$dax: one holder (the pipe's owner)" 1 "$(sample daxpin_holders "$dev_labels" $prom)"
expect "$dax: enabled, its size" "1 $(daxctl list -d "$dax" | jq '.[0].size')" \
	"$(sample daxpin_enabled "$dev_labels" $prom) $(sample daxpin_size_bytes "$dev_labels" $prom)"
expect "page state available, holders complete" "1 1" \
	"$(sample daxpin_page_state_available '{reason="available"}' $prom) $(sample daxpin_holders_complete '{reason="complete"}' $prom)"
expect "one layout waiter" 1 "$(sample daxpin_layout_waiters "" $prom)"
longest=$(sample daxpin_layout_wait_longest_seconds "" $prom)
awk -v s="$longest" 'BEGIN { exit !(s >= 1.5 && s < 300) }' &&
	echo "ok: longest wait $longest s" || { echo "FAIL: longest wait $longest s"; failed=1; }
if [ "$KERNEL_FLAVOR" = current ]; then
	expect "6.15+: $dax mapped pages counted" 1536 "$(sample daxpin_mapped_pages "$dev_labels" $prom)"
else
	expect "6.1: no mapped-pages sample (not counted)" none "$(sample daxpin_mapped_pages "$dev_labels" $prom)"
fi
expect "HELP and TYPE once per metric" 0 \
	"$(grep '^# TYPE' $prom | sort | uniq -d | wc -l)"

as_nobody daxpin list --format prometheus >/tmp/nobody.prom 2>/dev/null
cp /tmp/nobody.prom "$RESULTS/nobody.prom"
promtool check metrics </tmp/nobody.prom && echo "ok: promtool accepts nobody's"
expect "nobody: no count sample" 0 "$(grep -c '^daxpin_page_references' /tmp/nobody.prom || true)"
expect "nobody: page state unavailable, with the reason" "0" \
	"$(grep '^daxpin_page_state_available{reason=".*CAP_BPF.*"}' /tmp/nobody.prom | awk '{print $NF}')"
expect "nobody: holders incomplete" 0 "$(awk '/^daxpin_holders_complete/ {print $NF}' /tmp/nobody.prom)"

# --- a run killed (SIGKILL) while it writes the file ----------------------
# killed at the worst moment: its file written, the rename not done (strace
# sends the SIGKILL as the rename is called). The file stays whole (the
# last run's); the next run removes what the killed one left, saying so.
tmp_there() { ls -A /tmp/textfile | grep -q '^\.daxpin\.prom\.'; }
cp $prom /tmp/before.prom
rc=0
strace -f -o /dev/null -e trace=rename,renameat,renameat2 -e inject=rename,renameat,renameat2:signal=SIGKILL \
	"$DAXPIN" list --format prometheus --output-file $prom 2>/dev/null || rc=$?
expect "a run killed at its rename: exit by SIGKILL, its temporary file left" "137 1" \
	"$rc $(tmp_there && echo 1)"
promtool check metrics <$prom >/dev/null && cmp -s $prom /tmp/before.prom &&
	echo "ok: the metrics file is the last whole run's" || { echo "FAIL: the metrics file changed"; failed=1; }
left=$(ls -A /tmp/textfile | grep '^\.daxpin\.prom\.')
"$DAXPIN" list --format prometheus --output-file $prom 2>/tmp/repair.err
expect "the next run removes it, and says so" 1 \
	"$(grep -c "^daxpin list: removed '/tmp/textfile/$left', left by a run that was killed before it finished$" /tmp/repair.err)"
expect "nothing left but the metrics file" daxpin.prom "$(ls -A /tmp/textfile)"

release_refs b
wait $tpid
release_refs a
"$DAXPIN" list --format prometheus --output-file $prom
promtool check metrics <$prom
expect "released: no references, no waiter" "0 0 0" \
	"$(sample daxpin_page_references "$dev_labels" $prom) $(sample daxpin_page_references "$fs_labels" $prom) $(sample daxpin_layout_waiters "" $prom)"
umount /tmp/xfs
exit $failed
