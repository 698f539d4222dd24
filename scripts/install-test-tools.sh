#!/usr/bin/env bash
# Installs the programs the tests run besides Node.js, on Debian or Ubuntu:
#   promtool  checks the rendered Prometheus configuration (unit tests)
#   tmux, git drive Claude Code in the end-to-end test
# Go (1.24 or newer) must already be installed: the end-to-end test builds the
# Collector and Prometheus with it. Elsewhere the script says what to install.
set -euo pipefail

missing_packages=()
command -v promtool >/dev/null 2>&1 || missing_packages+=(prometheus)
command -v tmux >/dev/null 2>&1 || missing_packages+=(tmux)
command -v git >/dev/null 2>&1 || missing_packages+=(git)

if [ ${#missing_packages[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing_packages[@]}" >/dev/null
  else
    echo "missing: ${missing_packages[*]} (promtool comes with Prometheus, e.g. 'brew install prometheus tmux git')" >&2
    exit 1
  fi
fi

if ! command -v go >/dev/null 2>&1; then
  echo "Go is missing: install Go 1.24 or newer from https://go.dev/dl (the end-to-end test builds the Collector and Prometheus)" >&2
  exit 1
fi
echo "promtool: $(promtool --version 2>&1 | head -1)"
echo "tmux: $(tmux -V)"
echo "go: $(go version)"
