//go:build !linux || !cgo

package main

// trimCHeap does nothing where there is no glibc to ask.
func trimCHeap() {}

// tuneCHeap does nothing where there is no glibc to tune.
func tuneCHeap() {}
