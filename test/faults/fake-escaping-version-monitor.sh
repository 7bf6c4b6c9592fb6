#!/bin/sh
# A FAKE monitor for the fault tests (test/faults/faults.test.ts): its version probe prints terminal escapes (set the
# window title, clear the screen) around its build name; as a run it is a working monitor (the real tshark named by
# REAL_TSHARK on the same arguments).
case "$1" in --version) printf '\033]0;TITLE-HIJACK\007\033[2J\033[HTShark build xyz\n'; exit 0;; esac
exec "$REAL_TSHARK" "$@"
