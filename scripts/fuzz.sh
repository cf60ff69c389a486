#!/bin/sh
# fuzz.sh [SECONDS] - fuzz every parser with clang's libFuzzer, ASan and
# UBSan, each for SECONDS (default 60), starting from the seed corpus.
# Needs clang (Debian: clang, libclang-rt-14-dev). Crashes are left in
# fuzz-out/ as crash-* files; reproduce with the target and that file.
set -eu
secs=${1:-60}
top=$(cd "$(dirname "$0")/.." && pwd)
out=${FUZZ_OUT:-$top/fuzz-out}
mkdir -p "$out"
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
        -D_GNU_SOURCE -I$top/common -I$top/reporter"
lib="$top/common/account.c $top/common/config.c $top/common/logline.c
     $top/common/policy.c $top/common/record.c $top/common/timeutil.c"
for t in account record config logline snapshot; do
	extra=
	[ "$t" = snapshot ] && extra="$top/reporter/snapshot.c -lz"
	# shellcheck disable=SC2086
	clang $cflags -DDORMANT_DEFAULT_DBDIR='"/var/lib/dormant"' \
	    -o "$out/fuzz-$t" "$top/tests/fuzz/fuzz-$t.c" $lib $extra
	mkdir -p "$out/corpus-$t"
	cp -n "$top/tests/fuzz/corpus/$t/"* "$out/corpus-$t/" 2>/dev/null || true
	(cd "$out" && "./fuzz-$t" -max_total_time="$secs" -max_len=4096 \
	    "corpus-$t")
done
