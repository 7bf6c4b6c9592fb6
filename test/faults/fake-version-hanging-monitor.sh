#!/bin/sh
# A FAKE monitor for the fault tests (test/faults/faults.test.ts): its version probe hangs; as a run it is a working
# monitor (it runs the real tshark named by REAL_TSHARK on the same arguments).
case "$1" in --version) exec sleep 3600;; esac
exec "$REAL_TSHARK" "$@"
