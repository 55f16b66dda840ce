package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/rapport-health/rapport/internal/campaign"
	"github.com/rapport-health/rapport/internal/email"
)

// runEmail is "rapport email feedback": the mail server pipes each message
// arriving at the bounce address (the envelope sender of campaign email)
// and at the feedback-loop address into it, for example a Postfix alias
// `bounces: "|rapport email feedback --data /var/lib/rapport"`.
func runEmail(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "feedback" {
		return errors.New("email: want the sub-command feedback (reads one bounce or complaint report on standard input)")
	}
	fs := flag.NewFlagSet("email feedback", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs, e)
	domain := fs.String("message-domain", envOr(e, "RAPPORT_MESSAGE_DOMAIN", "rapport.invalid"),
		"domain of campaign Message-IDs, as given to serve (env RAPPORT_MESSAGE_DOMAIN)")
	if err := parseFlags(fs, e, args[1:]); err != nil {
		return err
	}
	reports, err := email.ParseReport(e.stdin)
	if err != nil {
		return err
	}
	if len(reports) == 0 {
		// Autoreplies and other mail at the bounce address: accept and
		// drop, so that the mail server does not bounce them again.
		fmt.Fprintln(e.stdout, "not a bounce or complaint report: ignored")
		return nil
	}
	s, err := sf.open(ctx, newLogger(e))
	if err != nil {
		return err
	}
	defer s.Close()
	in := &campaign.Inbound{Store: s, Logger: newLogger(e)}
	res, err := in.HandleReports(ctx, reports, *domain)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "reports: %d bounced, %d complaints, %d delayed, %d not about campaign email\n",
		res.Bounced, res.Complained, res.Delayed, res.NotOurs)
	return nil
}
