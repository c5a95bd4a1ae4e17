#!/usr/bin/env bash
# Benchmarks `git push distgit::<bare dist-git> <rev>:rawhide` (the remote helper) against plain
# git doing the same dist-git update by hand.
#
#   contrib/bench/push.sh                    # generated repo (gen-source-git.sh)
#   BENCH_TAG=v2.50.0 contrib/bench/push.sh /path/to/git.git-derived-copy
#
# REPO must have `.distro/` at BENCH_REV (default HEAD), or it is copied by make-downstream.sh
# as in run.sh. It is never changed: the script clones it (objects hard-linked) into a scratch
# directory under BENCH_DIR, sets `distgit.lookaside` there to a scratch directory, creates a
# bare dist-git repository (default branch `rawhide`), and pushes once (the "first push").
# Then it times, interleaved (so that load drifting on a shared machine hits all alike):
#
#   no-op      git push distgit::DIST bench:rawhide   after that first push: source-git is
#              unchanged, so the helper's `list for-push` reports the very commit and git says
#              "Everything up-to-date". What counts is the helper's start and listing (fetching
#              dist-git into its cache, reading the branch's last bot commit).
#   one-commit git push distgit::DIST next:rawhide    where `next` = BENCH_REV + one commit that
#              appends a line to one file; before each run (not timed) dist-git's rawhide is
#              reset to the first push's commit, so every run renders and pushes the same update.
#              The tarball cache is warm (the first push made it): a new downstream commit on
#              the same release.
#   one-commit, cold   the same with the source-git's tarball cache (.git/distgit/tarballs)
#              removed before each run (not timed): as for the first push of a new release.
#   bound      the plain-git lower bound of one-commit, run one after the other:
#                git format-patch -o CHECKOUT TAG..next -- . ':(exclude).distro'
#                git -C CHECKOUT add -A
#                git -C CHECKOUT commit -q -m ...
#                git -C CHECKOUT push -q origin HEAD:rawhide
#              in a checkout of the first push's dist-git commit whose origin is a second bare
#              copy of dist-git; before each run (not timed) the checkout and that bare copy are
#              reset to the first push's commit. No tarball, no spec edit, no lookaside: only
#              the patches, the commit and the push.
#
# Times are wall clock (bash's EPOCHREALTIME around the command) and CPU time (user + system,
# children included, GNU time, 10 ms resolution); medians of BENCH_RUNS runs after
# BENCH_WARMUP warm-up runs. All git runs ignore user and system git config.
#
# Environment:
#   BENCH_TAG      the release tag (default v1.0, the generated repo's)
#   BENCH_REV      the source-git commit of the first push (default HEAD)
#   BENCH_COMMITS  downstream commits to make when REPO has no `.distro/` (default 400)
#   BENCH_DIR      generated repos and scratch files (default /tmp/git-distgit-bench)
#   BENCH_RUNS     timed runs of each command (default 10), after BENCH_WARMUP (default 2)
#   BENCH_BIN_DIR  directory holding git-remote-distgit (default: cargo build --release)
#   BENCH_KEEP     keep the scratch directory (default: removed at exit)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bench_dir=${BENCH_DIR:-/tmp/git-distgit-bench}
runs=${BENCH_RUNS:-10}
warmup=${BENCH_WARMUP:-2}
rev=${BENCH_REV:-HEAD}
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 LC_ALL=C TZ=UTC
mkdir -p "$bench_dir"
T=/usr/bin/time
[[ -x $T ]] || { echo "push.sh: GNU time (/usr/bin/time) is missing: apt-get install time" >&2; exit 1; }

# --- the helper -------------------------------------------------------------------------------
if [[ -n ${BENCH_BIN_DIR:-} ]]; then
    bin_dir=$(realpath "$BENCH_BIN_DIR")
else
    (cd "$root" && cargo build --release --quiet --bin git-remote-distgit)
    bin_dir=$(realpath "${CARGO_TARGET_DIR:-$root/target}/release")
fi
[[ -x $bin_dir/git-remote-distgit ]] || { echo "push.sh: no git-remote-distgit in $bin_dir" >&2; exit 1; }
export PATH=$bin_dir:$PATH

# --- the input --------------------------------------------------------------------
# shellcheck source=contrib/bench/input.sh
source "$here/input.sh"

scratch=$(mktemp -d "$bench_dir/push.XXXXXX")
[[ -n ${BENCH_KEEP:-} ]] || trap 'rm -rf "$scratch"' EXIT
src=$scratch/src dist=$scratch/dist.git bound=$scratch/bound.git co=$scratch/checkout
git clone -q --no-checkout "$repo" "$src"
git -C "$src" update-ref refs/heads/bench "$rev"
git -C "$src" config distgit.lookaside "$scratch/lookaside"
git init -q --bare -b rawhide "$dist"
url=distgit::$dist

# The next downstream commit: append a line to the first file outside .distro/.
export GIT_AUTHOR_NAME="Bench Packager" GIT_AUTHOR_EMAIL="packager@distro.example"
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
export GIT_AUTHOR_DATE="@1750000000 +0000" GIT_COMMITTER_DATE="@1750000000 +0000"
file=$(git -C "$src" ls-tree -r --name-only "$rev" | awk '!/^\.distro\// && !f { print; f = 1 }')
blob=$({ git -C "$src" cat-file blob "$rev:$file"; echo "One more downstream line."; } | git -C "$src" hash-object -w --stdin)
tree=$(GIT_INDEX_FILE=$scratch/index sh -c "git -C '$src' read-tree '$rev' &&
    git -C '$src' update-index --cacheinfo '100644,$blob,$file' && git -C '$src' write-tree")
next=$(git -C "$src" commit-tree -p "$rev" -m "Downstream: one more line in $file" "$tree")
git -C "$src" update-ref refs/heads/next "$next"
commits=$(git -C "$src" rev-list --count "$tag..$next")
history=$(git -C "$src" rev-list --count "$next")

# --- the first push ---------------------------------------------------------------------------
start=$EPOCHREALTIME
git -C "$src" push -q "$url" bench:rawhide
first=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
base=$(git --git-dir="$dist" rev-parse rawhide)
npatch=$(git --git-dir="$dist" ls-tree --name-only rawhide | grep -c '\.patch$' || true)
git clone -q --bare "$dist" "$bound"
git clone -q "$dist" "$co"
git -C "$co" remote set-url origin "$bound"

# --- the commands -----------------------------------------------------------------------------
noop_out=$(git -C "$src" push "$url" bench:rawhide 2>&1)
[[ $noop_out == *"Everything up-to-date"* ]] || { printf "push.sh: the no-op push did something:\n%s\n" "$noop_out" >&2; exit 1; }
bound_sh=$scratch/bound.sh
cat >"$bound_sh" <<EOF
set -e
git -C "$src" format-patch -q -o "$co" $tag..$next -- . ':(exclude).distro' >/dev/null
git -C "$co" add -A
git -C "$co" commit -q -m "Sync from source-git"
git -C "$co" push -q origin HEAD:rawhide
EOF
prep_push() { git --git-dir="$dist" update-ref refs/heads/rawhide "$base"; }
prep_cold() { prep_push; rm -rf "$src/.git/distgit/tarballs"; }
prep_bound() {
    git -C "$co" reset -q --hard "$base"
    git --git-dir="$bound" update-ref refs/heads/rawhide "$base"
}
cmd_noop() { git -C "$src" push -q "$url" bench:rawhide; }
cmd_push() {
    git -C "$src" push -q "$url" next:rawhide
    [[ $(git --git-dir="$dist" rev-parse rawhide) != "$base" ]] || { echo "push.sh: rawhide did not move" >&2; exit 1; }
}
cmd_bound() { sh "$bound_sh"; }

# Runs "prep_$2" (untimed, if any) and "cmd_$3" and appends "<wall> <cpu>" to $scratch/t.$1.
measure() {
    local name=$1 prep=$2 cmd=$3 start end
    [[ $prep == - ]] || "prep_$prep"
    start=$EPOCHREALTIME
    $T -f '%U %S' -o "$scratch/cpu" bash -c "$(declare -f "cmd_$cmd"); $(declare -p src url dist base bound_sh); cmd_$cmd"
    end=$EPOCHREALTIME
    awk -v a="$start" -v b="$end" '{ printf "%.4f %.2f\n", b - a, $1 + $2 }' "$scratch/cpu" >>"$scratch/t.$name"
}
series=(noop:push:noop push:push:push cold:cold:push bound:bound:bound)
round() {
    local order=("${series[@]}") i
    (($1 % 2)) && order=("${series[@]:2:2}" "${series[@]:0:2}") # alternate the order
    for i in "${order[@]}"; do IFS=: read -r n p c <<<"$i"; measure "$n" "$p" "$c"; done
}
for ((i = 0; i < warmup; i++)); do round "$i"; done
rm -f "$scratch"/t.*
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((i = 0; i < runs; i++)); do round "$i"; printf '.' >&2; done
echo >&2
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report -----------------------------------------------------------------------------------
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { cut -d' ' -f"$2" "$scratch/t.$1" | median; }
range() { cut -d' ' -f1 "$scratch/t.$1" | sort -g | awk '{ v[NR] = $1 } END { printf "%.3f-%.3f", v[1], v[NR] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
ms() { awk -v s="$1" 'BEGIN { printf "%.0f", s * 1000 }'; }
row() { printf '%-26s %12s %18s %10s %12s\n' "$@"; }
b_wall=$(col bound 1) b_cpu=$(col bound 2)
echo "input: $repo ($history commits in history, $commits commits $tag..next, $npatch patches after the first push)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(git --version), load $load_before -> $load_after"
echo "first push (cold, once): $first s; runs: $runs interleaved after $warmup warm-up"
row "" "wall (ms)" "range (s)" "CPU (ms)" "wall/bound"
for n in noop push cold bound; do
    w=$(col $n 1) c=$(col $n 2)
    r=""
    if [[ $n != noop ]]; then r=$(ratio "$w" "$b_wall"); fi
    row "$n" "$(ms "$w")" "$(range $n)" "$(ms "$c")" "$r"
done
echo "CPU ratio one-commit/bound: $(ratio "$(col push 2)" "$b_cpu") (warm), $(ratio "$(col cold 2)" "$b_cpu") (cold)"
