package httpapi

// workflowRoutes is filled in when the workflow resource lands.
func (a *API) workflowRoutes() []Route { return nil }
