#!/usr/bin/env bash
# Benchmarks `git distgit status` (and `--json`) against a plain-git equivalent on the same repo.
#
#   contrib/bench/status.sh                    # generated repo (gen-source-git.sh)
#   BENCH_TAG=v2.50.0 contrib/bench/status.sh /path/to/git.git   # or the copy run.sh made
#
# REPO must have `.distro/` at BENCH_REV (default HEAD), or it is copied by make-downstream.sh
# as in run.sh. It is never changed: the script clones it (objects hard-linked, with a
# checkout) into a scratch directory under BENCH_DIR, adds a `fedora` remote
# `distgit::<scratch>/dist.git` (a new bare repository) tracking `bench:rawhide`, pushes BENCH_REV
# once through git-remote-distgit (which fills the dist-git cache status reads), then commits
# one more downstream change on `bench`: status then reports "ahead" with one waiting commit.
# Timed with hyperfine (BENCH_RUNS runs after BENCH_WARMUP), in the checkout:
#
#   status       git distgit status
#   status-json  git distgit status --json
#   status, no memo   git distgit status with its memo of which commits make a patch
#                (<git dir>/distgit/status/) removed before each run: every tree of the
#                downstream range is compared, as on the first run
#   plain git    what git itself needs for a like report, one command after the other:
#                  git status --short --branch              (the working tree and branch)
#                  git describe --tags --abbrev=0 bench     (the nearest release tag)
#                  git rev-list --count TAG..bench          (the downstream commits)
#                  git log --first-parent --format='%H %s' SYNCED..bench   (waiting commits)
#                  git --git-dir=CACHE log -1 --format=%B refs/remotes/distgit/rawhide
#                                                           (the dist-git head's trailer)
#
# Environment:
#   BENCH_TAG      the release tag (default v1.0, the generated repo's)
#   BENCH_REV      the source-git commit pushed first (default HEAD)
#   BENCH_COMMITS  downstream commits to make when REPO has no `.distro/` (default 400)
#   BENCH_DIR      generated repos and scratch files (default /tmp/git-distgit-bench)
#   BENCH_RUNS     timed runs of each command (default 30), after BENCH_WARMUP (default 3)
#   BENCH_BIN_DIR  directory holding git-distgit and git-remote-distgit (default: cargo build --release)
#   BENCH_KEEP     keep the scratch directory (default: removed at exit)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bench_dir=${BENCH_DIR:-/tmp/git-distgit-bench}
runs=${BENCH_RUNS:-30}
warmup=${BENCH_WARMUP:-3}
rev=${BENCH_REV:-HEAD}
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 LC_ALL=C TZ=UTC
mkdir -p "$bench_dir"
command -v hyperfine >/dev/null || { echo "status.sh: hyperfine is missing (apt-get install hyperfine)" >&2; exit 1; }

# --- the binaries -----------------------------------------------------------------------------
if [[ -n ${BENCH_BIN_DIR:-} ]]; then
    bin_dir=$(realpath "$BENCH_BIN_DIR")
else
    (cd "$root" && cargo build --release --quiet --bin git-distgit --bin git-remote-distgit)
    bin_dir=$(realpath "${CARGO_TARGET_DIR:-$root/target}/release")
fi
for b in git-distgit git-remote-distgit; do
    [[ -x $bin_dir/$b ]] || { echo "status.sh: no $b in $bin_dir" >&2; exit 1; }
done
export PATH=$bin_dir:$PATH

# --- the input --------------------------------------------------------------------------------
# shellcheck source=contrib/bench/input.sh
source "$here/input.sh"

scratch=$(mktemp -d "$bench_dir/status.XXXXXX")
[[ -n ${BENCH_KEEP:-} ]] || trap 'rm -rf "$scratch"' EXIT
src=$scratch/src dist=$scratch/dist.git
git clone -q --no-checkout "$repo" "$src"
git -C "$src" checkout -q -b bench "$rev"
git -C "$src" config distgit.lookaside "$scratch/lookaside"
git -C "$src" config distgit.track bench:rawhide
git init -q --bare -b rawhide "$dist"
git -C "$src" remote add fedora "distgit::$dist"
git -C "$src" push -q fedora bench:rawhide

# One more downstream commit on `bench`: a line appended to the first file outside .distro/.
export GIT_AUTHOR_NAME="Bench Packager" GIT_AUTHOR_EMAIL="packager@distro.example"
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
export GIT_AUTHOR_DATE="@1750000000 +0000" GIT_COMMITTER_DATE="@1750000000 +0000"
file=$(git -C "$src" ls-files | awk '!/^\.distro\// && !f { print; f = 1 }')
echo "One more downstream line." >>"$src/$file"
git -C "$src" commit -q -am "Downstream: one more line in $file"

history=$(git -C "$src" rev-list --count bench)
files=$(git -C "$src" ls-files | wc -l)
tags=$(git -C "$src" tag | wc -l)
cache=$(ls -d "$src"/.git/distgit/*.git)
synced=$(git --git-dir="$cache" log -1 --format=%B refs/remotes/distgit/rawhide | sed -n 's/^From-source-git-commit: //p')
state=$(git-distgit -C "$src" status --json | awk -F'"' '/"sync":/ { print $4 }')
[[ $state == ahead ]] || { echo "status.sh: expected state ahead, got '$state'" >&2; git-distgit -C "$src" status >&2; exit 1; }

bound_sh=$scratch/bound.sh
cat >"$bound_sh" <<EOF
cd "$src"
git status --short --branch >/dev/null
git describe --tags --abbrev=0 bench >/dev/null
git rev-list --count $tag..bench >/dev/null
git log --first-parent --format='%H %s' $synced..bench >/dev/null
git --git-dir="$cache" log -1 --format=%B refs/remotes/distgit/rawhide >/dev/null
EOF

# --- timing -----------------------------------------------------------------------------------
echo "input: $repo ($history commits in history, $files files, $tags tags, release $tag)"
echo "machine: $(nproc) cores, $(git --version), load $(cut -d' ' -f1-3 /proc/loadavg)"
git-distgit -C "$src" status
memo=$src/.git/distgit/status
hyperfine -N --warmup "$warmup" --runs "$runs" --export-json "$scratch/h.json" \
    --prepare true --prepare true --prepare "rm -rf $memo" --prepare true \
    -n status "git-distgit -C $src status" \
    -n status-json "git-distgit -C $src status --json" \
    -n "status, no memo" "git-distgit -C $src status" \
    -n "plain git" "bash $bound_sh"
awk -v RS='"command"' 'NR > 1 {
    match($0, /"median": *[0-9.e-]+/); m = substr($0, RSTART, RLENGTH); sub(/.*: */, "", m)
    match($0, /^: *"[^"]*"/); n = substr($0, RSTART, RLENGTH); sub(/^: *"/, "", n); sub(/"$/, "", n)
    med[n] = m; order[NR] = n
} END {
    for (i = 2; i in order; i++) printf "%-16s median %6.1f ms   ratio to plain git %.2f\n", order[i], med[order[i]] * 1000, med[order[i]] / med["plain git"]
}' "$scratch/h.json"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
