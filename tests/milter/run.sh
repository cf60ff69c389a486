#!/bin/sh
# run.sh - protocol tests of the built dormant-milter, printing TAP.
#
# Starts milters on free local ports with temporary databases, drives them
# with the miltertest scripts t-*.lua and with mclient (what miltertest
# cannot send: 64 KiB macros, NUL and 8-bit bytes, garbage, hundreds of
# recipients, the exact reply text), and looks into the database with
# dbcheck (and with "dormant list --format csv" when that is built).
# Every milter started here is stopped on exit, also on failure.
#
# Environment (set by tests/milter/Makefile): top_builddir, top_srcdir,
# srcdir, builddir. Without miltertest the whole file is skipped (77).

: "${top_builddir:=../..}"
: "${top_srcdir:=../..}"
: "${srcdir:=$top_srcdir/tests/milter}"
: "${builddir:=.}"
MILTER=$top_builddir/milter/dormant-milter
MCLIENT=$builddir/mclient
DBCHECK=$builddir/dbcheck
DORMANT=$top_builddir/reporter/dormant
export srcdir

if ! command -v miltertest >/dev/null 2>&1; then
	echo "1..0 # SKIP miltertest not installed (Debian package miltertest)"
	exit 77
fi
for prog in "$MILTER" "$MCLIENT" "$DBCHECK"; do
	if [ ! -x "$prog" ]; then
		echo "Bail out! $prog is not built"
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dormant-milter-test.XXXXXX") || exit 1
chmod 755 "$tmp"
pids=""
cleanup() {
	for p in $pids; do
		kill -KILL "$p" 2>/dev/null
	done
	# KEEP_TMP=1 keeps the databases and logs for a look after a failure
	if [ -n "${KEEP_TMP:-}" ]; then
		echo "# kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

n=0
failures=0
ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() {
	n=$((n + 1))
	failures=$((failures + 1))
	echo "not ok $n - $1"
}
skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}
# check NAME COMMAND...: one case; a failing command's output is shown.
# (sh has no local variables: helpers use names of their own.)
check() {
	check_name=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		ok "$check_name"
	else
		not_ok "$check_name"
		sed 's/^/#   /' "$tmp/out"
	fi
}

# --- milters ---

# wait_for PID FILE TEXT: until FILE contains TEXT (0), or PID is gone or
# 20 s passed (1). Polls; never a fixed sleep.
wait_for() {
	i=0
	while [ $i -lt 400 ]; do
		grep -q "$3" "$2" 2>/dev/null && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# wait_gone PID: until the process is gone (0) or 20 s passed (1).
wait_gone() {
	i=0
	while [ $i -lt 400 ]; do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# start_milter NAME ARGS...: run dormant-milter -f on a free port of
# 127.0.0.1 with ARGS; sets pid_NAME, sock_NAME, log_NAME. A port taken by
# someone else shows as a failed listen: try another.
start_milter() {
	sm_name=$1
	shift
	sm_tries=0
	while [ $sm_tries -lt 20 ]; do
		sm_tries=$((sm_tries + 1))
		sm_port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
		sm_log=$tmp/$sm_name.log
		"$MILTER" -f -p "inet:$sm_port@127.0.0.1" "$@" >"$sm_log" 2>&1 &
		sm_pid=$!
		pids="$pids $sm_pid"
		if wait_for "$sm_pid" "$sm_log" "started:"; then
			eval "pid_$sm_name=$sm_pid sock_$sm_name=inet:$sm_port@127.0.0.1 log_$sm_name=\$sm_log"
			return 0
		fi
		grep -q "cannot listen" "$sm_log" || break
	done
	cat "$sm_log"
	return 1
}

# stop_milter PID: SIGTERM; it must exit 0 (a sanitizer's report would
# make it fail) within the deadline.
stop_milter() {
	if ! kill -TERM "$1"; then
		wait "$1"
		echo "already gone, exit status $?"
		return 1
	fi
	if ! wait_gone "$1"; then
		echo "still running after SIGTERM"
		kill -KILL "$1"
		return 1
	fi
	wait "$1"
	status=$?
	[ $status -eq 0 ] || echo "exit status $status"
	return $status
}

# alive PID SOCKET: the process runs and answers an authenticated MAIL.
alive() {
	kill -0 "$1" || { echo "milter died"; return 1; }
	out=$("$MCLIENT" "$2" -a alive@example.org -i 192.0.2.99)
	[ "$out" = accept ] || { echo "reply: $out"; return 1; }
}

lua() {
	MILTER_SOCKET=$1 miltertest -s "$srcdir/$2"
}

# worker_of PID: the worker of supervisor PID (its only child), if any.
worker_of() {
	wo=$(cat "/proc/$1/task/$1/children" 2>/dev/null)
	set -- $wo
	echo "${1:-}"
}

# poll_out WANT COMMAND...: until COMMAND prints WANT (0), or 5 s passed (1).
poll_out() {
	po_want=$1
	shift
	po_i=0
	while [ $po_i -lt 250 ]; do
		po_got=$("$@" 2>&1)
		[ "$po_got" = "$po_want" ] && return 0
		sleep 0.02
		po_i=$((po_i + 1))
	done
	echo "got '$po_got', expected '$po_want' (for 5 s)"
	return 1
}

# next_second: until the clock is 100 ms into a new second (time() in the
# milter reads the coarse clock, a tick behind date: keep off the edge).
next_second() {
	ns=$(date +%s)
	while :; do
		nn=$(date +%s.%3N)
		[ "${nn%.*}" != "$ns" ] && [ "${nn#*.}" -ge 100 ] && return 0
		sleep 0.02
	done
}

# --- database checks ---

# send_of DB ACCOUNT: "TIME IP" of the last send, nothing if no record.
send_of() {
	"$DBCHECK" "$1" get "$2" | sed -n 's/^last_send=\([0-9]*\) send_ip=\([^ ]*\).*/\1 \2/p'
}

# recorded DB ACCOUNT IP: a send was recorded from IP, in this run.
recorded() {
	set -- "$1" "$2" "$3" "$(send_of "$1" "$2")"
	[ -n "$4" ] || { echo "$2: no record"; return 1; }
	t=${4% *}
	ip=${4#* }
	[ "$t" -ge "$t0" ] && [ "$t" -le "$(date +%s)" ] ||
		{ echo "$2: last_send $t outside the run"; return 1; }
	[ "$ip" = "$3" ] || { echo "$2: send_ip '$ip', expected '$3'"; return 1; }
}

# not_recorded DB ACCOUNT
not_recorded() {
	"$DBCHECK" "$1" get "$2"
	[ $? -eq 1 ]
}

expect_out() {
	want=$1
	shift
	got=$("$@")
	[ "$got" = "$want" ] || { echo "got '$got', expected '$want'"; return 1; }
}

t0=$(date +%s)

# === the main milter: enforcing, with a trusted webmail network ===
db=$tmp/db
mkdir "$db"
conf=$tmp/main.conf
cat >"$conf" <<EOF
# milter test configuration
reject_text = Account closed 100% for now
trusted_networks = 127.0.0.0/8, 2001:db8::/32
local_domains = example.org
update_interval = 60s
EOF
check "milter starts in the foreground on an inet socket" \
	start_milter main -c "$conf" -d "$db"
if [ -z "${pid_main:-}" ]; then
	echo "Bail out! the milter does not start"
	exit 1
fi
S=$sock_main

check "negotiates MAIL only, asks for its macros (t-negotiate)" lua "$S" t-negotiate.lua
check "authenticated send accepted (t-auth-send)" lua "$S" t-auth-send.lua
check "authenticated send recorded with time and client IP" \
	recorded "$db" alice@example.org 192.0.2.7
csv_has() {
	"$DORMANT" -c "$conf" -d "$db" list --format csv >"$tmp/list.csv" || return 1
	head -n 1 "$tmp/list.csv" | grep -q '^account,status,idle_days,last_login,login_service,login_ip,last_send,send_ip,' ||
		{ echo "unexpected header"; head -n 1 "$tmp/list.csv"; return 1; }
	awk -F, -v a="$1" -v ip="$2" '$1 == a && $7 != "" && $8 == ip { f = 1 } END { exit !f }' \
		"$tmp/list.csv" || { cat "$tmp/list.csv"; return 1; }
}
if [ -x "$DORMANT" ]; then
	check "dormant list shows the send and its IP" csv_has alice@example.org 192.0.2.7
else
	skip "dormant list shows the send and its IP" "reporter/dormant not built"
fi

check "unauthenticated mail accepted (t-unauth)" lua "$S" t-unauth.lua
check "unauthenticated mail not recorded" not_recorded "$db" nobody@example.org

"$DBCHECK" "$db" suspend sam@example.org
check "suspended sender refused (t-suspended)" lua "$S" t-suspended.lua
check "refusal is 550 5.7.1 with reject_text, % escaped" \
	expect_out "reply 550 5.7.1 Account closed 100%% for now" \
	"$MCLIENT" "$S" -a sam@example.org -i 192.0.2.9
check "refused send kept as an event" \
	sh -c "'$DBCHECK' '$db' events | grep -q '^[0-9]* sam@example.org refused-send .*ip=192.0.2.9'"
check "refused send not recorded as activity" not_recorded "$db" sam@example.org
# The log says it once a minute; the events count every refusal (one an
# account and second: the store's key).
refusals_counted() {
	"$DBCHECK" "$db" suspend rita@example.org || return 1
	for i in 1 2 3; do
		next_second
		expect_out "reply 550 5.7.1 Account closed 100%% for now" \
			"$MCLIENT" "$S" -a rita@example.org -i 192.0.2.40 || return 1
	done
	c=$("$DBCHECK" "$db" events | grep -c ' rita@example.org refused-send .*ip=192.0.2.40')
	[ "$c" -eq 3 ] || { echo "$c refused-send events for 3 refusals"; return 1; }
	c=$(grep -c 'refused mail from suspended account rita@example.org' "$log_main")
	[ "$c" -eq 1 ] || { echo "refusal logged $c times"; return 1; }
}
check "refusals in 3 seconds: 3 events, logged once (rate limit)" refusals_counted
"$DBCHECK" "$db" clear sam@example.org
check "accepted again once reactivated (t-reactivated)" lua "$S" t-reactivated.lua
check "reactivated sender recorded" recorded "$db" sam@example.org 192.0.2.9

# records the store cannot decode: a future version byte (0xff, 0x09)
printf 'badstate@example.org\n\\ff\\01\\02\n' | mdb_load -T -s state "$db"
printf 'badrecord@example.org\n\\09\\00\\00\n' | mdb_load -T -s activity "$db"
check "unreadable database records never refuse mail (t-db-error)" lua "$S" t-db-error.lua
check "database errors logged, mail goes on" \
	sh -c "grep -q 'state of badstate@example.org.*suspension not checked; mail goes on' '$log_main' &&
	       grep -q 'badrecord@example.org.*send not recorded; mail goes on' '$log_main'"

check "MTA without macro lists: CONNECT kept (t-old-mta)" lua "$S" t-old-mta.lua
check "address from CONNECT recorded" recorded "$db" olga@example.org 198.51.100.9

check "trusted network, unauthenticated (t-trusted)" lua "$S" t-trusted.lua
check "trusted sender recorded, +detail stripped" recorded "$db" web.user@example.org 127.0.0.1
check "trusted sender of a foreign domain not recorded" not_recorded "$db" x@elsewhere.net

check "bad {auth_authen} names let through (t-bad-authen)" lua "$S" t-bad-authen.lua
check "bad names logged escaped" \
	sh -c "grep -q '{auth_authen} \"two words@example.org\" (21 bytes) is not an account name' '$log_main' &&
	       grep -q 'tab\\\\x09here@example.org' '$log_main'"

now=$(date +%s)
"$DBCHECK" "$db" set-send wendy@example.org $((now - 100 * 86400))
check "send after 100 idle days accepted" \
	expect_out accept "$MCLIENT" "$S" -a wendy@example.org -i 192.0.2.12
check "wake-up logged and kept as an event" \
	sh -c "grep -q 'wake-up: wendy@example.org sent mail from 192.0.2.12 after 100 days idle' '$log_main' &&
	       '$DBCHECK' '$db' events | grep -q ' wendy@example.org wakeup-send idle=86400..'"

# New networks (doc/DESIGN.md §5.4): the first send teaches the set, a
# send from another /24 is one event, another host of that /24 none.
new_network_sends() {
	expect_out accept "$MCLIENT" "$S" -a nina@example.org -i 203.0.113.5 || return 1
	next_second
	expect_out accept "$MCLIENT" "$S" -a nina@example.org -i 198.51.100.77 || return 1
	next_second
	expect_out accept "$MCLIENT" "$S" -a nina@example.org -i 198.51.100.78 || return 1
	"$DBCHECK" "$db" events >"$tmp/events" || return 1
	c=$(grep -c ' nina@example.org ' "$tmp/events")
	[ "$c" -eq 1 ] || { echo "$c events for nina"; cat "$tmp/events"; return 1; }
	grep -q ' nina@example.org new-network-send .*ip=198.51.100.77 flags=1$' "$tmp/events" ||
		{ cat "$tmp/events"; return 1; }
	grep -q 'new network: nina@example.org sent mail from 198.51.100.77' "$log_main"
}
check "sends from new networks: taught, one event, same /24 none" new_network_sends

# --- hostile input, through mclient ---
check "64 KiB {auth_authen}: accepted, not recorded" \
	expect_out accept "$MCLIENT" "$S" -L 65000 -i 192.0.2.13
long_lines() {
	grep -q '(65000 bytes) is not an account name' "$log_main" || { echo "not logged"; return 1; }
	awk 'length > 1500 { print "long log line: " length; bad = 1 } END { exit bad }' "$log_main"
}
check "64 KiB name logged cut, no line over 1500 bytes" long_lines
check "packet over 64 KiB: libmilter hangs up" \
	expect_out closed "$MCLIENT" "$S" -L 70000
check "milter alive after the oversized packet" alive "$pid_main" "$S"
# A NUL splits a macro value in two, shifting names and values. Only an
# even number of strings is sent: libmilter's smfi_getsymval reads past its
# array for an odd one (a libmilter defect no milter can guard against; an
# MTA never sends it, and only who may connect to the socket can).
check "NUL inside {auth_authen}: a defined reply" \
	expect_out accept "$MCLIENT" "$S" -a 'ali\0ce@example.org\0x' -i 192.0.2.14
check "8-bit {auth_authen}: accepted" \
	expect_out accept "$MCLIENT" "$S" -a '\xc3\xa9lise@Example.org' -i 192.0.2.15
check "8-bit name recorded as bytes, domain lowercased" \
	recorded "$db" "$(printf '\303\251lise@example.org')" 192.0.2.15
check "control bytes in {auth_authen}: accepted" \
	expect_out accept "$MCLIENT" "$S" -a 'bad\x01name@example.org' -i 192.0.2.16
raw_bytes() {
	grep -q 'bad\\x01name@example.org' "$log_main" || { echo "not logged escaped"; return 1; }
	! grep -q "$(printf 'bad\001name')" "$log_main" || { echo "raw byte in the log"; return 1; }
}
check "control bytes logged escaped, never raw" raw_bytes
check "empty <> from a trusted host: accepted" \
	expect_out accept "$MCLIENT" "$S" -f '<>' -i 127.0.0.1
check "sender without brackets: accepted" \
	expect_out accept "$MCLIENT" "$S" -f 'Web2@example.org' -i 127.0.0.1
check "sender without brackets recorded" recorded "$db" web2@example.org 127.0.0.1
check "8-bit envelope sender: accepted" \
	expect_out accept "$MCLIENT" "$S" -f '<\xff\xfe@example.org>' -i 127.0.0.1
rcpt300() {
	"$MCLIENT" "$S" -a alice@example.org -i 192.0.2.7 -r 300 >"$tmp/rcpt" || return 1
	head -n 1 "$tmp/rcpt" | grep -qx accept && grep -q '^rcpt [0-9]*/300$' "$tmp/rcpt" ||
		{ cat "$tmp/rcpt"; return 1; }
}
check "300 recipients after MAIL: no crash" rcpt300
check "milter alive after 300 recipients" alive "$pid_main" "$S"
check "garbage packets: the session ends" \
	sh -c "'$MCLIENT' '$S' -G -t 2 | grep -q '^garbage '"
check "milter alive after garbage" alive "$pid_main" "$S"
many() {
	"$MCLIENT" "$S" -a alice@example.org -i 192.0.2.7 -m 1000 >"$tmp/many" || return 1
	[ "$(grep -cx accept "$tmp/many")" -eq 1000 ] || { sort "$tmp/many" | uniq -c; return 1; }
}
check "1000 transactions on one connection" many
rate_limit() {
	"$MCLIENT" "$S" -a 'same bad name' -i 192.0.2.17 -m 20 >/dev/null || return 1
	c=$(grep -c '"same bad name"' "$log_main")
	[ "$c" -eq 1 ] || { echo "logged $c times"; return 1; }
}
check "a repeated bad name is logged once (rate limit)" rate_limit
check "old MTA (CONNECT) through mclient: accepted" \
	expect_out "$(printf 'connect noreply\naccept')" \
	"$MCLIENT" "$S" -C -a olga@example.org -i 198.51.100.10
check "milter alive after all of it" alive "$pid_main" "$S"
check "SIGTERM stops the milter cleanly (exit 0)" stop_milter "$pid_main"

# === enforce = no ===
db2=$tmp/db2
mkdir "$db2"
printf 'enforce = no\n' >"$tmp/noenforce.conf"
"$DBCHECK" "$db2" suspend sam@example.org 2>/dev/null ||
	{ "$DBCHECK" "$db2" suspend sam@example.org; }
check "milter with enforce = no starts" start_milter noenf -c "$tmp/noenforce.conf" -d "$db2"
check "enforce = no lets a suspended sender through (t-enforce-no)" \
	lua "${sock_noenf:-none}" t-enforce-no.lua
check "enforce = no: send recorded and noted in the log" \
	sh -c "'$DBCHECK' '$db2' get sam@example.org >/dev/null &&
	       grep -q 'suspended account sam@example.org sent mail.*enforce = no' '${log_noenf:-/dev/null}'"
# a suspended account's send that got through is a wake-up (the first
# since the suspension only)
suspended_wakeup() {
	next_second
	expect_out accept "$MCLIENT" "${sock_noenf:-none}" -a sam@example.org \
		-i 192.0.2.9 || return 1
	"$DBCHECK" "$db2" events >"$tmp/events2" || return 1
	c=$(grep -c ' sam@example.org ' "$tmp/events2")
	[ "$c" -eq 1 ] || { echo "$c events for sam"; cat "$tmp/events2"; return 1; }
	grep -q ' sam@example.org wakeup-send idle=-1 ip=192.0.2.9 flags=2$' "$tmp/events2" ||
		{ cat "$tmp/events2"; return 1; }
}
check "enforce = no: the suspended account's first send is one wake-up" suspended_wakeup
check "enforce = no milter stops cleanly" stop_milter "${pid_noenf:-0}"

# === SIGHUP reload ===
db3=$tmp/db3
mkdir "$db3"
rconf=$tmp/reload.conf
printf 'reject_text = First text\n' >"$rconf"
"$DBCHECK" "$db3" suspend sam@example.org
check "reload milter starts" start_milter reload -c "$rconf" -d "$db3"
check "reject_text from the file" expect_out "reply 550 5.7.1 First text" \
	"$MCLIENT" "${sock_reload:-none}" -a sam@example.org
reloaded() {
	printf 'reject_text = Second text\nupdate_interval = 5m\n' >"$rconf"
	kill -HUP "$pid_reload"
	wait_for "$pid_reload" "$log_reload" "configuration reloaded" || return 1
	expect_out "reply 550 5.7.1 Second text" "$MCLIENT" "$sock_reload" -a sam@example.org
}
check "SIGHUP reload changes reject_text" reloaded
# The wake-up threshold the CLI publishes is cached for a minute
# (milter/mlfi.c); a reload reads it at once. tom's send loads the cache
# (none published: the file's 90 days, so 50 idle days are no wake-up);
# after 30 days is published and SIGHUP, uma's 50 idle days are one.
threshold_reload() {
	now=$(date +%s)
	# (set-send exits 1 when it wrote, as its callers above ignore)
	"$DBCHECK" "$db3" set-send tom@example.org $((now - 50 * 86400))
	"$DBCHECK" "$db3" set-send uma@example.org $((now - 50 * 86400))
	expect_out accept "$MCLIENT" "$sock_reload" -a tom@example.org -i 192.0.2.31 ||
		return 1
	"$DBCHECK" "$db3" set-meta dormant_after $((30 * 86400)) || return 1
	th_seen=$(grep -c "configuration reloaded" "$log_reload")
	kill -HUP "$pid_reload"
	th_i=0
	while [ "$(grep -c "configuration reloaded" "$log_reload")" -le "$th_seen" ]; do
		[ $th_i -lt 400 ] || { echo "no reload logged"; return 1; }
		sleep 0.05
		th_i=$((th_i + 1))
	done
	expect_out accept "$MCLIENT" "$sock_reload" -a uma@example.org -i 192.0.2.31 ||
		return 1
	"$DBCHECK" "$db3" events >"$tmp/events3" || return 1
	grep -q ' tom@example.org ' "$tmp/events3" &&
		{ echo "tom (50 < 90 days) raised:"; cat "$tmp/events3"; return 1; }
	grep -q ' uma@example.org wakeup-send ' "$tmp/events3" ||
		{ echo "no wake-up for uma:"; cat "$tmp/events3"; return 1; }
}
check "SIGHUP: a newly published dormant_after is used at once" threshold_reload
broken_reload() {
	printf 'reject_text = Third text\nenforce = perhaps\n' >"$rconf"
	kill -HUP "$pid_reload"
	wait_for "$pid_reload" "$log_reload" "reload: .*reload.conf:2: enforce: invalid boolean.*keeping the running configuration" ||
		{ cat "$log_reload"; return 1; }
	expect_out "reply 550 5.7.1 Second text" "$MCLIENT" "$sock_reload" -a sam@example.org
}
check "broken file on SIGHUP: logged with file:line, old settings kept" broken_reload
restart_key() {
	printf 'syslog_facility = local3\n' >"$rconf"
	kill -HUP "$pid_reload"
	wait_for "$pid_reload" "$log_reload" "reload: syslog_facility changed; it takes effect after a restart"
}
check "SIGHUP: a change that needs a restart is logged" restart_key
hup_storm() {
	printf 'reject_text = Storm text\n' >"$rconf"
	before=$(grep -c "configuration reloaded" "$log_reload")
	# traffic on one connection while the settings are swapped under it
	"$MCLIENT" "$sock_reload" -a alice@example.org -i 192.0.2.7 -m 50000 >"$tmp/storm" &
	traffic=$!
	while kill -0 $traffic 2>/dev/null; do
		kill -HUP "$pid_reload" || return 1
		sleep 0.01
	done
	wait $traffic || { echo "traffic failed"; return 1; }
	[ "$(grep -cx accept "$tmp/storm")" -eq 50000 ] || { sort "$tmp/storm" | uniq -c; return 1; }
	after=$(grep -c "configuration reloaded" "$log_reload")
	echo "$((after - before)) reloads during the traffic"
	[ $((after - before)) -ge 5 ] || return 1
	alive "$pid_reload" "$sock_reload" &&
		expect_out "reply 550 5.7.1 Storm text" "$MCLIENT" "$sock_reload" -a sam@example.org
}
check "SIGHUPs during 50000 transactions: all answered, still running" hup_storm
check "reload milter stops cleanly" stop_milter "${pid_reload:-0}"

# === -n: check the configuration ===
printf '# broken\nreject_text = fine\nenforce = perhaps\n' >"$tmp/broken.conf"
check_broken() {
	"$MILTER" -n -c "$tmp/broken.conf" >"$tmp/n.out" 2>&1
	status=$?
	[ $status -eq 2 ] || { echo "exit $status"; cat "$tmp/n.out"; return 1; }
	grep -q "broken.conf:3: enforce: invalid boolean 'perhaps'" "$tmp/n.out" || { cat "$tmp/n.out"; return 1; }
}
check "-n with a broken file: exit 2, file:line: message" check_broken
check_good() {
	"$MILTER" -n -c "$conf" -d "$db" >"$tmp/n.out" 2>&1 || { cat "$tmp/n.out"; return 1; }
	grep -qx "reject_text = Account closed 100% for now" "$tmp/n.out" &&
		grep -qx "db = $db" "$tmp/n.out" &&
		grep -qx "trusted_networks = 127.0.0.0/8, 2001:db8::/32" "$tmp/n.out" ||
		{ cat "$tmp/n.out"; return 1; }
}
check "-n with a good file prints the effective configuration, exit 0" check_good
exit_is() {
	want=$1
	shift
	"$@" >"$tmp/x.out" 2>&1
	status=$?
	[ $status -eq "$want" ] || { echo "exit $status, expected $want"; cat "$tmp/x.out"; return 1; }
}
check "-c with a missing file: exit 2" exit_is 2 "$MILTER" -n -c "$tmp/missing.conf"
# bad_conf NAME CONTENT MESSAGE: a file NAME.conf holding CONTENT (printf
# format) is refused with exit 2 and MESSAGE (a grep pattern) on stderr
bad_conf() {
	printf "$2" >"$tmp/$1.conf"
	exit_is 2 "$MILTER" -n -c "$tmp/$1.conf" || return 1
	grep -q "$1.conf:$3" "$tmp/x.out" || { cat "$tmp/x.out"; return 1; }
}
check "bad trusted_networks: exit 2, file:line: message" bad_conf tn \
	'# trusted relays\ntrusted_networks = 192.0.2.0/24 10.0.0.0/33\n' \
	"2: trusted_networks: invalid network '10.0.0.0/33'"
check "bad syslog_facility: exit 2, file:line: message" bad_conf sf \
	'syslog_facility = mial\n' "1: syslog_facility: unknown facility 'mial'"
check "bad -p socket: exit 2" exit_is 2 "$MILTER" -n -c "$conf" -p "inet:99999@127.0.0.1"
check "unknown option: exit 2" exit_is 2 "$MILTER" -x

# === runtime failures ===
missing_db() {
	exit_is 3 "$MILTER" -f -c "$conf" -d "$tmp/no-such-dir" -p "inet:1@127.0.0.1" || return 1
	grep -q "cannot open the database" "$tmp/x.out" || { cat "$tmp/x.out"; return 1; }
}
check "database directory missing: exit 3 with the reason" missing_db
check "daemon mode reports a failed start-up: exit 3" \
	exit_is 3 "$MILTER" -c "$conf" -d "$tmp/no-such-dir" -p "inet:1@127.0.0.1"

# === daemon mode: detach, pid file, SIGTERM ===
db4=$tmp/db4
mkdir "$db4"
pidfile=$tmp/milter.pid
daemon_start() {
	# a port taken by someone else shows as a failed listen: try another
	ds_tries=0
	while :; do
		port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
		sock_d=inet:$port@127.0.0.1
		"$MILTER" -c "$conf" -d "$db4" -p "$sock_d" -P "$pidfile" >"$tmp/d.out" 2>&1 &&
			break
		ds_tries=$((ds_tries + 1))
		grep -q "cannot listen" "$tmp/d.out" && [ $ds_tries -lt 20 ] ||
			{ cat "$tmp/d.out"; return 1; }
	done
	[ -s "$pidfile" ] || { echo "no pid file"; return 1; }
	pid_d=$(cat "$pidfile")
	pids="$pids $pid_d"
	kill -0 "$pid_d" || { echo "pid $pid_d not running"; return 1; }
	w_d=$(worker_of "$pid_d")
	[ -n "$w_d" ] || { echo "pid $pid_d (the pid file's) has no worker"; return 1; }
	pids="$pids $w_d"
	[ "$pid_d" != "$$" ] && alive "$w_d" "$sock_d"
}
check "daemon mode: exits 0 once ready, pid file names the supervisor of a live worker" daemon_start
daemon_stop() {
	kill -TERM "$pid_d" && wait_gone "$pid_d" || { echo "still running"; return 1; }
	! kill -0 "$w_d" 2>/dev/null || { echo "worker $w_d left running"; return 1; }
	[ ! -e "$pidfile" ] || { echo "pid file left behind"; return 1; }
}
check "daemon mode: SIGTERM stops both and removes the pid file" daemon_stop

# === unix socket: stale file replaced, live one never stolen ===
usock=$tmp/milter.sock
db5=$tmp/db5
mkdir "$db5"
stale_socket() {
	"$MILTER" -f -c "$conf" -d "$db5" -p "unix:$usock" >"$tmp/u1.log" 2>&1 &
	p=$!
	pids="$pids $p"
	wait_for "$p" "$tmp/u1.log" "started:" || { cat "$tmp/u1.log"; return 1; }
	# both killed, as systemd kills a unit's processes: the supervisor
	# stopped first, so that it neither restarts the worker nor lets it
	# stop cleanly
	w=$(worker_of "$p")
	kill -STOP "$p"
	kill -KILL "$w"
	kill -KILL "$p"
	wait_gone "$p"
	wait_gone "$w"
	[ -S "$usock" ] || { echo "no stale socket left to test with"; return 1; }
	"$MILTER" -f -c "$conf" -d "$db5" -p "unix:$usock" >"$tmp/u2.log" 2>&1 &
	pid_u=$!
	pids="$pids $pid_u"
	wait_for "$pid_u" "$tmp/u2.log" "started:" || { cat "$tmp/u2.log"; return 1; }
	alive "$pid_u" "unix:$usock"
}
check "unix socket: a stale socket file is replaced" stale_socket
socket_mode() {
	mode=$(stat -c %a "$usock")
	[ "$mode" = 660 ] || { echo "mode $mode"; return 1; }
}
check "unix socket is created 0660" socket_mode
in_use() {
	exit_is 3 "$MILTER" -f -c "$conf" -d "$db5" -p "unix:$usock" || return 1
	grep -q "another process is listening" "$tmp/x.out" || { cat "$tmp/x.out"; return 1; }
	alive "$pid_u" "unix:$usock"
}
check "unix socket in use by a live milter: exit 3, never stolen" in_use
check "unix socket milter stops cleanly" stop_milter "${pid_u:-0}"

# === -u: privileges dropped before the socket and the database ===
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	db6=$tmp/db6
	mkdir "$db6"
	chown nobody "$db6"
	drop() {
		start_milter priv -c "$conf" -d "$db6" -u nobody || return 1
		uid=$(id -u nobody)
		w=$(worker_of "$pid_priv")
		[ -n "$w" ] || { echo "no worker"; return 1; }
		grep -q "^Uid:[[:space:]]*$uid[[:space:]]*$uid[[:space:]]*$uid[[:space:]]*$uid\$" \
			"/proc/$w/status" || { grep '^[UG]id:' "/proc/$w/status"; return 1; }
		alive "$w" "$sock_priv" || return 1
		[ "$(stat -c %U "$db6/data.mdb")" = nobody ] || { ls -l "$db6"; return 1; }
	}
	check "-u nobody: the worker runs as nobody, database files are nobody's" drop
	check "unprivileged milter stops cleanly" stop_milter "${pid_priv:-0}"

	# A file only root may read (it may hold secrets): the worker, as
	# nobody, cannot read it; SIGHUP still applies it.
	db9=$tmp/db9
	mkdir "$db9"
	chown nobody "$db9"
	rootconf=$tmp/rootonly.conf
	printf 'reject_text = Root text one\n' >"$rootconf"
	chown root:root "$rootconf"
	chmod 0640 "$rootconf"
	root_reload() {
		start_milter rootcf -c "$rootconf" -d "$db9" -u nobody || return 1
		"$DBCHECK" "$db9" suspend sam@example.org || return 1
		expect_out "reply 550 5.7.1 Root text one" \
			"$MCLIENT" "$sock_rootcf" -a sam@example.org || return 1
		# as an editor saves: a new file renamed over the old one
		printf 'reject_text = Root text two\n' >"$rootconf.new"
		chmod 0640 "$rootconf.new"
		mv "$rootconf.new" "$rootconf"
		kill -HUP "$pid_rootcf"
		wait_for "$pid_rootcf" "$log_rootcf" "configuration reloaded" ||
			{ cat "$log_rootcf"; return 1; }
		expect_out "reply 550 5.7.1 Root text two" \
			"$MCLIENT" "$sock_rootcf" -a sam@example.org || return 1
		# SIGHUP to the worker (pkill -HUP): the supervisor reads the file
		printf 'reject_text = Root text three\n' >"$rootconf"
		kill -HUP "$(worker_of "$pid_rootcf")"
		poll_out "reply 550 5.7.1 Root text three" \
			"$MCLIENT" "$sock_rootcf" -a sam@example.org
	}
	check "config 0640 root:root, worker as nobody: SIGHUP applies the edited file" root_reload
	check "root-only config milter stops cleanly" stop_milter "${pid_rootcf:-0}"
else
	skip "-u nobody: the worker runs as nobody, database files are nobody's" "not root"
	skip "unprivileged milter stops cleanly" "not root"
	skip "config 0640 root:root, worker as nobody: SIGHUP applies the edited file" "not root"
	skip "root-only config milter stops cleanly" "not root"
fi

# === supervision: a crashed worker is replaced at once ===
db8=$tmp/db8
mkdir "$db8"
"$DBCHECK" "$db8" suspend sam@example.org
check "supervised milter starts" start_milter sup -c "$conf" -d "$db8"
# ms since the epoch
ms() {
	date +%s%3N
}
crash_restart() {
	w1=$(worker_of "$pid_sup")
	expect_out closed "$MCLIENT" "$sock_sup" -H || return 1
	t_crash=$(ms)
	# a suspended sender refused and an active one accepted, within 2 s
	# of the crash: poll, never a fixed sleep
	while :; do
		out=$("$MCLIENT" "$sock_sup" -a sam@example.org -i 192.0.2.20 -t 1)
		[ "$out" = "reply 550 5.7.1 Account closed 100%% for now" ] && break
		[ $(($(ms) - t_crash)) -lt 2000 ] || { echo "no answer 2 s after the crash: $out"; return 1; }
		sleep 0.02
	done
	expect_out accept "$MCLIENT" "$sock_sup" -a alice@example.org -i 192.0.2.21 || return 1
	t_ok=$(($(ms) - t_crash))
	echo "both answered ${t_ok} ms after the crash"
	[ $t_ok -lt 2000 ] || return 1
	w2=$(worker_of "$pid_sup")
	[ -n "$w1" ] && [ -n "$w2" ] && [ "$w2" != "$w1" ] ||
		{ echo "worker '$w1', now '$w2'"; return 1; }
	! kill -0 "$w1" 2>/dev/null || { echo "worker $w1 still there"; return 1; }
	grep -q "worker (pid $w1) .*: restarting\$" "$log_sup" || { cat "$log_sup"; return 1; }
}
check "fatal libmilter packet: the worker dies, a new one answers within 2 s" crash_restart
# one line (ASan, in CI, catches the fault and exits 1, or aborts with
# abort_on_error=1)
crash_logged() {
	[ "$(grep -c "worker (pid $w1)" "$log_sup")" -eq 1 ] &&
		grep -Eq "worker \(pid $w1\) (killed by signal (11 \(Segmentation fault\)|6 \(Aborted\))|exited with status 1): restarting\$" \
			"$log_sup" || { cat "$log_sup"; return 1; }
}
check "the crash is logged in one line" crash_logged
check "supervised milter stops cleanly after a restart" stop_milter "${pid_sup:-0}"

# poll_alive SOCKET: until a worker answers there (5 s).
poll_alive() {
	poll_out accept "$MCLIENT" "$1" -a alive@example.org -i 192.0.2.99
}
restart_limit() {
	for i in 1 2 3; do
		poll_alive "$sock_lim" || return 1
		"$MCLIENT" "$sock_lim" -H >/dev/null
	done
	wait_gone "$pid_lim" || { echo "supervisor still running after 3 crashes"; return 1; }
	wait "$pid_lim"
	status=$?
	[ $status -eq 3 ] || { echo "exit status $status, expected 3"; return 1; }
	[ "$(grep -c ': restarting$' "$log_lim")" -eq 2 ] &&
		grep -q "more than 2 restarts within 60 s, giving up (exit 3)" "$log_lim" ||
		{ cat "$log_lim"; return 1; }
}
check "milter with -R 2/60s starts" start_milter lim -c "$conf" -d "$db8" -R 2/60s
check "restart limit: the third crash within 60 s ends the supervisor (exit 3)" restart_limit
check "-R with a bad value: exit 2" exit_is 2 "$MILTER" -n -c "$conf" -R 3
single() {
	start_milter single -S -c "$conf" -d "$db8" || return 1
	[ -z "$(worker_of "$pid_single")" ] || { echo "a worker was forked"; return 1; }
	alive "$pid_single" "$sock_single" && stop_milter "$pid_single"
}
check "-S: one process, no supervisor" single

# === database files replaced under the running milter ===
db10=$tmp/db10
mkdir "$db10"
"$DBCHECK" "$db10" suspend sam@example.org
check "milter on a database to be replaced starts" start_milter repl -c "$conf" -d "$db10"
replaced() {
	expect_out accept "$MCLIENT" "$sock_repl" -a bob@example.org -i 192.0.2.30 || return 1
	# a restored backup: another database moved into place, both files
	mkdir "$tmp/db10b"
	"$DBCHECK" "$tmp/db10b" suspend bob@example.org || return 1
	mv "$tmp/db10b/data.mdb" "$db10/data.mdb"
	mv "$tmp/db10b/lock.mdb" "$db10/lock.mdb"
	poll_out "reply 550 5.7.1 Account closed 100%% for now" \
		"$MCLIENT" "$sock_repl" -a bob@example.org -i 192.0.2.30 || return 1
	expect_out accept "$MCLIENT" "$sock_repl" -a sam@example.org -i 192.0.2.31 || return 1
	recorded "$db10" sam@example.org 192.0.2.31 || return 1
	grep -q "database files in $db10 replaced (a restored backup?): reopened" "$log_repl" ||
		{ cat "$log_repl"; return 1; }
}
check "database files replaced: the milter reopens them" replaced
data_replaced() {
	# data.mdb alone moved into place, the lock file kept
	mkdir "$tmp/db10c"
	"$DBCHECK" "$tmp/db10c" suspend carol@example.org || return 1
	mv "$tmp/db10c/data.mdb" "$db10/data.mdb"
	poll_out "reply 550 5.7.1 Account closed 100%% for now" \
		"$MCLIENT" "$sock_repl" -a carol@example.org -i 192.0.2.32 || return 1
	expect_out accept "$MCLIENT" "$sock_repl" -a bob@example.org -i 192.0.2.33 || return 1
	recorded "$db10" bob@example.org 192.0.2.33
}
check "data.mdb alone replaced: the milter reopens it" data_replaced
storm_replaced() {
	mkdir "$tmp/db10d"
	"$DBCHECK" "$tmp/db10d" suspend dave@example.org || return 1
	# a reload every 50 ms wakes the worker's main thread all the time
	( while kill -HUP "$pid_repl" 2>/dev/null; do sleep 0.05; done ) &
	storm=$!
	mv "$tmp/db10d/data.mdb" "$db10/data.mdb"
	mv "$tmp/db10d/lock.mdb" "$db10/lock.mdb"
	poll_out "reply 550 5.7.1 Account closed 100%% for now" \
		"$MCLIENT" "$sock_repl" -a dave@example.org -i 192.0.2.34
	sr=$?
	kill "$storm"
	wait "$storm"
	return $sr
}
check "files replaced during a SIGHUP storm: reopened all the same" storm_replaced
check "milter on a replaced database stops cleanly" stop_milter "${pid_repl:-0}"

echo "1..$n"
[ $failures -eq 0 ] || echo "# $failures of $n failed"
# the TAP lines carry the verdict; a non-zero exit would count the same
# failures twice
exit 0
