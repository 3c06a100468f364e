// Command laminar is the IV room's assistant: the server, its database
// tools and the calculator, barcode and BUD commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	if err != nil {
		var quiet *silentExit
		if !errors.As(err, &quiet) {
			fmt.Fprintln(os.Stderr, "laminar:", err)
		}
		os.Exit(1)
	}
}

// silentExit is an error whose message was already written (as JSON).
type silentExit struct{}

func (*silentExit) Error() string { return "exit 1" }

// env is what a command sees of the outside world.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the web server (starts a private database when DATABASE_URL is unset)", cmdServe},
		{"migrate", "apply pending database migrations", cmdMigrate},
		{"seed", "load the demo data (--demo) into the database", cmdSeed},
		{"calc", "run one calculation: request JSON on stdin, response JSON on stdout", cmdCalc},
		{"barcode", "parse barcode data: laminar barcode parse DATA (JSON on stdout)", cmdBarcode},
		{"bud", "compute a beyond-use date: request JSON on stdin", cmdBUD},
		{"formulary", "import the FDA NDC Directory: laminar formulary import DIR", cmdFormulary},
		{"balance", "read a balance (laminar balance read HOST:PORT) or run a balance simulator", cmdBalance},
		{"audit", "check the compounding log: laminar audit verify (exit 1 when the chain is broken)", cmdAudit},
		{"backup", "write a consistent backup (database + audit checkpoints): laminar backup FILE", cmdBackup},
		{"restore", "restore a backup into an empty database: laminar restore FILE", cmdRestore},
		{"healthcheck", "exit 0 when the local server is ready (for container and service health checks)", cmdHealthcheck},
		{"downtime", "write the downtime report: laminar downtime export DIR", cmdDowntime},
		{"hl7", "send HL7 v2 messages over MLLP: laminar hl7 send FILE --to HOST:PORT", cmdHL7},
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: laminar <command> [flags]")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'laminar <command> --help' for a command's flags.")
}
