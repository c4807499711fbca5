# Shared by demo.sh and test.sh: install what is missing (idempotent, quick when all is there), then build.
# Sourced, not run: it expects `set -euo pipefail` from its caller and sets REPO to the repository root.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
APT_PACKAGES=(openmpi-bin libopenmpi-dev mpich libmpich-dev iproute2
  slurmctld slurmd slurm-client slurmdbd munge mariadb-server slurm-wlm-torque)
CONFIGURATION=Release

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
  local missing=()
  for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "Installing ${missing[*]}..."
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  command -v dotnet >/dev/null || { echo "The .NET SDK (dotnet) is required: see README.md." >&2; exit 1; }
}

build_solution() {
  echo "Building ($CONFIGURATION)..."
  dotnet build "$REPO/Mpi.sln" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly
}

# Open MPI refuses to run as root unless told it may.
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
