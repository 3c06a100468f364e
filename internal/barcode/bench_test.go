package barcode

import "testing"

// BenchmarkParseDataMatrix parses a typical GS1 DataMatrix scan of a vial:
// GTIN, expiry, lot, GS, serial.
func BenchmarkParseDataMatrix(b *testing.B) {
	data := "]d2" + "0100300027597010" + "17270531" + "10A1B2C3" + "\x1d" + "21SN00012345"
	opts := Options{Today: refDate}
	b.ReportAllocs()
	for b.Loop() {
		s, err := Parse(data, opts)
		if err != nil || s.Lot != "A1B2C3" {
			b.Fatal(s, err)
		}
	}
}
