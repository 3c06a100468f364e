package web

import "time"

// InterfacesPage is the pharmacists' interface screen: the preparations
// held by a change from the ordering system, every message received with
// its status and error (and a replay for those not applied), and the
// site's drug code map.
type InterfacesPage struct {
	Layout
	Holds    []HoldRow
	Counts   []InboxCount
	Messages []InboxRow
	Mappings []MappingRow
	// Drugs are the drugs a code may map to (those with a recipe).
	Drugs []string
	Error string
}

// PageName implements Page.
func (InterfacesPage) PageName() string { return "interfaces" }

// InboxCount is one status filter of the inbox with its count.
type InboxCount struct {
	Status, Label string
	N             int
	Active        bool
}

// InboxRow is one message of the inbox.
type InboxRow struct {
	ID                       int64
	Received                 time.Time
	Channel, Sender, Control string
	Type, Status, Ack        string
	Error, Field, Body       string
	OrderID                  *int64
	CanReplay                bool
}

// HoldRow is a preparation held for a pharmacist's decision.
type HoldRow struct {
	PreparationID int64
	Kind, Reason  string
	Since         time.Time
	// CanContinue is false for a stop: it can only be stopped.
	CanContinue bool
}

// MappingRow is one entry of the drug code map.
type MappingRow struct {
	System, Code, Drug, Note string
}

// HoldBanner is what the technician's screen shows of a hold.
type HoldBanner struct {
	Reason string
}
