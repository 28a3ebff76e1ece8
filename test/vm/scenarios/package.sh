#!/bin/sh
# The Debian package installed and used as an operator would, and the live
# metrics path: dpkg installs daxpin.deb (built by test/package from the
# tracked tree) into a writable overlay of the root; the installed daxpin,
# man page, completion and units work, no unit enabled; then, while a pipe
# holds 3 2M folios of a device-dax device, the metrics command of the
# installed timer's service writes the file, Debian's node_exporter serves
# it with the DaemonSet's collector flags, Debian's Prometheus scrapes it
# every second with the installed alert rules: the values read back through
# the HTTP API are what is held, the textfile collector has no error,
# DaxpinPagesReferenced fires (ALERTS) and resolves once the pipe is drained.
# timeout: 480
# package: deb
set -eu
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../../.." && pwd)

deb=$DAXPIN_DEB
[ -f "$deb" ] || { echo "FAIL: no package at '$deb' (run-scenario builds it for '# package: deb')"; exit 1; }

# The host's root is a read-only 9p share: dpkg installs into an overlay of
# it, with the guest's kernel file systems bound in.
sys=/tmp/sys
mkdir -p /tmp/ovl/up /tmp/ovl/work $sys
mount -t overlay overlay -o lowerdir=/,upperdir=/tmp/ovl/up,workdir=/tmp/ovl/work $sys
for d in proc sys dev dev/pts run; do
	mount --rbind "/$d" "$sys/$d"
done
mount -t tmpfs tmpfs $sys/tmp
in_sys() { chroot $sys "$@"; }
cp "$deb" $sys/tmp/daxpin.deb

run install in_sys dpkg -i /tmp/daxpin.deb
expect "dpkg -i daxpin.deb" 0 "$rc"
expect "installed" "install ok installed" "$(in_sys dpkg-query -W -f '${Status}' daxpin)"
expect "/usr/bin/daxpin is the package's" "daxpin: /usr/bin/daxpin" "$(in_sys dpkg -S /usr/bin/daxpin)"
expect "man daxpin-drain" /usr/share/man/man1/daxpin-drain.1.gz "$(in_sys man -w daxpin-drain)"
expect "its NAME line" 1 "$(zcat $sys/usr/share/man/man1/daxpin-drain.1.gz | grep -c '^daxpin-drain \\\\-')"
expect "bash completes daxpin through bash-completion's loader" "complete -F _daxpin daxpin" \
	"$(in_sys bash -c '. /usr/share/bash-completion/bash_completion; __load_completion daxpin; complete -p daxpin')"
run verify in_sys systemd-analyze verify /lib/systemd/system/daxpin-metrics.service \
	/lib/systemd/system/daxpin-metrics.timer /lib/systemd/system/daxpin-watch.service
expect "systemd-analyze verify the installed units" "0 0" "$rc $(wc -c </tmp/verify.err)"
expect "no unit enabled by the package" "" \
	"$(find $sys/etc/systemd/system -name 'daxpin*' 2>/dev/null)"

set -- $(ndctl create-namespace -r region0 -m devdax -a 2M -s 256M |
	jq -r '"\(.dev) \(.daxregion.devices[0].chardev)"')
ns=$1 dax=$2
expect "the installed daxpin lists $dax" 1 "$(in_sys daxpin list --dev "$dax" | grep -c "$dax")"
hold_refs a -k 3 -s 2M "/dev/$dax"

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
# shellcheck disable=SC2086 # the unit's command line, split as systemd does
in_sys $metrics

ip link set lo up
# shellcheck disable=SC2086
in_sys prometheus-node-exporter $exporter_flags --web.listen-address=127.0.0.1:9100 \
	>/tmp/node-exporter.log 2>&1 &
exporter=$!
# the installed rules, their "for:" durations cut to 0s: the scenario cannot wait 15 minutes
sed 's/^\( *\)for: .*/\1for: 0s/' $sys/usr/share/daxpin/contrib/prometheus/daxpin.rules.yml \
	>$sys/tmp/daxpin.rules.yml
cat >$sys/tmp/prometheus.yml <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [/tmp/daxpin.rules.yml]
scrape_configs:
  - job_name: node
    static_configs: [{ targets: ['127.0.0.1:9100'] }]
EOF
in_sys prometheus --config.file=/tmp/prometheus.yml --storage.tsdb.path=/tmp/prometheus \
	--web.listen-address=127.0.0.1:9090 >/tmp/prometheus.log 2>&1 &
prometheus=$!

# query PROMQL: the first result's value, or "none"
query() {
	curl -sf --get http://127.0.0.1:9090/api/v1/query --data-urlencode "query=$1" |
		jq -r '.data.result[0].value[1] // "none"' 2>/dev/null || echo none
}
is() { [ "$(query "$1")" = "$2" ]; }
labels="type=\"daxdev\",device=\"$dax\""
wait_within 240 is "daxpin_page_references{$labels}" 3
expect "scraped: references, referenced, pinned pages, holders" "3 1536 0 1" \
	"$(query "daxpin_page_references{$labels}") $(query "daxpin_referenced_pages{$labels}") $(query "daxpin_pinned_pages{$labels}") $(query "daxpin_holders{$labels}")"
expect "node_textfile_scrape_error" 0 "$(query node_textfile_scrape_error)"
alert="ALERTS{alertname=\"DaxpinPagesReferenced\",alertstate=\"firing\",device=\"$dax\"}"
wait_within 60 is "$alert" 1
echo "ok: DaxpinPagesReferenced fires for $dax"

release_refs a
in_sys $metrics
wait_within 60 is "daxpin_page_references{$labels}" 0
wait_within 60 is "$alert" none
echo "ok: DaxpinPagesReferenced resolved"

kill $prometheus $exporter
wait $prometheus $exporter 2>/dev/null || true
grep -i 'level=error' /tmp/prometheus.log /tmp/node-exporter.log >&2 || true
in_sys dpkg -r daxpin >/dev/null
expect "dpkg -r removes /usr/bin/daxpin" no "$([ -e $sys/usr/bin/daxpin ] && echo yes || echo no)"
umount -R $sys
exit $failed
