// Package workflow is the domain of one preparation, from order to released
// IV bag: the state machine, order validation, master formulation records
// (recipes), the worksheet computed from order + recipe + formulary with
// the exact calculator, the checks a scan must pass, the queue order and
// batching, and the label. It imports no transport and no storage: the
// store runs these rules inside its transactions and the HTTP layer calls
// the store.
package workflow
