#!/usr/bin/env bash
# `pnpm typecheck:ts6`: type-checks every publishable package's sources and tests (the vendor
# packages' test/*.test-d.ts type tests included) with the newest TypeScript 6, installed as the
# root devDependency alias `typescript6` (the packages' own `typecheck` uses TypeScript 5.9).
# Called by path: the alias also installs a `tsc` bin, which shadows 5.9's in the root
# node_modules/.bin (every package has its own typescript 5.9.3, so its scripts are unaffected).
# Run after `pnpm build` (the vendor packages type-check against auth-core's built d.ts).
set -euo pipefail
cd "$(dirname "$0")/.."

tsc6=(node node_modules/typescript6/bin/tsc)
echo "TypeScript $("${tsc6[@]}" --version)"
status=0
for dir in packages/*/; do
  if "${tsc6[@]}" -p "$dir" --noEmit; then
    echo "ok  ${dir%/}"
  else
    echo "FAIL ${dir%/}"
    status=1
  fi
done
exit "$status"
