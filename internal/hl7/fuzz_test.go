package hl7

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParse: any input either parses into a message whose first segment is
// MSH and which an acknowledgment can answer, or fails with an *Error;
// it never panics.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "hl7", "*.hl7"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("MSH|^~\\&|A|B|C|D|2026||ADT^A01|1|P|2.5.1\rPID|1||X\\F\\Y~Z^^^&&\r"))
	f.Add([]byte("MSH|^~\\&#|A\nNTE|\\X41\\\\"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *hl7.Error", err)
			}
			_ = SniffHeader(data)
			return
		}
		if len(m.Segments) == 0 || m.Segments[0].Name != "MSH" {
			t.Fatalf("parsed without MSH first")
		}
		for _, s := range m.Segments {
			for i := range s.Fields {
				_ = s.Value(m.Enc, i, 1)
			}
		}
		ack := Ack(HeaderOf(m), AA, "1", nil, time.Unix(0, 0).UTC())
		a, err := Parse(ack)
		if err != nil {
			t.Fatalf("ack of a parsed message does not parse: %v\n%q", err, ack)
		}
		if a.Get("MSA-2") != m.ControlID() {
			t.Fatalf("MSA-2 %q != MSH-10 %q", a.Get("MSA-2"), m.ControlID())
		}
	})
}
