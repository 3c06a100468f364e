package httpapi

// routeGroups are the JSON API's route groups, in the order they are
// registered. Each lives in its own file (calc.go, barcodes.go, ...); the
// screens' routes come after them, from API.Pages.
func (a *API) routeGroups() [][]Route {
	return [][]Route{
		a.calcRoutes(),
		a.barcodeRoutes(),
		a.budRoutes(),
		a.guardRoutes(),
		a.authRoutes(),
		a.formularyRoutes(),
		a.pictureRoutes(),
		a.gravityRoutes(),
		a.auditRoutes(),
		a.safetyRoutes(),
		a.workflowRoutes(),
		a.deviceRoutes(),
		a.competencyRoutes(),
		a.downtimeRoutes(),
		a.interopRoutes(),
	}
}
