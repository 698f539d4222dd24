#!/usr/bin/env bash
# Installs the programs the tests run besides Node.js, on Debian or Ubuntu:
#   promtool        checks the rendered Prometheus configuration (unit tests)
#   tmux, git       drive Claude Code in the end-to-end and deploy tests
#   openssl         makes the TLS certificate of the team-mode test
#   docker.io       Docker engine and CLI for the deploy test (skipped when a docker CLI is there)
#   busybox-static  shell and wget inside the deploy test's Prometheus image
#   shellcheck      checks the shell steps of the GitHub workflow (through actionlint)
#   actionlint      lints the GitHub workflow (built with Go into .cache/tools/bin)
# Go (1.26 or newer, for Thanos) and Terraform (1.7 or newer) must already be installed: the
# tests build the Collector, Prometheus and the Terraform providers with Go, and
# `cdktf` runs Terraform. Elsewhere the script says what to install.
set -euo pipefail

missing_packages=()
command -v promtool >/dev/null 2>&1 || missing_packages+=(prometheus)
command -v tmux >/dev/null 2>&1 || missing_packages+=(tmux)
command -v openssl >/dev/null 2>&1 || missing_packages+=(openssl)
command -v git >/dev/null 2>&1 || missing_packages+=(git)
command -v shellcheck >/dev/null 2>&1 || missing_packages+=(shellcheck)
command -v docker >/dev/null 2>&1 || missing_packages+=(docker.io)
# A docker CLI without an engine (no daemon answers and no dockerd): Debian's engine.
if command -v docker >/dev/null 2>&1 && ! docker info >/dev/null 2>&1 && ! command -v dockerd >/dev/null 2>&1; then
  missing_packages+=(docker.io)
fi
if command -v dpkg-query >/dev/null 2>&1; then
  dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "ok installed" || missing_packages+=(busybox-static)
fi
[ -f /etc/ssl/certs/ca-certificates.crt ] || missing_packages+=(ca-certificates)

if [ ${#missing_packages[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing_packages[@]}" >/dev/null
  else
    echo "missing: ${missing_packages[*]} (promtool comes with Prometheus, e.g. 'brew install prometheus tmux git'; Docker from your system's packages)" >&2
    exit 1
  fi
fi

if ! command -v go >/dev/null 2>&1; then
  echo "Go is missing: install Go 1.26 or newer from https://go.dev/dl (the tests build the Collector, Prometheus, Thanos and the Terraform providers)" >&2
  exit 1
fi
if ! command -v terraform >/dev/null 2>&1; then
  echo "Terraform is missing: install Terraform 1.7 or newer (https://developer.hashicorp.com/terraform/install); cdktf runs it" >&2
  exit 1
fi
tools_bin="$(cd "$(dirname "$0")/.." && pwd)/.cache/tools/bin"
if [ ! -x "$tools_bin/actionlint" ]; then
  GOBIN="$tools_bin" go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
fi
echo "promtool: $(promtool --version 2>&1 | head -1)"
echo "tmux: $(tmux -V)"
echo "openssl: $(openssl version)"
echo "go: $(go version)"
echo "terraform: $(terraform version | head -1)"
echo "docker: $(docker --version)"
echo "actionlint: $("$tools_bin/actionlint" -version | head -1)"
