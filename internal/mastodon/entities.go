package mastodon

import "time"

// The JSON shapes below are the subset of Mastodon's documented entities
// (https://docs.joinmastodon.org/entities/) that Rapport reads.

// Account is a Mastodon Account entity.
type Account struct {
	ID             string    `json:"id"`
	Username       string    `json:"username"`
	Acct           string    `json:"acct"` // username for local accounts, username@domain for remote ones
	DisplayName    string    `json:"display_name"`
	URL            string    `json:"url"`
	FollowersCount int       `json:"followers_count"`
	FollowingCount int       `json:"following_count"`
	StatusesCount  int       `json:"statuses_count"`
	CreatedAt      time.Time `json:"created_at"`
}

// Mention is a Mastodon Status::Mention entity.
type Mention struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Acct     string `json:"acct"`
	URL      string `json:"url"`
}

// Status is a Mastodon Status entity.
type Status struct {
	ID                 string    `json:"id"`
	URI                string    `json:"uri"`
	URL                string    `json:"url"`
	CreatedAt          time.Time `json:"created_at"`
	Account            Account   `json:"account"`
	Content            string    `json:"content"` // HTML
	SpoilerText        string    `json:"spoiler_text"`
	Visibility         string    `json:"visibility"` // public, unlisted, private, direct
	InReplyToID        *string   `json:"in_reply_to_id"`
	InReplyToAccountID *string   `json:"in_reply_to_account_id"`
	Mentions           []Mention `json:"mentions"`
	Reblog             *Status   `json:"reblog"`
}

// Notification is a Mastodon Notification entity.
type Notification struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"` // mention, status, reblog, follow, favourite…
	CreatedAt time.Time `json:"created_at"`
	Account   Account   `json:"account"`
	Status    *Status   `json:"status"`
}

// apiError is the body of a Mastodon error response.
type apiError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}
