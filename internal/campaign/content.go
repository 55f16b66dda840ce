package campaign

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/message"
	"github.com/rapport-health/rapport/phi"
	"github.com/rapport-health/rapport/segment"
)

// Template fields a campaign may use.
const (
	FieldFirstName  = "first_name"
	FieldLastName   = "last_name"
	FieldClinicName = "clinic_name"
	// FieldLinkURL is the tracked redirect to the variant's Link.
	FieldLinkURL = "link_url"
)

// Fields returns the fields campaign templates may use.
func Fields() []string {
	return []string{FieldFirstName, FieldLastName, FieldClinicName, FieldLinkURL, message.FieldUnsubscribeURL, message.FieldPostalAddress}
}

// Identity is how the organisation appears in what it sends, and where its
// public endpoints are.
type Identity struct {
	OrgName       string
	PostalAddress string // CAN-SPAM: every marketing email carries it
	From          mail.Address
	// MessageDomain is the right-hand side of the deterministic Message-IDs.
	MessageDomain string
	// BaseURL is the public URL of the API, for unsubscribe links.
	BaseURL string
	// Secret signs unsubscribe tokens.
	Secret []byte
	// SMSFrom is the sending number (E.164) or messaging service SID.
	SMSFrom string
	// HelpContact answers HELP: a phone number or web address.
	HelpContact string
	// StatusCallback is the URL Twilio posts status changes to.
	StatusCallback string
}

// compiled is a variant's parsed templates.
type compiled struct {
	subject, text, html, sms *message.Template
}

func compile(v rapport.Variant) (compiled, error) {
	var c compiled
	var err error
	parse := func(dst **message.Template, src, what string, mode message.Mode) {
		if err != nil || src == "" {
			return
		}
		var e error
		if *dst, e = message.Parse(src, mode, Fields()); e != nil {
			err = fmt.Errorf("variant %s/%s %s: %w", v.Segment, v.Arm, what, e)
		}
	}
	parse(&c.subject, v.Subject, "subject", message.Text)
	parse(&c.text, v.Text, "text", message.Text)
	parse(&c.html, v.HTML, "html", message.HTML)
	parse(&c.sms, v.SMS, "sms", message.Text)
	return c, err
}

// Rendered is one recipient's message.
type Rendered struct {
	Subject, Text, HTML, SMS string
}

func render(c compiled, vals message.Values) (Rendered, error) {
	var r Rendered
	var err error
	do := func(dst *string, t *message.Template) {
		if err != nil || t == nil {
			return
		}
		*dst, err = t.Render(vals)
	}
	do(&r.Subject, c.subject)
	do(&r.Text, c.text)
	do(&r.HTML, c.html)
	do(&r.SMS, c.sms)
	return r, err
}

// UnsubscribeToken returns the signed token naming deliveryID in
// unsubscribe links: the id and an HMAC-SHA256 of it, so that a link
// cannot be forged for another delivery.
func (id Identity) UnsubscribeToken(deliveryID string) string {
	return id.token("unsubscribe", deliveryID)
}

// ClickToken returns the signed token of a delivery's tracked link. It
// differs from the unsubscribe token, so a click can never unsubscribe.
func (id Identity) ClickToken(deliveryID string) string { return id.token("click", deliveryID) }

func (id Identity) token(purpose, deliveryID string) string {
	m := hmac.New(sha256.New, id.Secret)
	m.Write([]byte(purpose + "\x00" + deliveryID))
	return deliveryID + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// VerifyToken returns the delivery id an unsubscribe token names, or an
// error.
func (id Identity) VerifyToken(tok string) (string, error) { return id.verify("unsubscribe", tok) }

// VerifyClickToken returns the delivery id a click token names, or an
// error.
func (id Identity) VerifyClickToken(tok string) (string, error) { return id.verify("click", tok) }

func (id Identity) verify(purpose, tok string) (string, error) {
	did, _, ok := strings.Cut(tok, ".")
	if !ok || did == "" || len(id.Secret) == 0 || !hmac.Equal([]byte(id.token(purpose, did)), []byte(tok)) {
		return "", rapport.Errorf(rapport.ENOTFOUND, "unknown or invalid link")
	}
	return did, nil
}

// OpenToken returns the signed token of a delivery's open pixel, distinct
// from its click and unsubscribe tokens.
func (id Identity) OpenToken(deliveryID string) string { return id.token("open", deliveryID) }

// VerifyOpenToken returns the delivery id an open token names, or an
// error.
func (id Identity) VerifyOpenToken(tok string) (string, error) { return id.verify("open", tok) }

// OpenURL is the open pixel of a delivery.
func (id Identity) OpenURL(deliveryID string) string {
	return strings.TrimRight(id.BaseURL, "/") + "/o/" + id.OpenToken(deliveryID)
}

// withOpenPixel adds a delivery's open pixel to an HTML body, before
// </body> when there is one.
func withOpenPixel(html, url string) string {
	img := `<img src="` + url + `" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px">`
	if i := strings.LastIndex(strings.ToLower(html), "</body>"); i >= 0 {
		return html[:i] + img + html[i:]
	}
	return html + img
}

// ClickURL is the tracked redirect of a delivery.
func (id Identity) ClickURL(deliveryID string) string {
	return strings.TrimRight(id.BaseURL, "/") + "/r/" + id.ClickToken(deliveryID)
}

// UnsubscribeURL is the one-click link of a delivery.
func (id Identity) UnsubscribeURL(deliveryID string) string {
	return strings.TrimRight(id.BaseURL, "/") + "/u/" + id.UnsubscribeToken(deliveryID)
}

// Playbook is a segment's guidance shown beside its variant.
type Playbook struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Motivations []string `json:"motivations,omitempty"`
	Say         []string `json:"say,omitempty"`
	Avoid       []string `json:"avoid,omitempty"`
	Tone        string   `json:"tone,omitempty"`
}

// DM length limits: Bluesky chat's, and Mastodon's usual 500 characters
// less room for the recipient's @handle.
const (
	maxDMBluesky  = 1000
	maxDMMastodon = 440
)

// Previewer renders and checks campaigns before launch.
type Previewer struct {
	Identity Identity
	Model    *segment.Model // for playbooks; may be nil
	Guard    *phi.Guard     // the minimum-necessary check; nil skips it
	Policy   message.Policy
}

// Preview renders every variant of c with sample values and runs the
// pre-launch checks: template syntax, SMS encoding and length, reading
// level, unsubscribe/STOP text and postal address (message.Check), and the
// PHI guard's minimum-necessary rule on what a patient would read.
func (p Previewer) Preview(c *rapport.Campaign, count rapport.AudienceCount, now time.Time) rapport.CampaignPreview {
	out := rapport.CampaignPreview{Campaign: c, Audience: count, Generated: now}
	sample := message.Values{FieldFirstName: "Alex", FieldLastName: "Sample", FieldClinicName: p.Identity.OrgName,
		FieldLinkURL:                strings.TrimRight(p.Identity.BaseURL, "/") + "/r/preview",
		message.FieldUnsubscribeURL: strings.TrimRight(p.Identity.BaseURL, "/") + "/u/preview",
		message.FieldPostalAddress:  p.Identity.PostalAddress}
	pol := p.Policy
	if pol.PostalAddress == "" {
		pol.PostalAddress = p.Identity.PostalAddress
	}
	httpsLinks := strings.HasPrefix(p.Identity.BaseURL, "https://")
	for _, v := range c.Variants {
		vp := rapport.VariantPreview{Segment: v.Segment, Arm: v.Arm, Findings: []rapport.PreviewFinding{}}
		if v.Segment == "" {
			vp.Count = count.Total
		} else {
			vp.Count = count.BySegment[v.Segment]
		}
		if p.Model != nil {
			for _, s := range p.Model.Segments {
				if s.ID == v.Segment {
					vp.Playbook = Playbook{Name: s.Name, Description: s.Description, Motivations: s.Motivations, Say: s.Say, Avoid: s.Avoid, Tone: s.Tone}
				}
			}
		}
		add := func(code string, sev message.Severity, msg string) {
			vp.Findings = append(vp.Findings, rapport.PreviewFinding{Code: code, Severity: string(sev), Message: msg})
			if sev == message.Blocker {
				out.Blocked = true
			}
		}
		if c.Channel == rapport.ChannelEmail && !httpsLinks {
			add("unsubscribe_not_https", message.Blocker, "the server's public URL (--base-url) must be https:// for one-click unsubscribe links (RFC 8058)")
		}
		tpl, err := compile(v)
		if err != nil {
			add("template", message.Blocker, templateMessage(err))
			out.Variants = append(out.Variants, vp)
			continue
		}
		if usesLink(tpl) && v.Link == "" {
			add("link_without_destination", message.Blocker, "the variant uses {{link_url}} but has no link destination")
		}
		r, err := render(tpl, sample)
		if err != nil {
			add("template", message.Blocker, templateMessage(err))
		}
		vp.Subject, vp.Text, vp.HTML, vp.SMS = r.Subject, r.Text, r.HTML, r.SMS
		content := message.Content{Channel: c.Channel, Subject: v.Subject, Text: v.Text, HTML: v.HTML}
		read := r.Text
		if c.Channel == rapport.ChannelSMS {
			content = message.Content{Channel: c.Channel, Text: v.SMS}
			read = r.SMS
		}
		if c.Channel == rapport.ChannelSocialDM {
			// A DM carries the plain-text body and must have one, within
			// the networks' limits: Bluesky chat takes 1,000 characters,
			// a Mastodon status 500 including the recipient's @handle.
			switch n := utf8.RuneCountInString(r.Text); {
			case strings.TrimSpace(v.Text) == "":
				add(message.FindingEmpty, message.Blocker, "the direct message text is empty")
			case n > maxDMBluesky:
				add("dm_too_long", message.Blocker, fmt.Sprintf("the direct message is %d characters; Bluesky takes at most %d", n, maxDMBluesky))
			case n > maxDMMastodon:
				add("dm_too_long", message.Warning, fmt.Sprintf("the direct message is %d characters; on Mastodon, with the recipient's @handle, it may pass the usual 500-character limit (keep it under %d)", n, maxDMMastodon))
			}
		} else {
			for _, f := range message.Check(content, pol) {
				add(f.Code, f.Severity, f.Message)
			}
		}
		if p.Guard != nil {
			for _, text := range []string{r.Subject, read} {
				if text == "" {
					continue
				}
				verdict := p.Guard.CheckReminder(text)
				switch verdict.Action {
				case phi.Block:
					add("phi_minimum_necessary", message.Blocker, reasonText(verdict, "the text names a condition, medication or procedure; a campaign message says only what is needed"))
				case phi.Warn:
					add("phi_minimum_necessary", message.Warning, reasonText(verdict, "the text may say more than needed about the patient's care"))
				}
			}
		}
		out.Variants = append(out.Variants, vp)
	}
	return out
}

func reasonText(v phi.Verdict, def string) string {
	if len(v.Reasons) > 0 && v.Reasons[0].Message != "" {
		return v.Reasons[0].Message
	}
	return def
}

func templateMessage(err error) string {
	var me *message.Error
	if errors.As(err, &me) {
		return err.Error()
	}
	var miss *message.MissingError
	if errors.As(err, &miss) {
		return "field " + miss.Field + " has no sample value and no fallback"
	}
	return "template error"
}

// Launcher checks and launches campaigns.
type Launcher struct {
	Store interface {
		Campaign(ctx context.Context, actor rapport.Actor, id string) (*rapport.Campaign, error)
		CountAudience(ctx context.Context, actor rapport.Actor, f rapport.AudienceFilter) (rapport.AudienceCount, error)
		LaunchCampaign(ctx context.Context, actor rapport.Actor, id string, assign rapport.Assigner) (rapport.LaunchResult, error)
	}
	Previewer Previewer
	// Senders, when set, previews and checks each organisation's campaigns
	// with its own sender identity (the postal address CAN-SPAM needs).
	Senders *Senders
	Now     func() time.Time
}

// Preview returns the preview of campaign id.
func (l Launcher) Preview(ctx context.Context, actor rapport.Actor, id string) (rapport.CampaignPreview, error) {
	c, err := l.Store.Campaign(ctx, actor, id)
	if err != nil {
		return rapport.CampaignPreview{}, err
	}
	count, err := l.Store.CountAudience(ctx, actor, c.Audience)
	if err != nil {
		return rapport.CampaignPreview{}, err
	}
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	pv := l.Previewer
	if pv.Identity, err = identityFor(ctx, l.Senders, pv.Identity, actor.OrgID); err != nil {
		return rapport.CampaignPreview{}, err
	}
	return pv.Preview(c, count, now()), nil
}

// Launch runs the pre-launch checks and, when nothing blocks, launches
// campaign id with its deterministic assignment.
func (l Launcher) Launch(ctx context.Context, actor rapport.Actor, id string) (rapport.LaunchResult, error) {
	if err := actor.Require(rapport.PermCampaignWrite); err != nil {
		return rapport.LaunchResult{}, err
	}
	pv, err := l.Preview(ctx, actor, id)
	if err != nil {
		return rapport.LaunchResult{}, err
	}
	if ch := pv.Campaign.Channel; ch != rapport.ChannelEmail && ch != rapport.ChannelSMS && ch != rapport.ChannelSocialDM {
		return rapport.LaunchResult{}, rapport.Errorf(rapport.EINVALID, "campaigns are delivered by email, sms or social_dm, not %s", ch)
	}
	if pv.Blocked {
		for _, v := range pv.Variants {
			for _, f := range v.Findings {
				if f.Severity == string(message.Blocker) {
					return rapport.LaunchResult{}, rapport.Errorf(rapport.EINVALID, "variant %s/%s cannot launch: %s", v.Segment, v.Arm, f.Message)
				}
			}
		}
	}
	return l.Store.LaunchCampaign(ctx, actor, id, Assigner(pv.Campaign))
}

// usesLink reports whether any template of c uses the tracked link.
func usesLink(c compiled) bool {
	for _, t := range []*message.Template{c.subject, c.text, c.html, c.sms} {
		if t != nil && slices.Contains(t.Fields(), FieldLinkURL) {
			return true
		}
	}
	return false
}
