#!/usr/bin/env bash
# Installs ONNX Runtime for Node.js (npm package onnxruntime-node, CPU build) into bench/node_modules,
# the peer bench/compare.py measures deepimage against. Ignored by git; safe to re-run.
#   bench/setup-onnxruntime.sh            # version pinned below
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=${ORT_NODE_VERSION:-1.30.0}
command -v npm >/dev/null || { echo "error: npm is not installed (Debian: apt-get install npm)" >&2; exit 1; }
cd "$here"
if [ -f node_modules/onnxruntime-node/package.json ] &&
   grep -q "\"version\": \"$version\"" node_modules/onnxruntime-node/package.json; then
  echo "onnxruntime-node $version already in $here/node_modules"
  exit 0
fi
# --no-save: no package.json/package-lock in the repository. The CPU binaries ship inside the
# package; ONNXRUNTIME_NODE_INSTALL=skip stops its install script fetching the CUDA ones from NuGet.
ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save --no-audit --no-fund --prefix "$here" "onnxruntime-node@$version"
node -e "const ort = require('$here/node_modules/onnxruntime-node'); console.log('onnxruntime-node', require('$here/node_modules/onnxruntime-node/package.json').version, 'backends ok:', typeof ort.InferenceSession)"
