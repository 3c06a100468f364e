package web

import (
	"encoding/json"
	"sort"
)

// Words is a refusal in plain words: the headline read from across the
// hood, and what to do next.
type Words struct {
	Title string `json:"t"`
	Next  string `json:"n"`
}

// refusalWords names every refusal the server can give a person at the
// bench or the checking desk. A test walks the code for the refusal codes
// it emits and fails on one missing here; the screens never show a code.
var refusalWords = map[string]Words{
	// Scans: the product.
	"wrong_product":           {"Wrong product", "Put it aside and scan the product this step names."},
	"dose_evidence_missing":   {"The dose has no evidence yet", "Weigh the drawn syringe or photograph it at the drawn volume, as the step asks, before completing."},
	"photo_required":          {"This step needs its photo", "Take the photo of the syringe at the drawn volume; the step is done when the photo is saved."},
	"determinations_disagree": {"The two weighings disagree", "Weigh the measured volume again, twice, with a tared syringe; both must agree within the limit shown."},
	"wrong_strength":          {"Right drug, wrong strength or size", "Put it aside and scan the strength and size this step names."},
	"unknown_product":         {"Not in the formulary", "Check you have the right product; a pharmacist can add it to the formulary."},
	"inactive_product":        {"Product withdrawn from use", "Put it aside and take another product; tell a pharmacist."},
	"recalled":                {"Recalled lot", "Do not use it: quarantine the container and tell a pharmacist."},
	"expired":                 {"Expired", "Do not use it: discard it and take a container within its date."},
	"bad_barcode":             {"Barcode not readable", "Scan the 2-D code on the container again, or type the code under it."},
	"ambiguous":               {"Barcode can be read more than one way", "Scan the 2-D code on the container instead of the line barcode."},
	"already_used":            {"Container already used elsewhere", "Take a new container: this one belongs to another preparation."},
	"already_scanned":         {"Container already scanned", "Scan a different container: each counts once."},
	"step_already_done":       {"This step already has what it needs", "Go on to the next step."},
	"in_use_expired":          {"Past its in-use time", "Discard the opened container and take a new one."},
	"in_use_limit_unknown":    {"In-use time unknown", "Take an unopened container, or ask a pharmacist to add its in-use time."},
	"punctured_outside_iso5":  {"Opened outside the hood", "Discard it: a container opened outside ISO 5 cannot be used."},
	"ampule_reused":           {"Ampule already opened", "Discard it: an ampule is used once."},
	"component_expired":       {"A component has expired", "Replace the expired component and scan the new one."},

	// Steps, weights and the order of work.
	"steps_incomplete":        {"Steps not finished", "Finish every step (the list shows what is left), then complete."},
	"weight_out_of_tolerance": {"Weight out of tolerance", "Correct the volume and weigh again."},
	"out_of_tolerance":        {"Weight out of tolerance", "Correct the volume and weigh again."},
	"implausible_value":       {"Number out of range", "Check the number and enter it again."},
	"missing_weight":          {"Weight missing", "Enter the weight from the paper worksheet."},
	"missing_component":       {"Component missing", "Enter every component from the paper worksheet."},
	"scan_first":              {"Scan the component first", "Do the scan step the message names, then this one."},
	"witness_required":        {"A witness is needed", "Ask a second person to scan their badge and enter their PIN."},
	"witness_not_independent": {"You cannot witness your own entry", "Ask a second person to witness it."},
	"witness_failed":          {"Witness badge or PIN wrong", "The witness scans their badge and enters their PIN again."},
	"witness_not_allowed":     {"This person cannot witness", "Ask a technician or pharmacist to witness it."},
	"not_manual":              {"This step is recorded by a scan or a weight", "Scan or weigh as the step asks."},
	"wrong_step":              {"Not this step", "Do the step shown on the screen."},
	"wrong_state":             {"Not ready for this", "Reload the screen: someone may have moved it on."},
	"not_completed":           {"Not completed yet", "Complete every step before this."},
	"not_claimant":            {"Someone else is making this", "Go back to the queue and claim another."},
	"claimed_elsewhere":       {"Already claimed by someone else", "Go back to the queue and claim another."},
	"not_claimed":             {"Not claimed by you", "Claim it from the queue first."},
	"competency_lapsed":       {"Competency not current", "Ask your supervisor to record the competency; until then claim another."},
	"on_hold":                 {"Stopped: the order changed", "Do not go on; a pharmacist decides what happens to it."},
	"not_on_hold":             {"Not on hold", "Reload the screen: the hold was already decided."},
	"cannot_continue":         {"Cannot go on after the change", "Put it aside; a pharmacist decides."},
	"replacement_started":     {"A replacement is already being made", "Reload the screen."},
	"no_recipe":               {"No approved recipe for this drug", "Ask a pharmacist to approve a recipe."},

	// Labels and release.
	"stale_label":  {"Old label", "Print the label again and scan the new one: an older printout no longer releases the bag."},
	"wrong_label":  {"Not this preparation's label", "Scan the label on this bag."},
	"no_label":     {"No label yet", "Print the label first."},
	"not_verified": {"Not checked yet", "A pharmacist must check it before it is released."},

	// Verification.
	"self_verification":            {"You had a hand in it", "Another pharmacist must check it."},
	"double_check_not_independent": {"Second check must be independent", "A pharmacist who neither made it nor made the first check must check it."},
	"reason_required":              {"Reason needed", "Say why in a few words: the reason is recorded and read by whoever checks it next."},
	"own_recipe":                   {"Your own recipe", "Another pharmacist must approve it."},

	// Balance and printer at the hood.
	"balance_unstable":    {"Balance not settled", "Keep the pan still, wait for 'stable' and weigh again."},
	"balance_overload":    {"Balance overloaded", "Take the container off: it is more than the balance weighs."},
	"balance_underload":   {"Balance reads below zero", "Put the pan back, tare and weigh again."},
	"balance_unavailable": {"Balance not reachable", "Check the balance's cable and power, or type the weight (recorded as typed)."},
	"balance_timeout":     {"Balance not answering", "Check the balance is on, then weigh again."},
	"balance_bad_reply":   {"Balance not understood", "Weigh again; if it repeats, tell the supervisor."},
	"balance_unit":        {"Balance not in grams", "Set the balance to grams and weigh again."},
	"balance_busy":        {"Balance busy", "Wait a moment and weigh again."},
	"balance_inactive":    {"Balance out of service", "Use another hood's balance or type the weight (recorded as typed)."},
	"tare_required":       {"Tare first", "Put the empty container on the pan and tap Tare."},
	"printer_inactive":    {"Printer out of service", "Print the label on the screen instead, or choose another printer."},
	"hood_taken":          {"Hood already in use", "Choose the hood this tablet stands at."},
	"not_simulated":       {"Not a simulator", "This balance is real: put the container on it."},
	"not_failed":          {"Nothing to retry", "The label printed; nothing to do."},
	"name_taken":          {"Name already taken", "Choose another name."},

	// Rules and records (an admin or pharmacist sees these).
	"category_storage_not_allowed": {"Storage not allowed for this category", "Choose a storage the rules allow."},
	"combination_not_allowed":      {"Combination not allowed", "Change one of the choices."},
	"immediate_use_not_allowed":    {"Immediate use not allowed here", "Choose another category."},
	"no_rules_in_force":            {"No beyond-use date rules in force", "Ask an admin to put rules in force."},
	"invalid_rules":                {"Rules not valid", "Correct the fields marked."},
	"no_active_ingredient":         {"No active ingredient", "Enter the product's strength."},

	// Any request.
	"invalid":                {"Not accepted", "Correct what the message names and try again."},
	"required":               {"Something is missing", "Fill in what the message names."},
	"unknown_field":          {"Not accepted", "Reload the screen and try again."},
	"malformed_json":         {"Not accepted", "Reload the screen and try again."},
	"malformed_form":         {"Not accepted", "Reload the screen and try again."},
	"wrong_type":             {"Not accepted", "Correct what the message names and try again."},
	"retry":                  {"Not saved yet", "Try again in a moment."},
	"idempotency_key_reused": {"Sent twice with changes", "Reload the screen and try again."},
	"conflict":               {"Someone else changed this", "Reload the screen to see the latest."},
	"forbidden":              {"Not allowed", "This needs another role; ask a pharmacist or your supervisor."},
	"unauthenticated":        {"Signed out", "Sign in again; nothing saved is lost."},
	"unauthorized":           {"Signed out", "Sign in again; nothing saved is lost."},
	"not_found":              {"Not found", "Reload the screen: it may have been removed."},
	"too_large":              {"Too large", "Take a smaller photo or file."},
	"too_many":               {"Too many tries", "Wait a minute and try again."},
	"refused":                {"Not accepted", "Read the reason and ask a pharmacist if unsure."},
	"unavailable":            {"Not available now", "Try again in a moment; tell the supervisor if it stays."},
	"database_unavailable":   {"The database is not answering", "Wait a few seconds and try again; nothing saved is lost. Tell the supervisor if it stays."},
	"schema_behind":          {"Laminar is being updated", "The database needs its update before work can go on; tell the supervisor or the administrator."},
	"internal":               {"Something went wrong", "Try again; tell the supervisor if it repeats."},
}

// fallbackWords are shown for a code with no words: never the code.
var fallbackWords = Words{"Not accepted", "Read the reason below; ask a pharmacist if unsure."}

// Refusal returns a refusal code in plain words.
func Refusal(code string) Words {
	if w, ok := refusalWords[code]; ok {
		return w
	}
	return fallbackWords
}

// HasRefusalWords reports whether a code has its own words.
func HasRefusalWords(code string) bool {
	_, ok := refusalWords[code]
	return ok
}

// RefusalCodes lists the codes with words, sorted.
func RefusalCodes() []string {
	out := make([]string, 0, len(refusalWords))
	for k := range refusalWords {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// wordsScript is the browser's copy of the refusal words, served as a
// checksum-named asset beside app.js: one map, in Go.
func wordsScript() []byte {
	all := map[string]any{"refusals": refusalWords, "fallback": fallbackWords}
	b, _ := json.Marshal(all)
	return append(append([]byte("window.laminarWords = "), b...), ";\n"...)
}

// stepKindWords names the kinds of step in plain words, for the evidence
// and the log (a step's own instruction is preferred where it is known).
var stepKindWords = map[string]string{
	"scan_diluent": "Scan the diluent", "scan_vial": "Scan the vial", "reconstitute": "Reconstitute",
	"draw": "Draw up the dose", "weigh": "Weigh", "inject": "Add to the bag", "inspect": "Inspect the bag",
	"photo": "Photograph", "dilute": "Dilute",
}

// StepKind names a kind of step in plain words ("Scan the diluent").
func StepKind(kind string) string {
	if w, ok := stepKindWords[kind]; ok {
		return w
	}
	return "Step"
}

// hazardWords names the hazardous-drug classes.
var hazardWords = map[string]string{
	"":             "No",
	"none":         "No",
	"niosh_table1": "Yes — NIOSH table 1 (antineoplastic)",
	"niosh_table2": "Yes — NIOSH table 2 (other hazardous)",
}

// Hazard names a hazardous-drug class in plain words.
func Hazard(class string) string {
	if w, ok := hazardWords[class]; ok {
		return w
	}
	return "Yes"
}
