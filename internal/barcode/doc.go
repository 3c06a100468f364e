// Package barcode reads what a barcode scanner sends when a technician scans
// a drug package: GS1 element strings (DataMatrix, GS1-128, DataBar, GS1 QR,
// Digital Link URIs), linear EAN/UPC/ITF-14 GTINs, and the NDC inside a
// US drug's GTIN. It checks every Application Identifier against GS1's table
// (lengths, character sets, check digits, dates) and says exactly what is
// wrong when a scan cannot be trusted.
//
// The package is pure: standard library only, no transport, no storage.
//
// Decisions made here on purpose:
//
//   - A keyboard-wedge scanner may drop the GS after a variable-length field.
//     When the data as sent is valid (the field simply runs to the end), it
//     is accepted as sent: a symbol may legitimately carry that value, and a
//     reader cannot know. When the field is too long or does not fit its
//     AI, every cut where another AI could begin is tried: exactly one valid
//     reading is accepted, several give CodeAmbiguous (with the readings),
//     none CodeMissingSeparator; if what follows the longest valid value
//     cannot begin any AI, it is junk after the scan (CodeTrailingData).
//     Callers should therefore insist on an expiry (17) from a 2-D scan.
//   - Redundant separators (doubled, leading, trailing, after a fixed-length
//     field) are tolerated.
//   - Without a symbology identifier, 8, 12, 13 or 14 digits with a valid
//     check digit are a linear GTIN: no element string that short can carry
//     a GTIN, so it is the only useful reading.
//   - Two-digit years use GS1's sliding century window around Options.Today.
//   - Code-list checks (ISO country and currency codes, IBAN, coupon
//     formats) are not made; AI syntax is.
package barcode
