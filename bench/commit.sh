#!/usr/bin/env bash
# bench/commit.sh: time sha256sum, b3sum and gpunet's Merkle commitment
# (runtime/commit) over one file of random data held in the page cache.
#
#   bench/commit.sh                # 2 GiB file, best of 3
#   SIZE_MIB=512 RUNS=5 bench/commit.sh
#
# GB/s is 10^9 bytes per second of wall time, process start included.
set -euo pipefail

SIZE_MIB=${SIZE_MIB:-2048}
RUNS=${RUNS:-3}
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/commit-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
file=$tmp/data.bin
bytes=$((SIZE_MIB << 20))

# b3sum is the Debian package "b3sum"; install it when apt has it.
have_b3=1
if ! command -v b3sum >/dev/null 2>&1; then
	policy=$(apt-cache policy b3sum 2>/dev/null || true)
	if [[ $policy == *"Candidate: "[0-9]* ]]; then
		sudo=""
		[ "$(id -u)" -eq 0 ] || sudo="sudo"
		echo "installing b3sum (apt-get install -y b3sum)"
		if ! $sudo apt-get install -y -qq b3sum >/dev/null; then
			have_b3=0
			echo "b3sum: apt-get install -y b3sum failed; skipping it"
		fi
	else
		have_b3=0
		echo "b3sum: apt-cache policy b3sum shows no candidate, no such Debian package here; skipping it"
	fi
fi

echo "building runtime/commit/internal/commitfile"
(cd "$repo" && go build -o "$tmp/commitfile" ./runtime/commit/internal/commitfile)

echo "writing $SIZE_MIB MiB of random data to $file"
head -c "$bytes" /dev/urandom >"$file"
cat "$file" >/dev/null # warm-up read: the file is in the page cache from here on

# best NAME CMD...: run CMD RUNS times, print the fastest wall time as GB/s.
best() {
	local name=$1 i t0 t1 ns best_ns=0 out
	shift
	for ((i = 0; i < RUNS; i++)); do
		t0=$(date +%s%N)
		out=$("$@")
		t1=$(date +%s%N)
		ns=$((t1 - t0))
		if ((best_ns == 0 || ns < best_ns)); then best_ns=$ns; fi
	done
	awk -v n="$name" -v ns="$best_ns" -v b="$bytes" -v o="${out%% *}" \
		'BEGIN { printf "%-28s %7.3f s  %6.2f GB/s  %s\n", n, ns / 1e9, b / ns, o }'
}

echo "cpus=$(nproc) GOMAXPROCS=${GOMAXPROCS:-$(nproc)} $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)" \
	"sha_ni=$(grep -qw sha_ni /proc/cpuinfo && echo yes || echo no) load:$(cut -d' ' -f1-3 /proc/loadavg)"
echo "best of $RUNS over $SIZE_MIB MiB ($bytes bytes):"
best "sha256sum" sha256sum "$file"
if command -v openssl >/dev/null 2>&1; then # SHA-NI single-stream reference
	best "openssl dgst -sha256" openssl dgst -sha256 -r "$file"
fi
if [ "$have_b3" -eq 1 ]; then
	best "b3sum" b3sum "$file"
	best "b3sum --num-threads 1" b3sum --num-threads 1 "$file"
fi
best "commitment workers=1" "$tmp/commitfile" -workers 1 "$file"
best "commitment workers=$(nproc)" "$tmp/commitfile" -workers "$(nproc)" "$file"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
