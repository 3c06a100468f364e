package calc

import (
	"errors"
	"fmt"
)

// Error codes carried by *Error. They are stable: API clients and the HTTP layer switch on them.
const (
	// CodeInvalid means the input is malformed (bad number, bad syntax, impossible combination).
	CodeInvalid = "invalid"
	// CodeMissing means a required input was not given.
	CodeMissing = "missing"
	// CodeWrongDimension means a quantity has a unit of the wrong kind (mL where kg is needed).
	CodeWrongDimension = "wrong_dimension"
	// CodeUnknownUnit means a unit spelling is not recognised.
	CodeUnknownUnit = "unknown_unit"
	// CodeNotPositive means a value that must be above zero is zero or negative.
	CodeNotPositive = "not_positive"
	// CodeOutOfRange means a value is outside what the formula or the device allows.
	CodeOutOfRange = "out_of_range"
	// CodeConflict means two inputs were given that contradict each other; Fields names both.
	CodeConflict = "conflicting_fields"
)

// Error is the single error type of package calc: Field names the input at fault, Code is one
// of the Code constants, and Message says what was wrong and what is expected.
type Error struct {
	Field   string
	Code    string
	Message string
	// Fields names every input at fault when several are (two inputs that conflict).
	Fields map[string]string
}

// Error implements the error interface as "field: message".
func (e *Error) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// ErrorCode returns Code; with ErrorField and ErrorMessage it lets the
// application read every domain error the same way.
func (e *Error) ErrorCode() string { return e.Code }

// ErrorField returns the input at fault.
func (e *Error) ErrorField() string { return e.Field }

// ErrorMessage returns the message without the field.
func (e *Error) ErrorMessage() string { return e.Message }

// ErrorFields names every input at fault when several are.
func (e *Error) ErrorFields() map[string]string { return e.Fields }

// errorf builds an *Error; it returns error so callers cannot leak a typed nil.
func errorf(field, code, format string, args ...any) error {
	return &Error{Field: field, Code: code, Message: fmt.Sprintf(format, args...)}
}

// conflict is the error for two inputs that cannot both be given: it names both.
func conflict(a, b, msg string) error {
	return &Error{Field: a, Code: CodeConflict, Message: msg, Fields: map[string]string{a: msg, b: msg}}
}

// relabel moves an error raised by a generic parser ("quantity", "unit") onto the named input,
// so the caller learns which of its fields was at fault.
func relabel(err error, field string) error {
	if err == nil {
		return nil
	}
	var ce *Error
	if errors.As(err, &ce) {
		return &Error{Field: field, Code: ce.Code, Message: ce.Message, Fields: ce.Fields}
	}
	return &Error{Field: field, Code: CodeInvalid, Message: err.Error()}
}
