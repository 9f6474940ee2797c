#!/usr/bin/env bash
# Takes the screenshots of docs/server-pages.md (docs/images/server-*.png): the end-to-end test of the web
# pages (tests/e2e/web) run once with its screenshot folder set to docs/images.
#   scripts/server-screenshots.sh            # after scripts/build.sh; needs ../shared/realdata and chromium
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build"
exec bash "$root/tests/e2e/web/server_pages_test.sh" "$build/apps/cli/deepimage" "$root" \
  "$build/web/dist" "$build/web/node_modules" "$root/docs/images"
