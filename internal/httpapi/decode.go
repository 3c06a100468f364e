package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/strictjson"
	"github.com/laminar-rx/laminar/internal/textcheck"
)

// decodeJSON is the one strict JSON body reader of every route: unknown fields and JSON numbers where
// a string (a quantity) is expected are 400s naming the field. It returns
// the raw body for the idempotency hash.
func decodeJSON(c echo.Context, v any) ([]byte, error) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, apperr.New(apperr.TooLarge, "the request body is too large")
		}
		return nil, apperr.WithCode(apperr.Invalid, "malformed_json", "the request body could not be read")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, &apperr.Error{Kind: apperr.Invalid, Code: "malformed_json", Field: "body", Message: "the request body is empty; send a JSON object"}
	}
	if err := DuplicateKeys(body); err != nil {
		return nil, err
	}
	if err := hostileText(body); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return nil, jsonError(err)
	}
	if dec.More() {
		return nil, &apperr.Error{Kind: apperr.Invalid, Code: "malformed_json", Field: "body", Message: "the body holds more than one JSON value"}
	}
	return body, nil
}

// hostileText refuses control and text-direction characters in every
// string of a body, and mixed-script drug names (see package textcheck),
// with a 400 naming the field.
func hostileText(body []byte) error {
	var te *textcheck.Error
	if err := textcheck.JSON(body); errors.As(err, &te) {
		return &apperr.Error{Kind: apperr.Invalid, Code: te.Code, Field: te.Field, Message: te.Msg}
	}
	return nil
}

// hostileForm is hostileText for the fields of a submitted HTML form.
func hostileForm(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get(echo.HeaderContentType), echo.MIMEApplicationForm) {
			form, err := c.FormParams()
			if err != nil {
				return apperr.WithCode(apperr.Invalid, "malformed_form", "the form could not be read")
			}
			for k, vs := range form {
				for _, v := range vs {
					var te *textcheck.Error
					if err := textcheck.Value(k, k, v); errors.As(err, &te) {
						return &apperr.Error{Kind: apperr.Invalid, Code: te.Code, Field: te.Field, Message: te.Msg}
					}
				}
			}
		}
		return next(c)
	}
}

// jsonError names the field a JSON decoding error is about.
func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
		return &apperr.Error{Kind: apperr.Invalid, Code: "malformed_json", Field: "body", Message: "the body is not valid JSON: " + err.Error()}
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return &apperr.Error{Kind: apperr.Invalid, Code: "malformed_json", Field: "body", Message: "the body must be a JSON object"}
		}
		e := apperr.InvalidField(field, "must be a %s, not a JSON %s", jsonKind(te.Type.Kind().String()), te.Value)
		e.Code = "wrong_type"
		if te.Value == "number" && te.Type.Kind().String() == "string" {
			e.Message = "must be a JSON string, not a number (quantities are written like \"2 g\" or \"72.5 kg\": JSON numbers invite float rounding)"
		}
		return e
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		f = strings.Trim(f, `"`)
		e := apperr.WithCode(apperr.Invalid, "unknown_field", "%q is not a field of this request", f)
		e.Field = f
		return e
	}
	return &apperr.Error{Kind: apperr.Invalid, Code: "malformed_json", Field: "body", Message: "the body is not valid JSON: " + err.Error()}
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "struct", "map":
		return "JSON object"
	case "slice":
		return "JSON array"
	case "bool":
		return "true or false"
	}
	return k
}

// decodeBody is decodeJSON for handlers that do not need the raw body.
func decodeBody(c echo.Context, v any) error {
	_, err := decodeJSON(c, v)
	return err
}

// DuplicateKeys is the 400 duplicate_field refusal of a JSON body holding a
// key twice (at any depth, also when the spellings differ only in case), or nil.
func DuplicateKeys(body []byte) error {
	var de *strictjson.DuplicateError
	if err := strictjson.Check(body); errors.As(err, &de) {
		return &apperr.Error{Kind: apperr.Invalid, Code: strictjson.CodeDuplicate, Field: de.Path, Message: de.Error()}
	}
	return nil
}

// refuseDuplicateKeys guards every route: a request body that is JSON and
// holds a key twice is refused before any handler reads it, so no handler's
// own decoding (calculator, rule tables, forms) can let the last key win.
func refuseDuplicateKeys(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Body == nil || r.Body == http.NoBody || r.Method == http.MethodGet || r.Method == http.MethodHead {
			return next(c)
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return apperr.New(apperr.TooLarge, "the request body is too large")
			}
			return apperr.WithCode(apperr.Invalid, "malformed_json", "the request body could not be read")
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if looksJSON(body) {
			if err := DuplicateKeys(body); err != nil {
				return err
			}
		}
		return next(c)
	}
}

// looksJSON reports whether a body is meant as JSON (forms are not).
func looksJSON(body []byte) bool {
	b := bytes.TrimSpace(body)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}
