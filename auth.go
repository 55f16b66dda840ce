package rapport

import (
	"log/slog"
	"slices"
	"time"
)

// Role is a named set of permissions. Every user and token has exactly one.
type Role string

// The roles. Each holds the least it needs; see Permissions.
const (
	RoleAdmin   Role = "admin"    // manages the organisation, users, tokens and imports
	RoleMarket  Role = "marketer" // builds audiences and campaigns; sees aggregates, not records
	RoleAgent   Role = "social_agent"
	RoleAnalyst Role = "analyst" // reads aggregate analytics only
	RoleAuditor Role = "auditor" // reads and verifies the audit log only
)

// Roles lists every role, in a stable order.
func Roles() []Role {
	return []Role{RoleAdmin, RoleMarket, RoleAgent, RoleAnalyst, RoleAuditor}
}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if slices.Contains(Roles(), r) {
		return r, nil
	}
	return "", Errorf(EINVALID, "unknown role %q (want one of admin, marketer, social_agent, analyst, auditor)", s)
}

// Permission is one thing an actor may do.
type Permission string

// The permissions. Patient-level reads and writes are separate from
// aggregate reads so that marketers and analysts never see records.
const (
	PermPatientRead   Permission = "patient:read"   // read patient records (FHIR, API)
	PermPatientWrite  Permission = "patient:write"  // import, edit patients and consent
	PermConsentWrite  Permission = "consent:write"  // record an opt-in or opt-out
	PermAggregateRead Permission = "aggregate:read" // counts and statistics without records
	PermSegmentWrite  Permission = "segment:write"  // record questionnaire answers, manage models
	PermCampaignWrite Permission = "campaign:write" // create and launch campaigns
	PermInboxWork     Permission = "inbox:work"     // read and answer the social inbox
	PermPublishWrite  Permission = "publish:write"  // draft and schedule posts
	PermPublishReview Permission = "publish:review" // approve posts
	PermAuditRead     Permission = "audit:read"     // read and verify the audit log
	PermOrgAdmin      Permission = "org:admin"      // users, tokens, settings
)

var rolePermissions = map[Role][]Permission{
	RoleAdmin: {PermPatientRead, PermPatientWrite, PermConsentWrite, PermAggregateRead,
		PermSegmentWrite, PermOrgAdmin, PermPublishReview},
	RoleMarket:  {PermAggregateRead, PermSegmentWrite, PermCampaignWrite, PermPublishWrite},
	RoleAgent:   {PermInboxWork, PermConsentWrite, PermPublishWrite},
	RoleAnalyst: {PermAggregateRead},
	RoleAuditor: {PermAuditRead},
}

// Permissions returns the permissions of role r.
func (r Role) Permissions() []Permission { return slices.Clone(rolePermissions[r]) }

// Can reports whether role r holds permission p.
func (r Role) Can(p Permission) bool { return slices.Contains(rolePermissions[r], p) }

// Actor is who performs an operation: a user in a browser session, an API
// token, or the system itself (a command-line import, a background job).
// Every store operation on patient data takes one, scopes its queries to
// Actor.OrgID and records it in the audit log.
type Actor struct {
	OrgID   string
	Role    Role
	UserID  string // empty for tokens and system actors
	TokenID string // empty for sessions and system actors
	// Name is a human-readable label for the audit log: a user's email, a
	// token's name or "system:import". It is staff identity, never PHI.
	Name string
	// Addr is where the request came from (IP address or "cli").
	Addr string
}

// Can reports whether the actor's role holds p.
func (a Actor) Can(p Permission) bool { return a.Role.Can(p) }

// Require returns an EFORBIDDEN error unless the actor holds p.
func (a Actor) Require(p Permission) error {
	if a.OrgID == "" {
		return Errorf(EUNAUTHORIZED, "not signed in")
	}
	if !a.Can(p) {
		return Errorf(EFORBIDDEN, "role %s may not %s", a.Role, p)
	}
	return nil
}

// LogValue keeps actor logging to staff identity.
func (a Actor) LogValue() slog.Value {
	return slog.GroupValue(slog.String("org", a.OrgID), slog.String("role", string(a.Role)),
		slog.String("actor", a.Name))
}

// Organisation is a tenant. Nothing of one organisation is visible to another.
type Organisation struct {
	ID        string
	Slug      string
	Name      string
	CreatedAt time.Time
}

// User is a member of staff who signs in with a password.
type User struct {
	ID           string
	OrgID        string
	Email        string
	Name         string
	Role         Role
	PasswordHash string // argon2id, PHC string format
	CreatedAt    time.Time
	Disabled     bool
}

// Token is an API token. Only a hash of its secret is stored.
type Token struct {
	ID        string
	OrgID     string
	Name      string
	Role      Role
	Hash      []byte // SHA-256 of the secret
	CreatedAt time.Time
	ExpiresAt time.Time // zero: no expiry
	Revoked   bool
}

// Session is a browser session. Only a hash of the cookie value is stored.
type Session struct {
	Hash      []byte
	UserID    string
	OrgID     string
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
}
