#!/usr/bin/env bash
# expect_error.sh — a bad input must give exactly one line on stderr that
# matches PATTERN, the exit STATUS, and leave no file at ABSENT_PATH.
#
# usage: expect_error.sh STATUS PATTERN ABSENT_PATH|- COMMAND [ARGS...]
set -uo pipefail
want_status=$1 pattern=$2 absent=$3
shift 3
err=$(mktemp)
"$@" > /dev/null 2> "$err"
status=$?
# Under -DDSGD_SANITIZE, ASan warns about SimGrid's context switches; those
# lines are the sanitizer's, not the program's.
sed -i -E '/^==[0-9]+==WARNING: ASan is ignoring requested __asan_handle_no_return/d;
           /^False positive error reports may follow$/d;
           /^For details see https:\/\/github.com\/google\/sanitizers\/issues\/189$/d' "$err"
lines=$(wc -l < "$err")
msg=$(cat "$err")
rm -f "$err"
fail=0
[ "$status" = "$want_status" ] || { echo "FAIL: exit status $status, want $want_status"; fail=1; }
[ "$lines" = 1 ] || { echo "FAIL: $lines lines on stderr, want 1"; fail=1; }
grep -Eq -- "$pattern" <<< "$msg" || { echo "FAIL: stderr does not match /$pattern/"; fail=1; }
if [ "$absent" != - ] && ls "$absent"* > /dev/null 2>&1; then
  echo "FAIL: $absent (or a temporary of it) was left behind"; fail=1
fi
echo "stderr: $msg"
exit $fail
