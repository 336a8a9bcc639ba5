#!/usr/bin/env bash
# Regenerates SampleLogs/ (generated part) and its ground truth. Deterministic: same bytes every run.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product corsscan-gen >/dev/null
GT=Tests/CorsscanGeneratorTests/SampleLogsGroundTruth
find SampleLogs -mindepth 1 -maxdepth 1 ! -name handwritten -exec rm -rf {} +
.build/debug/corsscan-gen --seed 42 --lines 3000 --failure-rate 0.06 --browser-reports all \
  --out SampleLogs --truth-out "$GT"
# The custom-format file's stage template lives outside SampleLogs (everything in there is input);
# the README's main command passes it with --log-format-file.
mv SampleLogs/custom.format docs/sample-stage-format.txt
