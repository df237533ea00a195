#!/usr/bin/env bash
# Builds the pulumi CLI (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi at the version go.mod pins) and the lane's
# Node.js language host (./langhost) into .engine/bin, with the version set through -ldflags. Skips the build when
# that version of both is already there (a stamp records the version and a hash of go.sum and the host's source).
# Only the Go module proxy is used (GOFLAGS=-mod=readonly: go.sum must already be complete). --force rebuilds;
# OUT=<dir> builds elsewhere (the benchmark's warm and cold builds).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${OUT:-$repo/.engine/bin}
force=${1:-}

version=$(awk '{ for (i = 1; i < NF; i++) if ($i == "github.com/pulumi/pulumi/pkg/v3") print $(i + 1) }' "$here/go.mod")
sdk=$(awk '{ for (i = 1; i < NF; i++) if ($i == "github.com/pulumi/pulumi/sdk/v3") print $(i + 1) }' "$here/go.mod")
if [[ -z $version || $version != "$sdk" ]]; then
  echo "tools/pulumi-cli/go.mod must require pkg/v3 and sdk/v3 at one version (pkg/v3 ${version:-missing}, sdk/v3 ${sdk:-missing})" >&2
  exit 2
fi
stamp="$version $(cat "$here/go.sum" "$here"/langhost/*.go | sha256sum | cut -c1-16)"
if [[ $force != --force && -x $out/pulumi && -x $out/pulumi-language-nodejs && "$(cat "$out/.stamp" 2>/dev/null)" == "$stamp" ]]; then
  echo "pulumi $version: already built in $out"
  exit 0
fi

mkdir -p "$out"
rm -f "$out/.stamp"
ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version"
cd "$here"
export GOFLAGS=-mod=readonly
start=$SECONDS
echo "building pulumi $version and its Node.js language host into $out (first build on a machine: ~15 minutes on 2 cores)"
go build -trimpath -ldflags "$ldflags" -o "$out/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
go build -trimpath -ldflags "$ldflags" -o "$out/pulumi-language-nodejs" ./langhost
"$out/pulumi" version | grep -qx "$version" || { echo "built pulumi reports $("$out/pulumi" version), expected $version" >&2; exit 1; }
echo "$stamp" > "$out/.stamp"
echo "built pulumi $version in $((SECONDS - start)) s"
