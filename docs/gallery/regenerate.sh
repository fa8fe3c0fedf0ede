#!/usr/bin/env bash
# Regenerates the gallery of the README and docs/ from the shipped example scenarios.
# Run from the repository root: docs/gallery/regenerate.sh
set -euo pipefail
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cargo build --release --quiet
bin=target/release/shardsim
"$bin" run scenarios/hot-key.toml --out "$out" --quiet
"$bin" run scenarios/shard-sweep.toml --out "$out" --quiet || true   # exit 1 would mean no point meets the SLO
"$bin" run scenarios/replay-cloudwatch.toml --set producers.0.rate_pattern.scale=1.5 --out "$out" --quiet
cp "$out/hot-key/heatmap.png" docs/gallery/hot-key-heatmap.png
cp "$out/hot-key/per-minute.png" docs/gallery/hot-key-per-minute.png
cp "$out/shard-sweep/sweep.png" docs/gallery/shard-sweep.png
cp "$out/replay-cloudwatch/throughput.png" docs/gallery/replay-throughput.png
cp "$out/replay-cloudwatch/heatmap.png" docs/gallery/replay-heatmap.png
echo "gallery regenerated in docs/gallery"
