#!/usr/bin/env bash
# install-deps.sh — the Debian 12 packages dsgd builds and runs on.
# Installs only what is missing; uses sudo when not root.
set -euo pipefail
packages=(build-essential cmake pkg-config libsimgrid-dev libopenmpi-dev openmpi-bin
          libopenblas-dev zlib1g-dev libfftw3-dev gnuplot-nox dataset-fashion-mnist
          iproute2   # ip netns: the multi-host testbed (its test skips where namespaces are not allowed)
          clang)     # libFuzzer: scripts/fuzz.sh
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
