#!/usr/bin/env bash
# testbed.sh — several "hosts" on one machine: network namespaces joined by
# a shaped network, with Open MPI launching across them (no ssh).
#
#   scripts/testbed.sh up [--hosts N] [--setting A|B] [--slots S]   (N = 2..4, default 2)
#   scripts/testbed.sh setting A|B          switch the network, namespaces kept
#   scripts/testbed.sh run [--setting A|B] -- MPIRUN-ARGS
#   scripts/testbed.sh status
#   scripts/testbed.sh down
#   (every command takes --name NAME, default $DSGD_TESTBED or dsgd-tb)
#
# Settings (one-way host-to-host latency, per-host link rate):
#   A: 100 us, 1000 Mbit/s      B: 1000 us, 200 Mbit/s
#
# Host i is namespace NAME-i: address 10.77.0.(i+1)/24 on a TUN device tb0,
# its own UTS namespace with host name NAME-i for every process launched
# there (so MPI sees N machines).  build/dsgd-wire forwards between the
# devices with the setting's delay and rate (testbed/wire.c says why not
# tc netem: this kernel has no sch_netem).  Nothing is added to the
# machine's own namespace: no interface, address or route.
#
# `run` starts mpirun inside NAME-0 (host name NAME-0) with the hostfile
# NAME-0..NAME-(N-1) (S slots each, default 1), and this script as Open
# MPI's launch agent (`testbed.sh agent HOST CMD`: the rsh agent's
# contract, what ssh would do, in namespace HOST).  MPI talks TCP across
# hosts (vader only within one), over 10.77.0.0/24 only; one-sided MPI
# (dsgd-run's stop votes) goes through osc pt2pt, which Debian's
# openmpi-mca-params.conf turns off: osc rdma needs an RDMA-capable btl,
# and TCP is not one.  Open MPI 4.1's warning that setpgid failed "in
# parent" is dropped: the agent exec'ed first, which is harmless.
#
# Needs root, `ip netns`, /dev/net/tun and build/dsgd-wire ($DSGD_BUILD to
# use another build directory).  Exit status: 0 ok; 1 a command failed; 2
# bad usage; 77 namespaces are not allowed here (for ctest's skip).
set -euo pipefail

self=$(readlink -f "$0")
root=$(cd "$(dirname "$self")/.." && pwd)
build=${DSGD_BUILD:-$root/build}
name=${DSGD_TESTBED:-dsgd-tb}
subnet=10.77.0
state_root=/run/dsgd-testbed

die() { echo "testbed.sh: $*" >&2; exit 1; }
usage() { echo "testbed.sh: $*" >&2; exit 2; }

setting_params() { # setting_params A|B -> "LATENCY_US RATE_MBPS"
  case $1 in
    A) echo "100 1000" ;;
    B) echo "1000 200" ;;
    *) usage "--setting: bad value '$1' (want A or B)" ;;
  esac
}

state() { echo "$state_root/$name"; }
hosts_of() { cat "$(state)/hosts" 2>/dev/null || true; }
is_up() { [ -f "$(state)/hosts" ]; }

# ---- the wire ------------------------------------------------------------

wire_stop() {
  local pidfile pid
  pidfile="$(state)/wire.pid"
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$pidfile"
}

wire_start() { # wire_start SETTING
  local st lat rate list i
  st=$(state)
  read -r lat rate < <(setting_params "$1")
  list=
  for ((i = 0; i < $(hosts_of | wc -w); i++)); do list+=${list:+,}$name-$i; done
  rm -f "$st/wire.pid"
  setsid "$build/dsgd-wire" --netns "$list" --latency-us "$lat" --rate-mbps "$rate" \
    --ready "$st/wire.pid" </dev/null >>"$st/wire.log" 2>&1 &
  for _ in $(seq 100); do
    [ -f "$st/wire.pid" ] && break
    kill -0 $! 2>/dev/null || die "dsgd-wire failed: $(tail -1 "$st/wire.log")"
    sleep 0.05
  done
  [ -f "$st/wire.pid" ] || die "dsgd-wire did not start within 5 s ($st/wire.log)"
  echo "$1" >"$st/setting"
}

set_setting() { # set_setting SETTING: restart the wire if the setting changes
  setting_params "$1" >/dev/null
  is_up || die "testbed '$name' is not up (testbed.sh up --name $name)"
  if [ "$(cat "$(state)/setting" 2>/dev/null)" != "$1" ] || ! kill -0 "$(cat "$(state)/wire.pid" 2>/dev/null || echo 0)" 2>/dev/null; then
    wire_stop
    wire_start "$1"
  fi
}

# ---- up / down / status ----------------------------------------------------

namespaces_allowed() {
  [ "$(id -u)" = 0 ] || return 1
  [ -c /dev/net/tun ] || return 1
  local probe="$name-probe-$$"
  ip netns add "$probe" 2>/dev/null || return 1
  ip netns del "$probe"
}

down() {
  wire_stop
  local ns
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$name-([0-9]+|probe-[0-9]+)\$" || true); do
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$(state)"
}

up() {
  local hosts=2 setting=A slots=1 i st
  while [ $# -gt 0 ]; do
    case $1 in
      --hosts) hosts=${2:-}; shift 2 || usage "--hosts needs a value" ;;
      --setting) setting=${2:-}; shift 2 || usage "--setting needs a value" ;;
      --slots) slots=${2:-}; shift 2 || usage "--slots needs a value" ;;
      *) usage "up: unknown flag '$1'" ;;
    esac
  done
  [[ $hosts =~ ^[2-4]$ ]] || usage "--hosts: bad value '$hosts' (want 2, 3 or 4)"
  [[ $slots =~ ^[1-9][0-9]*$ ]] || usage "--slots: bad value '$slots' (want a number >= 1)"
  setting_params "$setting" >/dev/null
  [ -x "$build/dsgd-wire" ] || die "$build/dsgd-wire: not built (cmake --build build)"
  if ! namespaces_allowed; then
    echo "testbed.sh: network namespaces are not allowed here (need root, /dev/net/tun, ip netns add)" >&2
    exit 77
  fi
  is_up && die "testbed '$name' is already up: 'testbed.sh down --name $name' first, or switch with 'testbed.sh setting B'"
  st=$(state)
  mkdir -p "$st"
  trap down EXIT # a failure (set -e), or a signal, leaves nothing behind
  for ((i = 0; i < hosts; i++)); do
    local ns=$name-$i
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$ns" tuntap add dev tb0 mode tun
    ip -n "$ns" link set tb0 mtu 9000 up
    ip -n "$ns" addr add "$subnet.$((i + 1))/24" dev tb0
    echo "$ns slots=$slots" >>"$st/hostfile.tmp"
    echo "$ns" >>"$st/hosts.tmp"
  done
  mv "$st/hostfile.tmp" "$st/hostfile"
  mv "$st/hosts.tmp" "$st/hosts"
  wire_start "$setting"
  trap - EXIT
  status
}

status() {
  if ! is_up; then echo "testbed '$name': down"; return 0; fi
  local setting lat rate pid i=0 ns
  setting=$(cat "$(state)/setting" 2>/dev/null || echo "?")
  read -r lat rate < <(setting_params "$setting" 2>/dev/null || echo "? ?")
  pid=$(cat "$(state)/wire.pid" 2>/dev/null || echo "")
  echo "testbed '$name': $(hosts_of | wc -w) hosts, setting $setting ($lat us one-way, $rate Mbit/s per link)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "  wire: dsgd-wire pid $pid"; else echo "  wire: NOT RUNNING ($(state)/wire.log)"; fi
  for ns in $(hosts_of); do
    echo "  $ns: $subnet.$((i + 1)) ($(ip -n "$ns" -br link show tb0 2>/dev/null | awk '{print $2}' || echo missing))"
    i=$((i + 1))
  done
  echo "  hostfile: $(state)/hostfile"
}

# ---- MPI -------------------------------------------------------------------

# Open MPI's rsh launch agent: `agent HOST CMD...` runs CMD (one shell
# command line, as ssh would) in namespace HOST under host name HOST.
agent() {
  local host=${1:-}
  shift || true
  [ -e "/run/netns/$host" ] || die "agent: no namespace '$host' (hosts: $(hosts_of | tr '\n' ' '))"
  exec ip netns exec "$host" unshare --uts /bin/sh -c 'hostname "$0" || exit 1; eval "$1"' "$host" "$*"
}

run() {
  local setting=
  while [ $# -gt 0 ]; do
    case $1 in
      --setting) setting=${2:-}; shift 2 || usage "--setting needs a value" ;;
      --) shift; break ;;
      *) usage "run: unknown flag '$1' (mpirun's arguments go after --)" ;;
    esac
  done
  is_up || die "testbed '$name' is not up (testbed.sh up --name $name)"
  set_setting "${setting:-$(cat "$(state)/setting")}" # (restarts a wire that died)
  local first
  first=$(hosts_of | head -1)
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 DSGD_TESTBED=$name
  ip netns exec "$first" unshare --uts /bin/sh -c 'hostname "$0" || exit 1; shift; exec "$@"' "$first" - \
    mpirun --hostfile "$(state)/hostfile" \
    --mca plm_rsh_agent "$self agent" --mca plm_rsh_no_tree_spawn 1 \
    --mca pml ob1 --mca btl tcp,vader,self --mca osc pt2pt \
    --mca btl_tcp_if_include "$subnet.0/24" --mca oob_tcp_if_include "$subnet.0/24" \
    "$@" 2> >(grep -v '^\[.*\] plm:rsh: Warning: setpgid(.*) failed in parent with errno=Permission denied' >&2)
}

# ---- main ------------------------------------------------------------------

cmd=${1:-}
[ $# -gt 0 ] && shift
[ "$cmd" = agent ] && agent "$@" # mpirun's call: its arguments are not ours
args=()
while [ $# -gt 0 ]; do # --name may come anywhere before `--`
  case $1 in
    --name) name=${2:-}; shift 2 || usage "--name needs a value" ;;
    --) args+=("$@"); break ;;
    *) args+=("$1"); shift ;;
  esac
done
[[ $name =~ ^[a-z][a-z0-9-]{0,30}$ ]] || usage "--name: bad value '$name' (want [a-z][a-z0-9-]*, at most 31 characters)"
case $cmd in
  up) up "${args[@]}" ;;
  down) down ;;
  status) status ;;
  setting) [ ${#args[@]} = 1 ] || usage "setting: want one of A, B"; set_setting "${args[0]}"; status ;;
  run) run "${args[@]}" ;;
  -h | --help | help) sed -n '2,/^set -euo/p' "$self" | sed '$d; s/^# \{0,1\}//' ;;
  *) usage "unknown command '${cmd}' (up, down, status, setting, run)" ;;
esac
