#!/usr/bin/env bash
# The one build command: bash packaging/build.sh
# Builds the one-folder app into dist/confluence-task-tray/ and the release archive
# dist/confluence-task-tray-<version>-linux-<arch>.tar.gz (the app folder, install.sh, the menu
# entry and the icons). Needs the project's venv with the "packaging" extra (pip install -e
# '.[packaging]'); PYTHON picks another interpreter, CTT_DIST / CTT_BUILD_WORK other output folders.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
PY=${PYTHON:-$ROOT/.venv/bin/python}
DIST=${CTT_DIST:-$ROOT/dist}
WORK=${CTT_BUILD_WORK:-$ROOT/build}
APP_ID=confluence-task-tray

version=$("$PY" -c 'import gui; print(gui.__version__)')
name=$APP_ID-$version-linux-$(uname -m)

"$PY" -m PyInstaller --noconfirm --log-level WARN --distpath "$DIST" --workpath "$WORK" \
    packaging/$APP_ID.spec

stage=$WORK/archive/$name
rm -rf -- "$WORK/archive"
mkdir -p -- "$stage/share/applications" "$stage/share/icons/hicolor/scalable/apps"
cp -a -- "$DIST/$APP_ID" "$stage/$APP_ID"
cp -- packaging/install.sh "$stage/install.sh"
cp -- packaging/$APP_ID.desktop "$stage/share/applications/"
cp -- resources/icons/$APP_ID.svg "$stage/share/icons/hicolor/scalable/apps/"
# PNG sizes for panels and docks that do not render SVG icons.
"$PY" packaging/icons.py png "$WORK/icons" 16 22 24 32 48 64 128 256 | while read -r png; do
    size=${png##*-}
    size=${size%.png}
    mkdir -p -- "$stage/share/icons/hicolor/${size}x$size/apps"
    cp -- "$png" "$stage/share/icons/hicolor/${size}x$size/apps/$APP_ID.png"
done

tar -C "$WORK/archive" -czf "$DIST/$name.tar.gz" "$name"
echo "app:     $DIST/$APP_ID/$APP_ID"
echo "archive: $DIST/$name.tar.gz ($(du -h "$DIST/$name.tar.gz" | cut -f1))"
