// Package twilio talks to the Twilio Programmable Messaging API: it sends
// SMS (POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded,
// HTTP basic auth with the account SID and auth token), validates the
// X-Twilio-Signature of the webhooks Twilio calls (HMAC-SHA1 over the full
// URL followed by the sorted POST parameters, base64), and parses inbound
// messages and status callbacks.
//
// It decides nothing about who may be texted, and it never logs message
// bodies or phone numbers. The twiliotest sub-package is a stand-in server
// for tests, written from Twilio's published documentation.
package twilio
