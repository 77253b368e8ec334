// Package lockertest holds the test doubles and helpers that the tests of
// several packages share: Clock, a clock the test moves by hand; Playback,
// a scripted serial line in the manner of periph's conntest that fails the
// test when the code under test writes something unexpected or leaves a
// step unused; and WaitFor, which polls for a condition instead of sleeping.
//
// It imports the standard library only, so that the tests inside the root
// package locker can use it without an import cycle. Doubles of the domain's
// interfaces (a lock bus, a store) stay with the tests of their package.
package lockertest
