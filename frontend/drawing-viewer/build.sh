#!/bin/sh
# Rebuild the vendored drawing viewer: npm ci, then bundle with esbuild into
# acceptance/static/acceptance/vendor/dxf-viewer/ with the licences of everything bundled.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
out=../../acceptance/static/acceptance/vendor/dxf-viewer
mkdir -p "$out"
npx esbuild src/viewer.js --bundle --minify --format=iife --target=es2020 --outfile="$out/dxf-viewer.js"
npx esbuild src/worker.js --bundle --minify --format=iife --target=es2020 --outfile="$out/dxf-worker.js"
for package in dxf-viewer three opentype.js earcut loglevel; do
    cp node_modules/$package/LICENSE* "$out/LICENSE.$package"
done
