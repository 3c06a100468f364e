package barcode

import "fmt"

// Error codes. They are the categories of the GS1 test vectors the parser is
// checked against, plus CodeAmbiguous for a dropped separator that leaves
// more than one valid reading.
const (
	CodeBadCheckDigit         = "bad_check_digit"         // a GS1 mod-10 (or alphanumeric) check is wrong
	CodeBadDate               = "bad_date"                // month or day out of range
	CodeBadTime               = "bad_time"                // hour, minute or second out of range
	CodeWrongLength           = "wrong_length"            // a fixed length or a component length is wrong
	CodeValueTooLong          = "value_too_long"          // longer than the AI allows
	CodeEmptyValue            = "empty_value"             // an AI without a value, or no AIs at all
	CodeNonNumeric            = "non_numeric"             // a non-digit where digits are required
	CodeBadCharacter          = "bad_character"           // outside the AI's character set
	CodeMalformedAI           = "malformed_ai"            // brackets, a non-numeric AI, no leading AI
	CodeUnknownAI             = "unknown_ai"              // digits that are no GS1 Application Identifier
	CodeNoFNC1First           = "no_fnc1_first"           // ^-notation data without the leading ^
	CodeNoSymbologyIdentifier = "no_symbology_identifier" // scan data without a ]xx prefix
	CodeUnknownSymbology      = "unknown_symbology"       // a ]xx prefix this parser does not read
	CodeNoData                = "no_data"                 // nothing was scanned
	CodeRepeatedAI            = "repeated_ai"             // one AI twice with different values
	CodeTrailingData          = "trailing_data"           // junk after the last element string
	CodeMissingSeparator      = "missing_separator"       // a GS was dropped and no reading fits
	CodeAmbiguous             = "ambiguous"               // a GS was dropped and several readings fit
)

// Error is a barcode that cannot be read, with a message a technician can act
// on. AI names the Application Identifier at fault ("" when none), Pos the
// byte offset in the scanned data where the fault was found.
type Error struct {
	Code    string
	Message string
	AI      string
	Pos     int
	// Readings lists the possible readings of an ambiguous scan (CodeAmbiguous
	// only), so a caller can show them next to the printed label.
	Readings [][]Element
}

// Error returns the code and the message.
func (e *Error) Error() string {
	return e.Code + ": " + e.Message
}

// ErrorCode returns Code; with ErrorField and ErrorMessage it lets the
// application read every domain error the same way.
func (e *Error) ErrorCode() string { return e.Code }

// ErrorField returns "": the parser does not know which input held the
// scan.
func (e *Error) ErrorField() string { return "" }

// ErrorMessage returns the message without the code.
func (e *Error) ErrorMessage() string { return e.Message }

// errf builds an *Error; the message is formatted with fmt.Sprintf.
func errf(code, ai string, pos int, format string, args ...any) *Error {
	return &Error{Code: code, AI: ai, Pos: pos, Message: fmt.Sprintf(format, args...)}
}
