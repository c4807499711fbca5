#!/usr/bin/env bash
# Removes every test host: kills what runs in them, deletes the namespaces and their hosts files. Idempotent.
#   scripts/testhosts/down.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/common.sh"
for namespace in $(our_namespaces); do
  pids=$(ip netns pids "$namespace" 2>/dev/null || true)
  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
done
for namespace in $(our_namespaces); do
  ip netns delete "$namespace"
  rm -rf "${HOSTS_DIR:?}/$namespace"
done
echo "test hosts down"
