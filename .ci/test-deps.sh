#!/usr/bin/env bash
# Installs what the test suite needs beyond cargo: boto3 and the AWS CLI (independent AWS
# clients for the wire-faithfulness test). Idempotent and quiet when already present.
set -euo pipefail
if ! python3 -c 'import boto3' >/dev/null 2>&1 || ! command -v aws >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check boto3 awscli
fi
python3 -c 'import boto3, sys; print("boto3", boto3.__version__)'
aws --version
