#!/bin/sh
# The Debian package installed and used as an operator would, the live
# metrics path and the package's units under a real systemd: dpkg installs
# daxpin.deb (built by test/package from the tracked tree) into a writable
# overlay of the root; the installed daxpin, man page, completion and units
# work, no unit enabled. Then, while a pipe holds 3 2M folios of a
# device-dax device, systemd (252, Debian's) boots as PID 1 of its own PID
# and mount namespace on that overlay (a container, as systemd-nspawn
# would start it), and `systemctl enable --now` starts the installed
# daxpin-metrics.timer and daxpin-watch.service. The timer's service writes
# the .prom file a minute after systemd's start and again a minute later;
# Debian's node_exporter serves it with the DaemonSet's collector flags,
# Debian's Prometheus scrapes it every second with the installed alert
# rules: the values read back through the HTTP API are what is held, the
# textfile collector has no error, DaxpinPagesReferenced fires (ALERTS),
# and once the pipe is drained the timer's next run brings the values to 0
# and the alert resolves. daxpin watch's events are in the journal, and
# `systemctl stop` ends it with status 0 after its end event. (In systemd's
# PID namespace daxpin sees its processes only and searches no reference
# owners, as in any container: the holder runs there, and daxpin says why
# its holders are partial.)
# timeout: 600
# package: deb
set -eu
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../../.." && pwd)

deb=$DAXPIN_DEB
[ -f "$deb" ] || { echo "FAIL: no package at '$deb' (run-scenario builds it for '# package: deb')"; exit 1; }

# The host's root is a read-only 9p share: dpkg installs into an overlay of
# it, with the guest's kernel file systems bound in; /run and /tmp are the
# overlay's own (/run is systemd's, below).
sys=/tmp/sys
mkdir -p /tmp/ovl/up /tmp/ovl/work $sys
echo "$(date +%T) the overlay"
mount -t overlay overlay -o lowerdir=/,upperdir=/tmp/ovl/up,workdir=/tmp/ovl/work $sys
for d in proc sys dev; do
	mount --rbind "/$d" "$sys/$d"
done
mount -t tmpfs tmpfs $sys/run
mount -t tmpfs tmpfs $sys/tmp
in_sys() { chroot $sys "$@"; }
cp "$deb" $sys/tmp/daxpin.deb

# man-db's trigger would index every man page of the root, over 9p and
# under TCG: minutes; man finds the package's pages without its index
rm -f $sys/var/lib/man-db/auto-update
echo "$(date +%T) dpkg -i daxpin.deb"
{ in_sys dpkg -i /tmp/daxpin.deb 2>&1; echo $? >/tmp/dpkg.rc; } | sed 's/^/  dpkg: /'
rc=$(cat /tmp/dpkg.rc)
expect "dpkg -i daxpin.deb" 0 "$rc"
expect "installed" "install ok installed" "$(in_sys dpkg-query -W -f '${Status}' daxpin)"
expect "/usr/bin/daxpin is the package's" "daxpin: /usr/bin/daxpin" "$(in_sys dpkg -S /usr/bin/daxpin)"
expect "man daxpin-drain" /usr/share/man/man1/daxpin-drain.1.gz "$(in_sys man -w daxpin-drain)"
expect "man daxpin-drain renders its NAME line" 1 \
	"$(in_sys env MANWIDTH=100 man -P cat daxpin-drain 2>/dev/null | grep -c '^ *daxpin-drain - disable a dax device')"
expect "bash completes daxpin through bash-completion's loader" "complete -F _daxpin daxpin" \
	"$(in_sys bash -c '. /usr/share/bash-completion/bash_completion; __load_completion daxpin; complete -p daxpin')"
expect "the completion offers drain for 'daxpin dr'" drain \
	"$(in_sys bash -c '. /usr/share/bash-completion/bash_completion; __load_completion daxpin
		COMP_WORDS=(daxpin dr); COMP_CWORD=1; COMP_LINE="daxpin dr"; COMP_POINT=9
		_daxpin daxpin dr daxpin; echo "${COMPREPLY[*]}"')"
run verify in_sys systemd-analyze verify /lib/systemd/system/daxpin-metrics.service \
	/lib/systemd/system/daxpin-metrics.timer /lib/systemd/system/daxpin-watch.service
expect "systemd-analyze verify the installed units" "0 0" "$rc $(wc -c </tmp/verify.err)"
expect "no unit enabled by the package" "" \
	"$(find $sys/etc/systemd/system -name 'daxpin*' 2>/dev/null)"

set -- $(ndctl create-namespace -r region0 -m devdax -a 2M -s 256M |
	jq -r '"\(.dev) \(.daxregion.devices[0].chardev)"')
ns=$1 dax=$2
expect "the installed daxpin lists $dax" 1 "$(in_sys daxpin list --dev "$dax" | grep -c "$dax")"

# what the timer's service and the DaemonSet run, from their files
service=$sys/lib/systemd/system/daxpin-metrics.service
metrics=$(sed -n 's/^ExecStart=//p' "$service")
prom=${metrics##* }
textfile=${prom%/*}
ds=$src/contrib/kubernetes/daxpin-metrics.yaml
ds_args=$(sed -n 's/^ *daxpin \(list .*\);$/\1/p' "$ds" | sed "s|/textfile/|$textfile/|")
expect "the DaemonSet runs the service's command" "${metrics#/usr/bin/daxpin }" "$ds_args"
exporter_flags=$(sed -n '/name: node-exporter/,/ports:/s/^ *- \(--collector[^ ]*\)$/\1/p' "$ds" |
	sed "s|=/textfile\$|=$textfile|" | tr '\n' ' ')
expect "the DaemonSet's node_exporter collector flags" \
	"--collector.disable-defaults --collector.textfile --collector.textfile.directory=$textfile " "$exporter_flags"
mkdir -p "$sys$textfile"
rm -f "$sys$prom"

echo "$(date +%T) systemd"
# systemd as PID 1 of its own PID and mount namespaces on the overlay: a
# container (container=, as systemd-nspawn sets it) with its own proc, its
# console a file so that nothing it prints reaches the guest's console.
# What the host's sysinit.target pulls in that has no place in a test
# guest (udev, time sync, binfmt, fuse, module loading: there is no
# modprobe here) is masked; it boots into a target of its own, and the
# operator's `systemctl enable --now` starts the package's units.
for u in systemd-udevd.service systemd-udev-trigger.service systemd-timesyncd.service \
	systemd-pstore.service systemd-modules-load.service systemd-binfmt.service \
	proc-sys-fs-binfmt_misc.automount sys-fs-fuse-connections.mount systemd-repart.service \
	systemd-firstboot.service; do
	ln -sf /dev/null "$sys/etc/systemd/system/$u"
done
cat >"$sys/etc/systemd/system/daxpin-vm.target" <<UNIT
[Unit]
Description=package scenario: the journal, then what systemctl starts
Wants=systemd-journald.service
UNIT
: >/tmp/systemd.console
unshare --pid --fork --mount --mount-proc="$sys/proc" sh -c \
	'mount --bind /tmp/systemd.console "$0/dev/console" &&
	 exec chroot "$0" env -i container=daxpin-vm /lib/systemd/systemd \
		--unit=daxpin-vm.target --show-status=no --log-target=journal' "$sys" \
	>/tmp/systemd.out 2>&1 &
unshared=$!
child() { cat "/proc/$unshared/task/$unshared/children" 2>/dev/null | tr -d ' '; }
has_child() { [ -n "$(child)" ]; }
wait_until has_child
sd=$(child)
# in_sd CMD...: CMD in systemd's namespaces and root, where /proc/1 is systemd
in_sd() { nsenter -t "$sd" -m -p -r -w "$@"; }
sd_state() { in_sd systemctl is-system-running 2>/dev/null || true; }
booted() { case $(sd_state) in running | degraded) return 0 ;; *) return 1 ;; esac; }
if ! wait_within 180 booted; then
	echo "FAIL: systemd did not finish booting: '$(sd_state)'"
	cat /tmp/systemd.out /tmp/systemd.console
	in_sd journalctl -b --no-pager | tail -n 40
	exit 1
fi
sd_version=$(in_sd systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')
expect "systemd $sd_version is PID 1 of the overlay's container" systemd "$(in_sd cat /proc/1/comm)"
[ "$(sd_state)" = running ] || in_sd systemctl --failed --no-legend --no-pager
# 3 references by a process of systemd's PID namespace, where the units'
# daxpin looks for holders
cp "$VM_HELPERS/hold-refs" $sys/tmp/hold-refs
in_sd /tmp/hold-refs -r /tmp/a.ready -t /tmp/a.release -k 3 -s 2M "/dev/$dax" >/tmp/a.out &
holder=$!
wait_for $sys/tmp/a.ready
# there, daxpin sees that namespace's processes only, and searches no
# reference owners (they need the initial one): it says so
reason=$(in_sd daxpin holders --json "/dev/$dax" 2>/dev/null | jq -r '.[0].reason')
expect "in systemd's PID namespace, holders say why they are partial" yes \
	"$(case $reason in *"running in a pid namespace"*) echo yes ;; *) echo "no: $reason" ;; esac)"
run enable in_sd systemctl enable --now daxpin-metrics.timer daxpin-watch.service
expect "systemctl enable --now daxpin-metrics.timer daxpin-watch.service" 0 "$rc"
expect "the timer and the watch are enabled" "enabled enabled" \
	"$(in_sd systemctl is-enabled daxpin-metrics.timer daxpin-watch.service | tr '\n' ' ' | sed 's/ $//')"
expect "daxpin-watch.service is running" active "$(in_sd systemctl is-active daxpin-watch.service)"
svc() { in_sd systemctl show -p "$2" --value "$1"; }
# metrics_ran_after USEC: a run of the timer's service that started after
# USEC (CLOCK_MONOTONIC) has finished
metrics_ran_after() {
	start=$(svc daxpin-metrics.service ExecMainStartTimestampMonotonic)
	end=$(svc daxpin-metrics.service ExecMainExitTimestampMonotonic)
	[ "${start:-0}" -gt "$1" ] && [ "${end:-0}" -ge "$start" ]
}
metrics_run() {
	expect "$1: the service succeeded (result, status)" "success 0" \
		"$(svc daxpin-metrics.service Result) $(svc daxpin-metrics.service ExecMainStatus)"
	expect "$1: $prom written" yes "$(exists "$sys$prom")"
}

echo "$(date +%T) node_exporter, Prometheus"
ip link set lo up
# shellcheck disable=SC2086
in_sys prometheus-node-exporter $exporter_flags --web.listen-address=127.0.0.1:9100 \
	>/tmp/node-exporter.log 2>&1 &
exporter=$!
# the installed rules, their "for:" durations cut to 0s: the scenario cannot wait 15 minutes
sed 's/^\( *\)for: .*/\1for: 0s/' $sys/usr/share/daxpin/contrib/prometheus/daxpin.rules.yml \
	>$sys/tmp/daxpin.rules.yml
cat >$sys/tmp/prometheus.yml <<CONF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [/tmp/daxpin.rules.yml]
scrape_configs:
  - job_name: node
    static_configs: [{ targets: ['127.0.0.1:9100'] }]
CONF
in_sys prometheus --config.file=/tmp/prometheus.yml --storage.tsdb.path=/tmp/prometheus \
	--web.listen-address=127.0.0.1:9090 >/tmp/prometheus.log 2>&1 &
prometheus=$!

# the timer's first run: a minute after systemd started (OnBootSec, in a
# container from the manager's start)
wait_within 150 metrics_ran_after 0
metrics_run "the timer's first run"
run1=$(svc daxpin-metrics.service ExecMainStartTimestampMonotonic)
mtime1=$(stat -c %Y "$sys$prom")

# query PROMQL: the first result's value, or "none"
query() {
	curl -sf --get http://127.0.0.1:9090/api/v1/query --data-urlencode "query=$1" |
		jq -r '.data.result[0].value[1] // "none"' 2>/dev/null || echo none
}
is() { [ "$(query "$1")" = "$2" ]; }
labels="type=\"daxdev\",device=\"$dax\""
wait_within 120 is "daxpin_page_references{$labels}" 3
expect "scraped: references, referenced, pinned pages, holders" "3 1536 0 1" \
	"$(query "daxpin_page_references{$labels}") $(query "daxpin_referenced_pages{$labels}") $(query "daxpin_pinned_pages{$labels}") $(query "daxpin_holders{$labels}")"
expect "node_textfile_scrape_error" 0 "$(query node_textfile_scrape_error)"
alert="ALERTS{alertname=\"DaxpinPagesReferenced\",alertstate=\"firing\",device=\"$dax\"}"
wait_within 60 is "$alert" 1
echo "ok: DaxpinPagesReferenced fires for $dax"

touch $sys/tmp/a.release
wait $holder
# the timer's next run, OnUnitActiveSec=1min after the first (AccuracySec=5s)
wait_within 90 metrics_ran_after "$run1"
metrics_run "the timer's second run"
run2=$(svc daxpin-metrics.service ExecMainStartTimestampMonotonic)
gap=$(((run2 - run1) / 1000))
expect "the timer's second run a minute after the first (60-70 s): ${gap} ms" yes \
	"$([ "$gap" -ge 60000 ] && [ "$gap" -le 70000 ] && echo yes || echo no)"
expect "$prom refreshed" yes "$([ "$(stat -c %Y "$sys$prom")" -gt "$mtime1" ] && echo yes || echo no)"
wait_within 60 is "daxpin_page_references{$labels}" 0
expect "scraped after the release: references, referenced pages, holders" "0 0 0" \
	"$(query "daxpin_page_references{$labels}") $(query "daxpin_referenced_pages{$labels}") $(query "daxpin_holders{$labels}")"
wait_within 60 is "$alert" none
echo "ok: DaxpinPagesReferenced resolved"
expect "node_textfile_scrape_error" 0 "$(query node_textfile_scrape_error)"

# daxpin watch's lines in the journal (a scan every 10 s; each line "TIME
# EVENT TEXT"): its start, and the held pages going
watch_log() { in_sd journalctl -u daxpin-watch.service -o cat --no-pager; }
released=" pages $dax: 0 references, 0 referenced, 0 pinned pages"
in_journal() { watch_log | grep -q "$1"; }
wait_within 60 in_journal "$released"
expect "journal: daxpin watch's start, with page state" 1 \
	"$(watch_log | grep -c ' start scanning every 10.0 s; page state available')"
expect "journal: the held pages released" 1 "$(watch_log | grep -c "$released")"
# without CAP_SYS_ADMIN no mapped file can be identified through map_files;
# device-dax refuses private mappings, so the watch's scan passes over
# every library's and only a few shared ones remain (there were ~280)
unidentified=$(watch_log | sed -n 's/.* start scanning.* \([0-9][0-9]*\) mappings could not be identified.*/\1/p' | head -n 1)
expect "journal: at most a few mappings left unidentified (private ones need none)" yes \
	"$([ "${unidentified:-0}" -le 16 ] && echo yes || echo "no: $unidentified")"
run stop in_sd systemctl stop daxpin-watch.service
expect "systemctl stop daxpin-watch.service" 0 "$rc"
expect "daxpin watch ended cleanly (state, result, status)" "inactive success 0" \
	"$(svc daxpin-watch.service ActiveState) $(svc daxpin-watch.service Result) $(svc daxpin-watch.service ExecMainStatus)"
expect "journal: its end event" 1 "$(watch_log | grep -c ' end SIGTERM$')"
echo "daxpin-watch.service's journal:"
watch_log | sed 's/^/  /'

kill $prometheus $exporter
wait $prometheus $exporter 2>/dev/null || true
grep -i 'level=error' /tmp/prometheus.log /tmp/node-exporter.log >&2 || true
in_sd systemctl poweroff
gone() { ! kill -0 "$unshared" 2>/dev/null; }
if ! wait_within 60 gone; then
	echo "FAIL: systemd did not power its container off"
	failed=1
	kill -KILL "$sd"
fi
wait "$unshared" 2>/dev/null || true
in_sys dpkg -r daxpin >/dev/null
expect "dpkg -r removes /usr/bin/daxpin" no "$([ -e $sys/usr/bin/daxpin ] && echo yes || echo no)"
umount -R -l $sys
exit $failed
