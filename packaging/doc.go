// Package packaging holds no code: it is the Debian packaging of the kiosk
// (nfpm.yaml, the systemd units, the X11 kiosk session, udev rules,
// maintainer scripts and the example configuration). Its tests build the
// .deb with nfpm, list and unpack it, run systemd-analyze verify on the
// unpacked units and run the maintainer scripts against fake commands.
package packaging
