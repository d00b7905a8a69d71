#!/bin/sh
# Rebuilds the committed stand-in bytecode in ../resources/standins from StandIns.sol.
# Needs node/npm once (the build itself never compiles Solidity):
#   sh contracts/src/test/solidity/build.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../resources/standins"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
npm install --prefix "$tmp" --no-audit --no-fund --silent solc@0.8.26
(cd "$here" && "$tmp/node_modules/.bin/solcjs" --bin --abi --optimize -o "$tmp/out" StandIns.sol)
mkdir -p "$out"
for f in "$tmp"/out/StandIns_sol_*; do
  name=$(basename "$f" | sed 's/^StandIns_sol_//')
  cp "$f" "$out/$name"
done
ls -l "$out"
