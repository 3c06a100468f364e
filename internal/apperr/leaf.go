package apperr

import "errors"

// Leaf is the error of a pure domain package (calc, bud, barcode): a
// stable machine code, the input field at fault ("" when the package does
// not know it) and a message without the field in front. The domain
// packages implement it without importing this package; From reads it.
type Leaf interface {
	error
	ErrorCode() string
	ErrorField() string
	ErrorMessage() string
}

// fieldser is implemented by a Leaf that can name several inputs at fault.
type fieldser interface{ ErrorFields() map[string]string }

// refuser is implemented by a Leaf that can tell a clinical rule's refusal
// (422) from malformed input (400).
type refuser interface{ Refused() bool }

// From returns err as an *Error, the one conversion of every error:
//   - an *Error anywhere in the chain, as it is;
//   - a Leaf, with its code, field and message; Refused when the leaf says
//     a clinical rule refused it, Invalid otherwise; err stays the cause;
//   - anything else as Internal, with err as the cause for the log.
func From(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var l Leaf
	if errors.As(err, &l) {
		kind := Invalid
		if r, ok := l.(refuser); ok && r.Refused() {
			kind = Refused
		}
		e := &Error{Kind: kind, Code: l.ErrorCode(), Field: l.ErrorField(), Message: l.ErrorMessage(), Err: err}
		if f, ok := l.(fieldser); ok {
			e.Fields = f.ErrorFields()
		}
		return e
	}
	return &Error{Kind: Internal, Message: "internal error", Err: err}
}

// InField returns e naming field when e names none (a barcode parser does
// not know which request field held the scan). It returns e.
func (e *Error) InField(field string) *Error {
	if e != nil && e.Field == "" {
		e.Field = field
	}
	return e
}

// Message returns what err says without a field or code in front: the
// message of an *Error or a Leaf, else err.Error(). Callers use it to
// re-use a parser's words under their own field name.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	var l Leaf
	if errors.As(err, &l) {
		return l.ErrorMessage()
	}
	return err.Error()
}

// Envelope is the error body every interface prints: the JSON API's
// responses and the JSON commands' output alike.
type Envelope struct {
	Error Detail `json:"error"`
}

// Detail is the inside of an Envelope.
type Detail struct {
	Code       string            `json:"code"`
	Message    string            `json:"message"`
	Field      string            `json:"field,omitempty"`
	Fields     map[string]string `json:"fields,omitempty"`
	RequestID  string            `json:"request_id,omitempty"`
	RetryAfter int               `json:"retry_after,omitempty"`
}

// EnvelopeOf returns the envelope of e. An internal error's cause is not
// in it: callers replace the message with a reference they log.
func EnvelopeOf(e *Error) Envelope {
	return Envelope{Error: Detail{Code: e.CodeOrKind(), Message: e.Message, Field: e.Field, Fields: e.Fields, RetryAfter: e.RetryAfter}}
}
