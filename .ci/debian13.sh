#!/bin/bash
# shellcheck disable=SC2317  # functions are called through phase()
# CI: build and test dormant against Dovecot 2.4 and Postfix 3.10 in a
# Debian 13 (trixie) root, from a Debian 12 CI host. As root, from the top
# of a clean clone (the tree built is `git archive HEAD`).
#
#   bash .ci/debian13.sh
#
# 1. debootstrap on the host (installed if missing);
# 2. the root, DORMANT_TRIXIE_ROOT (default /var/tmp/dormant-trixie), made
#    with `debootstrap --variant=minbase trixie` from the host's own Debian
#    mirror (read from its apt sources, never written here); an existing
#    complete root is reused;
# 3. /proc and /dev mounted in it (always unmounted at exit), resolv.conf,
#    a policy-rc.d that keeps package installs from starting daemons;
# 4. the build and test dependencies (apt, skipped when already there);
# 5. HEAD copied to /build/dormant in the root; autoreconf, configure
#    --enable-werror, make, make install (the Dovecot plugin and, for 2.4,
#    its settings module, which Dovecot must find before a test starts it);
# 6. make check: unit, cli, fuzz corpus, milter and integration suites.
#
# Prints each phase's time and the automake summaries; exits non-zero if
# any phase or test failed. The test logs stay in
# $DORMANT_TRIXIE_ROOT/build/dormant/tests for .ci/run to count.
#
# Environment: DORMANT_TRIXIE_ROOT (the root's directory),
# DORMANT_DEBIAN_MIRROR (a mirror URI instead of the host's),
# DORMANT_CI_TREE=worktree (copy the working tree, tracked and untracked
# files but not ignored ones, instead of HEAD: for trying uncommitted work).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
top=$(pwd)
root=${DORMANT_TRIXIE_ROOT:-/var/tmp/dormant-trixie}
build=/build/dormant                  # inside the root
marker=.dormant-ci                    # in the root: bootstrap complete
pkgmarker=.dormant-ci-packages        # in the root: packages installed

# Exactly what the build and `make check` need (all exist in trixie).
# A change to this list is installed on the next run: install_packages
# compares it with the list recorded in the root ($pkgmarker).
# Not here, unlike scripts/install-deps.sh: chromium and fonts
# (tests/cli/test_render.py skips without them; a large download for
# nothing Dovecot-specific), faketime and iproute2 (no test uses them).
PACKAGES="autoconf automake libtool pkg-config make gcc gettext autopoint
	dovecot-dev liblmdb-dev libmilter-dev zlib1g-dev libcmocka-dev
	dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd
	dovecot-submissiond dovecot-managesieved postfix swaks
	python3 lmdb-utils miltertest procps locales"

status=0
t_start=$(date +%s)
timings=()

say() { printf '\n--- debian13: %s\n' "$*"; }
die() { printf 'debian13: %s\n' "$*" >&2; exit 1; }

# phase NAME COMMAND...: run, time it, remember a failure. The command
# runs as a background job in its own process group (set -m below), so a
# signal to this script is handled at once, not when the phase ends, and
# cleanup() can stop the whole phase (debootstrap, apt, make check).
phase_pid=
phase() {
	local name=$1 t0 rc
	shift
	say "$name"
	t0=$(date +%s)
	"$@" &
	phase_pid=$!
	wait "$phase_pid"
	rc=$?
	phase_pid=
	timings+=("$(printf '%-28s %4ds%s' "$name" $(( $(date +%s) - t0 )) \
		"$([ $rc -eq 0 ] || echo "  FAILED (exit $rc)")")")
	return $rc
}

print_timings() {
	say "phase timings"
	printf '  %s\n' "${timings[@]}"
	printf '  %-28s %4ds\n' total $(( $(date +%s) - t_start ))
}

[ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot, mount)"
case $root in
/?*) ;;
*) die "DORMANT_TRIXIE_ROOT must be an absolute path other than /: $root" ;;
esac
root=${root%/}
git -C "$top" rev-parse --verify -q HEAD >/dev/null ||
	die "$top is not a git checkout with a HEAD"

ROOTLIB_TAG=debian13
# shellcheck source=.ci/rootlib.sh
. "$top/.ci/rootlib.sh"

cleanup() {
	if [ -n "$phase_pid" ]; then
		kill -TERM -- "-$phase_pid" 2>/dev/null
		wait "$phase_pid" 2>/dev/null
		phase_pid=
	fi
	stop_root_processes
	unmount_all
}

# --- phases -----------------------------------------------------------------

make_root() {
	local mirror
	if [ -f "$root/$marker" ]; then
		echo "reusing $root ($(cat "$root/etc/debian_version" 2>/dev/null))"
		return 0
	fi
	if [ -n "$(mounts_below)" ]; then
		echo "debian13: still mounted below $root: $(mounts_below | tr '\n' ' ')" >&2
		return 1
	fi
	if [ -d "$root" ] && [ -n "$(ls -A "$root")" ]; then
		if [ -x "$root/usr/bin/apt-get" ] && [ ! -d "$root/debootstrap" ] &&
		   grep -q -E '^(13|trixie)' "$root/etc/debian_version" 2>/dev/null; then
			# A complete trixie root made by hand (as the README's steps do).
			echo "adopting the existing Debian $(cat "$root/etc/debian_version") root $root"
			date -u +%FT%TZ > "$root/$marker"
			return 0
		fi
		if [ -d "$root/debootstrap" ]; then
			echo "removing the incomplete root $root (an interrupted debootstrap)"
			rm -rf --one-file-system "$root"
		else
			echo "debian13: $root exists and is not a Debian 13 root; not touching it" >&2
			return 1
		fi
	fi
	mirror=${DORMANT_DEBIAN_MIRROR:-$(host_mirror | head -n 1)}
	if [ -z "$mirror" ]; then
		echo "debian13: no Debian mirror in the host's apt sources; set DORMANT_DEBIAN_MIRROR" >&2
		return 1
	fi
	echo "debootstrap --variant=minbase trixie $root (the host's mirror)"
	mkdir -p "$root" || return 1
	if ! debootstrap --variant=minbase trixie "$root" "$mirror" > "$root.debootstrap.log" 2>&1; then
		tail -n 30 "$root.debootstrap.log"
		return 1
	fi
	rm -f "$root.debootstrap.log"
	date -u +%FT%TZ > "$root/$marker"
}

install_packages() {
	local want
	# shellcheck disable=SC2086  # one word per package
	want=$(printf '%s\n' $PACKAGES | sort | tr '\n' ' ')
	if [ -f "$root/$pkgmarker" ] && [ "$(cat "$root/$pkgmarker")" = "$want" ] &&
	   in_root "dpkg-query -W $want >/dev/null 2>&1"; then
		echo "packages already installed"
		return 0
	fi
	in_root "
		set -e
		echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
		apt-get update -q
		apt-get install -y -q --no-install-recommends $want
	" > "$root.apt.log" 2>&1 || { tail -n 40 "$root.apt.log"; return 1; }
	grep -E '^(Setting up|[0-9]+ upgraded)' "$root.apt.log" | tail -n 3
	rm -f "$root.apt.log"
	echo "$want" > "$root/$pkgmarker"
}

copy_tree() {
	rm -rf --one-file-system "$root$build"
	mkdir -p "$root$build" || return 1
	if [ "${DORMANT_CI_TREE:-}" = worktree ]; then
		echo "copying the working tree (DORMANT_CI_TREE=worktree)"
		git -C "$top" ls-files -z --cached --others --exclude-standard |
			(cd "$top" && xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
			tar -C "$top" --null -T - -cf - | tar -C "$root$build" -xf -
	else
		echo "copying HEAD $(git -C "$top" rev-parse --short HEAD)"
		git -C "$top" archive --format=tar HEAD | tar -C "$root$build" -xf -
	fi
}

show_versions() {
	in_root 'echo "Debian $(cat /etc/debian_version), Dovecot $(dovecot --version),"\
" Postfix $(postconf -h -d mail_version 2>/dev/null), $(gcc --version | head -n 1)"'
}

build_tree() {
	in_root "cd $build && autoreconf -fi >autoreconf.log 2>&1 || { cat autoreconf.log; exit 1; }
		./configure --enable-werror >configure.out 2>&1 || { tail -n 30 configure.out; tail -n 40 config.log; exit 1; }
		grep -E -i 'dovecot|WARNING' configure.out || true"
}

make_all() { in_root "cd $build && make -j\$(nproc) >make.log 2>&1 || { tail -n 60 make.log; exit 1; }"; }

# The plugin into Dovecot's module directory and, on 2.4, the settings
# module into its settings/ (the config process reads only that one).
make_install() {
	in_root "cd $build && make install >install.log 2>&1 || { tail -n 40 install.log; exit 1; }
		. /usr/lib/dovecot/dovecot-config
		ls -l \$dovecot_moduledir/lib90_dormant_plugin.so \$dovecot_moduledir/settings/libdormant_settings.so"
}

make_check() { in_root "cd $build && make -k check >check.log 2>&1"; }

summaries() {
	local f
	say "test summaries (Debian 13)"
	[ -d "$root$build/tests" ] || { echo "(no test run)"; return 0; }
	for f in $(find "$root$build/tests" -name test-suite.log | sort); do
		printf '%s: %s\n' "${f#"$root$build"/}" \
			"$(grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' "$f" |
			   sed 's/^# //; s/:  */ /' | tr '\n' ' ')"
	done
	# Every failing test's log, as .ci/run shows them.
	find "$root$build/tests" -name '*.log' ! -name test-suite.log -print0 |
		xargs -0 -r grep -l -E '^(not ok|FAIL|ERROR|Bail out)' 2>/dev/null |
		while read -r f; do echo "--- ${f#"$root"}"; tail -n 60 "$f"; done
	# When make check stopped before the suites (a build failure).
	if [ -f "$root$build/check.log" ] && ! grep -q '^# TOTAL' "$root$build/check.log"; then
		tail -n 40 "$root$build/check.log"
	fi
}

# --- main -------------------------------------------------------------------

set -m
exec 9>"$root.lock"
flock -n 9 || die "another run holds $root.lock"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

run() { phase "$@" || { status=1; return 1; }; }

# Logs of an earlier run must not be counted as this one's.
rm -rf --one-file-system "${root:?}$build"

run "host: debootstrap" ensure_debootstrap &&
run "root: debootstrap trixie" make_root &&
run "root: mounts, policy-rc.d" prepare_root &&
run "root: apt-get install" install_packages &&
run "root: the vi_VN.UTF-8 locale" in_root "localedef -i vi_VN -f UTF-8 vi_VN.UTF-8" &&
run "copy tree" copy_tree &&
{ show_versions || true; } &&
run "autoreconf + configure" build_tree &&
run "make" make_all &&
run "make install" make_install &&
run "make check" make_check
summaries
cleanup
print_timings
if [ $status -ne 0 ]; then
	echo "debian13: FAILED"
else
	echo "debian13: all passed"
fi
exit $status
