#!/bin/sh
# A FAKE monitor for the fault tests (test/faults/faults.test.ts), never a stand-in for a real one. It answers the
# version probe the way the tool it is named in for does (HARNESS_TCPTRACE, HARNESS_NFPCAPD...), then misbehaves.
case "$1" in -v|-V|-h|--version) echo "fake monitor: Version: 6.6.7 (tcptrace -- version 6.6.7)"; exit 0;; esac
# Ignores SIGTERM and keeps running: only SIGKILL, after the grace period, stops it.
trap "" TERM INT
while :; do sleep 1; done
