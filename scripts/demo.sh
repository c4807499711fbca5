#!/usr/bin/env bash
# Installs what is missing (Debian packages, pwsh), builds, then runs the main demo in pwsh (scripts/demo.ps1): the Pi
# job on 4 ranks through Start-ParallelJob under Open MPI and under MPICH, then under plain mpiexec.
# Arguments go to demo.ps1 (e.g. -Intervals 1000000).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

install_packages
build_solution

exec "$PWSH" -NoProfile -NonInteractive -File "$REPO/scripts/demo.ps1" "$@"
