# Shared by demo.sh and test.sh: install what is missing (idempotent, quick when all is there), then build.
# Sourced, not run: it expects `set -euo pipefail` from its caller and sets REPO to the repository root.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# clang and zlib1g-dev: Native AOT publishing of rank programs; chromium: the timeline page is rendered headless in tests.
APT_PACKAGES=(openmpi-bin libopenmpi-dev mpich libmpich-dev iproute2 python3-mpi4py
  slurmctld slurmd slurm-client slurmdbd munge mariadb-server slurm-wlm-torque
  clang zlib1g-dev chromium)
CONFIGURATION=Release
# PowerShell, as a .NET tool pinned to the version of Microsoft.PowerShell.SDK in Directory.Packages.props (a test
# checks they agree), installed into the checkout's own tool path so that nothing global changes.
PWSH_VERSION=7.6.9
TOOLS="$REPO/.tools"
PWSH="$TOOLS/pwsh"

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
  install_pwsh
}

# Installs pwsh $PWSH_VERSION into $TOOLS unless that version is there already (then it costs two file tests).
# The tool's own shim runs pwsh as a child process, which a signal to the shim does not reach (the session, and the
# jobs it launched, would live on under init): $PWSH links to the pwsh executable itself instead.
install_pwsh() {
  [ -L "$PWSH" ] && [ -x "$PWSH" ] && [ -d "$TOOLS/.store/powershell/$PWSH_VERSION" ] && return 0
  echo "Installing PowerShell $PWSH_VERSION into ${TOOLS#"$REPO/"}/..."
  if [ -d "$TOOLS/.store/powershell" ]; then
    dotnet tool uninstall PowerShell --tool-path "$TOOLS" >/dev/null || true
  fi
  rm -f "$PWSH"
  dotnet tool install PowerShell --version "$PWSH_VERSION" --tool-path "$TOOLS" >/dev/null
  local executable
  executable=$(cd "$TOOLS" && find ".store/powershell/$PWSH_VERSION" -path '*/unix/pwsh' -type f | head -1)
  [ -n "$executable" ] || { echo "pwsh $PWSH_VERSION installed without its executable under $TOOLS/.store" >&2; exit 1; }
  ln -sfn "$executable" "$PWSH"
}

build_solution() {
  echo "Building ($CONFIGURATION)..."
  dotnet build "$REPO/Mpi.sln" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly
}

# Open MPI refuses to run as root unless told it may.
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
