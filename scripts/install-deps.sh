#!/bin/sh
# install-deps.sh - install every Debian package dormant needs to build and
# to run its tests (Debian 12 or 13, as root). The one list of packages:
# .ci/run and the Quick start both call this.
#
# Package installs must not start the system's own Dovecot and Postfix:
# the tests run their own on loopback. A temporary policy-rc.d keeps
# invoke-rc.d from starting them (only if none is in place already).
set -eu

BUILD="autoconf automake libtool pkg-config make gcc gettext autopoint
       dovecot-dev libmilter-dev liblmdb-dev zlib1g-dev libcmocka-dev"
TEST="dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd
      dovecot-managesieved dovecot-submissiond postfix swaks miltertest
      python3 lmdb-utils faketime procps iproute2 chromium fonts-dejavu-core"

if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: run as root (apt-get install)" >&2
	exit 2
fi

policy=/usr/sbin/policy-rc.d
made_policy=
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy"
	chmod 755 "$policy"
	made_policy=yes
fi
cleanup() { [ -z "$made_policy" ] || rm -f "$policy"; }
trap cleanup EXIT INT TERM

export DEBIAN_FRONTEND=noninteractive
# Postfix asks how to configure the system's mailer: leave it unconfigured.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $BUILD $TEST
