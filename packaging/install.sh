#!/usr/bin/env bash
# Install Confluence Task Tray for the current user, from the unpacked release archive.
#
#   ./install.sh               install (or upgrade) into ~/.local
#   ./install.sh --uninstall   remove what install put there (settings and tokens are kept)
#
# PREFIX (default ~/.local) holds the app in PREFIX/opt/confluence-task-tray and the command in
# PREFIX/bin. The menu entry and icons go where the desktop looks for them: XDG_DATA_HOME
# (default ~/.local/share). Nothing needs root.
set -euo pipefail

APP_ID=confluence-task-tray
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PREFIX=${PREFIX:-$HOME/.local}
APP_DIR=$PREFIX/opt/$APP_ID
BIN_LINK=$PREFIX/bin/$APP_ID
DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
DESKTOP_FILE=$DATA_HOME/applications/$APP_ID.desktop
ICON_THEME=$DATA_HOME/icons/hicolor
AUTOSTART_FILE=${XDG_CONFIG_HOME:-$HOME/.config}/autostart/$APP_ID.desktop

say() { printf '%s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

# Quote a path for a .desktop Exec key: double quotes when needed, the spec's four escapes
# inside them, then the string-level doubling of every backslash (and %% for field codes).
desktop_exec_path() {
    local word=${1//%/%%}
    if [[ $word =~ [[:space:]\"\'\\\>\<~\|\&\;\$\*\?\#\(\)\`] ]]; then
        word=${word//\\/\\\\}
        word=${word//\"/\\\"}
        word=${word//\`/\\\`}
        word=${word//\$/\\\$}
        word="\"$word\""
    fi
    printf '%s' "${word//\\/\\\\}"
}

refresh_desktop_caches() {
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$DATA_HOME/applications" || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [[ -d $ICON_THEME ]]; then
        gtk-update-icon-cache -q -t -f "$ICON_THEME" || true
    fi
}

# Only ever delete a folder that holds our binary: PREFIX may be mistyped.
remove_app_dir() {
    local dir=$1
    [[ -e $dir ]] || return 0
    [[ -x $dir/$APP_ID ]] || die "$dir exists but does not look like an installed $APP_ID; remove it yourself"
    rm -rf -- "$dir"
}

uninstall() {
    remove_app_dir "$APP_DIR"
    if [[ -L $BIN_LINK && $(readlink "$BIN_LINK") == "$APP_DIR/"* ]]; then
        rm -f -- "$BIN_LINK"
    fi
    rm -f -- "$DESKTOP_FILE"
    # The login entry would start a binary that no longer exists.
    if [[ -f $AUTOSTART_FILE ]] && grep -qF -- "$APP_DIR/$APP_ID" "$AUTOSTART_FILE"; then
        rm -f -- "$AUTOSTART_FILE"
    fi
    find "$ICON_THEME" -path "*/apps/$APP_ID.*" -delete 2>/dev/null || true
    refresh_desktop_caches
    say "Removed $APP_ID. Settings and the keyring entries were kept."
}

install() {
    [[ -x $HERE/$APP_ID/$APP_ID ]] || die "run me from the unpacked archive ($HERE/$APP_ID/$APP_ID is missing)"

    # Copy next to the target first, so a failed copy never leaves half an app in place.
    mkdir -p -- "$PREFIX/opt" "$PREFIX/bin"
    local staging=$APP_DIR.installing
    rm -rf -- "$staging"
    cp -a -- "$HERE/$APP_ID" "$staging"
    remove_app_dir "$APP_DIR"
    mv -- "$staging" "$APP_DIR"
    ln -sfn -- "$APP_DIR/$APP_ID" "$BIN_LINK"

    mkdir -p -- "$(dirname "$DESKTOP_FILE")"
    local exec_line
    exec_line="Exec=$(desktop_exec_path "$APP_DIR/$APP_ID")"
    while IFS= read -r line; do
        [[ $line == Exec=* ]] && line=$exec_line
        printf '%s\n' "$line"
    done <"$HERE/share/applications/$APP_ID.desktop" >"$DESKTOP_FILE"

    mkdir -p -- "$ICON_THEME"
    cp -r -- "$HERE/share/icons/hicolor/." "$ICON_THEME/"
    refresh_desktop_caches

    say "Installed $APP_ID into $APP_DIR"
    say "Menu entry: $DESKTOP_FILE"
    case ":$PATH:" in
    *":$PREFIX/bin:"*) say "Run it from the menu or with: $APP_ID" ;;
    *) say "Run it from the menu, or add $PREFIX/bin to PATH to run: $APP_ID" ;;
    esac
}

case ${1:-} in
"") install ;;
--uninstall) uninstall ;;
-h | --help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
*) die "unknown option $1 (try --help)" ;;
esac
