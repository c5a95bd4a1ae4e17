#!/usr/bin/env bash
# Creates a small sample source-git repository: an upstream project tagged v1.0, a `.distro/`
# with the spec, and three downstream commits (one with Packit trailers).
# Usage: contrib/sample/make-sample.sh DIR
set -euo pipefail
dir=${1:?usage: make-sample.sh DIR}
[ ! -e "$dir" ] || { echo "make-sample.sh: $dir already exists" >&2; exit 1; }
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 LC_ALL=C
export GIT_AUTHOR_NAME="Ada Upstream" GIT_AUTHOR_EMAIL=ada@example.org
export GIT_COMMITTER_NAME="Pat Packager" GIT_COMMITTER_EMAIL=pat@example.org
t=1795219200
commit() { t=$((t + 60)); git add -A; GIT_AUTHOR_DATE="@$t +0000" GIT_COMMITTER_DATE="@$t +0000" git commit -q -m "$1"; }

git init -q -b main "$dir"
cd "$dir"
printf 'Hello project\n' > README
mkdir -p src && printf '#!/bin/sh\necho hello\n' > src/hello.sh
commit "Initial upstream import"
GIT_COMMITTER_DATE="@$t +0000" git tag -a -m "Release 1.0" v1.0

mkdir .distro
cat > .distro/hello.spec <<'SPEC'
Name:           hello
Version:        1.0
Release:        1%{?dist}
Summary:        A friendly greeter
License:        MIT
URL:            https://example.org/hello
Source0:        %{url}/archive/v%{version}/%{name}-%{version}.tar.gz
BuildArch:      noarch

%description
Says hello.

%prep
%autosetup -p1

%build

%install
install -D -m 0755 src/hello.sh %{buildroot}%{_bindir}/hello

%files
%{_bindir}/hello

%changelog
* Sat Nov 21 2026 Pat Packager <pat@example.org> - 1.0-1
- Initial package
SPEC
printf '*.tar.gz\n' > .distro/.gitignore
printf '[upstream]\ntag_pattern = "v*"\n' > .distro/distgit.toml
commit "Add packaging"

printf '#!/bin/sh\necho "hello, world"\n' > src/hello.sh
commit "Greet the whole world"
printf 'Hello project\n\nRun `hello`.\n' > README
commit "$(printf 'Document usage\n\nPatch-name: readme-usage.patch\nPatch-status: |\n    # Downstream: upstream README stays short\n')"
echo "sample source-git repository: $dir"
