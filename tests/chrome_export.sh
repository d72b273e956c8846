#!/usr/bin/env bash
# chrome_export.sh — dsgd-trace export --chrome on a fixture, then
# test_chrome_json checks the JSON against the CSV.
# usage: chrome_export.sh DSGD_TRACE TEST_CHROME_JSON TRACE.csv OUT.json EXPECTED_FLOWS
set -euo pipefail
dsgd_trace=$1 checker=$2 csv=$3 json=$4 flows=$5
rm -f "$json"
"$dsgd_trace" export --chrome "$csv" -o "$json"
"$checker" "$csv" "$json" "$flows"
