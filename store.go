package rapport

import (
	"context"
	"time"
)

// OrgStore manages organisations, their staff and credentials. Its methods
// are used by administration commands and by authentication, which runs
// before there is an Actor.
type OrgStore interface {
	CreateOrg(ctx context.Context, o *Organisation) error
	OrgBySlug(ctx context.Context, slug string) (*Organisation, error)
	CreateUser(ctx context.Context, u *User) error
	UserByEmail(ctx context.Context, orgID, email string) (*User, error)
	User(ctx context.Context, id string) (*User, error)
	CreateToken(ctx context.Context, t *Token) error
	TokenByHash(ctx context.Context, hash []byte) (*Token, error)
	CreateSession(ctx context.Context, s *Session) error
	SessionByHash(ctx context.Context, hash []byte) (*Session, error)
	DeleteSession(ctx context.Context, hash []byte) error
}

// PatientStore is the patient registry. Every method scopes itself to
// actor.OrgID, checks the actor's permission and writes an audit entry in
// the same transaction as the work it records.
type PatientStore interface {
	// BeginImport starts an import transaction: everything written through
	// it lands together at Commit or not at all.
	BeginImport(ctx context.Context, actor Actor, source string) (ImportTx, error)
	// Patient returns one patient by internal id.
	Patient(ctx context.Context, actor Actor, id string) (*Patient, error)
	// FindPatients returns the patients matching f, and how many match in
	// all (ignoring f.Limit and f.Offset).
	FindPatients(ctx context.Context, actor Actor, f PatientFilter) ([]*Patient, int, error)
	// ConsentHistory returns every consent event of a patient, oldest first.
	ConsentHistory(ctx context.Context, actor Actor, patientID string) ([]ConsentEvent, error)
	// RecordConsent appends one consent event.
	RecordConsent(ctx context.Context, actor Actor, e *ConsentEvent) error
}

// PatientFilter selects patients. Empty fields match everything.
type PatientFilter struct {
	Identifier Identifier // System may be empty: match the value in any system
	Name       string     // case-insensitive prefix of the family or given name
	CountOnly  bool       // return no records, only the total
	Limit      int
	Offset     int
}

// ImportRecord is one unit of an import: a patient with the consent events
// that came with it, or consent events alone for a patient identified by
// PatientRef (a FHIR Consent naming Patient/123).
type ImportRecord struct {
	Patient    *Patient
	PatientRef Identifier
	Consents   []ConsentEvent
	// Where names the record's origin ("patients.csv:12") for messages.
	Where string
}

// ImportTx is an import in progress.
type ImportTx interface {
	// Write upserts records in order: a patient matching any identifier of
	// an existing patient updates it; otherwise it is created. Consent
	// events already recorded are not recorded twice. On a record-level
	// failure (a consent for an unknown patient) it returns the number of
	// records written before it and a *RecordError, and the transaction
	// stays usable.
	Write(ctx context.Context, recs []ImportRecord) (int, error)
	// Stats returns what the import has done so far.
	Stats() ImportStats
	Commit(ctx context.Context) error
	Rollback() error
}

// ImportStats counts what an import did.
type ImportStats struct {
	Created       int `json:"created"`
	Updated       int `json:"updated"`
	Unchanged     int `json:"unchanged"`
	ConsentsAdded int `json:"consents_added"`
}

// RecordError is a problem with one import record. Field names the input
// field; the message never repeats the field's value.
type RecordError struct {
	Where string // file:line
	Field string
	Err   error
}

func (e *RecordError) Error() string {
	if e.Field != "" {
		return e.Where + ": field " + e.Field + ": " + e.Err.Error()
	}
	return e.Where + ": " + e.Err.Error()
}

func (e *RecordError) Unwrap() error { return e.Err }

// AuditStore reads and verifies the tamper-evident audit log. Writes happen
// inside the other stores' transactions.
type AuditStore interface {
	// AuditEntries returns entries of the actor's organisation with
	// sequence numbers after afterSeq, oldest first, at most limit.
	AuditEntries(ctx context.Context, actor Actor, afterSeq int64, limit int) ([]AuditEntry, error)
	// RecordAudit appends an entry for an event that is not itself a store
	// write: a login, a failed login, a denied request, an export.
	RecordAudit(ctx context.Context, e AuditEntry) error
	// VerifyAudit checks every organisation's chain and signed checkpoints.
	VerifyAudit(ctx context.Context) (AuditReport, error)
	// CheckpointAudit signs the current head of every organisation's chain.
	CheckpointAudit(ctx context.Context) error
}

// AuditEntry is one record of who touched what. It follows the shape of a
// FHIR AuditEvent: an action on entities by an agent from a source, with an
// outcome. It carries internal ids only, never patient data.
type AuditEntry struct {
	OrgID     string    `json:"org_id"`
	Seq       int64     `json:"seq"`
	At        time.Time `json:"at"`
	ActorName string    `json:"actor_name"`
	ActorRole string    `json:"actor_role,omitempty"`
	UserID    string    `json:"user_id,omitempty"`
	TokenID   string    `json:"token_id,omitempty"`
	Addr      string    `json:"addr,omitempty"`
	// Action is one of read, search, create, update, import, export,
	// login, logout, verify.
	Action    string   `json:"action"`
	Entity    string   `json:"entity"`
	EntityIDs []string `json:"entity_ids,omitempty"`
	// Outcome is success, denied or error.
	Outcome string `json:"outcome"`
	// Detail is a short user-safe description ("3 created, 1 updated",
	// "search by identifier"); never search values or patient data.
	Detail   string `json:"detail,omitempty"`
	PrevHash []byte `json:"-"`
	Hash     []byte `json:"-"`
}

// Audit actions and outcomes.
const (
	AuditRead     = "read"
	AuditSearch   = "search"
	AuditCreate   = "create"
	AuditUpdate   = "update"
	AuditImport   = "import"
	AuditExport   = "export"
	AuditLogin    = "login"
	AuditLogout   = "logout"
	OutcomeOK     = "success"
	OutcomeDenied = "denied"
	OutcomeError  = "error"
)

// AuditEntryFor starts an entry for actor.
func AuditEntryFor(actor Actor, action, entity string) AuditEntry {
	return AuditEntry{OrgID: actor.OrgID, ActorName: actor.Name, ActorRole: string(actor.Role),
		UserID: actor.UserID, TokenID: actor.TokenID, Addr: actor.Addr,
		Action: action, Entity: entity, Outcome: OutcomeOK}
}

// AuditReport is the result of verifying the audit log.
type AuditReport struct {
	Orgs        int
	Entries     int64
	Checkpoints int
	// Problems lists every inconsistency found; empty means the log
	// verifies.
	Problems []string
}

// OK reports whether the audit log verified.
func (r AuditReport) OK() bool { return len(r.Problems) == 0 }
