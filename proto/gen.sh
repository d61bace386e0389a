#!/usr/bin/env bash
# Regenerates the gogoproto Go code for proto/gpunet from the .proto files.
# Needs Debian's protobuf-compiler; the plugin and the imported .proto files come
# from the Go module cache (the buf registry is unreachable here), so the
# versions always match go.mod.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v protoc >/dev/null || { echo "protoc not found: apt-get install -y protobuf-compiler" >&2; exit 1; }
mkdir -p .tools
GOBIN="$PWD/.tools" go install github.com/cosmos/gogoproto/protoc-gen-gocosmos
# The gateway plugin's own dependencies are not in our go.mod: install it at
# the version go.mod pins, in its own module context.
GOBIN="$PWD/.tools" go install "github.com/grpc-ecosystem/grpc-gateway/protoc-gen-grpc-gateway@$(go list -m -f '{{.Version}}' github.com/grpc-ecosystem/grpc-gateway)"

moddir() { go list -m -f '{{.Dir}}' "$1"; }
sdk=$(moddir github.com/cosmos/cosmos-sdk)
gogo=$(moddir github.com/cosmos/gogoproto)
cproto=$(moddir github.com/cosmos/cosmos-proto)
gw=$(moddir github.com/grpc-ecosystem/grpc-gateway)

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
PATH="$PWD/.tools:$PATH" protoc \
  -I proto -I "$sdk/proto" -I "$gogo" -I "$cproto/proto" -I "$gw/third_party/googleapis" -I /usr/include \
  --gocosmos_out="plugins=grpc,Mgoogle/protobuf/any.proto=github.com/cosmos/gogoproto/types/any:$out" \
  --grpc-gateway_out="logtostderr=true,allow_colon_final_segments=true:$out" \
  proto/gpunet/stake/v1/*.proto
cp "$out"/github.com/gpunet/gpunet/stake/types/*.go stake/types/
echo "generated: $(ls stake/types/*.pb*.go | tr '\n' ' ')"
