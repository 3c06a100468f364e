// Package bud computes beyond-use dates (BUDs) of compounded sterile
// preparations under a versioned, data-driven rule table (USP <797> 2023 by
// default), and decides whether an opened container may still be drawn from.
//
// The package is pure: it imports no transport and no storage, so the HTTP
// handler, the command-line tool and the preparation workflow all call the
// same rules.
//
// Decisions the chapter leaves open, made here on purpose:
//
//   - Ties: when two limits fall at the same instant, the component wins over
//     the stability limit, and the stability limit over the category limit,
//     because the more specific fact is what the pharmacist must act on (a
//     lot that expires then cannot be outlived by picking another row). Among
//     components the first one listed wins.
//   - A component whose expiry (or, when compounded, whose BUD) is at or before
//     the compounding start is refused: a BUD equal to the start time could
//     never be met. An opened container is still usable at the very instant its
//     in-use limit ends, so "use at once" (a limit of zero) accepts a container
//     opened exactly when compounding starts.
//   - A date-only expiry means 23:59:59 of that day in the site's time zone:
//     the last whole second, because RFC 3339 output without fractions and
//     PostgreSQL's microsecond timestamps would otherwise misstate or round it
//     into the next day.
//   - Immediate-use preparations are limited by data in the rule table: at
//     most 3 components, none hazardous, none compounded, all sterile, stored
//     only at room temperature ("not stored").
//   - An IV bag that is punctured is treated as a single-dose container (the
//     rule table carries a separate row, so a site can change that).
//   - The storage in a request is the labelled storage: a preparation kept
//     colder than labelled does not earn the colder row.
package bud
