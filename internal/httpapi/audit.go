package httpapi

// auditRoutes is filled in when the audit resource lands.
func (a *API) auditRoutes() []Route { return nil }
