#!/usr/bin/env bash
# Benchmarks `git distgit verify` of N signed commits against `git verify-commit` over the same
# commits (git spawns gpg once per commit).
#
#   contrib/bench/verify.sh REPO          # e.g. the git.git-derived copy made by make-downstream.sh
#   BENCH_SIGNED=1000 contrib/bench/verify.sh REPO
#
# REPO is never changed: it is cloned (`--shared`, objects borrowed) into a scratch directory
# under BENCH_DIR, where a new OpenPGP key (gpg, Ed25519, no passphrase, in a scratch
# GNUPGHOME) signs BENCH_SIGNED (default 1000) empty commits on top of REPO's HEAD with
# `git commit -S`. A `distgit.toml` trusting that key (its certificate exported next to it)
# is the policy. Then, interleaved, BENCH_RUNS times (after BENCH_WARMUP warm-up rounds):
#
#   verify         git distgit verify --policy POLICY BASE..HEAD      (one process, sequoia)
#   verify-commit  git rev-list BASE..HEAD | xargs git verify-commit   (gpg per commit)
#
# Both check every one of the N signatures and must succeed. Wall clock medians (bash's
# EPOCHREALTIME). All git runs ignore user and system git config.
#
# Environment: BENCH_SIGNED, BENCH_DIR (default /tmp/git-distgit-bench), BENCH_RUNS (default
# 5), BENCH_WARMUP (default 1), BENCH_BIN_DIR (holding git-distgit; default cargo build
# --release), BENCH_KEEP (keep the scratch directory).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
repo=$(realpath "${1:?usage: verify.sh REPO}")
signed=${BENCH_SIGNED:-1000}
bench_dir=${BENCH_DIR:-/tmp/git-distgit-bench}
runs=${BENCH_RUNS:-5}
warmup=${BENCH_WARMUP:-1}
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 LC_ALL=C TZ=UTC
mkdir -p "$bench_dir"

if [[ -z ${BENCH_BIN_DIR:-} ]]; then
    cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin git-distgit
    BENCH_BIN_DIR=$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" |
        sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/release
fi
distgit=$BENCH_BIN_DIR/git-distgit

scratch=$(mktemp -d "$bench_dir/verify.XXXXXX")
export GNUPGHOME
GNUPGHOME=$(mktemp -d /tmp/gv.XXXXXX) # short: gpg-agent's socket path is limited
cleanup() {
    gpgconf --kill all 2>/dev/null || true
    rm -rf "$GNUPGHOME"
    [[ -n ${BENCH_KEEP:-} ]] || rm -rf "$scratch"
}
trap cleanup EXIT

# --- input: N signed commits on top of REPO ----------------------------------------------------
gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-gen-key 'Bench Signer <bench@example.org>' ed25519 sign never
fpr=$(gpg --batch --with-colons --list-keys bench@example.org | awk -F: '/^fpr/ { print $10; exit }')
src=$scratch/src
git clone -q --shared --no-checkout "$repo" "$src"
git -C "$src" checkout -q --detach HEAD
git -C "$src" config user.name 'Bench Signer'
git -C "$src" config user.email bench@example.org
git -C "$src" config user.signingkey "$fpr"
base=$(git -C "$src" rev-parse HEAD)
echo "signing $signed commits on top of $repo ($(git -C "$src" rev-list --count HEAD) commits) ..." >&2
for ((i = 1; i <= signed; i++)); do
    GIT_AUTHOR_DATE="@$((1700000000 + i)) +0000" GIT_COMMITTER_DATE="@$((1700000000 + i)) +0000" \
        git -C "$src" commit -q -S --allow-empty -m "signed commit $i"
done
mkdir -p "$scratch/policy/keys"
gpg --batch --armor --export "$fpr" >"$scratch/policy/keys/bench.asc"
printf '[trust]\nsigners = ["%s"]\ncertificates = ["keys/bench.asc"]\n' "$fpr" >"$scratch/policy/distgit.toml"

cmd_verify() { "$distgit" -C "$src" verify --policy "$scratch/policy/distgit.toml" "$base..HEAD" >/dev/null; }
cmd_git() { git -C "$src" rev-list "$base..HEAD" | xargs git -C "$src" verify-commit 2>/dev/null; }

# Both must accept every commit before anything is timed.
cmd_verify || { echo "verify.sh: git distgit verify did not accept the commits" >&2; exit 1; }
cmd_git || { echo "verify.sh: git verify-commit did not accept the commits" >&2; exit 1; }

measure() {
    local start=$EPOCHREALTIME
    "cmd_$1"
    awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.4f\n", b - a }' >>"$scratch/t.$1"
}
for ((r = 0; r < warmup; r++)); do cmd_verify; cmd_git; done
for ((r = 0; r < runs; r++)); do measure verify; measure git; done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
v=$(median <"$scratch/t.verify")
g=$(median <"$scratch/t.git")
printf '%-44s %10s\n' "command ($signed signed commits, median of $runs)" "seconds"
printf '%-44s %10.3f\n' "git distgit verify --policy … BASE..HEAD" "$v"
printf '%-44s %10.3f\n' "git rev-list BASE..HEAD | xargs git verify-commit" "$g"
awk -v a="$v" -v b="$g" 'BEGIN { printf "ratio verify / verify-commit: %.3f (%.0fx faster)\n", a / b, b / a }'
