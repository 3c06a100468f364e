package hl7

import (
	"bytes"
	"strings"
	"time"
)

// Acknowledgment codes (MSA-1, original mode).
const (
	AA = "AA" // application accept: applied
	AE = "AE" // application error: understood, could not be applied
	AR = "AR" // application reject: could not be read
)

// Header is what an acknowledgment needs from the message it answers.
type Header struct {
	SendingApp, SendingFacility     string
	ReceivingApp, ReceivingFacility string
	ControlID                       string
	Trigger                         string // MSH-9.2, e.g. "O11"
	Processing                      string // MSH-11, e.g. "P"
	Version                         string // MSH-12
}

// HeaderOf reads the header of a parsed message.
func HeaderOf(m *Message) Header {
	return Header{
		SendingApp: m.Get("MSH-3"), SendingFacility: m.Get("MSH-4"),
		ReceivingApp: m.Get("MSH-5"), ReceivingFacility: m.Get("MSH-6"),
		ControlID: m.Get("MSH-10"), Trigger: m.Get("MSH-9.2"),
		Processing: m.Get("MSH-11"), Version: m.Get("MSH-12"),
	}
}

// SniffHeader reads what it can of the header of data that may not parse
// (so that even a rejection names the message it rejects). Values are
// capped in length; a missing MSH gives an empty Header.
func SniffHeader(data []byte) Header {
	i := bytes.Index(data, []byte("MSH"))
	if i < 0 || len(data) < i+8 {
		return Header{}
	}
	line := data[i:]
	if j := bytes.IndexAny(line, "\r\n"); j >= 0 {
		line = line[:j]
	}
	if len(line) > 2048 {
		line = line[:2048]
	}
	if len(line) < 4 {
		return Header{}
	}
	sep := line[3]
	if !isDelimiter(sep) {
		return Header{}
	}
	f := strings.Split(string(line), string(sep))
	comp := byte('^')
	if len(f) > 1 && len(f[1]) > 0 {
		comp = f[1][0]
	}
	get := func(n, c int) string { // MSH-n is f[n-1]; c is the component
		if n-1 >= len(f) {
			return ""
		}
		parts := strings.Split(f[n-1], string(comp))
		if c-1 >= len(parts) {
			return ""
		}
		v := parts[c-1]
		if len(v) > 200 {
			v = v[:200]
		}
		return v
	}
	return Header{SendingApp: get(3, 1), SendingFacility: get(4, 1), ReceivingApp: get(5, 1), ReceivingFacility: get(6, 1),
		ControlID: get(10, 1), Trigger: get(9, 2), Processing: get(11, 1), Version: get(12, 1)}
}

// ErrorLocation names where an application error lies, for the ERR segment.
type ErrorLocation struct {
	Segment   string // e.g. "RXE"
	Sequence  int    // which occurrence of the segment, 1-based
	Field     int    // field number
	Component int    // 0 when the whole field
}

// AckError is one ERR segment of an acknowledgment.
type AckError struct {
	Location ErrorLocation
	// Code is an HL7 table 0357 code: 100 segment sequence error, 101
	// required field missing, 102 data type error, 103 table value not
	// found, 200 unsupported message type, 204 unknown key identifier, 207
	// application internal error.
	Code    string
	Message string
}

// hl70357 names the error codes used.
var hl70357 = map[string]string{
	"100": "Segment sequence error", "101": "Required field missing", "102": "Data type error",
	"103": "Table value not found", "200": "Unsupported message type", "201": "Unsupported event code",
	"204": "Unknown key identifier", "205": "Duplicate key identifier", "206": "Application record locked",
	"207": "Application internal error",
}

// Ack writes an original-mode acknowledgment of the message with header h:
// MSH, MSA (MSA-2 is the sender's MSH-10) and one ERR per error.
func Ack(h Header, code, controlID string, errs []AckError, now time.Time) []byte {
	version := h.Version
	if version == "" {
		version = "2.5.1"
	}
	processing := h.Processing
	if processing == "" {
		processing = "P"
	}
	var b Builder
	b.Seg("MSH", h.ReceivingAppOr("LAMINAR"), h.ReceivingFacility, h.SendingApp, h.SendingFacility,
		Timestamp(now), "", Comp{"ACK", h.Trigger, "ACK"}, controlID, processing, version)
	text := ""
	if len(errs) > 0 {
		text = errs[0].Message
		if len(text) > 80 {
			text = text[:80]
		}
	}
	b.Seg("MSA", code, h.ControlID, text)
	for _, e := range errs {
		loc := Comp{e.Location.Segment, itoa(e.Location.Sequence), itoa(e.Location.Field)}
		if e.Location.Component > 0 {
			loc = append(loc, "1", itoa(e.Location.Component))
		}
		ec := e.Code
		if ec == "" {
			ec = "207"
		}
		b.Seg("ERR", "", loc, Comp{ec, hl70357[ec], "HL70357"}, "E", "", "", "", e.Message)
	}
	return b.Bytes()
}

// ReceivingAppOr returns MSH-5 of the message answered, or def when empty.
func (h Header) ReceivingAppOr(def string) string {
	if h.ReceivingApp != "" {
		return h.ReceivingApp
	}
	return def
}

func itoa(n int) string {
	if n <= 0 {
		return ""
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return string(buf[i:])
}
