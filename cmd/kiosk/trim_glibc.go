//go:build linux && cgo

package main

// #include <malloc.h>
import "C"

// trimCHeap returns the free memory at the top and in the middle of the C
// heap (glibc's malloc_trim).
func trimCHeap() { C.malloc_trim(0) }
