#!/usr/bin/env bash
# plot_renders.sh — dsgd-plot draws a figure: exit 0, nothing on stderr (so
# gnuplot reported neither error nor warning), and OUT is a non-empty PNG
# (or SVG) of exactly the requested size, with no temporary left beside it.
#
# usage: plot_renders.sh DSGD_PLOT OUT WIDTH HEIGHT KIND INPUT... [OPTIONS...]
set -uo pipefail
plot=$1 out=$2 width=$3 height=$4
shift 4
rm -f "$out"
err=$(mktemp)
"$plot" "$@" -o "$out" --size "${width}x${height}" 2> "$err"
status=$?
fail=0
[ $status = 0 ] || { echo "FAIL: exit status $status"; fail=1; }
[ ! -s "$err" ] || { echo "FAIL: stderr not empty:"; cat "$err"; fail=1; }
rm -f "$err"
if [ ! -s "$out" ]; then
  echo "FAIL: $out missing or empty"
  exit 1
fi
size=$(wc -c < "$out")
case $out in
  *.png)
    # Signature, then the IHDR chunk: width and height, 4 bytes big-endian each.
    sig=$(od -An -tx1 -N8 "$out" | tr -d ' \n')
    [ "$sig" = 89504e470d0a1a0a ] || { echo "FAIL: not a PNG (signature $sig)"; fail=1; }
    dims=$(od -An -tu1 -j16 -N8 "$out" | awk '{ printf "%d %d", $1*16777216 + $2*65536 + $3*256 + $4, $5*16777216 + $6*65536 + $7*256 + $8 }')
    [ "$dims" = "$width $height" ] || { echo "FAIL: PNG is ${dims/ /x}, want ${width}x${height}"; fail=1; }
    # A real figure, not a blank canvas: even small ones compress to >5 kB.
    [ "$size" -gt 5000 ] || { echo "FAIL: PNG of $size bytes: blank?"; fail=1; } ;;
  *.svg)
    # gnuplot writes <svg on a line of its own, then width="W" height="H".
    dims=$(sed -n 's/^ *width="\([0-9]*\)" height="\([0-9]*\)".*/\1 \2/p' "$out" | head -1)
    [ "$dims" = "$width $height" ] || { echo "FAIL: SVG is '${dims/ /x}', want ${width}x${height}"; fail=1; }
    tail -c 20 "$out" | grep -q '</svg>' || { echo "FAIL: SVG not closed"; fail=1; } ;;
esac
if ls "$out".tmp* > /dev/null 2>&1; then
  echo "FAIL: temporary left beside $out"; fail=1
fi
[ $fail = 0 ] && echo "ok: $out, ${width}x${height}, $size bytes"
exit $fail
