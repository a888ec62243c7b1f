#!/usr/bin/env bash
# Sets Depot and its test tools up, builds everything and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
cd build
ctest --output-on-failure --timeout 600 -j 2
