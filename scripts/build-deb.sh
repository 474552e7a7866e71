#!/usr/bin/env bash
# Builds the Debian package (debian/) from this tree with dpkg-buildpackage,
# checks it with lintian and prints the path of tandem_VERSION_ARCH.deb.
# Installs the build dependencies that are missing (apt-get; sudo only when
# not root). The tree is copied first, so the build leaves it untouched.
# usage: scripts/build-deb.sh [-o DIR] [-u]    (default: build-deb/)
#   -u   only when DIR has no .deb of this version, or one older than a file
#        of the tree (the files git knows of, and new ones it does not
#        ignore; the .deb has the time its build copied them) outside tests/,
#        which the package build leaves out; otherwise just print its path.
#        CTest's packaging.deb runs it so, for the vm tier's test of the
#        package (vm.test_systemd).
set -euo pipefail
cd "$(dirname "$0")/.."
out=build-deb update=
usage() { echo "usage: scripts/build-deb.sh [-o DIR] [-u]"; }
tree_files() { git ls-files -z --cached --others --exclude-standard; }
while (($#)); do
  case $1 in
    -o) [ $# -ge 2 ] || { usage >&2; exit 2; }; out=$2; shift 2 ;;
    -u) update=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

if [ -n "$update" ]; then
  # Without dpkg-dev, which may not be there yet.
  version=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
  deb=$out/tandem_${version}_$(dpkg --print-architecture).deb
  newer=
  if [ -f "$deb" ]; then
    while IFS= read -r -d '' f; do
      case $f in tests/*) continue ;; esac  # not built (TANDEM_TESTS=OFF)
      if [ "$f" -nt "$deb" ]; then newer=$f; break; fi
    done < <(tree_files)
  fi
  if [ -f "$deb" ] && [ -z "$newer" ]; then
    echo "build-deb: $deb is newer than every file of the tree"
    echo "$deb"
    exit 0
  fi
  [ -z "$newer" ] || echo "build-deb: $newer is newer than $deb: building it again"
fi

# The tools, and debian/control's Build-Depends without their versions
# (debhelper-compat is provided by debhelper).
packages=(dpkg-dev debhelper lintian)
while read -r p; do
  [ -n "$p" ] && [ "$p" != debhelper-compat ] && packages+=("$p")
done < <(awk '/^Build-Depends:/ { on = 1; sub(/^Build-Depends:/, "") } on && /^[^ \t]/ && !/^Build-Depends:/ { on = 0 }
              on { print }' debian/control | tr ',' '\n' | sed 's/([^)]*)//; s/\[[^]]*\]//; s/^[ \t]*//; s/[ \t]*$//')
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "build-deb: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

version=$(dpkg-parsechangelog -S Version)
arch=$(dpkg-architecture -q DEB_HOST_ARCH)
mkdir -p "$out"
out=$(cd "$out" && pwd)
tree=$out/tandem-$version
rm -rf "$tree"
mkdir -p "$tree"
# The time of the copy, which the .deb gets at the end: a file changed
# while it builds is newer than the package (-u).
copied=$out/.tree-copied
touch "$copied"
# The files git knows of, and new ones it does not ignore: no build trees.
tree_files |
  tar --null --ignore-failed-read -T - -cf - | tar -xf - -C "$tree"

export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-parallel=$(nproc)}
# debhelper points HOME into the tree, which is new each time: keep ccache's
# files where they are for other builds.
export CCACHE_DIR=${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ccache}
(cd "$tree" && dpkg-buildpackage -us -uc -b)

deb=$out/tandem_${version}_${arch}.deb
changes=$out/tandem_${version}_${arch}.changes
[ -f "$deb" ] || { echo "build-deb: $deb was not built" >&2; exit 1; }
touch -r "$copied" "$deb"
rm -f "$copied"
echo "== lintian"
lintian --fail-on error "$changes"
echo "== contents"
dpkg-deb -c "$deb"
echo "$deb"
