#!/usr/bin/env bash
# Creates N test hosts h1..hN on this machine (default 3): network namespaces with their own addresses
# (10.78.0.11, .12, ...), a hosts file naming them all, and, when a command runs "on" one through agent.sh or
# on.sh, its own hostname and IPC namespace, so MPI sees N machines that talk TCP. Idempotent: what a previous
# run left is torn down first. Needs root.
#   scripts/testhosts/up.sh [N]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/common.sh"
count=${1:-3}
[[ "$count" =~ ^[1-9]$ ]] || { echo "up.sh: the number of hosts must be 1 to 9, not '$count'." >&2; exit 2; }

"$here/down.sh" >/dev/null
bridge=$(namespace_of br)
ip netns add "$bridge"
ip -n "$bridge" link set lo up
ip -n "$bridge" link add br0 type bridge
ip -n "$bridge" link set br0 up
for i in $(seq 1 "$count"); do
  host=$(namespace_of "h$i")
  ip netns add "$host"
  ip -n "$host" link set lo up
  # The pair is made inside the bridge's namespace and one end moved to the host: the root namespace never sees it.
  ip -n "$bridge" link add "vh$i" type veth peer name eth0 netns "$host"
  ip -n "$bridge" link set "vh$i" master br0 up
  ip -n "$host" addr add "$SUBNET.1$i/24" dev eth0
  ip -n "$host" link set eth0 up
  mkdir -p "$HOSTS_DIR/$host"
  {
    echo "127.0.0.1 localhost"
    for j in $(seq 1 "$count"); do echo "$SUBNET.1$j h$j"; done
  } > "$HOSTS_DIR/$host/hosts"
done
# The bridge has no STP: its ports forward as soon as they are up.
for _ in $(seq 1 100); do
  [ "$(bridge -n "$bridge" link show | grep -c 'state forwarding' || true)" -ge "$count" ] && break
  sleep 0.05
done
echo "test hosts up: $(seq -s ' ' -f 'h%g' 1 "$count")"
