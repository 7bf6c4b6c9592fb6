#!/bin/sh
# A FAKE tcptrace for the fault tests (test/faults/faults.test.ts), never a stand-in for a real one: it runs the real
# tcptrace (REAL_TCPTRACE) and gives every connection other addresses, as the output of another capture would, and
# exits 0.
case "$1" in -v) exec "$REAL_TCPTRACE" "$@";; esac
"$REAL_TCPTRACE" "$@" | sed -E 's/^([0-9]+),[0-9.]+,[0-9.]+,/\1,203.0.113.7,203.0.113.8,/'
exit 0
