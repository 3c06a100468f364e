package bud

import "time"

// Error codes reported by this package. Codes in the first group mean the
// request itself is malformed; the others are refusals by a clinical rule.
const (
	CodeMalformed    = "malformed_json" // the body is not a JSON object
	CodeUnknownField = "unknown_field"  // a field the request does not define
	CodeRequired     = "required"       // a required field is missing
	CodeInvalid      = "invalid"        // a value of the wrong type or out of range
	CodeInvalidRules = "invalid_rules"  // a rule table that fails validation

	CodeCategoryStorageNotAllowed = "category_storage_not_allowed"
	CodeCombinationNotAllowed     = "combination_not_allowed"
	CodeImmediateUseNotAllowed    = "immediate_use_not_allowed"
	CodeComponentExpired          = "component_expired"
	CodeInUseExpired              = "in_use_expired"
	CodeAmpuleReused              = "ampule_reused"
	CodePuncturedOutsideISO5      = "punctured_outside_iso5"
	CodeNoRulesInForce            = "no_rules_in_force"
)

// refusalCodes are the codes of a well-formed request that the rules refuse
// (HTTP 422 rather than 400).
var refusalCodes = map[string]bool{
	CodeCategoryStorageNotAllowed: true,
	CodeCombinationNotAllowed:     true,
	CodeImmediateUseNotAllowed:    true,
	CodeComponentExpired:          true,
	CodeInUseExpired:              true,
	CodeAmpuleReused:              true,
	CodePuncturedOutsideISO5:      true,
	CodeNoRulesInForce:            true,
}

// Error is a BUD failure a person can act on: a machine-readable Code, the
// input Field at fault (e.g. "components[0].expires_at") and a Message.
type Error struct {
	Code    string
	Field   string
	Message string
	// At is the instant the refusal is about (when a component expired, when
	// an in-use limit ended); zero when there is none.
	At time.Time
}

// Error returns the field and the message.
func (e *Error) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// Refused reports whether the request was well formed but a clinical rule
// refused it, so a handler can answer 422 instead of 400.
func (e *Error) Refused() bool { return refusalCodes[e.Code] }

// ErrorCode returns Code; with ErrorField and ErrorMessage it lets the
// application read every domain error the same way.
func (e *Error) ErrorCode() string { return e.Code }

// ErrorField returns the input at fault.
func (e *Error) ErrorField() string { return e.Field }

// ErrorMessage returns the message without the field.
func (e *Error) ErrorMessage() string { return e.Message }

func errorf(code, field, msg string) *Error {
	return &Error{Code: code, Field: field, Message: msg}
}

// prefixed returns a copy of e whose field is nested under prefix.
func prefixed(err error, prefix string) error {
	e, ok := err.(*Error)
	if !ok {
		return err
	}
	c := *e
	if c.Field == "" {
		c.Field = prefix
	} else {
		c.Field = prefix + "." + c.Field
	}
	return &c
}
