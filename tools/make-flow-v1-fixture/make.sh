#!/usr/bin/env bash
# Regenerates reference/fixtures/flows/*-v1.json with the library as it was when flow files were version 1
# (commit 3f6f4f4, dense weights stored [in, out]). Run from the repository root: bash tools/make-flow-v1-fixture/make.sh
set -euo pipefail
root=$(pwd)
old=$(mktemp -d)
git worktree add --detach "$old" 3f6f4f4 >/dev/null
trap 'git worktree remove --force "$old"' EXIT
dotnet run -c Release --project tools/make-flow-v1-fixture -p:InferenceRoot="$old" -- "$root/reference/fixtures/flows"
