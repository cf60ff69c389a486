# shellcheck shell=bash
# Helpers for the CI scripts that work in a debootstrapped Debian root
# (.ci/debian13.sh, .ci/install-test.sh). Sourced; the caller sets $root
# (the root's absolute path) and ROOTLIB_TAG (the prefix of messages).

# --- the host's Debian mirror -----------------------------------------------

# The first URI of the host's apt sources that is not the security archive:
# deb822 (debian.sources, then any *.sources) first, then one-line lists.
host_mirror() {
	local f
	for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && uris != "" && suites !~ /security/) {
					split(uris, u, " "); print u[1]; found = 1; exit
				}
				types = uris = suites = ""
			}
			/^[ \t]*$/ { flush(); next }
			/^[ \t]*#/ { next }
			tolower($1) == "types:"  { $1 = ""; types = $0 " " }
			tolower($1) == "uris:"   { $1 = ""; sub(/^ +/, ""); uris = $0 }
			tolower($1) == "suites:" { $1 = ""; suites = $0 }
			END { if (!found) flush() }
		' "$f" | head -n 1
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		# deb [options] URI suite components
		awk '$1 == "deb" {
			i = 2
			if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
			if ($(i + 1) !~ /security/) { print $i; exit }
		}' "$f"
	done
}

# --- mounts and clean-up ----------------------------------------------------

mounted() { mountpoint -q "$1" 2>/dev/null; }

# Processes whose root directory is the trixie root: only ever ones this
# script started (through chroot). Servers the tests start are stopped by
# the tests; this is the safety net before unmounting.
root_pids() {
	local p r
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		[ "$r" = "$root" ] && echo "${p#/proc/}"
	done
}

stop_root_processes() {
	local pids
	pids=$(root_pids)
	[ -n "$pids" ] || return 0
	echo "${ROOTLIB_TAG:-root}: stopping processes left in $root: $pids" >&2
	# shellcheck disable=SC2086
	kill -TERM $pids 2>/dev/null
	# The tests' sandboxes stop their servers on SIGTERM within 15 s.
	for _ in $(seq 200); do
		[ -n "$(root_pids)" ] || return 0
		sleep 0.1
	done
	pids=$(root_pids)
	# shellcheck disable=SC2086
	[ -z "$pids" ] || kill -KILL $pids 2>/dev/null
}

unmount_all() {
	local m
	for m in "$root/dev" "$root/proc"; do
		mounted "$m" || continue
		umount "$m" 2>/dev/null || { stop_root_processes; umount "$m" 2>/dev/null; } ||
			umount -l "$m" || echo "${ROOTLIB_TAG:-root}: could not unmount $m" >&2
	done
}

# Anything mounted at or below the root (a bind-mounted /dev in particular)
# must never meet an rm -rf.
mounts_below() {
	awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts
}

# --- preparing a root --------------------------------------------------

ensure_debootstrap() {
	if command -v debootstrap >/dev/null 2>&1; then
		echo "debootstrap $(dpkg-query -W -f '${Version}' debootstrap 2>/dev/null) present"
		return 0
	fi
	DEBIAN_FRONTEND=noninteractive apt-get update -q &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap
}

prepare_root() {
	mounted "$root/proc" || mount -t proc proc "$root/proc" || return 1
	mounted "$root/dev" || mount --bind /dev "$root/dev" || return 1
	# resolv.conf may be a dangling symlink in the root: replace it.
	rm -f "$root/etc/resolv.conf"
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" || return 1
	printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d" &&
	chmod 755 "$root/usr/sbin/policy-rc.d"
}

# in_root COMMAND: a shell command in the root, in a clean environment.
in_root() {
	chroot "$root" /usr/bin/env -i \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive \
		/bin/bash -c "$1"
}
