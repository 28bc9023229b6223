#!/usr/bin/env bash
# `pnpm check:packages`: lints what would really be published. Each publishable package is packed
# once with `pnpm pack` (the tarball `pnpm publish` uploads: workspace: ranges rewritten, `files`
# applied), then that tarball is checked by
#   - publint --strict (every warning is an error),
#   - attw --profile esm-only: the packages are deliberately ESM-only (Node >= 20.19 loads them
#     with require(esm), proven at runtime by the require() test), so attw's node10 and
#     "node16 from CJS" resolutions do not apply; every other problem fails,
#   - a LICENSE identical to the root one is in the tarball;
# and .ci/check-entry-isolation.mjs proves that no main entry reaches a `/testing` entry.
# Run after `pnpm build`. Exits non-zero if any package has any finding.
set -euo pipefail
cd "$(dirname "$0")/.."

# Every publishable package: each packages/*/package.json that is not private (a new vendor's
# generated package included, with no edit here).
mapfile -t PACKAGES < <(node -e '
  const { existsSync, readdirSync, readFileSync } = require("node:fs");
  for (const dir of readdirSync("packages").sort()) {
    const manifest = `packages/${dir}/package.json`;
    if (existsSync(manifest) && !JSON.parse(readFileSync(manifest, "utf8")).private) console.log(dir);
  }
')
if [ "${#PACKAGES[@]}" -eq 0 ]; then
  echo "no publishable package found under packages/"
  exit 1
fi

bin="$PWD/node_modules/.bin"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
failed=()

for name in "${PACKAGES[@]}"; do
  dir="packages/$name"
  printf '\n--- %s\n' "$dir"
  ok=1
  for file in dist/index.js dist/index.d.ts; do
    if [ ! -f "$dir/$file" ]; then
      echo "$dir/$file is missing: run pnpm build first"
      ok=0
    fi
  done
  if [ "$ok" = 1 ]; then
    tarball="$(cd "$dir" && pnpm pack --pack-destination "$out" --json | node -e \
      'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).filename))')"
    "$bin/publint" run --strict "$tarball" || ok=0
    "$bin/attw" --profile esm-only --no-emoji --no-color "$tarball" || ok=0
    if ! tar -xzOf "$tarball" package/LICENSE 2>/dev/null | cmp -s - LICENSE; then
      echo "LICENSE: missing from the tarball or different from the root LICENSE"
      ok=0
    fi
  fi
  [ "$ok" = 1 ] || failed+=("$name")
done

printf '\n--- main entries\n'
node .ci/check-entry-isolation.mjs || failed+=("entry isolation")

if [ "${#failed[@]}" -gt 0 ]; then
  printf '\ncheck:packages failed for: %s\n' "${failed[*]}"
  exit 1
fi
printf '\ncheck:packages: %d packages, no findings\n' "${#PACKAGES[@]}"
