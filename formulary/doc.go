// Package formulary is the IV room's list of drugs and products: what each
// package NDC is (drug, strength, container, hazard), every NDC and GTIN a
// scanner may read on it, how to reconstitute it, how long it keeps, and
// whether a lot is recalled. ResolveScan turns barcode data into a product,
// lot and expiry, or refuses it with a specific code.
//
// The package knows nothing of HTTP or SQL: the store implements Lookup.
package formulary
