#!/usr/bin/env bash
# One entry point for a fresh Debian/Ubuntu machine:
#   ./dev.sh serve   set everything up, build figures/animations, serve the site (http://127.0.0.1:8000)
#   ./dev.sh test    set everything up, run lint and every test (unit, doctests, site, browser)
#   ./dev.sh build   set everything up, build the static site into site/ (mkdocs build --strict)
#   ./dev.sh setup   only install (system packages via apt as root or with sudo, .venv, assets)
set -euo pipefail
cd "$(dirname "$0")"

VENV=.venv
PY=${PYTHON:-python3}
# torch comes from PyTorch's CPU wheel index: the default index's Linux wheel pulls gigabytes of
# CUDA libraries. TORCH_INDEX_URL= (empty) takes torch from the default index instead (CUDA).
TORCH_INDEX_URL=${TORCH_INDEX_URL-https://download.pytorch.org/whl/cpu}
APT_PACKAGES=(
  pkg-config libcairo2-dev libpango1.0-dev          # manimpango / pycairo build from source
  fonts-noto-cjk                                    # Chinese glyphs in figures, animations, browser
  texlive-latex-base texlive-latex-recommended dvisvgm  # MathTex in Manim scenes
  ffmpeg                                            # WebM/GIF export and ffprobe checks
  chromium                                          # browser tests (Playwright drives Debian's chromium)
  git curl ca-certificates
)

log() { printf '\033[1m[dev]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else log "need root or sudo to run: $*"; exit 1; fi
}

setup_system() {
  local missing=()
  $PY -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv python3-dev)
  command -v gcc >/dev/null || missing+=(build-essential)
  for p in "${APT_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing system packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    rm -rf "$HOME/.cache/matplotlib" "$HOME/.cache/manim" 2>/dev/null || true  # new fonts: drop font caches
  fi
}

setup_python() {
  local stamp="$VENV/.setup-stamp" want
  want=$(cat pyproject.toml constraints.txt dev.sh | sha256sum | cut -c1-16)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  [ -x "$VENV/bin/python" ] || $PY -m venv "$VENV"
  log "installing Python packages into $VENV (pinned by constraints.txt)"
  "$VENV/bin/pip" install -q --upgrade pip
  if [ -n "$TORCH_INDEX_URL" ]; then
    # torch alone, at the version constraints.txt pins (2.13.0 is satisfied by 2.13.0+cpu); its own
    # dependencies are resolved with everything else below, from the default index
    "$VENV/bin/pip" install -q --no-deps --index-url "$TORCH_INDEX_URL" "$(grep -i '^torch==' constraints.txt)"
  fi
  "$VENV/bin/pip" install -q -c constraints.txt -e ".[docs,animations,tests]"
  echo "$want" > "$stamp"
}

setup_assets() {
  "$VENV/bin/python" scripts/fetch_assets.py
}

setup() {
  setup_system
  setup_python
  setup_assets
}

cmd=${1:-help}
shift || true
case "$cmd" in
  setup) setup ;;
  serve) setup; exec "$VENV/bin/mkdocs" serve -a "${ADDR:-127.0.0.1:8000}" "$@" ;;
  build) setup; exec "$VENV/bin/mkdocs" build --strict "$@" ;;
  test)
    setup
    log "ruff"
    "$VENV/bin/ruff" check .
    "$VENV/bin/ruff" format --check .
    log "pytest"
    exec "$VENV/bin/pytest" "$@" ;;
  *) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; [ "$cmd" = help ] || exit 2 ;;
esac
