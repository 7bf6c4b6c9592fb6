#!/bin/sh
# A FAKE monitor for the fault tests (test/faults/faults.test.ts): its version probe prints no version at all; as a
# run it is a working monitor (it runs the real tshark named by REAL_TSHARK on the same arguments).
case "$1" in --version) echo "a build without a version string"; exit 0;; esac
exec "$REAL_TSHARK" "$@"
