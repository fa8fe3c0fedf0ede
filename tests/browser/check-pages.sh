#!/usr/bin/env bash
# The report page in a real browser: runs the hot-key, shard-sweep and
# fan-out scenarios, loads each index.html in headless Chromium (Debian's
# package, installed here when missing: nothing is downloaded at run time)
# at 1,280 px and at 500 px (phone width: the narrowest window headless
# Chromium lays out), and checks that every image (the SVG
# charts) loaded, that the page does not scroll sideways, and that the
# verdict is there (tests/browser/probe.py). A full-page screenshot of each
# page at 1,280 px is kept in $ARTIFACTS (target/browser unless set).
#
# Usage: tests/browser/check-pages.sh [path/to/shardsim]
# (default target/release/shardsim, which CI's quickstart step builds).
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${CARGO_TARGET_DIR:-target}
shardsim=${1:-$target/release/shardsim}
artifacts=$(mkdir -p "${ARTIFACTS:-$target/browser}" && cd "${ARTIFACTS:-$target/browser}" && pwd)

if ! command -v chromium >/dev/null; then
  echo "installing chromium (Debian package)"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

rm -rf "${artifacts:?}"/*
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# The flags keep Chromium off the network (this machine has none) and out
# of the way of a root user; the virtual time budget lets the page load
# its images before the DOM is printed or the screenshot taken.
browser() {
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$profile" --virtual-time-budget=10000 "$@" 2>/dev/null
}

for scenario in hot-key shard-sweep fan-out; do
  # Exit code 1 is a broken SLO: the page is what is checked here.
  "$shardsim" run "scenarios/$scenario.toml" --out "$artifacts/reports" --quiet || [ $? -eq 1 ]
  dir="$artifacts/reports/$scenario"
  python3 tests/browser/probe.py inject "$dir/index.html" "$dir/probe.html"
  for width in 1280 500; do
    browser --window-size="$width,900" --dump-dom "file://$dir/probe.html" > "$dir/probe-$width.dom" || true
    python3 tests/browser/probe.py check "$scenario" "$width" "$dir/probe-$width.dom"
  done
  height=$(python3 tests/browser/probe.py height "$dir/probe-1280.dom")
  rm -f "$dir/probe.html" "$dir"/probe-*.dom
  browser --window-size="1280,$height" --screenshot="$artifacts/$scenario.png" "file://$dir/index.html" >/dev/null || true
  test -s "$artifacts/$scenario.png" || { echo "$scenario: no screenshot" >&2; exit 1; }
  echo "screenshot: $artifacts/$scenario.png (1,280 × $height px)"
done
