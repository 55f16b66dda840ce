package sqlstore

import (
	"context"

	"github.com/rapport-health/rapport"
)

// dmNetworks are the networks whose connectors can send a direct message
// to someone who wrote to the account (the inbox's own list).
func dmNetworks() []rapport.Network {
	return []rapport.Network{rapport.NetworkMastodon, rapport.NetworkBluesky, rapport.NetworkFacebook, rapport.NetworkInstagram}
}

// dmWroteFirst is the SQL condition "conversation ic of patient column pid
// in organisation column org is linked to that patient, is on a network
// with direct messages, and holds an inbound direct message" — the
// patient wrote first. Its arguments are dmWroteFirstArgs().
func dmWroteFirst(org, pid string) string {
	return `EXISTS (SELECT 1 FROM inbox_conversations ic JOIN inbox_items ii ON ii.conversation_id = ic.id
		WHERE ic.org_id = ` + org + ` AND ic.patient_id = ` + pid + ` AND ic.network IN (` + qmarks(len(dmNetworks())) + `)
		AND ii.org_id = ic.org_id AND ii.kind = ? AND ii.author_id <> '')`
}

func dmWroteFirstArgs() []any {
	var args []any
	for _, n := range dmNetworks() {
		args = append(args, string(n))
	}
	return append(args, string(rapport.KindDM))
}

// SocialDMTarget returns where a campaign's social DM to patient goes: the
// most recent inbound direct message, in a conversation of orgID linked to
// the patient, on a network with direct messages. It returns ENOTFOUND
// when there is none: platforms forbid unsolicited direct messages, so the
// patient must have written first.
func (s *Store) SocialDMTarget(ctx context.Context, orgID, patientID string) (rapport.DMTarget, error) {
	var t rapport.DMTarget
	var network string
	var wrote int64
	args := append([]any{orgID, patientID}, dmWroteFirstArgs()...)
	err := s.r.QueryRowContext(ctx, s.q(`SELECT ic.id, ic.network, ic.account_id, ii.author_id, ii.created_at
		FROM inbox_conversations ic JOIN inbox_items ii ON ii.conversation_id = ic.id
		WHERE ic.org_id = ? AND ic.patient_id = ? AND ic.network IN (`+qmarks(len(dmNetworks()))+`)
		AND ii.org_id = ic.org_id AND ii.kind = ? AND ii.author_id <> ''
		ORDER BY ii.created_at DESC, ii.id DESC LIMIT 1`), args...).Scan(&t.ConversationID, &network, &t.AccountID, &t.AuthorID, &wrote)
	if err != nil {
		return t, notFound("social dm conversation", err)
	}
	t.Network, t.WroteAt = rapport.Network(network), fromMicros(wrote)
	return t, nil
}
