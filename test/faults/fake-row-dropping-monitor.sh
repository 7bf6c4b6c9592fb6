#!/bin/sh
# A FAKE tcptrace for the fault tests (test/faults/faults.test.ts), never a stand-in for a real one: it runs the real
# tcptrace (REAL_TCPTRACE) and loses its last row, as a write cut at a line's end by a full disk would, and exits 0.
case "$1" in -v) exec "$REAL_TCPTRACE" "$@";; esac
"$REAL_TCPTRACE" "$@" | sed '$d'
exit 0
