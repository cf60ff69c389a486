#!/bin/bash
# CI: install the Debian packages into a fresh Debian root and run the
# product as an administrator would. As root, from the top of a clean
# clone, on a Debian 12 host:
#
#   bash .ci/install-test.sh                 # Debian 12, Dovecot 2.3
#   bash .ci/install-test.sh trixie          # Debian 13, Dovecot 2.4
#
# 1. the .debs built from HEAD with dpkg-buildpackage -us -uc -b, lintian
#    on them: for bookworm on the host (Debian 12 builds for Debian 12);
#    for trixie in the Debian 13 build root that .ci/debian13.sh made
#    (DORMANT_TRIXIE_ROOT, default /var/tmp/dormant-trixie; it has the
#    build dependencies), so the plugin depends on trixie's Dovecot ABI
#    and trixie's lintian judges the packages;
# 2. a FRESH root, DORMANT_INSTALL_ROOT (default /var/tmp/dormant-install,
#    /var/tmp/dormant-install-trixie for trixie), debootstrap
#    --variant=minbase of the suite from the host's mirror;
# 3. apt-get install ./*.deb there, with the root's own Dovecot and Postfix;
# 4. the mail system set up as a site would (passwd-file users under a
#    vmail uid, Dovecot SASL for Postfix, on 127.0.0.1 high ports: the
#    root shares the host's network), then dormant only by README.Debian's
#    steps and the files in /usr/share/dormant; the daemons started
#    directly (no systemd in a root), the milter as its unit says;
# 5. a whole cycle with the shipped units' commands: logins and sends
#    recorded, sync, report files, one account suspended (Dovecot and
#    Postfix refuse it, the others keep working), reactivated;
# 6. systemd-analyze verify and man --warnings on the installed files;
# 7. README.Debian's removal steps and apt-get purge: mail still works.
#
# Prints "ok N - ..." / "not ok N - ..." per check and ends with one line
# "install test: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
top=$(pwd)
suite=${1:-bookworm}
case $suite in
bookworm) dovecot_form=2.3; root=${DORMANT_INSTALL_ROOT:-/var/tmp/dormant-install}; build_root= ;;
trixie) dovecot_form=2.4; root=${DORMANT_INSTALL_ROOT:-/var/tmp/dormant-install-trixie}
	build_root=${DORMANT_TRIXIE_ROOT:-/var/tmp/dormant-trixie}; build_root=${build_root%/} ;;
*) echo "install-test: suite bookworm or trixie, not $suite" >&2; exit 2 ;;
esac
root=${root%/}
debs=$root.debs                        # on the host: the build's output
IMAP_PORT=${DORMANT_IMAP_PORT:-31143}
SMTP_PORT=${DORMANT_SMTP_PORT:-31025}
USERS="alice bob carol"
DOMAIN=example.org
PASS=Secret-pw1

passed=0
failed=0
n=0
ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { # check DESCRIPTION COMMAND...
	local d=$1
	shift
	if "$@"; then ok "$d"; else nok "$d"; return 1; fi
}
say() { printf '\n--- install-test: %s (%ds)\n' "$*" $(( $(date +%s) - t0 )); }
die() { echo "install-test: $*" >&2; nok "$*"; finish; }
t0=$(date +%s)

ROOTLIB_TAG=install-test
# shellcheck source=.ci/rootlib.sh
. "$top/.ci/rootlib.sh"

milter_pid=
cleanup() {
	if [ -d "$root/usr" ]; then
		in_root 'doveadm stop 2>/dev/null; postfix stop 2>/dev/null' >/dev/null 2>&1
	fi
	stop_root_processes
	unmount_all
	if [ -n "$build_root" ]; then
		root=$build_root stop_root_processes
		root=$build_root unmount_all
	fi
}
finish() {
	cleanup
	trap - EXIT
	echo "install test: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
case $root in /?*) ;; *) echo "bad DORMANT_INSTALL_ROOT" >&2; exit 1 ;; esac
exec 9>"$root.lock"
flock -n 9 || { echo "another run holds $root.lock" >&2; exit 1; }
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# --- 1. the packages --------------------------------------------------------

pkg_need="debhelper lintian fakeroot"
if [ -z "$build_root" ]; then
	say "build the packages on the host (dpkg-buildpackage -us -uc -b)"
	# shellcheck disable=SC2086
	if ! dpkg-query -W $pkg_need debootstrap >/dev/null 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			$pkg_need debootstrap >/dev/null || die "apt-get install $pkg_need debootstrap"
	fi
	rm -rf "$debs" && mkdir -p "$debs/src" || die "mkdir $debs"
	git -C "$top" archive --format=tar HEAD | tar -C "$debs/src" -xf - || die "git archive"
	(cd "$debs/src" && dpkg-buildpackage -us -uc -b -j"$(nproc)") > "$debs/build.log" 2>&1
	build_rc=$?
	lint() { lintian --fail-on error,warning "$debs"/*.changes 2>&1; }
else
	say "build the packages in the $suite build root $build_root"
	[ -x "$build_root/usr/bin/apt-get" ] && [ -f "$build_root/usr/share/dovecot/dovecot-abi" ] ||
		die "no $suite build root with dovecot-dev at $build_root (run .ci/debian13.sh first)"
	exec 8>"$build_root.lock"
	flock -n 8 || die "another run holds $build_root.lock"
	in_build() { root=$build_root in_root "$1"; }
	root=$build_root prepare_root || die "prepare_root $build_root"
	# dpkg-buildpackage checks for build-essential too.
	pkg_need="$pkg_need build-essential"
	in_build "apt-get install -y -q --no-install-recommends $pkg_need" > "$debs.apt.log" 2>&1 ||
		{ tail -n 20 "$debs.apt.log"; die "apt-get install $pkg_need in $build_root"; }
	rm -rf --one-file-system "$build_root/build/pkg" "$debs" &&
		mkdir -p "$build_root/build/pkg/src" "$debs" || die "mkdir"
	git -C "$top" archive --format=tar HEAD | tar -C "$build_root/build/pkg/src" -xf - || die "git archive"
	in_build 'cd /build/pkg/src && dpkg-buildpackage -us -uc -b -j$(nproc)' > "$debs/build.log" 2>&1
	build_rc=$?
	cp "$build_root"/build/pkg/*.deb "$build_root"/build/pkg/*.changes \
		"$build_root"/build/pkg/*.buildinfo "$debs/" 2>/dev/null
	lint() { in_build 'cd /build/pkg && lintian --fail-on error,warning *.changes' 2>&1; }
fi
if [ $build_rc -eq 0 ]; then
	ok "dpkg-buildpackage -us -uc -b ($suite)"
else
	tail -n 40 "$debs/build.log"
	die "dpkg-buildpackage"
fi
ls "$debs"/*.deb
lintian_out=$(lint)
lintian_rc=$?
printf '%s\n' "$lintian_out" | grep -v 'not recommended' | sed 's/^/  lintian: /'
check "lintian: no errors or warnings" [ $lintian_rc -eq 0 ]

# --- 2. a fresh root --------------------------------------------------------

say "debootstrap --variant=minbase $suite $root"
[ -z "$(mounts_below)" ] || die "still mounted below $root: $(mounts_below)"
rm -rf --one-file-system "$root"
mirror=${DORMANT_DEBIAN_MIRROR:-$(host_mirror | head -n 1)}
[ -n "$mirror" ] || die "no Debian mirror in the host's apt sources"
mkdir -p "$root"
debootstrap --variant=minbase "$suite" "$root" "$mirror" > "$root.debootstrap.log" 2>&1 ||
	{ tail -n 20 "$root.debootstrap.log"; die "debootstrap"; }
prepare_root || die "prepare_root"

# --- 3. install -------------------------------------------------------------

say "apt-get install ./*.deb with Dovecot and Postfix"
mkdir -p "$root/tmp/debs"
cp "$debs"/dormant_*.deb "$debs"/dormant-milter_*.deb "$debs"/dovecot-dormant_*.deb "$root/tmp/debs/"
in_root '
	set -e
	echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
	echo "postfix postfix/mailname string '"$DOMAIN"'" | debconf-set-selections
	apt-get update -q
	apt-get install -y -q --no-install-recommends dovecot-core dovecot-imapd postfix swaks python3 procps
	cd /tmp/debs && apt-get install -y -q --no-install-recommends ./*.deb
' > "$root.apt.log" 2>&1
rc=$?
check "apt-get install ./*.deb into a fresh $suite root" [ $rc -eq 0 ] || { tail -n 30 "$root.apt.log"; finish; }
# Nothing printed on install except through debconf (policy 10.4).
check "the packages print nothing on installation" \
	bash -c "! sed -n '/Setting up dormant/,/Processing triggers/p' '$root.apt.log' | grep -v -E '^(Setting up|Processing|Created symlink|Unpacking|Selecting|Preparing|invoke-rc.d|/usr/sbin/policy-rc.d)'"
check "user and group dormant exist" in_root 'getent passwd dormant >/dev/null && getent group dormant >/dev/null'
check "/var/lib/dormant is dormant:dormant 2770" \
	[ "$(in_root 'stat -c %U:%G:%a /var/lib/dormant')" = dormant:dormant:2770 ]
check "/var/log/dormant is root:adm 750" [ "$(in_root 'stat -c %U:%G:%a /var/log/dormant')" = root:adm:750 ]
check "/etc/dormant/dormant.conf is a conffile with every key commented" \
	in_root 'dpkg-query -W -f "\${Conffiles}" dormant | grep -q /etc/dormant/dormant.conf &&
		! grep -E "^[[:space:]]*[a-z_]+[[:space:]]*=" /etc/dormant/dormant.conf'
check "Dovecot not changed by the packages" in_root '! grep -r -l dormant /etc/dovecot'
check "Postfix not changed by the packages" in_root '! grep -l dormant /etc/postfix/main.cf /etc/postfix/master.cf'
check "dovecot-dormant depends on the exact Dovecot ABI" \
	in_root 'dpkg-query -W -f "\${Depends}" dovecot-dormant | grep -q "dovecot-abi-$(cat /usr/share/dovecot/dovecot-abi 2>/dev/null || dpkg-query -W -f "\${Provides}" dovecot-core | grep -o "dovecot-abi-[^,]*" | sed s/dovecot-abi-//)"'

# --- 4. the site's mail system, then dormant by README.Debian ---------------

say "configure the mail system, then dormant by README.Debian"
# The site's own set-up (not dormant's): virtual users under vmail,
# Dovecot SASL for Postfix, loopback high ports.
in_root "
	set -e
	groupadd -g 5000 vmail
	useradd -u 5000 -g vmail -d /var/mail/vhosts -m -s /usr/sbin/nologin vmail
	: > /etc/dovecot/users
	for u in $USERS erin; do
		echo \"\$u@$DOMAIN:{PLAIN}$PASS:\$(id -u vmail):\$(id -g vmail)::/var/mail/vhosts/\$u\" >> /etc/dovecot/users
	done
	chown root:dovecot /etc/dovecot/users; chmod 640 /etc/dovecot/users
	sed -i 's/^!include auth-system.conf.ext/!include auth-passwdfile.conf.ext/' /etc/dovecot/conf.d/10-auth.conf
	postconf -e 'smtpd_sasl_type = dovecot' 'smtpd_sasl_path = private/auth' \
		'smtpd_sasl_auth_enable = yes' 'inet_interfaces = loopback-only' \
		'smtpd_recipient_restrictions = permit_sasl_authenticated, reject' \
		'maillog_file = /var/log/postfix.log'
	postconf -M smtp/inet >/dev/null
	postconf -M# smtp/inet
	postconf -M '127.0.0.1:$SMTP_PORT/inet = 127.0.0.1:$SMTP_PORT inet n - y - - smtpd'
	# Creates the queue directories (private/, where Dovecot's auth
	# listener goes) before Postfix first starts, as at boot.
	postfix check
" || die "mail system set-up"
if [ "$dovecot_form" = 2.3 ]; then
	in_root "cat > /etc/dovecot/local.conf <<EOF
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
log_path = /var/log/dovecot.log
mail_location = maildir:~/Maildir
protocols = imap
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service auth {
  unix_listener /var/spool/postfix/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
EOF"
else
	# Debian 13 ships auth-passwdfile.conf.ext commented out: the site
	# writes its own, in 2.4 syntax.
	in_root "cat > /etc/dovecot/conf.d/auth-passwdfile.conf.ext <<EOF
passdb passwd-file {
  passwd_file_path = /etc/dovecot/users
}
userdb passwd-file {
  passwd_file_path = /etc/dovecot/users
}
EOF
	cat > /etc/dovecot/local.conf <<EOF
listen = 127.0.0.1
ssl = no
auth_allow_cleartext = yes
log_path = /var/log/dovecot.log
mail_driver = maildir
mail_path = ~/Maildir
protocols = imap
service imap-login {
  inet_listener imap {
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service auth {
  unix_listener auth-postfix {
    path = /var/spool/postfix/private/auth
    mode = 0660
    user = postfix
    group = postfix
  }
}
EOF"
fi || die "Dovecot set-up"

# dormant: README.Debian, steps 1 to 3 and 5.
in_root "
	set -e
	usermod -a -G dormant vmail
	cp /usr/share/dormant/dovecot-$dovecot_form/90-dormant.conf /etc/dovecot/conf.d/
	install -d -m 0750 -o dormant -g dormant /var/spool/postfix/dormant
	usermod -a -G dormant postfix
	cat >> /etc/dormant/dormant.conf <<EOF
milter_socket = unix:/var/spool/postfix/dormant/milter.sock
deny_file = /etc/dovecot/dormant.deny
local_domains = $DOMAIN
EOF
	sed -n '/^smtpd_milters/,\$p' /usr/share/dormant/postfix-main.cf >> /etc/postfix/main.cf
" || die "README.Debian steps"
# The cycle's policy: an account idle three days may be suspended, and one of
# three may go in one run (the test's own choice, as a site's would be).
in_root "cat >> /etc/dormant/dormant.conf <<EOF
warn_after = 1d
dormant_after = 2d
suspend_after = 3d
notice_days = 0
max_suspend_fraction = 50%
EOF"

# unit_cmd UNIT: the ExecStart= of an installed unit.
unit_cmd() {
	in_root "sed -n 's/^ExecStart=//p' \$(ls /lib/systemd/system/$1 /usr/lib/systemd/system/$1 2>/dev/null | head -n 1)"
}
run_unit() { # run_unit UNIT [extra global options]: as root, like systemd
	local cmd
	cmd=$(unit_cmd "$1.service")
	[ -n "$cmd" ] || { echo "no ExecStart in $1.service"; return 1; }
	# shellcheck disable=SC2086
	in_root "${cmd/\/usr\/bin\/dormant/\/usr\/bin\/dormant ${2:-}}"
}

# doveadm user '*' asks the running Dovecot's auth process.
in_root 'dovecot' || die "dovecot did not start"
check "the sync timer's command (writes the empty deny file)" run_unit dormant-sync
# dormant-review.service (installed disabled: it mails reviewers and
# revokes at the due date): each of its commands, as root like systemd,
# succeeds with no campaign open (exit 0, or 1: its SuccessExitStatus).
check "dormant-review.service and .timer installed, the timer not enabled" in_root '
	u=$(ls -d /lib/systemd/system /usr/lib/systemd/system 2>/dev/null | head -n 1)
	test -f "$u/dormant-review.service" && test -f "$u/dormant-review.timer" &&
	grep -qx "SuccessExitStatus=1" "$u/dormant-review.service" &&
	! test -e /etc/systemd/system/timers.target.wants/dormant-review.timer'
review_unit_runs() {
	local cmd rc
	local -a cmds
	mapfile -t cmds < <(unit_cmd dormant-review.service)
	[ "${#cmds[@]}" -eq 2 ] || { echo "dormant-review.service: ${#cmds[@]} ExecStart"; return 1; }
	for cmd in "${cmds[@]}"; do
		rc=0
		in_root "$cmd" < /dev/null || rc=$?
		[ "$rc" -le 1 ] || { echo "$cmd: exit $rc"; return 1; }
	done
}
check "dormant-review.service's commands with no campaign: success" review_unit_runs
check "deny file exists, readable by everyone" in_root 'test -f /etc/dovecot/dormant.deny && [ "$(stat -c %a /etc/dovecot/dormant.deny | cut -c3)" -ge 4 ]'
in_root 'dormant check' > "$root.check.log" 2>&1
check "dormant check: no PROBLEM about the deny file" bash -c "! grep -i 'PROBLEM.*deny' '$root.check.log'" ||
	cat "$root.check.log"
# The deny passdb, above the normal one (README.Debian step 5).
in_root "
	cp /usr/share/dormant/dovecot-$dovecot_form/auth-dormant-deny.conf.ext /etc/dovecot/conf.d/
	sed -i 's/^!include auth-passwdfile.conf.ext/!include auth-dormant-deny.conf.ext\n&/' /etc/dovecot/conf.d/10-auth.conf
	doveadm reload
"

say "start Dovecot, dormant-milter (as its unit), Postfix"
milter_cmd=$(unit_cmd dormant-milter.service)
milter_user=$(in_root "sed -n 's/^User=//p' /lib/systemd/system/dormant-milter.service")
[ -n "$milter_cmd" ] && [ "$milter_user" = dormant ] || nok "dormant-milter.service: ExecStart and User=dormant"
# RuntimeDirectory=dormant, then ExecStart as User= with its groups.
in_root "install -d -m 0750 -o dormant -g dormant /run/dormant
	setpriv --reuid dormant --regid dormant --init-groups $milter_cmd >/var/log/dormant-milter.log 2>&1 &"
in_root 'postfix start' >/dev/null 2>&1 || die "postfix did not start"
# dormant-alerts.service (installed disabled; a site enables it): its
# command as its User=, in the background as systemd would run it.
alerts_cmd=$(unit_cmd dormant-alerts.service)
alerts_user=$(in_root "sed -n 's/^User=//p' \$(ls /lib/systemd/system/dormant-alerts.service /usr/lib/systemd/system/dormant-alerts.service 2>/dev/null | head -n 1)")
check "dormant-alerts.service: ExecStart and User=dormant" \
	[ -n "$alerts_cmd" ] && [ "$alerts_user" = dormant ]
in_root "setpriv --reuid dormant --regid dormant --init-groups $alerts_cmd >/var/log/dormant-alerts.log 2>&1 &"
alerts_started() { grep -q "delivering alerts every" "$root/var/log/dormant-alerts.log"; }

# wait_for DESC COMMAND: poll up to 15 s.
wait_for() {
	local d=$1 i
	shift
	for i in $(seq 150); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "timed out: $d"
	return 1
}
wait_for "milter socket" test -S "$root/var/spool/postfix/dormant/milter.sock" || nok "milter socket"
wait_for "imap" in_root "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $IMAP_PORT), 2)'"
wait_for "smtp" in_root "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $SMTP_PORT), 2)'"

imap_login() { # imap_login USER: exit 0 when the login works
	in_root "python3 - <<'EOF'
import imaplib, sys
try:
    c = imaplib.IMAP4('127.0.0.1', $IMAP_PORT)
    c.login('$1@$DOMAIN', '$PASS')
    c.select('INBOX')
    c.logout()
except Exception as e:
    print('login $1:', e)
    sys.exit(1)
EOF"
}
send() { # send USER: exit 0 when Postfix accepts the mail
	in_root "swaks --server 127.0.0.1 --port $SMTP_PORT --from $1@$DOMAIN --to postmaster@localhost \
		--auth PLAIN --auth-user $1@$DOMAIN --auth-password $PASS --hide-all --timeout 20"
}

say "logins and sends"
for u in $USERS; do
	check "IMAP login $u" imap_login "$u"
	check "authenticated send $u" send "$u"
done
sleep_until_recorded() {
	in_root "dormant list --format csv" > "$root.list.csv" 2>&1
	for u in $USERS; do
		grep -q "^$u@$DOMAIN,[^,]*,[^,]*,20[^,]*,imap,127.0.0.1,20[^,]*,127.0.0.1," "$root.list.csv" || return 1
	done
}
check "every login and send recorded (dormant list)" wait_for "records" sleep_until_recorded ||
	cat "$root.list.csv"

say "the cycle: the shipped units' commands"
check "sync" run_unit dormant-sync
check "notify --apply" run_unit dormant-notify
report_ok() {
	run_unit dormant-report &&
	ls "$root"/var/log/dormant/dormant-*.html "$root"/var/log/dormant/dormant-*.csv.gz
}
check "report --monthly: files in /var/log/dormant" report_ok
in_root 'install -d /var/lib/prometheus/node-exporter'   # node_exporter's directory
metrics_ok() {
	run_unit dormant-metrics &&
	grep -q dormant "$root/var/lib/prometheus/node-exporter/dormant.prom"
}
check "metrics -o" metrics_ok
# the catalogue the dormant package ships: Vietnamese without a vi_VN
# locale (a fresh root has none), English when nothing asks otherwise
if [ "$suite" = trixie ]; then
	# glibc 2.41 reads LANGUAGE only under a real locale: README.Debian's
	# step (Debian 12 goes on without it, under C.UTF-8)
	check "README.Debian: the vi_VN.UTF-8 locale generated" in_root '
		apt-get install -y -q --no-install-recommends locales >/dev/null &&
		localedef -i vi_VN -f UTF-8 vi_VN.UTF-8'
fi
check "dormant help in Vietnamese (LANGUAGE=vi)" \
	in_root "LANGUAGE=vi LANG=C.UTF-8 dormant help | grep -q 'cách dùng'"
check "dormant help in English by default" \
	in_root "dormant help | grep -q '^usage:'"

later=$(date -u -d '+4 days' +%Y-%m-%dT%H:%M:%SZ)
in_root "dormant exempt add alice@$DOMAIN --reason 'install test' &&
	dormant exempt add bob@$DOMAIN --reason 'install test' &&
	dormant exempt add erin@$DOMAIN --reason 'install test: the alerts check'" >/dev/null
check "suspend --apply (four days later): carol suspended" run_unit dormant-suspend "--now $later"
check "carol is suspended" in_root "dormant list --status suspended --format csv | grep -q '^carol@$DOMAIN,'"
check "carol in the deny file" in_root "grep -q '^carol@$DOMAIN' /etc/dovecot/dormant.deny"
imap_refused() { ! imap_login "$1"; }
send_refused() { ! send "$1"; }
check "Dovecot refuses carol" wait_for "carol refused" imap_refused carol
check "Postfix refuses carol's send" send_refused carol
# A forgotten account comes back: erin (in the userdb, not in the cycle)
# last logged in five days ago as the imported log says; her login now is
# a wake-up, which the alerts service delivers within its 15 s poll and
# 5 s settle. (Carol's refusals are Dovecot's: SASL refuses her before
# the milter sees a sender.)
check "the alerts service started" wait_for "alerts service" alerts_started ||
	cat "$root/var/log/dormant-alerts.log"
in_root "echo '$(date -u -d '-5 days' +%Y-%m-%dT%H:%M:%SZ) mx dovecot: imap-login: Login: user=<erin@$DOMAIN>, method=PLAIN, rip=192.0.2.9' > /tmp/erin.log && dormant import-log /tmp/erin.log" >/dev/null
check "IMAP login erin (five days idle)" imap_login erin
alert_delivered() { grep -q "delivered [1-9][0-9]* alert" "$root/var/log/dormant-alerts.log"; }
alert_wait() { local i; for i in $(seq 60); do alert_delivered && return 0; sleep 1; done; return 1; }
check "dormant-alerts.service delivered erin's wake-up" alert_wait ||
	cat "$root/var/log/dormant-alerts.log"
check "dormant alerts lists erin's wake-up" \
	in_root "dormant alerts --format csv | grep -q ',wakeup-login,erin@$DOMAIN,'"
for u in alice bob; do
	check "$u still logs in" imap_login $u
	check "$u still sends" send $u
done

check "reactivate carol" in_root "dormant reactivate --reason 'install test' carol@$DOMAIN"
check "Dovecot lets carol in again" wait_for "carol back" imap_login carol
check "carol sends again" send carol

say "systemd-analyze verify, man pages"
in_root 'apt-get install -y -q --no-install-recommends systemd man-db' > "$root.apt2.log" 2>&1 ||
	tail -n 20 "$root.apt2.log"
in_root 'cd /lib/systemd/system 2>/dev/null || cd /usr/lib/systemd/system
	systemd-analyze verify dormant-milter.service dormant-*.service dormant-*.timer' > "$root.verify.log" 2>&1
check "systemd-analyze verify: clean" [ ! -s "$root.verify.log" ] || cat "$root.verify.log"
for m in dormant.8 dormant-milter.8 dormant.conf.5; do
	check "man --warnings $m: clean" bash -c "[ -z \"\$(chroot '$root' env MANWIDTH=80 man --warnings -l /usr/share/man/man${m##*.}/$m.gz 2>&1 >/dev/null)\" ]"
done
# dormant(8) names every command and option of dormant help.
words=$(in_root 'dormant help; for c in $(dormant help | awk "/^commands:/{f=1;next} /^\$/{f=0} f{print \$1}"); do dormant help $c; done' |
	grep -o -E '(^| |\[|\|)--?[a-z][a-z-]*' | sed 's/^[ [|]*//' | sort -u)
commands=$(in_root 'dormant help' | awk '/^commands:/{f=1;next} /^$/{f=0} f{print $1}')
missing=
man_text=$(chroot "$root" env MANWIDTH=200 man -l /usr/share/man/man8/dormant.8.gz 2>/dev/null | sed 's/‐/-/g')
for w in $words $commands; do
	grep -q -F -- "$w" <<<"$man_text" || missing="$missing $w"
done
check "dormant(8) names every command and option of dormant help${missing:+ (missing:$missing)}" [ -z "$missing" ]

say "README.Debian's removal steps, then apt-get purge"
in_root 'rm /etc/dovecot/conf.d/90-dormant.conf && doveadm reload' || nok "remove 90-dormant.conf"
in_root 'apt-get purge -y -q dormant dormant-milter dovecot-dormant' > "$root.purge.log" 2>&1
check "apt-get purge" [ $? -eq 0 ] || tail -n 20 "$root.purge.log"
check "purge removed /var/lib/dormant and /etc/dormant" in_root '[ ! -e /var/lib/dormant ] && [ ! -e /etc/dormant ]'
check "purge kept the deny file Dovecot reads" in_root 'test -f /etc/dovecot/dormant.deny'
# what systemd does when the unit goes away
in_root 'kill $(pgrep -x dormant-milter) $(pgrep -x -u dormant dormant) 2>/dev/null; doveadm reload'
for u in $USERS; do
	check "after purge: $u logs in" wait_for "login $u" imap_login "$u"
	check "after purge: $u sends" send "$u"
done

say "done"
finish
