// Package versioned is what Laminar's effective-dated documents share. The
// BUD rule table, the guard table, the competency rules and the dose
// evidence policy are each kept as versions that are only ever added, every
// version naming when it takes effect: the version in force at a time is
// the latest to take effect at or before it, and a new version must take
// effect now or later and after every existing one, so that a result
// already computed under an older version stays reproducible.
//
// The package is pure: each kind keeps its own document, its own errors
// and its own words; storage lives in internal/store.
package versioned

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"
)

// InForce returns the index in vs of the version in force at at: the one
// whose start is the latest at or before at (the first of equal starts).
// ok is false when every version starts after at, or there is none.
func InForce[T any](vs []T, start func(T) time.Time, at time.Time) (i int, ok bool) {
	best := -1
	for i, v := range vs {
		from := start(v)
		if from.After(at) {
			continue
		}
		if best < 0 || from.After(start(vs[best])) {
			best = i
		}
	}
	return best, best >= 0
}

// Problem is what is wrong with the start of a new version, if anything.
type Problem int

// The problems CheckStart finds, in the order it looks for them.
const (
	// StartOK: the start may be stored.
	StartOK Problem = iota
	// StartPast: the start is before now, so results already computed
	// would change under the new version.
	StartPast
	// StartNotAfterLatest: the start is at or before the latest existing
	// version's, so the two would compete for the same times.
	StartNotAfterLatest
	// StartTooPrecise: the start has a fraction of a microsecond, which
	// the database cannot keep.
	StartTooPrecise
)

// CheckStart judges from, the start of a new version, against now (the
// database's clock, less any slack a kind allows) and latest, the start of
// the latest existing version (zero when there is none).
func CheckStart(from, now, latest time.Time) Problem {
	switch {
	case from.Before(now):
		return StartPast
	case !latest.IsZero() && !from.After(latest):
		return StartNotAfterLatest
	case !from.Equal(from.Truncate(time.Microsecond)):
		return StartTooPrecise
	}
	return StartOK
}

// ErrTrailing is Decode's error when data follows the document.
var ErrTrailing = errors.New("data after the document")

// Decode reads one version's JSON document into v, refusing fields v does
// not have and anything after the document (ErrTrailing). A decoding error
// is returned as the decoder gives it, for the kind to word.
func Decode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return ErrTrailing
	}
	return nil
}
