#!/usr/bin/env bash
# Benchmarks `git distgit render --out` against plain git on the same input.
#
#   contrib/bench/run.sh            # generated repo (gen-source-git.sh: 5,000 files, 400 commits)
#   BENCH_TAG=v2.50.0 contrib/bench/run.sh /path/to/git.git
#
# The lower bound is what render cannot avoid doing: git's own work, run sequentially,
#   git format-patch -o TMP TAG..REV -- . ':(exclude).distro'
#   git archive --format=tar --prefix=NAME-VERSION/ TAG | gzip -n > TMP/x.tar.gz
# and render is `git-distgit -C REPO render --rev REV --out TMP`. Both run with user and system
# git config ignored. Before timing, the script checks that render's patches and tarball are
# byte-identical to the bound's.
#
# Environment:
#   BENCH_TAG      the release tag (default v1.0, the generated repo's)
#   BENCH_REV      the candidate commit (default HEAD)
#   BENCH_COMMITS  downstream commits to make when REPO has no `.distro/` (default 400)
#   BENCH_DIR      where generated repos, copies and scratch files go (default /tmp/git-distgit-bench)
#   BENCH_RUNS     timed runs of each command (default 10), after BENCH_WARMUP (default 2)
#   BENCH_MEM_RUNS runs sampled for memory (default 3)
#   BENCH_BIN      the git-distgit binary (default: built with `cargo build --release`)
#
# A REPO without `.distro/` at REV is copied by make-downstream.sh to BENCH_DIR (TAG, a
# `.distro/` commit, then BENCH_COMMITS replayed upstream commits) and the copy is measured.
#
# Times: medians of BENCH_RUNS runs of each, interleaved (bound, render, render, bound, ...) so
# that load drifting on a shared machine hits both alike; each run is measured by GNU time
# (`/usr/bin/time`, Debian package `time`): wall time, CPU time (user + system, children
# included) and maximum resident set size. For a command that starts children, Linux reports
# as max RSS the largest of the process and its waited-for descendants (ru_maxrss of wait4),
# not their sum; so the script also samples /proc every 5 ms for the peak of the summed
# proportional set size (Pss) of each command's whole process tree, and render's own peak RSS
# (VmHWM). Each git process's max RSS (GNU time) is shown too.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bench_dir=${BENCH_DIR:-/tmp/git-distgit-bench}
runs=${BENCH_RUNS:-10}
warmup=${BENCH_WARMUP:-2}
rev=${BENCH_REV:-HEAD}
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 LC_ALL=C
mkdir -p "$bench_dir"

# --- the binary -------------------------------------------------------------------------------
if [[ -n ${BENCH_BIN:-} ]]; then
    bin=$BENCH_BIN
else
    (cd "$root" && cargo build --release --quiet --bin git-distgit)
    bin=${CARGO_TARGET_DIR:-$root/target}/release/git-distgit
fi
bin=$(realpath "$bin")

# --- the input --------------------------------------------------------------------------------
# shellcheck source=contrib/bench/input.sh
source "$here/input.sh"
commits=$(git -C "$repo" rev-list --count "$tag..$rev")
files=$(git -C "$repo" ls-tree -r --name-only "$tag" | wc -l)

scratch=$(mktemp -d "$bench_dir/run.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

render_cmd=("$bin" -C "$repo" render --rev "$rev" --out "$scratch/r")
"${render_cmd[@]}" --json >"$scratch/summary.json"
prefix=$(sed -n 's/^  "package": "\(.*\)",$/\1/p' "$scratch/summary.json")-$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$scratch/summary.json")
bound_sh=$scratch/bound.sh
cat >"$bound_sh" <<EOF
set -e
mkdir -p "$scratch/b"
git -C "$repo" format-patch -o "$scratch/b" $tag..$rev -- . ':(exclude).distro' >/dev/null
git -C "$repo" archive --format=tar --prefix=$prefix/ $tag | gzip -n >"$scratch/b/x.tar.gz"
EOF
sh "$bound_sh"

# --- same bytes? ------------------------------------------------------------------------------
npatch=$(find "$scratch/b" -name '*.patch' | wc -l)
same=0
for p in "$scratch"/b/*.patch; do cmp -s "$p" "$scratch/r/$(basename "$p")" && same=$((same + 1)); done
tarball=$(find "$scratch/r" -maxdepth 1 -name '*.tar.gz' | head -n1)
if cmp -s "$scratch/b/x.tar.gz" "$tarball"; then tar_same=yes; else tar_same=NO; fi
echo "input: $repo ($files files at $tag, $commits commits $tag..${rev:0:12}, $npatch patches)"
echo "check: $same of $npatch patches and tarball ($tar_same) byte-identical to plain git's"
rm -rf "$scratch/b" "$scratch/r"

# --- time -------------------------------------------------------------------------------------
# An interleaved loop rather than hyperfine's one-command-after-the-other: on a shared machine
# the load drifts, and interleaving makes the drift hit both commands alike. Each run is timed
# by GNU time, which also gives the CPU time (user + system, children included) and max RSS.
T=/usr/bin/time
[[ -x $T ]] || { echo "run.sh: GNU time (/usr/bin/time) is missing: apt-get install time" >&2; exit 1; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
run_bound() { rm -rf "$scratch/b"; $T -f '%e %U %S %M' -a -o "$scratch/tb" sh "$bound_sh"; }
run_render() { rm -rf "$scratch/r"; $T -f '%e %U %S %M' -a -o "$scratch/tr" "${render_cmd[@]}" >/dev/null; }
for ((i = 0; i < warmup; i++)); do run_bound; run_render; done
: >"$scratch/tb"
: >"$scratch/tr"
for ((i = 0; i < runs; i++)); do
    if ((i % 2)); then run_render; run_bound; else run_bound; run_render; fi
    printf '.' >&2
done
echo >&2
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
stat() { awk -v f="$2" '{ print (f == "cpu") ? $2 + $3 : $f }' "$scratch/$1" | median; }
t_bound=$(stat tb 1) t_render=$(stat tr 1)
c_bound=$(stat tb cpu) c_render=$(stat tr cpu)
rt_bound=$(stat tb 4) rt=$(stat tr 4)
spread() { awk '{ print $1 }' "$scratch/$1" | sort -g | awk '{ v[NR] = $1 } END { printf "%.3f-%.3f", v[1], v[NR] }'; }

# --- memory -----------------------------------------------------------------------------------
# Runs "$@" and prints "<its own VmHWM> <peak of the summed Pss of it and all its descendants>"
# (kB), sampling /proc every 5 ms (children of every thread, since render spawns from threads).
# Pss counts a page shared by n processes (the mapped pack, libraries) as 1/n in each, so the
# sum is the memory the tree really holds at that moment; summed RSS would count the pack once
# per git process.
tree_mem() {
    "$@" >/dev/null &
    local top=$! p k v rest t kids pss total peak=0 own=0
    while :; do
        local queue=("$top") qi=0
        total=0
        pss=
        while ((qi < ${#queue[@]})); do
            p=${queue[qi]}
            qi=$((qi + 1))
            while read -r k v rest; do
                case $k in
                    Pss:) pss=$v total=$((total + v)) ;;
                esac
            done 2>/dev/null <"/proc/$p/smaps_rollup" || true
            if ((p == top)); then
                while read -r k v rest; do
                    [[ $k == VmHWM: ]] && own=$v
                done 2>/dev/null <"/proc/$p/status" || true
            fi
            for t in /proc/"$p"/task/*/children; do
                kids=
                read -r kids 2>/dev/null <"$t" || true
                # shellcheck disable=SC2206
                queue+=($kids)
            done
        done
        [[ -n $pss ]] || break # the top process has exited (a zombie has no Pss)
        ((total > peak)) && peak=$total
        sleep 0.005
    done
    wait "$top"
    echo "$own $peak"
}
mem_runs=${BENCH_MEM_RUNS:-3}
: >"$scratch/m"
for ((i = 0; i < mem_runs; i++)); do
    rm -rf "$scratch/b" "$scratch/r"
    mkdir -p "$scratch/b"
    $T -f %M -o "$scratch/fp" git -C "$repo" format-patch -o "$scratch/b" "$tag..$rev" -- . ':(exclude).distro' >/dev/null
    $T -f %M -o "$scratch/ar" git -C "$repo" archive --format=tar --prefix="$prefix/" "$tag" |
        $T -f %M -o "$scratch/gz" gzip -n >"$scratch/b/x.tar.gz"
    rm -rf "$scratch/b"
    read -r _ b_pss < <(tree_mem sh "$bound_sh")
    read -r own r_pss < <(tree_mem "${render_cmd[@]}")
    rm -rf "$scratch/r"
    echo "$(tail -n1 "$scratch/fp") $(tail -n1 "$scratch/ar") $(tail -n1 "$scratch/gz") $own $b_pss $r_pss" >>"$scratch/m"
done
col() { cut -d' ' -f"$1" "$scratch/m" | median; }
fp=$(col 1) ar=$(col 2) gz=$(col 3) own=$(col 4) b_pss=$(col 5) r_pss=$(col 6)

# --- report -----------------------------------------------------------------------------------
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
f3() { printf '%.3f' "$1"; }
row() { printf '%-46s %12s %12s %7s\n' "$@"; }
echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(git --version), load $load_before -> $load_after"
echo "runs: $runs interleaved after $warmup warm-up; memory sampling: median of $mem_runs"
row "" "plain git" "render" "ratio"
row "wall time, median (s)" "$(f3 "$t_bound")" "$(f3 "$t_render")" "$(ratio "$t_render" "$t_bound")"
row "  range (s)" "$(spread tb)" "$(spread tr)" ""
row "CPU time user+sys, median (s)" "$(f3 "$c_bound")" "$(f3 "$c_render")" "$(ratio "$c_render" "$c_bound")"
row "peak RSS, largest process (MiB, GNU time)" "$(mib "$rt_bound")" "$(mib "$rt")" "$(ratio "$rt" "$rt_bound")"
row "peak memory, process tree summed (MiB, Pss)" "$(mib "$b_pss")" "$(mib "$r_pss")" "$(ratio "$r_pss" "$b_pss")"
row "  git-distgit itself (MiB, VmHWM)" "" "$(mib "$own")" ""
row "  format-patch / archive / gzip (MiB)" "$(mib "$fp") / $(mib "$ar") / $(mib "$gz")" "" ""
