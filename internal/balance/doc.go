// Package balance talks to laboratory balances over TCP: the Mettler Toledo
// Standard Interface Command Set (MT-SICS) and the Sartorius SBI protocol.
//
// A Client sends one command at a time and reads one reply line; weights are
// decimals exactly as the balance printed them (never float). Every failure
// is an *apperr.Error whose message a technician can act on: the balance is
// overloaded, it did not settle, it did not answer, it answered something
// that is not a weight. A Simulator speaks MT-SICS (or SBI) for tests, demos
// and `laminar balance simulate`.
package balance
