#!/usr/bin/env bash
# The project's one test command (README and CI): installs what the tests need when it is
# missing, then runs formatting, lint, type checks and the whole pytest suite.
# Usage: bash tests/run.sh [pytest args...]      e.g.  bash tests/run.sh -k demo -x
# Environment: CTT_SKIP_INSTALL=1 skips apt and pip (for quick reruns on a prepared machine);
#              CTT_BENCHMARKS=short also runs the benchmarks' short form (CI does).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
VENV=$ROOT/.venv
PY=$VENV/bin/python

# Debian packages: Qt offscreen runtime, a real X server for the desktop tests, a private session
# bus with a Secret Service, and the tools the packaging/screenshot tests call.
# dbus-x11 must never be installed: with it, every Qt process that sees a DISPLAY but no session
# bus spawns a bus that outlives it. The trailing "-" tells apt to keep it out when resolving
# gnome-keyring's "dbus-session-bus" dependency.
APT_PACKAGES=(
    libglib2.0-0 libgl1 libegl1 libfontconfig1 libxkbcommon0 libdbus-1-3
    xvfb xauth libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0
    libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1
    dbus-daemon dbus-bin gnome-keyring
    xdotool imagemagick desktop-file-utils binutils fonts-dejavu-core
)

log() { printf '==> %s\n' "$*" >&2; }

apt_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

install_apt_packages() {
    command -v dpkg-query >/dev/null 2>&1 || { log "not a Debian system: skipping apt"; return 0; }
    local missing=() pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        apt_installed "$pkg" || missing+=("$pkg")
    done
    ((${#missing[@]} == 0)) && return 0
    local sudo=()
    if ((EUID != 0)); then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sudo=(sudo -n)
        else
            log "missing Debian packages and no root/sudo: ${missing[*]}"
            log "desktop tests will be skipped or fail; install them with apt-get"
            return 0
        fi
    fi
    log "installing Debian packages: ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${missing[@]}" dbus-x11- >/dev/null || return 1
}

install_python_packages() {
    if [[ ! -x $PY ]]; then
        local base
        base=$(command -v python3.11 || command -v python3) || { log "no python3 found"; return 1; }
        log "creating $VENV with $base"
        "$base" -m venv "$VENV" || return 1
    fi
    # Reinstall only when the dependency declaration changed: pip's own no-op check costs seconds.
    local stamp=$VENV/.ctt-installed want
    want=$(sha256sum pyproject.toml | cut -d' ' -f1)
    if [[ -f $stamp && "$(cat "$stamp")" == "$want" && -x $VENV/bin/confluence-task-tray ]]; then
        return 0
    fi
    log "installing the project and its test dependencies into $VENV"
    "$PY" -m pip install -q --disable-pip-version-check -e '.[test,packaging]' || return 1
    echo "$want" >"$stamp"
}

if [[ ${CTT_SKIP_INSTALL:-0} != 1 ]]; then
    install_apt_packages || { log "apt install failed"; exit 1; }
    install_python_packages || { log "pip install failed"; exit 1; }
fi

failed=()
run_step() {
    local name=$1
    shift
    log "$name"
    "$@" || failed+=("$name")
}

run_step "ruff format --check" "$VENV/bin/ruff" format --check .
run_step "ruff check" "$VENV/bin/ruff" check --quiet .
run_step "mypy" "$VENV/bin/mypy"

# CI runs the benchmarks' short form so they cannot rot; their figures are reported, not
# asserted (timings flake on shared machines), and a crashing benchmark fails the run.
# Before pytest, so pytest's summary stays the last line.
if [[ ${CTT_BENCHMARKS:-} == short ]]; then
    # The frozen tests need the build anyway (CI=true); made first, the bundle benchmark measures
    # it too, and pytest reuses it (tests/frozen_app.py rebuilds only a build older than the code).
    if [[ ${CI:-} == true || ${CTT_BUILD_FROZEN:-} == 1 ]]; then
        run_step "frozen build" bash packaging/build.sh
    fi
    run_step "benchmarks (short)" env QT_QPA_PLATFORM=offscreen "$PY" tests/benchmarks/run.py --short
fi

# The whole pytest run gets a virtual X server and a private session bus: tests marked "desktop"
# start their app under xcb in a subprocess; everything else stays offscreen (tests/conftest.py).
wrap=()
if command -v xvfb-run >/dev/null 2>&1 && command -v dbus-run-session >/dev/null 2>&1; then
    # CTT_PRIVATE_DESKTOP tells tests/desktop/conftest.py that this display and bus are ours.
    wrap=(xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- env CTT_PRIVATE_DESKTOP=1)
elif [[ ${CI:-} == true ]]; then
    log "xvfb-run or dbus-run-session missing: CI must run the desktop tests"
    exit 1
else
    log "xvfb-run or dbus-run-session missing: desktop tests will be skipped"
fi
log "pytest ${*}"
"${wrap[@]}" "$PY" -m pytest "$@"
status=$?
# pytest exits 5 when it collected nothing: that is a failure of the test command too.
((status != 0)) && failed+=("pytest (exit $status)")

if ((${#failed[@]})); then
    log "FAILED: ${failed[*]}"
    exit 1
fi
