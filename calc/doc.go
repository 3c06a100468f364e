// Package calc is Laminar's decimal-exact clinical calculator: quantities with units, the ISMP
// display formatter, and the IV-room calculations (doses, BSA, body weights, creatinine
// clearance, carboplatin, volumes to draw, dilutions, reconstitution, vials, infusion and drip
// rates, strengths, milliequivalents, osmolarity, alligation and gravimetric checks).
//
// Every value is a shopspring/decimal; no binary floating point touches a clinical number.
// Chains of products and quotients are kept as exact fractions and divided once; a "rounded"
// result is rounded half away from zero from the true value, and an "exact" result keeps
// SignificantDigits significant digits when it does not terminate. Each calculation returns
// its derivation as Steps, lines a pharmacist can check. The usual worksheet line (Dose per
// kg, Volume rounded to an increment, Quantity comparisons) first runs on exact int64
// fractions and takes the decimal path whenever a number does not fit; both give the same
// result, coefficient and exponent alike.
//
// The package imports only the standard library and shopspring/decimal, and knows nothing of
// HTTP or storage; Evaluate implements the calculator's JSON request and response for the transport layers.
package calc
