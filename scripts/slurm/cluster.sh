#!/usr/bin/env bash
# A real Slurm cluster on this machine, for tests and for trying the project's batch support:
#   cluster.sh up [NODES]   NODES=1 (default): one node, this machine, on loopback;
#                           NODES=2..9: test hosts h1..hN (scripts/testhosts), slurmctld on h1, a slurmd on each
#   cluster.sh down         stops everything it started and removes its state (logs stay in /var/log/spmd-slurm)
#   cluster.sh env          prints the variables client commands need (SLURM_CONF), for eval
# With munge, slurmctld, slurmd, and slurmdbd over a private MariaDB so sacct works. The system's own Slurm
# configuration is not touched: everything is under /run/spmd-slurm (config), /var/lib/spmd-slurm (state).
# Idempotent (up tears down first). Needs root. Client commands: SLURM_CONF=/run/spmd-slurm/slurm.conf, and with
# test hosts they run on h1 (scripts/testhosts/on.sh h1 sbatch ...).
# SPMD_SLURM_CONFIG_DIR and SPMD_SLURM_STATE_DIR move the two directories (the tests use them to run `down` on a
# cluster of their own making).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
testhosts="$here/../testhosts"
CONFIG_DIR=${SPMD_SLURM_CONFIG_DIR:-/run/spmd-slurm}
STATE_DIR=${SPMD_SLURM_STATE_DIR:-/var/lib/spmd-slurm}
LOG_DIR=/var/log/spmd-slurm
export SLURM_CONF=$CONFIG_DIR/slurm.conf
DB_PORT=3307
DB_PASSWORD=spmd-test-only

# Runs a daemon or command "on" a node: this machine for one node, else in the test host's namespaces (its own
# UTS, IPC and mount namespaces: hostname, /etc/hosts and a private PMIx directory; not `ip netns exec`, whose
# /sys remount hides the cgroup filesystem slurmd wants).
on_node() {
  local node=$1; shift
  if [ "$node" = local ]; then "$@"; return; fi
  nsenter --net="/run/netns/spmd-$node" unshare --uts --ipc --mount /bin/sh -c \
    'mount --bind "/etc/netns/spmd-$0/hosts" /etc/hosts; mount -t tmpfs -o size=64m pmix "$1/pmix"; hostname "$0"; shift; exec "$@"' \
    "$node" "$CONFIG_DIR" "$@"
}

stop_pidfile() {
  local file=$1 pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

# The slurmstepd processes (named "slurmstepd: [JOB.STEP]") whose environment holds this cluster's SLURM_CONF.
own_stepds() {
  local pid
  for pid in $(pgrep -f '^slurmstepd: \[' || true); do
    tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qxF "SLURM_CONF=$SLURM_CONF" && echo "$pid"
  done
  return 0
}

# The processes below the given ones: children, grandchildren...
descendants() {
  local table frontier="$*" next pid
  table=$(ps -e -o pid=,ppid=)
  while [ -n "$frontier" ]; do
    next=""
    for pid in $frontier; do
      next+=" $(awk -v parent="$pid" '$2 == parent { printf "%s ", $1 }' <<<"$table")"
    done
    read -r -a next_pids <<<"$next"
    frontier="${next_pids[*]:-}"
    [ -z "$frontier" ] || echo "$frontier"
  done
}

# Our step daemons and what runs under them (a job's script outlives a step daemon killed before it ended it).
stop_own_stepds() {
  local pids
  pids=$(own_stepds)
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2046,SC2086 # one pid per word
  kill -KILL $pids $(descendants $pids) 2>/dev/null || true
}

down() {
  if [ -s "$CONFIG_DIR/slurm.conf" ]; then
    scancel --full --quiet --user=root 2>/dev/null || true
  fi
  for file in "$CONFIG_DIR"/slurmd-*.pid "$CONFIG_DIR/slurmctld.pid" "$CONFIG_DIR/slurmdbd.pid" "$CONFIG_DIR/mysql/mariadbd.pid" "$CONFIG_DIR/munged.pid"; do
    stop_pidfile "$file"
  done
  # The steps of cancelled jobs, if any outlived their slurmd. Only ours: a step daemon inherits slurmd's
  # environment, so ours carry this cluster's SLURM_CONF; those of a system Slurm (or another cluster) do not.
  stop_own_stepds
  [ -f "$CONFIG_DIR/testhosts" ] && "$testhosts/down.sh" >/dev/null
  rm -rf "$CONFIG_DIR" "$STATE_DIR"
  echo "slurm down"
}

start_munge() {
  if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then return; fi
  [ -s /etc/munge/munge.key ] || mungekey --create --force
  chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge; chown munge:munge /run/munge /var/log/munge /var/lib/munge
  runuser -u munge -- /usr/sbin/munged
  # Started here, so stopped by down (a munged that was already running is left alone).
  cp /run/munge/munged.pid "$CONFIG_DIR/munged.pid"
  for _ in $(seq 1 50); do munge -n </dev/null | unmunge >/dev/null 2>&1 && return; sleep 0.1; done
  echo "cluster.sh: munged did not start" >&2; exit 1
}

# MariaDB and slurmdbd on the controller's node, on its loopback only.
start_accounting() {
  local node=$1
  mkdir -p "$STATE_DIR/mysql" "$CONFIG_DIR/mysql" "$LOG_DIR/mysql"
  chown mysql:mysql "$STATE_DIR/mysql" "$CONFIG_DIR/mysql" "$LOG_DIR/mysql"
  mariadb-install-db --user=mysql --datadir="$STATE_DIR/mysql" --auth-root-authentication-method=socket >/dev/null 2>&1
  on_node "$node" runuser -u mysql -- /usr/sbin/mariadbd --datadir="$STATE_DIR/mysql" --bind-address=127.0.0.1 --port=$DB_PORT \
    --socket="$CONFIG_DIR/mysql/mysqld.sock" --pid-file="$CONFIG_DIR/mysql/mariadbd.pid" --log-error="$LOG_DIR/mysql/mariadb.err" >/dev/null 2>&1 &
  for _ in $(seq 1 150); do mariadb -S "$CONFIG_DIR/mysql/mysqld.sock" -e 'select 1' >/dev/null 2>&1 && break; sleep 0.2; done
  mariadb -S "$CONFIG_DIR/mysql/mysqld.sock" -e "CREATE DATABASE IF NOT EXISTS slurm_acct_db;
    CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1'; FLUSH PRIVILEGES;"
  cat > "$CONFIG_DIR/slurmdbd.conf" <<CONF
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=6819
SlurmUser=slurm
LogFile=$LOG_DIR/slurmdbd.log
PidFile=$CONFIG_DIR/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageUser=slurm
StoragePass=$DB_PASSWORD
StorageLoc=slurm_acct_db
CONF
  chown slurm:slurm "$CONFIG_DIR/slurmdbd.conf"; chmod 600 "$CONFIG_DIR/slurmdbd.conf"
  # slurmdbd reads slurmdbd.conf from the directory of SLURM_CONF.
  on_node "$node" env SLURM_CONF="$SLURM_CONF" slurmdbd
  for _ in $(seq 1 150); do on_node "$node" sacctmgr -n list cluster >/dev/null 2>&1 && break; sleep 0.2; done
  on_node "$node" sacctmgr -i add cluster spmd >/dev/null 2>&1 || true
}

up() {
  local count=${1:-1} controller nodes="" node_list
  [[ "$count" =~ ^[1-9]$ ]] || { echo "cluster.sh: NODES must be 1 to 9, not '$count'." >&2; exit 2; }
  down >/dev/null
  mkdir -p "$CONFIG_DIR/pmix" "$STATE_DIR/ctld" "$LOG_DIR"
  chown -R slurm:slurm "$STATE_DIR" "$LOG_DIR"
  if [ "$count" -eq 1 ]; then
    controller=local
    local name; name=$(hostname)
    nodes="NodeName=$name NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=2000 State=UNKNOWN"
    node_list=$name
    printf '%s' "SlurmctldHost=$name(127.0.0.1)" > "$CONFIG_DIR/controller"
  else
    "$testhosts/up.sh" "$count" >/dev/null
    touch "$CONFIG_DIR/testhosts"
    controller=h1
    for i in $(seq 1 "$count"); do nodes+="NodeName=h$i NodeAddr=10.78.0.1$i CPUs=2 RealMemory=2000 State=UNKNOWN"$'\n'; done
    node_list="h[1-$count]"
    printf '%s' "SlurmctldHost=h1(10.78.0.11)" > "$CONFIG_DIR/controller"
  fi
  start_munge
  cat > "$CONFIG_DIR/slurm.conf" <<CONF
ClusterName=spmd
$(cat "$CONFIG_DIR/controller")
SlurmUser=slurm
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$STATE_DIR/ctld
SlurmdSpoolDir=$STATE_DIR/d-%n
SlurmctldPidFile=$CONFIG_DIR/slurmctld.pid
SlurmdPidFile=$CONFIG_DIR/slurmd-%n.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
EnforcePartLimits=ALL
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=6819
JobAcctGatherType=jobacct_gather/linux
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=3
Waittime=0
$nodes
PartitionName=batch Nodes=$node_list Default=YES MaxTime=INFINITE State=UP
CONF
  echo "PMIxCliTmpDirBase=$CONFIG_DIR/pmix" > "$CONFIG_DIR/mpi.conf"
  start_accounting "$controller"
  on_node "$controller" env SLURM_CONF="$SLURM_CONF" slurmctld -i -f "$SLURM_CONF"
  if [ "$count" -eq 1 ]; then
    slurmd -f "$SLURM_CONF"
  else
    for i in $(seq 1 "$count"); do on_node "h$i" env SLURM_CONF="$SLURM_CONF" slurmd -f "$SLURM_CONF"; done
  fi
  local states=""
  for _ in $(seq 1 150); do
    states=$(client sinfo -h -N -o '%t' 2>/dev/null | sort -u | tr '\n' ' ')
    [ "$states" = "idle " ] && break
    sleep 0.2
  done
  [ "$states" = "idle " ] || { echo "cluster.sh: the nodes did not come up (states: $states); see $LOG_DIR" >&2; exit 1; }
  echo "slurm up: $count node(s), partition batch, SLURM_CONF=$SLURM_CONF"
}

# Runs a client command where clients run: this machine, or h1 with test hosts.
client() {
  if [ -f "$CONFIG_DIR/testhosts" ]; then "$testhosts/on.sh" h1 "$@"; else "$@"; fi
}

case "${1:-}" in
  up) up "${2:-1}" ;;
  down) down ;;
  env) echo "export SLURM_CONF=$SLURM_CONF" ;;
  *) echo "usage: cluster.sh up [NODES] | down | env" >&2; exit 2 ;;
esac
