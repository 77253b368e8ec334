// Package packaging holds no code: it is the Debian packaging of the kiosk
// (nfpm.yaml, the systemd units, the X11 kiosk session, udev rules,
// maintainer scripts and the example configuration). Its tests build the
// .deb for this machine and the arm64 one with `make package`, list and
// unpack them, run systemd-analyze verify on the unpacked units, run the
// arm64 programs under qemu-user and run the maintainer scripts against
// fake commands.
package packaging
