#!/bin/sh
# quickstart.sh demo|test - the README's Quick start on a fresh Debian 12
# machine, as root: install the dependencies, build, then either run the
# demo (a sandboxed Dovecot + Postfix on loopback with the plugin and the
# milter loaded, some logins and sends, then the report) or the full test
# suite.
set -eu
what=${1:-}
case "$what" in
demo|test) ;;
*) echo "usage: $0 demo|test" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
if [ ! -x configure ]; then
	autoreconf -fi
fi
if [ ! -f Makefile ]; then
	./configure --enable-werror
fi
make -j"$(nproc)"
if [ "$what" = demo ]; then
	make demo
else
	make check
fi
