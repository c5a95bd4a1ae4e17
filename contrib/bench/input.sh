# shellcheck shell=bash disable=SC2154
# Sourced by run.sh and push.sh: chooses the benchmark input.
# Expects: $here, $bench_dir, $rev (default HEAD) and the script's arguments ("$@").
# Sets: repo (a source-git repository with .distro/ at rev), tag, rev (a commit id).
# No argument: the generated repository (made once by gen-source-git.sh). A REPO argument without
# .distro/ at rev: a copy made by make-downstream.sh (BENCH_TAG, BENCH_COMMITS).
if [[ $# -eq 0 ]]; then
    repo=$bench_dir/generated
    tag=${BENCH_TAG:-v1.0}
    [[ -d $repo ]] || "$here/gen-source-git.sh" "$repo"
else
    repo=$(realpath "$1")
    tag=${BENCH_TAG:?set BENCH_TAG to the release tag of $repo}
    if ! git -C "$repo" cat-file -e "$rev:.distro" 2>/dev/null; then
        copy=$bench_dir/$(basename "$repo" .git)-distgit-$tag-${BENCH_COMMITS:-400}
        [[ -d $copy ]] || "$here/make-downstream.sh" "$repo" "$copy" "$tag" "${BENCH_COMMITS:-400}"
        repo=$copy
        rev=HEAD
    fi
fi
rev=$(git -C "$repo" rev-parse "$rev^{commit}")
