// Package archtest holds the tests that keep Laminar's layers apart:
// handlers (internal/httpapi, the JSON API; internal/webui, the screens
// mounted on it) → services → store → domain. The domain packages import
// neither transport, storage nor services; the store calls no service or
// transport; the services see no transport; the JSON API does not depend
// on the screens, and the screens write no SQL of their own.
package archtest
