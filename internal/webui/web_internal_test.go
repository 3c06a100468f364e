package webui

import (
	"strings"
	"testing"
)

func TestSafeNext(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/tablet", "/tablet"}, {"/tablet/prep/7?x=1", "/tablet/prep/7?x=1"}, {"", "/"}, {"//evil.example/x", "/"},
		{"https://evil.example/", "/"}, {"/\\evil.example", "/"}, {"javascript:alert(1)", "/"}, {"/login?next=/x", "/"}, {"tablet", "/"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := safeNext(tc.in); got != tc.want {
				t.Fatalf("safeNext(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// Whatever comes in the next parameter, the redirect after login stays on
// this site.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/tablet", "//x", "http://x/", "/\\x", "%2F%2Fx", "/a/../..//x", "\t//x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := safeNext(s)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") {
			t.Fatalf("safeNext(%q) = %q leaves the site", s, got)
		}
	})
}

func TestWordsForAnUnknownCode(t *testing.T) {
	for _, tc := range []struct{ code, want string }{
		{"single_dose", "single-dose vial"}, {"pharmacy_bulk", "pharmacy bulk package"}, {"large_volume_bag", "large volume bag"}, {"", ""},
	} {
		if got := wordsFor(containerWords, tc.code); got != tc.want {
			t.Errorf("wordsFor(%q) = %q, want %q", tc.code, got, tc.want)
		}
	}
}
