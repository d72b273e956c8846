#!/usr/bin/env bash
# build.sh — configure and build dsgd into build/, or into $DSGD_BUILD_DIR
# (extra args go to cmake).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${DSGD_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" > /dev/null
cmake --build "$build" -j "$(nproc)"
