#!/bin/sh
# Runs a command the way a node without the launcher's filesystem would: started under `unshare --mount` (a private
# mount namespace), it hides the given directory under an empty tmpfs, then becomes the command.
# Usage: unshare --mount sh hide-directory.sh <directory> <command> [arguments...]
set -e
mount -t tmpfs spmd-hidden "$1"
shift
exec "$@"
