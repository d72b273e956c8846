#!/usr/bin/env bash
# test.sh — install what is missing, build with warnings as errors, run the
# whole test suite (unit, SimGrid backend, MPI end-to-end, bad input).
# Extra args go to cmake; DSGD_BUILD_DIR names another build directory
# (.ci/run: build-asan with -DDSGD_SANITIZE=ON).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh -DDSGD_WERROR=ON "$@"
# Open MPI refuses root unless told; CI runs as root.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cd "${DSGD_BUILD_DIR:-build}" && ctest --output-on-failure -j "$(nproc)"
