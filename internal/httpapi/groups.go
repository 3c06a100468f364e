package httpapi

// The route groups, in the order they are registered. Each lives in its own
// file (calc.go, barcodes.go, ...).
func init() {
	routeGroups = []func(*API) []Route{
		(*API).calcRoutes,
		(*API).barcodeRoutes,
		(*API).budRoutes,
		(*API).guardRoutes,
		(*API).authRoutes,
		(*API).formularyRoutes,
		(*API).auditRoutes,
		(*API).workflowRoutes,
		(*API).deviceRoutes,
		(*API).competencyRoutes,
		(*API).downtimeRoutes,
		(*API).interopRoutes,
	}
}
