# The figures of test/bench/invocations-guest.sh: KEY=SECONDS lines, one per
# run (and KEY=COUNT for the populations): per figure the mean, the spread
# (min-max) and the ratio of the means to its peer's in the same guest run,
# against the goal of issue 27; the scale rows also per item.
{
	n[$1]++
	sum[$1] += $2
	if (n[$1] == 1 || $2 < lo[$1]) lo[$1] = $2
	if (n[$1] == 1 || $2 > hi[$1]) hi[$1] = $2
}
function m(k) { return sum[k] / n[k] }
# peer WHAT KEY [ITEMS ITEM]: a peer's figure, per ITEM too with ITEMS
function peer(what, key, items, item) {
	if (!(key in n))
		return
	printf "%-54s %7.3f s (%.3f-%.3f)", what " (peer)", m(key), lo[key], hi[key]
	if (items > 0)
		printf "         %8.3f ms per %s", 1000 * m(key) / items, item
	printf "\n"
}
# row WHAT KEY PEER GOAL [ITEMS ITEM]: the figure, its ratio, the goal; with
# ITEMS, the cost per ITEM too
function row(what, key, p, goal, items, item) {
	if (!(key in n) || !(p in n))
		return
	printf "%-54s %7.3f s (%.3f-%.3f) %5.2fx", what, m(key), lo[key], hi[key], m(key) / m(p)
	if (goal != "")
		printf "  goal <= %s: %s", goal, m(key) / m(p) <= goal ? "met" : "MISSED"
	if (items > 0)
		printf "  %8.3f ms per %s", 1000 * m(key) / items, item
	printf "\n"
}
END {
	printf "means of %d runs, (min-max), ratio of the means\n", n["peer"]
	peer("daxctl list -D; ndctl list -N", "peer")
	row("list -o NAME,MODE,SIZE,DEV", "after.topology", "peer", 1.0)
	row("list -J -o NAME,MODE,SIZE,DEV", "after.topology_json", "peer", 1.0)
	row("list (page state)", "after.list", "peer", 1.0)
	row("list --pinned --json", "after.pinned_json", "peer", 1.0)
	row("list, cold (nothing pinned)", "cold.list", "peer", 1.5)
	row("list --pinned --json, cold", "cold.pinned_json", "peer", 1.5)
	row("before: list -o NAME,MODE,SIZE,DEV", "before.topology", "peer", "")
	row("before: list -J (no -J -o then)", "before.topology_json", "peer", "")
	row("before: list", "before.list", "peer", "")
	row("before: list --pinned --json", "before.pinned_json", "peer", "")
	peer("fuser -v, the guest's own processes", "fuser.base")
	row("holders, the guest's own processes", "warm.holders.base", "fuser.base", "")
	row("holders, cold", "cold.holders", "fuser.base", 1.0)
	peer("fuser -v; daxctl list -d, idle device", "peer_drain")
	row("drain --dry-run, idle device", "warm.drain", "peer_drain", "")
	row("drain --dry-run, cold", "cold.drain", "peer_drain", 1.5)
	split("300 2000", pops, " ")
	for (i = 1; i <= 2; i++) {
		k = pops[i]
		label = k == 300 ? "300 openers + 30 python mappers" : "2,000 openers"
		peer("fuser -v, " label " (" m("procs." k) " procs)", "fuser." k)
		row("holders, " label, "after.holders." k, "fuser." k, 0.5)
		row("holders --no-bpf, " label, "after.holders_nobpf." k, "fuser." k, 0.5)
		peer("fuser -v as nobody, " label, "fuser_nobody." k)
		row("holders unprivileged, " label, "after.holders_nobody." k, "fuser_nobody." k, 0.5)
		row("before: holders, " label, "before.holders." k, "fuser." k, "")
	}
	procs = m("procs.20000")
	peer("fuser -v, 20,000 processes, 2,000 holding", "fuser.20000", procs, "process")
	row("holders, 20,000 processes, 2,000 holding", "after.holders.20000", "fuser.20000", 0.2, procs, "process")
	row("holders --no-bpf, 20,000 processes", "after.holders_nobpf.20000", "fuser.20000", "", procs, "process")
	peer("daxctl list -D; ndctl list -N, 6 namespaces", "peer", m("namespaces.6"), "namespace")
	row("list -o NAME,MODE,SIZE,DEV, 6 namespaces", "after.topology", "peer", "", m("namespaces.6"), "namespace")
	peer("daxctl list -D; ndctl list -N, 64 namespaces", "peer.64", m("namespaces.64"), "namespace")
	row("list -o NAME,MODE,SIZE,DEV, 64 namespaces", "after.topology.64", "peer.64", 1.0, m("namespaces.64"), "namespace")
	row("list, 64 namespaces", "after.list.64", "peer.64", 1.0, m("namespaces.64"), "namespace")
	row("list --pinned --json, 64 namespaces", "after.pinned_json.64", "peer.64", 1.0, m("namespaces.64"), "namespace")
	row("list, cold, 64 namespaces", "cold.list.64", "peer.64", 1.5, m("namespaces.64"), "namespace")
}
