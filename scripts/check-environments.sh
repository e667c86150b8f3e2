#!/usr/bin/env bash
# Proves that `npm test` does not depend on where or how the checkout lives
# (issue #14). It clones this repository's HEAD (committed work only) and runs
# `CI=true npm test` in the clone, under these conditions at once:
#
#   - the clone sits below a mode-700 folder (`mktemp -d`), so no other user
#     can reach it (tests that drop privileges must not need to);
#   - its path has a space and non-ASCII characters: <700 dir>/dir with spaces ü/p;
#   - umask 077 (the clone's files and everything the tests create are private);
#   - TMPDIR points to a fresh, empty folder (mode 700 too) of its own.
#
# The clone installs its npm packages itself (`npm ci` in the root and in
# lab-harness/, run by `npm test`), so the install path is tested as well; it
# needs the npm registry. With --reuse-node-modules the clone instead gets
# copies of this checkout's node_modules and lab-harness/build (quicker, but
# the install and the front-end build are then not tested). Debian packages must be installed or installable (scripts/setup.js).
#
# --as-other-user additionally runs a second clone as `nobody` (run as root),
# whose HOME (/nonexistent) cannot be written: `npm test` as an ordinary user,
# with the Debian packages already present. This run reuses node_modules.
#
# Each run prints one line `check-environments: <what>: PASS|FAIL (<summary>)`;
# the exit status is 0 only when every run passed. The full output of each run
# is kept in the log file that line names.
#
#   scripts/check-environments.sh [--reuse-node-modules] [--as-other-user] [-- npm test args]
set -uo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
REUSE=0
OTHER=0
TEST_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --reuse-node-modules) REUSE=1 ;;
    --as-other-user) OTHER=1 ;;
    --) shift; TEST_ARGS=("$@"); break ;;
    *) echo "check-environments: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

HEAD=$(git -C "$SRC" rev-parse --short HEAD) || exit 2
if [ -n "$(git -C "$SRC" status --porcelain --untracked-files=no)" ]; then
  echo "check-environments: note: uncommitted changes are not tested (HEAD $HEAD)" >&2
fi
# Logs outlive the clones, next to this checkout's other build output.
LOGS="$SRC/build/check-environments"
mkdir -p "$LOGS"
FAILED=0

copy_node_modules() { # <dest checkout>
  cp -a "$SRC/node_modules" "$1/"
  cp -a "$SRC/lab-harness/node_modules" "$1/lab-harness/"
  # The front-end build too when there is one: it is rebuilt anyway when its
  # inputs hash (lab-harness/build/stamp.json) does not match the clone.
  if [ -d "$SRC/lab-harness/build" ]; then
    cp -a "$SRC/lab-harness/build" "$1/lab-harness/"
  fi
  # cp -a keeps the copies' old mtimes; the clone's lock files are newer, so
  # setup.js would reinstall: mark the copies as matching the clone's locks.
  touch "$1/node_modules/.package-lock.json" \
    "$1/lab-harness/node_modules/.package-lock.json"
}

summary_of() { # <log>
  grep -aE '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1
}

report() { # <what> <exit status> <log>
  local summary
  summary=$(summary_of "$3")
  if [ "$2" -eq 0 ] && [ -n "$summary" ] && [[ "$summary" == *" 0 failed"* ]]; then
    echo "check-environments: $1: PASS ($summary; log: $3)"
  else
    echo "check-environments: $1: FAIL (exit $2; ${summary:-no summary}; log: $3)"
    FAILED=1
  fi
}

# Run 1: private parent, space and non-ASCII, umask 077, fresh TMPDIR.
run_private() {
  local base clone tmp log status what
  base=$(mktemp -d) # mode 700
  clone="$base/dir with spaces ü/p"
  tmp=$(mktemp -d)
  log="$LOGS/private-$HEAD.log"
  what="clone at '$clone' (parent mode $(stat -c %a "$base")), umask 077, TMPDIR=$tmp"
  (
    umask 077
    git clone -q "$SRC" "$clone" && {
      [ "$REUSE" = 1 ] && copy_node_modules "$clone"
      cd "$clone" && TMPDIR="$tmp" CI=true npm test -- "${TEST_ARGS[@]}"
    }
  ) >"$log" 2>&1
  status=$?
  # Nothing the tests made may be left in their TMPDIR.
  local left
  left=$(find "$tmp" -mindepth 1 -maxdepth 1 | head -n 5)
  [ "$REUSE" = 1 ] && what="$what, node_modules copied" || what="$what, npm ci"
  report "$what" "$status" "$log"
  if [ -n "$left" ]; then
    echo "check-environments:   left in TMPDIR: $(echo "$left" | tr '\n' ' ')"
  fi
  rm -rf "$base" "$tmp"
}

# Run 2: an ordinary user whose HOME cannot be written.
run_other_user() {
  local base clone log status
  if [ "$(id -u)" != 0 ]; then
    echo "check-environments: --as-other-user needs root (to become nobody)" >&2
    FAILED=1
    return
  fi
  base=$(mktemp -d)
  chmod 755 "$base"
  clone="$base/other user ü"
  log="$LOGS/other-user-$HEAD.log"
  git clone -q "$SRC" "$clone" && copy_node_modules "$clone" &&
    chown -R nobody:nogroup "$clone"
  (
    cd "$clone" &&
      setpriv --reuid=nobody --regid=nogroup --clear-groups \
        env HOME=/nonexistent CI=true npm test -- "${TEST_ARGS[@]}"
  ) >"$log" 2>&1
  status=$?
  report "clone at '$clone' as nobody (HOME=/nonexistent, not writable)" "$status" "$log"
  rm -rf "$base"
}

echo "check-environments: testing HEAD $HEAD of $SRC"
run_private
[ "$OTHER" = 1 ] && run_other_user
exit $FAILED
