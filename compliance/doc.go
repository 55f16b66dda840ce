// Package compliance holds the rules that decide whether, and when, Rapport
// may contact one patient: quiet hours in the recipient's time zone,
// frequency caps, opt-out/opt-in/help keywords in inbound replies, and the
// consent decision per purpose and channel.
//
// It is pure: every function takes the clock ("now") and the recipient's
// state as arguments, and nothing here reads a database, the network or the
// wall clock. Time zones are *time.Location values resolved by the caller
// (Zones caches them; the package embeds time/tzdata so that resolution does
// not depend on the host's zoneinfo files).
//
// The rule values (windows, caps, holidays) are configuration, not claims
// about the law of any state: the defaults follow the federal TCPA calling
// window (08:00–21:00 local time, 47 CFR 64.1200(c)(1)) and the FCC's 2015
// healthcare-exemption conditions (at most one message a day and three a
// week), and organisations add stricter windows per state or per
// organisation. See docs/delivery.md for sources.
package compliance
