#!/usr/bin/env bash
# Installs the programs the tests run besides Node.js: promtool, which checks
# the rendered Prometheus configuration. Debian and Ubuntu only; elsewhere it
# says what to install.
set -euo pipefail

if command -v promtool >/dev/null 2>&1; then
  echo "promtool: $(promtool --version 2>&1 | head -1)"
  exit 0
fi

if command -v apt-get >/dev/null 2>&1; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  echo "promtool: $(promtool --version 2>&1 | head -1)"
else
  echo "promtool is missing: install Prometheus's promtool (e.g. 'brew install prometheus') and put it on PATH" >&2
  exit 1
fi
