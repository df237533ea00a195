#!/usr/bin/env bash
# npm run test:engine: the engine lane (docs/engine-lane.md). Builds or reuses the pulumi CLI and the emulator's
# venv, compiles the stand-in provider, then runs test/engine/lane.ts, which starts and stops moto and the
# Rekognition fake itself (127.0.0.1 only). Every step is bounded: the whole lane is killed after LANE_TIMEOUT
# (default 40 minutes), and a killed lane still stops the emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in go python3 node; do
  command -v "$tool" >/dev/null || { echo "engine lane: $tool is not on PATH" >&2; exit 2; }
done
echo "== engine lane: pulumi CLI"
tools/pulumi-cli/build.sh
echo "== engine lane: emulator venv"
tools/emulator/setup.sh
echo "== engine lane: stand-in aws provider"
node tools/aws-standin/compile.js
echo "== engine lane: stacks, promotion, rollback, CrossGuard, destroy"
export ENGINE_LANE_BIN=$PWD/.engine/bin ENGINE_LANE_PYTHON=$PWD/.engine/venv/bin/python
timeout --signal=TERM --kill-after=30s "${LANE_TIMEOUT:-2400}" npx mocha --config test/engine/mocharc.json "$@"
