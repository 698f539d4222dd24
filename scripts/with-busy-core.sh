#!/usr/bin/env bash
# Runs a command while a busy loop holds one core, as another process on a busy
# CI runner would: `scripts/with-busy-core.sh npm run test:e2e`. The loop stops
# when the command ends, whatever its exit code, which the script passes on.
set -euo pipefail
if [ $# -eq 0 ]; then
  echo "usage: scripts/with-busy-core.sh COMMAND [ARGS...]" >&2
  exit 2
fi
bash -c 'while :; do :; done' &
busy_pid=$!
trap 'kill "$busy_pid" 2>/dev/null || true' EXIT
echo "busy loop on one core: pid $busy_pid ($(nproc) cores)"
"$@"
