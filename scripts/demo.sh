#!/usr/bin/env bash
# Installs what is missing, builds, then runs the Pi demo on 4 ranks under Open MPI and under MPICH
# (the same build, binding each library at run time).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

install_packages
build_solution

pi="$REPO/jobs/Pi/bin/$CONFIGURATION/net10.0/Pi.dll"
echo
echo "Open MPI: mpiexec.openmpi -n 4 dotnet Pi.dll"
mpiexec.openmpi --oversubscribe --bind-to none -n 4 dotnet "$pi" "$@"
echo
echo "MPICH:    mpiexec.mpich -n 4 dotnet Pi.dll"
mpiexec.mpich -n 4 dotnet "$pi" "$@"
