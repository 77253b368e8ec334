#!/usr/bin/env bash
# deps.sh installs the Debian packages the kiosk's build and tests need.
#
#   bash packaging/deps.sh                 what building and testing here needs
#   bash packaging/deps.sh arm64           also what cross-building the arm64
#                                          .deb and running it under qemu needs
#   bash packaging/deps.sh --check arm64   install nothing: list what is
#                                          missing and exit 1 if anything is
#
# An architecture argument equal to this machine's adds nothing. For arm64 on
# another machine it enables the arm64 multiarch (dpkg --add-architecture,
# once) for the arm64 X11/GL libraries Fyne links against.
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
  espeak-ng                 # spoken guidance ([screen] speech); its tests run the real one
)

# The arm64 cross build: the cross compiler and its C library, the arm64
# libraries GLFW and go-gl link against (the -dev packages bring the runtime
# libraries, which qemu needs to start the kiosk), and qemu-user to run the
# arm64 binaries here.
cross_arm64=(
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  libgl-dev:arm64 libx11-dev:arm64 libxcursor-dev:arm64 libxrandr-dev:arm64
  libxinerama-dev:arm64 libxi-dev:arm64 libxxf86vm-dev:arm64
  qemu-user
)

check=false
foreign=()
for arg in "$@"; do
  case $arg in
  --check) check=true ;;
  "$(dpkg --print-architecture)") ;;
  arm64)
    foreign+=(arm64)
    pkgs+=("${cross_arm64[@]}")
    ;;
  *)
    echo "deps: no cross toolchain known for architecture $arg (known: arm64)" >&2
    exit 2
    ;;
  esac
done

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
if $check; then
  echo "deps: missing ${missing[*]}"
  exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
for a in "${foreign[@]}"; do
  if ! dpkg --print-foreign-architectures | grep -qx "$a"; then
    echo "deps: enabling the $a architecture (dpkg --add-architecture $a)"
    $sudo dpkg --add-architecture "$a"
  fi
done
echo "deps: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
