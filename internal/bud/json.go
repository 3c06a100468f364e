package bud

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

var requestFields = map[string]bool{
	"category": true, "method": true, "sterility_tested": true, "starting_components": true,
	"storage": true, "compounded_at": true, "stability_limit": true, "components": true,
}

var componentFields = map[string]bool{
	"name": true, "expires_at": true, "container": true, "opened_at": true,
	"in_use_limit": true, "bud": true, "iso5": true, "hazardous": true,
}

// DecodeRequest reads the JSON request of "laminar bud" and
// POST /api/v1/bud. Date-only expiries end at 23:59:59 in loc (UTC when
// nil), which also becomes the request's Location. Unknown fields, wrong
// types and bad values are *Error naming the field, e.g.
// "components[0].expires_at"; JSON null counts as absent.
func DecodeRequest(data []byte, loc *time.Location) (Request, error) {
	if loc == nil {
		loc = time.UTC
	}
	obj, err := decodeObject(data, "body")
	if err != nil {
		return Request{}, err
	}
	if obj == nil {
		return Request{}, errorf(CodeMalformed, "body", "must be a JSON object")
	}
	if err := rejectUnknown(obj, requestFields, ""); err != nil {
		return Request{}, err
	}
	req := Request{Location: loc}
	var s string
	var ok bool
	if s, ok, err = jsonString(obj, "category"); err != nil {
		return Request{}, err
	}
	req.Category = Category(s)
	if err := req.Category.Valid(); err != nil {
		return Request{}, err
	}
	if s, ok, err = jsonString(obj, "method"); err != nil {
		return Request{}, err
	} else if ok {
		req.Method = Method(s)
		if err := req.Method.Valid(); err != nil {
			return Request{}, err
		}
	}
	if req.SterilityTested, _, err = jsonBool(obj, "sterility_tested"); err != nil {
		return Request{}, err
	}
	if s, ok, err = jsonString(obj, "starting_components"); err != nil {
		return Request{}, err
	} else if ok {
		req.StartingComponents = Starting(s)
		if err := req.StartingComponents.Valid(); err != nil {
			return Request{}, err
		}
	}
	if s, _, err = jsonString(obj, "storage"); err != nil {
		return Request{}, err
	}
	req.Storage = Storage(s)
	if err := req.Storage.Valid(); err != nil {
		return Request{}, err
	}
	t, ok, err := jsonTime(obj, "compounded_at", "compounded_at", nil)
	if err != nil {
		return Request{}, err
	}
	if !ok {
		return Request{}, errorf(CodeRequired, "compounded_at", "is required (RFC 3339, e.g. 2026-11-24T09:00:00Z)")
	}
	req.CompoundedAt = t
	if req.StabilityLimit, err = jsonDuration(obj, "stability_limit", "stability_limit"); err != nil {
		return Request{}, err
	}
	if raw, present := obj["components"]; present && !isNull(raw) {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return Request{}, errorf(CodeInvalid, "components", "must be an array of component objects")
		}
		if len(items) > MaxComponents {
			return Request{}, errorf(CodeInvalid, "components", fmt.Sprintf("has %d components; at most %d are allowed", len(items), MaxComponents))
		}
		for i, item := range items {
			c, err := decodeComponent(item, fmt.Sprintf("components[%d]", i), loc)
			if err != nil {
				return Request{}, err
			}
			req.Components = append(req.Components, c)
		}
	}
	return req, nil
}

func decodeComponent(data []byte, path string, loc *time.Location) (Component, error) {
	obj, err := decodeObject(data, path)
	if err != nil {
		return Component{}, err
	}
	if obj == nil {
		return Component{}, errorf(CodeInvalid, path, "must be a component object, not null")
	}
	if err := rejectUnknown(obj, componentFields, path+"."); err != nil {
		return Component{}, err
	}
	f := func(name string) string { return path + "." + name }
	var c Component
	name, _, err := jsonStringAt(obj, "name", f("name"))
	if err != nil {
		return Component{}, err
	}
	c.Name = name
	s, _, err := jsonStringAt(obj, "container", f("container"))
	if err != nil {
		return Component{}, err
	}
	c.Container = Container(s)
	if err := c.Container.Valid(); err != nil {
		return Component{}, prefixed(err, path)
	}
	if t, ok, err := jsonTime(obj, "expires_at", f("expires_at"), loc); err != nil {
		return Component{}, err
	} else if ok {
		c.ExpiresAt = t
	}
	if t, ok, err := jsonTime(obj, "opened_at", f("opened_at"), nil); err != nil {
		return Component{}, err
	} else if ok {
		c.OpenedAt = &t
	}
	// A compounded component's BUD may be date-only, like an expiry.
	if t, ok, err := jsonTime(obj, "bud", f("bud"), loc); err != nil {
		return Component{}, err
	} else if ok {
		c.BUD = &t
	}
	if c.InUseLimit, err = jsonDuration(obj, "in_use_limit", f("in_use_limit")); err != nil {
		return Component{}, err
	}
	iso5, ok, err := jsonBoolAt(obj, "iso5", f("iso5"))
	if err != nil {
		return Component{}, err
	}
	c.PuncturedOutsideISO5 = ok && !iso5
	if c.Hazardous, _, err = jsonBoolAt(obj, "hazardous", f("hazardous")); err != nil {
		return Component{}, err
	}
	if err := validateComponent(c); err != nil {
		return Component{}, prefixed(err, path)
	}
	return c, nil
}

// decodeObject reads a JSON object keeping its members raw; nil for null.
func decodeObject(data []byte, field string) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		code := CodeInvalid
		if field == "body" {
			code = CodeMalformed
		}
		if !json.Valid(data) {
			return nil, errorf(code, field, "is not valid JSON: "+err.Error())
		}
		return nil, errorf(code, field, "must be a JSON object")
	}
	return obj, nil
}

func rejectUnknown(obj map[string]json.RawMessage, known map[string]bool, prefix string) error {
	var unknown []string
	for k := range obj {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	names := make([]string, 0, len(known))
	for k := range known {
		names = append(names, k)
	}
	sort.Strings(names)
	name := unknown[0]
	if name == "" {
		name = `""` // an empty member name still needs a field to point at
	}
	return errorf(CodeUnknownField, prefix+name, fmt.Sprintf("is not a known field; expected one of %v", names))
}

func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

func jsonString(obj map[string]json.RawMessage, key string) (string, bool, error) {
	return jsonStringAt(obj, key, key)
}

func jsonStringAt(obj map[string]json.RawMessage, key, field string) (string, bool, error) {
	raw, ok := obj[key]
	if !ok || isNull(raw) {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, errorf(CodeInvalid, field, "must be a JSON string")
	}
	return s, true, nil
}

func jsonBool(obj map[string]json.RawMessage, key string) (bool, bool, error) {
	return jsonBoolAt(obj, key, key)
}

func jsonBoolAt(obj map[string]json.RawMessage, key, field string) (bool, bool, error) {
	raw, ok := obj[key]
	if !ok || isNull(raw) {
		return false, false, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		return false, false, errorf(CodeInvalid, field, "must be true or false")
	}
	return b, true, nil
}

// jsonTime reads an RFC 3339 time, or with a non-nil loc also a date-only
// expiry (the end of that day in loc).
func jsonTime(obj map[string]json.RawMessage, key, field string, loc *time.Location) (time.Time, bool, error) {
	s, ok, err := jsonStringAt(obj, key, field)
	if err != nil || !ok {
		return time.Time{}, false, err
	}
	var t time.Time
	if loc != nil {
		t, err = ParseExpiry(s, loc)
	} else {
		t, err = parseInstant(s)
	}
	if err != nil {
		return time.Time{}, false, prefixed(err, field)
	}
	return t, true, nil
}

func jsonDuration(obj map[string]json.RawMessage, key, field string) (*time.Duration, error) {
	s, ok, err := jsonStringAt(obj, key, field)
	if err != nil || !ok {
		return nil, err
	}
	d, err := ParseDuration(s)
	if err != nil {
		return nil, prefixed(err, field)
	}
	return &d, nil
}

type resultJSON struct {
	BUD               string    `json:"bud"`
	LimitedBy         LimitKind `json:"limited_by"`
	LimitingComponent string    `json:"limiting_component,omitempty"`
	Reason            string    `json:"reason"`
	Limits            []Limit   `json:"limits"`
	RulesVersion      string    `json:"rules_version,omitempty"`
}

// MarshalJSON writes the API response: bud (RFC 3339), limited_by,
// reason and limits, plus limiting_component and rules_version.
func (r Result) MarshalJSON() ([]byte, error) {
	limits := r.Limits
	if limits == nil {
		limits = []Limit{}
	}
	return json.Marshal(resultJSON{
		BUD: r.BUD.Format(time.RFC3339Nano), LimitedBy: r.LimitedBy, LimitingComponent: r.LimitingComponent,
		Reason: r.Reason, Limits: limits, RulesVersion: r.RulesVersion,
	})
}

// UnmarshalJSON reads what MarshalJSON writes, so a stored result can be
// shown again.
func (r *Result) UnmarshalJSON(data []byte) error {
	var v resultJSON
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	t, err := time.Parse(time.RFC3339Nano, v.BUD)
	if err != nil {
		return errorf(CodeInvalid, "bud", fmt.Sprintf("%q is not an RFC 3339 time", truncate(v.BUD, 40)))
	}
	*r = Result{BUD: t, LimitedBy: v.LimitedBy, LimitingComponent: v.LimitingComponent,
		Reason: v.Reason, Limits: v.Limits, RulesVersion: v.RulesVersion}
	return nil
}
