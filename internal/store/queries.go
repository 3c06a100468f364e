package store

// queries is the store's SQL, one field per named query of queries/*.sql;
// Open binds it and fails, naming them, on a missing or unused query.
type queries struct {
	// bud.sql
	BUDRuleVersions       string `sql:"bud-rule-versions"`
	BUDRulesAt            string `sql:"bud-rules-at"`
	BUDRulesLock          string `sql:"bud-rules-lock"`
	BUDRulesLatest        string `sql:"bud-rules-latest"`
	BUDRulesVersionExists string `sql:"bud-rules-version-exists"`
	BUDRulesInsert        string `sql:"bud-rules-insert"`
	// competency.sql
	CompetencyRulesAt     string `sql:"competency-rules-at"`
	InsertCompetencyRules string `sql:"insert-competency-rules"`
	InsertCompetency      string `sql:"insert-competency"`
	ListCompetencies      string `sql:"list-competencies"`
	ListAllCompetencies   string `sql:"list-all-competencies"`
	GetCompetencyEvidence string `sql:"get-competency-evidence"`
	DowntimeRecordInsert  string `sql:"downtime-record-insert"`
	DowntimeRecordGet     string `sql:"downtime-record-get"`
	// formulary.sql
	UpsertDrug                   string `sql:"upsert-drug"`
	ListDrugs                    string `sql:"list-drugs"`
	ImportDrugs                  string `sql:"import-drugs"`
	DrugIDsByName                string `sql:"drug-ids-by-name"`
	InsertProduct                string `sql:"insert-product"`
	UpdateProduct                string `sql:"update-product"`
	LockProduct                  string `sql:"lock-product"`
	DeleteProductCodes           string `sql:"delete-product-codes"`
	InsertProductCode            string `sql:"insert-product-code"`
	CodeOwner                    string `sql:"code-owner"`
	DeleteProductReconstitutions string `sql:"delete-product-reconstitutions"`
	InsertProductReconstitution  string `sql:"insert-product-reconstitution"`
	GetProduct                   string `sql:"get-product"`
	ProductByGTIN                string `sql:"product-by-gtin"`
	ProductByNDC10               string `sql:"product-by-ndc10"`
	ProductCodes                 string `sql:"product-codes"`
	ProductReconstitutions       string `sql:"product-reconstitutions"`
	SearchProductsAll            string `sql:"search-products-all"`
	SearchProductsByName         string `sql:"search-products-by-name"`
	SearchProductsByNDC10s       string `sql:"search-products-by-ndc10s"`
	SearchProductsByCodePrefix   string `sql:"search-products-by-code-prefix"`
	GetLot                       string `sql:"get-lot"`
	UpsertLot                    string `sql:"upsert-lot"`
	ListLots                     string `sql:"list-lots"`
	InsertStability              string `sql:"insert-stability"`
	StabilityByDrug              string `sql:"stability-by-drug"`
	ImportProducts               string `sql:"import-products"`
	CuratedCodes                 string `sql:"curated-codes"`
	ImportCodes                  string `sql:"import-codes"`
	// guard.sql
	GuardRuleVersions       string `sql:"guard-rule-versions"`
	GuardRulesAt            string `sql:"guard-rules-at"`
	GuardRulesLock          string `sql:"guard-rules-lock"`
	GuardRulesLatest        string `sql:"guard-rules-latest"`
	GuardRulesVersionExists string `sql:"guard-rules-version-exists"`
	GuardRulesInsert        string `sql:"guard-rules-insert"`
	// housekeeping.sql
	HkSessions    string `sql:"hk-sessions"`
	HkThrottle    string `sql:"hk-throttle"`
	HkIdempotency string `sql:"hk-idempotency"`
	HkPhotos      string `sql:"hk-photos"`
	HkJobRuns     string `sql:"hk-job-runs"`
	// meta.sql
	GetMeta string `sql:"get-meta"`
	SetMeta string `sql:"set-meta"`
	// sessions.sql
	CreateSession     string `sql:"create-session"`
	GetSessionByToken string `sql:"get-session-by-token"`
	TouchSession      string `sql:"touch-session"`
	EndSession        string `sql:"end-session"`
	EndUserSessions   string `sql:"end-user-sessions"`
	ThrottleAttempt   string `sql:"throttle-attempt"`
	ThrottleWindow    string `sql:"throttle-window"`
	ThrottleRelease   string `sql:"throttle-release"`
	// users.sql
	CreateUser        string `sql:"create-user"`
	GetUser           string `sql:"get-user"`
	GetUserForUpdate  string `sql:"get-user-for-update"`
	GetUserByUsername string `sql:"get-user-by-username"`
	GetUserByBadge    string `sql:"get-user-by-badge"`
	ListUsers         string `sql:"list-users"`
	SetUserRoles      string `sql:"set-user-roles"`
	SetUserPassword   string `sql:"set-user-password"`
	SetUserPIN        string `sql:"set-user-pin"`
	DeactivateUser    string `sql:"deactivate-user"`
	CommonHashCost    string `sql:"common-hash-cost"`
	// workflow.sql
	WfRecipeInsert       string `sql:"wf-recipe-insert"`
	WfRecipeGet          string `sql:"wf-recipe-get"`
	WfRecipeCurrent      string `sql:"wf-recipe-current"`
	WfRecipeList         string `sql:"wf-recipe-list"`
	WfOrderInsert        string `sql:"wf-order-insert"`
	WfOrderLock          string `sql:"wf-order-lock"`
	WfOrderCancel        string `sql:"wf-order-cancel"`
	WfPrepInsert         string `sql:"wf-prep-insert"`
	WfPrepLock           string `sql:"wf-prep-lock"`
	WfPrepGet            string `sql:"wf-prep-get"`
	WfPrepsOfOrder       string `sql:"wf-preps-of-order"`
	WfPrepSave           string `sql:"wf-prep-save"`
	WfQueue              string `sql:"wf-queue"`
	WfVerifications      string `sql:"wf-verifications"`
	WfScansOf            string `sql:"wf-scans-of"`
	WfScanInsert         string `sql:"wf-scan-insert"`
	WfWeightsOf          string `sql:"wf-weights-of"`
	WfWeightInsert       string `sql:"wf-weight-insert"`
	WfMarksOf            string `sql:"wf-marks-of"`
	WfMarkInsert         string `sql:"wf-mark-insert"`
	WfPhotosOf           string `sql:"wf-photos-of"`
	WfPhotoInsert        string `sql:"wf-photo-insert"`
	WfContainerLock      string `sql:"wf-container-lock"`
	WfContainerInsert    string `sql:"wf-container-insert"`
	WfContainersOf       string `sql:"wf-containers-of"`
	WfLabelInsert        string `sql:"wf-label-insert"`
	WfVerificationInsert string `sql:"wf-verification-insert"`
	WfWasteInsert        string `sql:"wf-waste-insert"`
	WfRemakeInsert       string `sql:"wf-remake-insert"`
	WfUserName           string `sql:"wf-user-name"`
	WfIdemClaim          string `sql:"wf-idem-claim"`
	WfIdemGet            string `sql:"wf-idem-get"`
	WfIdemSave           string `sql:"wf-idem-save"`
	WfCatalogProducts    string `sql:"wf-catalog-products"`
	WfAcceptedScans      string `sql:"wf-accepted-scans"`
	WfCatalogByNDC       string `sql:"wf-catalog-by-ndc"`
	WfUserID             string `sql:"wf-user-id"`
	WfPhotoList          string `sql:"wf-photo-list"`
	WfPhotoGet           string `sql:"wf-photo-get"`
	WfOverrideInsert     string `sql:"wf-override-insert"`
	WfOverridesOf        string `sql:"wf-overrides-of"`
}
