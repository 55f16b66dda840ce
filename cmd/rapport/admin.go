package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/auth"
)

func runAdmin(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return errors.New("admin: want a sub-command: token, user, org")
	}
	switch args[0] {
	case "token":
		return runAdminToken(ctx, e, args[1:])
	case "user":
		return runAdminUser(ctx, e, args[1:])
	case "org":
		return runAdminOrg(ctx, e, args[1:])
	}
	return fmt.Errorf("admin: unknown sub-command %q", args[0])
}

// runAdminToken prints a new API token on stdout. Only its hash is stored.
func runAdminToken(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("admin token", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs, e)
	name := fs.String("name", "", "a name for the token (required), e.g. the integration using it")
	role := fs.String("role", "", "the token's role: admin, marketer, social_agent, analyst or auditor (required)")
	org := fs.String("org", "default", "organisation slug; created if it does not exist")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if *name == "" || *role == "" {
		return errors.New("admin token: --name and --role are required")
	}
	r, err := rapport.ParseRole(*role)
	if err != nil {
		return err
	}
	s, err := sf.open(ctx, newLogger(e))
	if err != nil {
		return err
	}
	defer s.Close()
	o, err := ensureOrg(ctx, s, *org)
	if err != nil {
		return err
	}
	secret := auth.NewSecret(auth.TokenPrefix)
	if err := s.CreateToken(ctx, &rapport.Token{OrgID: o.ID, Name: *name, Role: r, Hash: auth.HashSecret(secret)}); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, secret)
	return nil
}

// runAdminUser creates a user; the password is read from stdin.
func runAdminUser(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("admin user", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs, e)
	email := fs.String("email", "", "the user's email (required)")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "", "admin, marketer, social_agent, analyst or auditor (required)")
	org := fs.String("org", "default", "organisation slug; created if it does not exist")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || fs.Arg(0) != "create" {
		return errors.New("admin user: usage: rapport admin user [flags] create (password on stdin)")
	}
	if *email == "" || *role == "" {
		return errors.New("admin user create: --email and --role are required")
	}
	r, err := rapport.ParseRole(*role)
	if err != nil {
		return err
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return errors.New("admin user create: give the password on stdin")
	}
	hash, err := auth.HashPassword(strings.TrimRight(line, "\r\n"))
	if err != nil {
		return err
	}
	s, err := sf.open(ctx, newLogger(e))
	if err != nil {
		return err
	}
	defer s.Close()
	o, err := ensureOrg(ctx, s, *org)
	if err != nil {
		return err
	}
	u := &rapport.User{OrgID: o.ID, Email: *email, Name: *name, Role: r, PasswordHash: hash}
	if err := s.CreateUser(ctx, u); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "user %s created in %s with role %s\n", u.Email, o.Slug, r)
	return nil
}

func runAdminOrg(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("admin org", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs, e)
	slug := fs.String("slug", "", "short unique name (required)")
	name := fs.String("name", "", "display name (required)")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || fs.Arg(0) != "create" || *slug == "" || *name == "" {
		return errors.New("admin org: usage: rapport admin org --slug SLUG --name NAME create")
	}
	s, err := sf.open(ctx, newLogger(e))
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.CreateOrg(ctx, &rapport.Organisation{Slug: *slug, Name: *name}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "organisation %s created\n", *slug)
	return nil
}
