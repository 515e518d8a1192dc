#!/usr/bin/env bash
# Vendors the web front end from npm into internal/web/static/vendor/.
#
# Versions are pinned exactly in scripts/package.json and locked (with
# integrity hashes) in scripts/package-lock.json; `npm ci` installs exactly
# those. The copied files are committed, so building or running ketatrack
# never needs npm or the network: run this script only to upgrade a library
# (edit package.json, run `npm install --ignore-scripts` here to refresh the
# lock, then run this script and commit the result).
#
#   htmx.org       4.0.1   partial page updates from HTML attributes
#   @picocss/pico  2.1.1   classless-leaning CSS with accessible defaults
#   uplot          1.6.32  small, fast time-series charts
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest="$here/../internal/web/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp "$here/package.json" "$here/package-lock.json" "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

mkdir -p "$dest"
nm="$work/node_modules"
install -m 0644 "$nm/htmx.org/dist/htmx.min.js" "$dest/htmx.min.js"
install -m 0644 "$nm/htmx.org/LICENSE" "$dest/htmx.LICENSE"
install -m 0644 "$nm/@picocss/pico/css/pico.min.css" "$dest/pico.min.css"
install -m 0644 "$nm/@picocss/pico/LICENSE.md" "$dest/pico.LICENSE.md"
install -m 0644 "$nm/uplot/dist/uPlot.iife.min.js" "$dest/uPlot.iife.min.js"
install -m 0644 "$nm/uplot/dist/uPlot.min.css" "$dest/uPlot.min.css"
install -m 0644 "$nm/uplot/LICENSE" "$dest/uplot.LICENSE"

# A manifest of what was vendored, with versions read from the installed
# packages (not from this script), and checksums to spot hand edits.
{
  for p in htmx.org @picocss/pico uplot; do
    printf '%s %s\n' "$p" "$(node -p "require('$nm/$p/package.json').version")"
  done
  (cd "$dest" && sha256sum htmx.min.js pico.min.css uPlot.iife.min.js uPlot.min.css)
} > "$dest/VERSIONS"
echo "vendored into $dest:"
cat "$dest/VERSIONS"
