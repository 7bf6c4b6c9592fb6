#!/bin/sh
# A FAKE monitor for the fault tests (test/faults/faults.test.ts), never a stand-in for a real one. It answers the
# version probe the way the tool it is named in for does (HARNESS_TCPTRACE, HARNESS_NFPCAPD...), then misbehaves.
case "$1" in -v|-V|-h|--version) echo "fake monitor: Version: 6.6.7 (tcptrace -- version 6.6.7)"; exit 0;; esac
# Floods: 300 MB of lines on stderr, then lines to stdout (its output file) without end, as a monitor gone mad would.
yes "fake-flooding-monitor: stderr line" | head -c 300000000 >&2
exec yes "1,2,3,fake-flooding-monitor,stdout,line"
