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
	// checks.sql
	ChecksHands     string `sql:"checks-hands"`
	ChecksApprovals string `sql:"checks-approvals"`
	// competency.sql
	CompetencyRulesAt     string `sql:"competency-rules-at"`
	InsertCompetencyRules string `sql:"insert-competency-rules"`
	InsertCompetency      string `sql:"insert-competency"`
	ListCompetencies      string `sql:"list-competencies"`
	ListAllCompetencies   string `sql:"list-all-competencies"`
	GetCompetencyEvidence string `sql:"get-competency-evidence"`
	DowntimeRecordInsert  string `sql:"downtime-record-insert"`
	DowntimeRecordGet     string `sql:"downtime-record-get"`
	// evidence.sql
	EvidencePolicyAt    string `sql:"evidence-policy-at"`
	GravitiesOfProducts string `sql:"gravities-of-products"`
	GravityInsert       string `sql:"gravity-insert"`
	EvidencePolicyLock  string `sql:"evidence-policy-lock"`
	EvidencePolicyLast  string `sql:"evidence-policy-latest"`
	EvidencePolicyTaken string `sql:"evidence-policy-version-exists"`
	EvidencePolicyAdd   string `sql:"evidence-policy-insert"`
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
	DeleteStabilityByDrug        string `sql:"delete-stability-by-drug"`
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
	GuardPatientLock        string `sql:"guard-patient-lock"`
	GuardPatientDoses       string `sql:"guard-patient-doses"`
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
	WfRecipeLock         string `sql:"wf-recipe-lock"`
	WfRecipeApprove      string `sql:"wf-recipe-approve"`
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
	WfQueueWindow        string `sql:"wf-queue-window"`
	WfQueueClaimed       string `sql:"wf-queue-claimed"`
	WfQueueAfter         string `sql:"wf-queue-after"`
	WfQueueWards         string `sql:"wf-queue-wards"`
	WfScansOf            string `sql:"wf-scans-of"`
	WfScanInsert         string `sql:"wf-scan-insert"`
	WfScansOfGTIN        string `sql:"wf-scans-of-gtin"`
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
	// interop.sql
	IfaceInboxInsert             string `sql:"inbox-insert"`
	IfaceInboxInsertRejected     string `sql:"inbox-insert-rejected"`
	IfaceInboxByKey              string `sql:"inbox-by-key"`
	IfaceInboxGet                string `sql:"inbox-get"`
	IfaceInboxFinish             string `sql:"inbox-finish"`
	IfaceInboxReplayed           string `sql:"inbox-replayed"`
	IfaceInboxPending            string `sql:"inbox-pending"`
	IfaceInboxCounts             string `sql:"inbox-counts"`
	IfaceExternalOrderLatest     string `sql:"external-order-latest"`
	IfaceFirstPreparationOfOrder string `sql:"first-preparation-of-order"`
	IfaceExternalOrderByOrder    string `sql:"external-order-by-order"`
	IfaceExternalOrderInsert     string `sql:"external-order-insert"`
	IfaceExternalOrderState      string `sql:"external-order-state"`
	IfacePatientUpsert           string `sql:"patient-upsert"`
	IfacePatientGet              string `sql:"patient-get"`
	IfaceOrdersOpenOfPatient     string `sql:"orders-open-of-patient"`
	IfaceOrdersSetLocation       string `sql:"orders-set-location"`
	IfaceCodeMapGet              string `sql:"code-map-get"`
	IfaceCodeMapList             string `sql:"code-map-list"`
	IfaceCodeMapPut              string `sql:"code-map-put"`
	IfaceCodeMapDelete           string `sql:"code-map-delete"`
	IfaceRecipeDrugs             string `sql:"recipe-drugs"`
	IfaceFormularyDrugNames      string `sql:"formulary-drug-names"`
	IfaceOutboxInsert            string `sql:"outbox-insert"`
	IfaceOutboxDue               string `sql:"outbox-due"`
	IfaceOutboxSent              string `sql:"outbox-sent"`
	IfaceOutboxRetry             string `sql:"outbox-retry"`
	IfaceOutboxList              string `sql:"outbox-list"`
	IfaceOutboxRequeue           string `sql:"outbox-requeue"`
	IfaceAPIKeyInsert            string `sql:"apikey-insert"`
	IfaceAPIKeyList              string `sql:"apikey-list"`
	IfaceAPIKeyRevoke            string `sql:"apikey-revoke"`
	IfaceAPIKeyByHash            string `sql:"apikey-by-hash"`
	IfaceAPIKeyTouch             string `sql:"apikey-touch"`
	IfaceDispensedOfPatient      string `sql:"dispensed-of-patient"`
	IfaceOrderGet                string `sql:"order-get"`
	IfaceDispensedOfPreparation  string `sql:"dispensed-of-preparation"`
	IfaceHoldOpen                string `sql:"hold-open"`
	IfaceHoldInsert              string `sql:"hold-insert"`
	IfaceHoldDecide              string `sql:"hold-decide"`
	IfaceHoldsOpenList           string `sql:"holds-open-list"`
	IfaceOrderHeld               string `sql:"order-held"`
	// pictures.sql
	PictureInsert string `sql:"picture-insert"`
	PictureLatest string `sql:"picture-latest"`
	PictureGet    string `sql:"picture-get"`
	// safety.sql
	SafetyLotPreparations string `sql:"safety-lot-preparations"`
	SafetyOverrides       string `sql:"safety-overrides"`
	SafetyDoses           string `sql:"safety-doses"`
	SafetyCaught          string `sql:"safety-caught"`
	SafetyTyped           string `sql:"safety-typed"`
	SafetyTurnaround      string `sql:"safety-turnaround"`
	SafetyWaste           string `sql:"safety-waste"`
}
