#!/usr/bin/env bash
# Stands in for ssh to reach a test host: agent.sh [ssh options] HOST COMMAND... runs COMMAND on HOST as ssh would
# (its words joined and run by sh), under the host's hostname and in its own IPC namespace (else MPI's shared-memory
# transports would take ranks on different test hosts for neighbours). Give it to mpiexec as the remote launch agent.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"
while [ $# -gt 0 ]; do
  case "$1" in
    -l|-p|-o|-i|-F|-E|-c|-m|-b|-e|-J) shift 2 ;;
    -*) shift ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "agent.sh: no host given" >&2; exit 255; }
host=$1; shift
namespace=$(namespace_of "$host")
if ! ip netns list | awk '{print $1}' | grep -qx "$namespace"; then
  echo "agent.sh: $host: no such test host" >&2
  exit 255
fi
exec ip netns exec "$namespace" unshare --uts --ipc /bin/sh -c 'hostname "$0"; exec /bin/sh -c "$1"' "$host" "$*"
