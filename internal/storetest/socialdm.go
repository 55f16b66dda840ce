package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rapport-health/rapport"
)

// dmItem is a direct message from author to the organisation's Mastodon
// account.
func dmItem(networkID, author string) *rapport.InboxItem {
	it := inboxItem(networkID, "", "", "hello, a question about my visit")
	it.Kind, it.Private, it.AuthorID = rapport.KindDM, true, author
	return it
}

// testSocialDM checks where a campaign's social DM may go: only to a
// patient linked to a conversation in which the patient sent a direct
// message first, within the organisation; the audience counts only them.
func testSocialDM(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	dmCare := consent(rapport.ChannelSocialDM, rapport.PurposeCare, rapport.ConsentGranted, epoch.Add(-time.Hour))
	var recs []rapport.ImportRecord
	for _, mrn := range []string{"DM-A", "DM-B", "DM-C"} {
		recs = append(recs, rapport.ImportRecord{Patient: patient(mrn, "Fam"+mrn, "Giv"), Consents: []rapport.ConsentEvent{dmCare}})
	}
	f.importRecs(t, f.admin, recs...)
	ps, _, err := f.s.FindPatients(ctx, f.admin, rapport.PatientFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, p := range ps {
		ids[p.Identifier(rapport.SystemMRN)] = p.ID
	}
	ag := f.agent(t, f.org.ID, "agent@general.org")
	// A wrote a DM and staff linked it; B's linked conversation is a
	// public mention; C wrote a DM that nobody linked.
	a := f.store(t, ag, dmItem("dm-1", "author-a"))[0]
	b := f.store(t, ag, inboxItem("m-1", "", "", "@hospital hello"))[0]
	f.store(t, ag, dmItem("dm-2", "author-c"))
	for conv, mrn := range map[string]string{a.ConversationID: "DM-A", b.ConversationID: "DM-B"} {
		if _, err := f.s.LinkPatient(ctx, ag, conv, ids[mrn]); err != nil {
			t.Fatalf("LinkPatient(%s): %v", mrn, err)
		}
	}
	got, err := f.s.SocialDMTarget(ctx, f.org.ID, ids["DM-A"])
	want := rapport.DMTarget{ConversationID: a.ConversationID, Network: rapport.NetworkMastodon, AccountID: "acct-1", AuthorID: "author-a",
		WroteAt: epoch}
	if err != nil {
		t.Errorf("SocialDMTarget(A): %v", err)
	} else if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SocialDMTarget(A) (-want +got):\n%s", diff)
	}
	for _, mrn := range []string{"DM-B", "DM-C"} {
		if got, err := f.s.SocialDMTarget(ctx, f.org.ID, ids[mrn]); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Errorf("SocialDMTarget(%s) = %+v, %v; want not found", mrn, got, err)
		}
	}
	other, _ := f.newOrg(t, "other")
	if got, err := f.s.SocialDMTarget(ctx, other.ID, ids["DM-A"]); rapport.ErrorCode(err) != rapport.ENOTFOUND {
		t.Errorf("SocialDMTarget(other org, A) = %+v, %v; want not found", got, err)
	}
	marketer := rapport.Actor{OrgID: f.org.ID, Role: rapport.RoleMarket, Name: "m"}
	count, err := f.s.CountAudience(ctx, marketer, rapport.AudienceFilter{Channel: rapport.ChannelSocialDM, Purpose: rapport.PurposeCare})
	if err != nil || count.Total != 1 {
		t.Errorf("social_dm audience = %+v, %v; want 1 (A only)", count, err)
	}
	// A STOP in B's conversation (linked to B) revokes B's consents in
	// scope, once; another organisation cannot reach the conversation.
	scope := []rapport.ChannelPurpose{{Channel: rapport.ChannelSocialDM, Purpose: rapport.PurposeCare}}
	for i, want := range []bool{true, false} {
		changed, linked, err := f.s.RecordConversationOptOut(ctx, f.org.ID, b.ConversationID, scope, "social_dm:stop", "mastodon:m-2", epoch)
		if err != nil || !linked || changed != want {
			t.Errorf("RecordConversationOptOut #%d = %v, %v, %v; want changed %v, linked", i+1, changed, linked, err, want)
		}
	}
	if _, _, err := f.s.RecordConversationOptOut(ctx, other.ID, b.ConversationID, scope, "social_dm:stop", "x", epoch); rapport.ErrorCode(err) != rapport.ENOTFOUND {
		t.Errorf("RecordConversationOptOut from another organisation = %v, want not found", err)
	}
	hist, err := f.s.ConsentHistory(ctx, f.admin, ids["DM-B"])
	if err != nil || len(hist) == 0 || hist[len(hist)-1].Status != rapport.ConsentRevoked || hist[len(hist)-1].Source != "social_dm:stop" {
		t.Errorf("DM-B's consent history after STOP = %+v, %v", hist, err)
	}
	// Unlinking A's conversation takes A out of reach.
	if _, err := f.s.LinkPatient(ctx, ag, a.ConversationID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.SocialDMTarget(ctx, f.org.ID, ids["DM-A"]); rapport.ErrorCode(err) != rapport.ENOTFOUND {
		t.Errorf("SocialDMTarget(A) after unlinking: %v, want not found", err)
	}
}
