package web

// PrintQueuePage is the print queue: every label sent to a label printer,
// its state, attempts and last error in plain words, and a retry for a
// failed one.
type PrintQueuePage struct {
	Layout
	// Tabs are the admin section's tabs (empty for a pharmacist).
	Tabs []Tab
	// Status filters the jobs ("" all, "failed", "queued", "printed").
	Status  string
	Filters []Tab
	Jobs    []PrintJobRow
}

// PageName implements Page.
func (PrintQueuePage) PageName() string { return "print_queue" }

// PrintJobRow is one print job as the queue shows it.
type PrintJobRow struct {
	ID          int64
	Preparation string
	PrepURL     string
	Label       string
	Printer     string
	State       string
	Failed      bool
	Attempts    string
	LastError   string
	When        string
}

// LabelPrintNotice says, on the technician's and pharmacist's screens,
// that the current label did not reach its printer.
type LabelPrintNotice struct {
	// Failed: the job gave up; otherwise it is still being retried.
	Failed  bool
	Message string
	// QueueURL leads to the print queue, where it can be retried.
	QueueURL string
}
