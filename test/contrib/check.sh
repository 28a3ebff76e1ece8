#!/bin/sh
# contrib/ checked with the tools that will run it, offline: the Ansible
# playbook (ansible-playbook --syntax-check), the Kubernetes DaemonSet
# (kubectl decodes it into the typed API objects without a server; its
# privileges are checked to be capabilities, not privileged), the systemd
# units (systemd-analyze verify, against this build's daxpin and man pages),
# the Prometheus alert rules (promtool check rules, promtool test rules),
# and the node-maintenance hook's exit-code contract where no persistent
# memory is (ok: 10; an unknown target: failed, 3).
# Usage: check.sh SOURCE_DIR DAXPIN MAN_DIR
set -u
src=$1
daxpin=$(realpath "$2")
mandir=$3
contrib=$src/contrib
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
ok() { echo "ok: $1"; }
fail() { echo "FAIL: $1"; failed=1; }

if ansible-playbook --syntax-check -i localhost, "$contrib/ansible/pmem-maintenance.yml" >"$tmp/out" 2>&1; then
	ok "ansible-playbook --syntax-check"
else
	fail "ansible-playbook --syntax-check: $(cat "$tmp/out")"
fi

ds=$contrib/kubernetes/daxpin-metrics.yaml
# `set --local` decodes into the typed objects (a wrong type fails) and never
# asks a server; it prints only when it changed something
got=$(kubectl set resources --local -f "$ds" -c daxpin --limits=memory=127Mi -o jsonpath='{.kind} {.spec.template.spec.hostPID} {.spec.template.spec.containers[*].securityContext.privileged} {.spec.template.spec.containers[0].securityContext.capabilities.drop} {.spec.template.spec.containers[0].securityContext.capabilities.add}' 2>&1)
want='DaemonSet true false false ["ALL"] ["BPF","PERFMON","SYSLOG","SYS_PTRACE","DAC_READ_SEARCH"]'
[ "$got" = "$want" ] && ok "kubectl decodes the DaemonSet: capabilities, not privileged" ||
	fail "DaemonSet: got '$got', want '$want'"
sed 's/hostPID: true/hostPID: "yes"/' "$ds" >"$tmp/bad.yaml"
kubectl set resources --local -f "$tmp/bad.yaml" -c daxpin --limits=memory=1Mi -o name >/dev/null 2>&1 &&
	fail "kubectl accepted a string for a boolean" || ok "kubectl rejects a mistyped manifest"

# the units as installed, with this build's daxpin (through a link in the
# temporary directory: ExecStart= splits a checkout path with a space) and
# man pages
mkdir -p "$tmp/man/man1" "$tmp/bin"
cp "$mandir"/*.1 "$tmp/man/man1/" 2>/dev/null
ln -s "$daxpin" "$tmp/bin/daxpin"
for unit in "$contrib"/systemd/*; do
	sed "s|/usr/bin/daxpin|$tmp/bin/daxpin|" "$unit" >"$tmp/$(basename "$unit")"
done
if MANPATH=$tmp/man systemd-analyze verify "$tmp"/daxpin-*.service "$tmp"/daxpin-*.timer >"$tmp/out" 2>&1 &&
   [ ! -s "$tmp/out" ]; then
	ok "systemd-analyze verify: $(cd "$contrib/systemd" && echo *)"
else
	fail "systemd-analyze verify: $(cat "$tmp/out")"
fi

rules=$contrib/prometheus
if promtool check rules "$rules/daxpin.rules.yml" >"$tmp/out" 2>&1 &&
   (cd "$rules" && promtool test rules daxpin.rules.test.yml) >>"$tmp/out" 2>&1; then
	ok "promtool check rules, test rules: $(grep -c -- '- alert:' "$rules/daxpin.rules.yml") alerts"
else
	fail "alert rules: $(cat "$tmp/out")"
fi

hook=$contrib/node-maintenance/daxpin-maintenance
DAXPIN=$daxpin "$hook" --timeout 1 no-such-device >"$tmp/report.json" 2>/dev/null
rc=$?
[ "$rc $(jq -r '"\(.status) \(.exit_code) \(.drain.result)"' "$tmp/report.json")" = "3 failed 3 not-found" ] &&
	ok "hook: an unknown target fails (3), reported" || fail "hook: unknown target: exit $rc, $(cat "$tmp/report.json")"
DAXPIN=$daxpin "$hook" --bogus >/dev/null 2>&1
rc=$?
[ $rc = 2 ] && ok "hook: a bad option is a usage error (2)" || fail "hook: bad option: exit $rc"
exit $failed
