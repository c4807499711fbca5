# Shared by the test-host scripts. Test hosts are network namespaces spmd-h1..spmd-hN joined by a bridge that
# lives in a namespace of its own (spmd-br): 10.78.0.1K/24 on each host's eth0, names h1..hN in a per-host hosts
# file, nothing in the root namespace, so no traffic of theirs can leave them.
PREFIX=spmd
SUBNET=10.78.0
HOSTS_DIR=/etc/netns

namespace_of() { echo "$PREFIX-$1"; }

# Our namespaces, hosts and bridge (nothing else matches the prefix).
our_namespaces() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$PREFIX-(h[0-9]+|br)$" || true; }
