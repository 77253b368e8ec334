#!/usr/bin/env bash
# deps.sh installs the Debian packages the kiosk's build and tests need.
# Idempotent: it installs only what is missing. Uses sudo only when not root.
set -euo pipefail

pkgs=(
  gcc pkg-config            # cgo for Fyne (GLFW)
  libgl1-mesa-dev xorg-dev  # X11 and OpenGL headers for Fyne
  xvfb xdotool imagemagick  # end-to-end tests: a real window, keys, screenshots
  zbar-tools                # zbarimg, the peer in the decode benchmark
  zint qrencode             # barcode encoders that are not ours, for decode tests
  systemd                   # systemd-analyze verify on the packaged unit
  dpkg-dev                  # dpkg-deb to list and unpack the .deb
)

missing=()
for p in "${pkgs[@]}"; do
  [[ $p == \#* ]] && continue
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "deps: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
