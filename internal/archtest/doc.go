// Package archtest holds the tests that keep Laminar's layers apart:
// handlers → services → store → domain. The domain packages import neither
// transport, storage nor services; the store calls no service or
// transport; the services see no transport.
package archtest
