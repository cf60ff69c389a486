#!/bin/sh
# Replay each fuzz target over its seed corpus (TAP for automake). Under
# --enable-sanitizers this is where ASan and UBSan look at the parsers.
srcdir=${srcdir:-.}
n=0
set -- account record config logline snapshot sheet contacts userdb
echo "1..$#"
for t in "$@"; do
	n=$((n + 1))
	if out=$(./fuzz-$t "$srcdir/corpus/$t" 2>&1); then
		echo "ok $n - fuzz-$t corpus"
	else
		echo "not ok $n - fuzz-$t corpus"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
done
