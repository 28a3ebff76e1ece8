#!/bin/sh
# check.sh SOURCE_ROOT DEB BUILD_DEB: builds the package (BUILD_DEB SOURCE_ROOT
# DEB) and checks it as Debian's tools see it, and the
# release tarball: lintian reports no error and no warning; the package
# holds the binary, the man pages, the completion where bash-completion
# looks, the schemas, the systemd units and contrib/; `meson dist` makes a
# tarball that configures and builds by itself.
set -u
src=$1
deb=$2
"$3" "$src" "$deb" || { echo "FAIL: the package does not build"; exit 1; }
failed=0
ok() { echo "ok: $1"; }
fail() { echo "FAIL: $1"; failed=1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

root=""
[ "$(id -u)" -ne 0 ] || root=--allow-root
# shellcheck disable=SC2086
if lintian $root --fail-on error,warning --pedantic --display-info "$deb" >"$tmp/lintian" 2>&1; then
	ok "lintian: no error, no warning$( [ -s "$tmp/lintian" ] && printf ' (%s)' "$(tr '\n' ';' <"$tmp/lintian")")"
else
	fail "lintian: $(cat "$tmp/lintian")"
fi

dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$tmp/files"
for f in /usr/bin/daxpin /usr/share/man/man1/daxpin.1.gz /usr/share/man/man1/daxpin-drain.1.gz \
	/usr/share/bash-completion/completions/daxpin /usr/share/daxpin/schema/list.schema.json \
	/lib/systemd/system/daxpin-metrics.service /lib/systemd/system/daxpin-metrics.timer \
	/lib/systemd/system/daxpin-watch.service /usr/share/daxpin/contrib/daxpin-maintenance \
	/usr/share/daxpin/contrib/prometheus/daxpin.rules.yml /usr/share/doc/daxpin/copyright; do
	grep -qx "$f" "$tmp/files" || fail "the package has no $f"
done
expect_man=$(ls "$src"/man/*.adoc | wc -l)
got_man=$(grep -c '^/usr/share/man/man1/.*\.1\.gz$' "$tmp/files")
[ "$got_man" = "$expect_man" ] && ok "the package holds every man page ($got_man), the binary, completion, schemas, units, contrib" ||
	fail "$got_man man pages in the package, $expect_man in man/"

# meson dist works from a git checkout of the committed tree: make one of
# the working tree's tracked files
mkdir "$tmp/src"
(cd "$src" && git ls-files -z | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$tmp/src"
(cd "$tmp/src" && git init -q && git add -A && git -c user.name=dist -c user.email=dist@localhost commit -qm dist) &&
	meson setup "$tmp/src/build" "$tmp/src" -Dvm_tests=disabled >"$tmp/dist.log" 2>&1 &&
	meson dist -C "$tmp/src/build" --no-tests --formats xztar >>"$tmp/dist.log" 2>&1 ||
	fail "meson dist: $(tail -n 20 "$tmp/dist.log")"
tarball=$(ls "$tmp"/src/build/meson-dist/daxpin-*.tar.xz 2>/dev/null)
if [ -n "$tarball" ]; then
	mkdir "$tmp/unpacked"
	tar -xJf "$tarball" -C "$tmp/unpacked"
	dir=$(ls -d "$tmp"/unpacked/daxpin-*)
	if meson setup "$dir/build" "$dir" -Dvm_tests=disabled -Dwerror=true >>"$tmp/dist.log" 2>&1 &&
	   ninja -C "$dir/build" >>"$tmp/dist.log" 2>&1 && [ -x "$dir/build/daxpin/daxpin" ]; then
		ok "meson dist: $(basename "$tarball") configures and builds"
	else
		fail "the dist tarball does not build: $(tail -n 20 "$tmp/dist.log")"
	fi
fi
exit $failed
