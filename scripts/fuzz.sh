#!/bin/sh
# fuzz.sh [SECONDS] - fuzz every parser with clang's libFuzzer, ASan and
# UBSan, each for SECONDS (default 60), starting from the seed corpus.
# Needs clang (Debian: clang, libclang-rt-14-dev) and liblmdb-dev. Every
# target in tests/fuzz/fuzz-*.c is built and run, even after another one
# failed; the exit status says whether all of them built and ran clean.
# Crashes are left in fuzz-out/ as crash-* files; reproduce with the
# target and that file.
set -u
secs=${1:-60}
top=$(cd "$(dirname "$0")/.." && pwd)
out=${FUZZ_OUT:-$top/fuzz-out}
mkdir -p "$out" || exit 1
# configure's header, as every program is built with it (the compiled-in
# directories config.c needs); a list of -D here fell behind it once.
if [ ! -f "$top/dormant-config.h" ]; then
	echo "fuzz.sh: run ./configure first (dormant-config.h)" >&2
	exit 1
fi
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
        -include $top/dormant-config.h -I$top -I$top/common -I$top/reporter"
# The whole library, as the programs link it (libdormant.la): a list of
# chosen files broke the link each time one of them began to use another.
lib=$(ls "$top"/common/*.c)
failed=
for src in "$top"/tests/fuzz/fuzz-*.c; do
	t=${src##*/fuzz-}
	t=${t%.c}
	extra=
	case $t in
	snapshot) extra="$top/reporter/snapshot.c" ;;
	sheet) extra=$(for f in sheet review csv contacts lines array output; do
		printf '%s ' "$top/reporter/$f.c"; done) ;;
	contacts) extra="$top/reporter/contacts.c $top/reporter/csv.c $top/reporter/lines.c
		$top/reporter/array.c" ;;
	userdb) extra="$top/reporter/contacts.c $top/reporter/csv.c $top/reporter/lines.c
		$top/reporter/array.c $top/reporter/userdb.c $top/reporter/spawn.c" ;;
	esac
	echo "== fuzz-$t"
	# shellcheck disable=SC2086
	if ! clang $cflags \
	    -o "$out/fuzz-$t" "$src" $lib $extra -llmdb -lz -lpthread; then
		echo "fuzz-$t: build failed" >&2
		failed="$failed $t(build)"
		continue
	fi
	mkdir -p "$out/corpus-$t"
	cp -n "$top/tests/fuzz/corpus/$t/"* "$out/corpus-$t/" 2>/dev/null || true
	if ! (cd "$out" && "./fuzz-$t" -max_total_time="$secs" -max_len=4096 \
	    "corpus-$t"); then
		failed="$failed $t"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz.sh: failed:$failed (see $out)" >&2
	exit 1
fi
echo "fuzz.sh: every target built and ran ${secs}s without a finding"
