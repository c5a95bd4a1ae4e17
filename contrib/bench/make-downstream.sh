#!/usr/bin/env bash
# Turns a copy of a real repository into a source-git benchmark input.
#
#   contrib/bench/make-downstream.sh SRC DEST TAG [N] [UPSTREAM]
#
# Clones SRC (a path; objects are hard-linked, SRC is never changed) to DEST (which must not
# exist, without a checkout) and builds the branch `distgit-bench` there, checked out as HEAD:
#
#   TAG -> "Add .distro packaging" -> N "downstream" commits
#
# The N downstream commits replay the first N first-parent commits after TAG on UPSTREAM
# (default: SRC's HEAD): each gets the tree of its original (plus `.distro/`) and its
# author, committer and message, so a merge becomes one linear commit holding the whole merged
# topic. That avoids both merges in the range and cherry-pick conflicts, and gives patches
# larger than typical downstream ones (a harder case). The spec is `.distro/<name>.spec`,
# <name> being DEST's base name up to the first `-` (override with BENCH_NAME).
# It applies the patches with `%autosetup -S git`, as real history has binary changes.
set -euo pipefail

src=${1:?usage: make-downstream.sh SRC DEST TAG [N] [UPSTREAM]}
dest=${2:?usage: make-downstream.sh SRC DEST TAG [N] [UPSTREAM]}
tag=${3:?usage: make-downstream.sh SRC DEST TAG [N] [UPSTREAM]}
n=${4:-400}
upstream=${5:-HEAD}
name=${BENCH_NAME:-$(basename "$dest")}
name=${name%%-*}
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 LC_ALL=C

[[ -e $dest ]] && { echo "make-downstream.sh: $dest exists; give a new directory" >&2; exit 1; }
git clone -q --no-checkout "$src" "$dest"
cd "$dest"
upstream=$(git -C "$src" rev-parse "$upstream^{commit}")
base=$(git rev-parse "$tag^{commit}")

spec=$(git hash-object -w --stdin <<EOF
Name:           $name
Version:        0
Release:        1%{?dist}
Summary:        $name, rendered by the git-distgit benchmark
License:        GPL-2.0-only
URL:            https://example.org/$name
Source0:        %{name}-%{version}.tar.gz

%description
Benchmark package.

%prep
%autosetup -S git

%build

%install

%files

%changelog
* Mon Jan 01 2024 Bench Packager <packager@distro.example> - 0-1
- Initial package
EOF
)
distro=$(printf '100644 blob %s\t%s.spec\n' "$spec" "$name" | git mktree)
with_distro() { { git ls-tree "$1^{tree}"; printf '040000 tree %s\t.distro\n' "$distro"; } | git mktree; }

export GIT_AUTHOR_NAME="Bench Packager" GIT_AUTHOR_EMAIL="packager@distro.example"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
stamp=$(git log -1 --format=%ct "$base")
export GIT_AUTHOR_DATE="@$((stamp + 1)) +0000" GIT_COMMITTER_DATE="@$((stamp + 1)) +0000"
head=$(git commit-tree "$(with_distro "$base")" -p "$base" -m "Add .distro packaging")

count=0
for c in $(git rev-list --first-parent --reverse "$base..$upstream" | head -n "$n"); do
    IFS=$'\x1f' read -r an ae ad cn ce cd < <(git log -1 --date=raw --format='%an%x1f%ae%x1f%ad%x1f%cn%x1f%ce%x1f%cd' "$c")
    head=$(git log -1 --format=%B "$c" |
        GIT_AUTHOR_NAME=$an GIT_AUTHOR_EMAIL=$ae GIT_AUTHOR_DATE=$ad \
            GIT_COMMITTER_NAME=$cn GIT_COMMITTER_EMAIL=$ce GIT_COMMITTER_DATE=$cd \
            git commit-tree "$(with_distro "$c")" -p "$head")
    count=$((count + 1))
done
((count == n)) || echo "make-downstream.sh: only $count first-parent commits after $tag" >&2
git update-ref refs/heads/distgit-bench "$head"
git symbolic-ref HEAD refs/heads/distgit-bench
echo "$dest: branch distgit-bench = $tag + .distro + $count commits, HEAD $head"
