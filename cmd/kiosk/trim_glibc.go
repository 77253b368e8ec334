//go:build linux && cgo

package main

// #include <malloc.h>
import "C"

// trimCHeap returns the free memory at the top and in the middle of the C
// heap (glibc's malloc_trim).
func trimCHeap() { C.malloc_trim(0) }

// tuneCHeap makes glibc's malloc keep less memory it does not use. The
// window's GL (Mesa's software renderer) allocates a texture for each text
// and image drawn, from several threads: glibc gives each thread its own
// arena, whose freed pieces the others cannot reuse, and raises its mmap
// threshold after each large free, so that later large textures come from
// the arenas too and fragment them. Two arenas and a fixed threshold of
// 64 KiB (a larger texture is mapped on its own and unmapped when freed)
// keep the kiosk's C heap from creeping up over a day of screens.
func tuneCHeap() {
	C.mallopt(C.M_ARENA_MAX, 2)
	C.mallopt(C.M_MMAP_THRESHOLD, 64<<10)
}
