// Package archtest holds the test that keeps Laminar's layers apart: the
// domain packages import neither transport nor storage.
package archtest
