// Package competency decides who may compound: a person's competency
// records (gloved fingertip sampling, media fill, garbing, hand hygiene,
// hazardous handling, and kinds a site adds) against the rules in force,
// which are versioned data. It knows no I/O: the service in this package
// reaches storage only through the Storer interface it declares.
//
// A record is current through the end of the day (in the site's time zone)
// that falls the rule's interval after the day it was passed: passed on
// 2026-01-15 with a six-month interval, it is current through 2026-07-15
// and lapses at midnight starting 2026-07-16. Only the newest passing
// record of a kind counts, and a failure recorded after it disqualifies the
// person until they pass again (a person who fails may not compound until
// retrained and passing).
package competency
