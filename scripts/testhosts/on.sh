#!/usr/bin/env bash
# Runs a program on a test host as a user logged in there would (the launcher's side: mpiexec, PowerShell):
#   on.sh HOST PROGRAM [ARGUMENTS...]     the arguments are passed as they are, never through a shell
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"
[ $# -ge 2 ] || { echo "usage: on.sh HOST PROGRAM [ARGUMENTS...]" >&2; exit 2; }
host=$1; shift
exec ip netns exec "$(namespace_of "$host")" unshare --uts --ipc /bin/sh -c 'hostname "$0"; shift; exec "$@"' "$host" -- "$@"
