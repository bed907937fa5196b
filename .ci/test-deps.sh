#!/usr/bin/env bash
# Installs what the test suite needs beyond cargo: boto3 and the AWS CLI (independent AWS
# clients for the wire-faithfulness test in tests/emulator_wire.rs). Idempotent; silent
# when both are already present.
set -euo pipefail

have_deps() {
  python3 -c 'import boto3' >/dev/null 2>&1 && aws --version >/dev/null 2>&1
}

if have_deps; then
  exit 0
fi
echo "installing boto3 and awscli with pip" >&2
python3 -m pip install --quiet --disable-pip-version-check boto3 awscli \
  || python3 -m pip install --quiet --disable-pip-version-check --user boto3 awscli
# pip --user puts the aws script here; make it visible to this shell's check
# (.ci/run exports the same for the test run; a standalone caller must too).
export PATH="$HOME/.local/bin:$PATH"
if ! have_deps; then
  echo "boto3 or the aws command is still missing (is ~/.local/bin on PATH?)" >&2
  exit 1
fi
