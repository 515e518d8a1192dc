// Command ketatrack runs a ketamine infusion programme for complex regional
// pain syndrome (CRPS): intake and diagnosis, a cited protocol library and
// dose engine with smart-pump guardrails, infusion charting, the patient
// journal and outcomes, and ketamine/norketamine pharmacology.
//
// Every subcommand lives in a file of its own in this directory and registers
// itself with register from an init function; the command-line contracts
// (flags, JSON documents and exit statuses) are fixed by shared/PRODUCT.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Exit statuses shared by every subcommand (shared/PRODUCT.md,
// "Command-line contracts").
const (
	exitOK        = 0 // success
	exitFailure   = 1 // an operational failure (I/O, database) rather than bad input
	exitBadInput  = 2 // bad flags, bad file, unknown ID
	exitSoftLimit = 3 // a dose over a soft limit without --acknowledge
	exitHardLimit = 4 // a dose over a hard limit: refused
)

// env is what a subcommand may touch of the outside world, so that tests can
// run commands in-process with their own streams and environment.
type env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads configuration from the environment (os.Getenv in main).
	Getenv func(string) string
	// Stderr is a terminal: progress bars are drawn only then.
	StderrIsTerminal bool
}

// command is one subcommand of ketatrack.
type command struct {
	// Name is the first argument that selects the command, e.g. "dose".
	Name string
	// Synopsis is the one-line usage, e.g. "dose --rate R [--weight W] ...".
	Synopsis string
	// Summary is one sentence for the command list.
	Summary string
	// Run executes the command with the arguments after its name and returns
	// the process exit status.
	Run func(ctx context.Context, e *env, args []string) int
}

var commands = map[string]*command{}

// register adds a subcommand; it is called from the init function of the
// file that implements the command.
func register(c *command) {
	if _, dup := commands[c.Name]; dup {
		panic("ketatrack: command registered twice: " + c.Name)
	}
	commands[c.Name] = c
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{
		Stdin:            os.Stdin,
		Stdout:           os.Stdout,
		Stderr:           os.Stderr,
		Getenv:           os.Getenv,
		StderrIsTerminal: isTerminal(os.Stderr),
	}
	os.Exit(run(ctx, e, os.Args[1:]))
}

// isTerminal reports whether f is a character device (a terminal), without a
// dependency: good enough to decide whether to draw a progress bar.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// run dispatches args (without the program name) to a subcommand.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		printUsage(e.Stderr)
		return exitBadInput
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return c.Run(ctx, e, []string{"--help"})
			}
			fmt.Fprintf(e.Stderr, "ketatrack: unknown command %q\n", args[1])
			return exitBadInput
		}
		printUsage(e.Stdout)
		return exitOK
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(e.Stderr, "ketatrack: unknown command %q (run \"ketatrack help\" for the list)\n", name)
		return exitBadInput
	}
	return c.Run(ctx, e, args[1:])
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "ketatrack runs a ketamine infusion programme for CRPS.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: ketatrack COMMAND [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, headline(commands[n].Summary))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Quantities are written with units: 70kg, 154lb, 0.35mg/kg/h, 80mg/500mL, 4h, 30min.")
	fmt.Fprintln(w, "Run \"ketatrack help COMMAND\" or \"ketatrack COMMAND --help\" for a command's flags.")
}

// headline is a summary's first clause, for the one-line command list; the
// whole summary is in the command's --help.
func headline(summary string) string {
	depth := 0
	for i, r := range summary {
		switch {
		case r == '(':
			depth++
		case r == ')':
			depth--
		case depth == 0 && (r == '.' || r == ';') && strings.HasPrefix(summary[i+1:], " "):
			return summary[:i]
		}
	}
	return strings.TrimSuffix(summary, ".")
}

// newFlagSet returns a flag set for a subcommand whose -h/--help output shows
// the synopsis, the summary and every flag with its help text.
func newFlagSet(e *env, c *command) *flag.FlagSet {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: ketatrack %s\n\n%s\n", c.Synopsis, c.Summary)
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(out, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// errHelp is returned by parseFlags when -h or --help was given: the usage has
// been printed and the command should exit with status 0.
var errHelp = flag.ErrHelp

// parseFlags parses args with fs, allowing flags after positional arguments
// ("protocols show ID --json"), and returns the positional arguments. A "--"
// ends flag parsing. On --help it prints usage to stdout and returns errHelp.
func parseFlags(e *env, fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	// The flag package prints the usage itself on an error and on -h; take
	// that over so help goes once to stdout and errors once to stderr.
	usage := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = usage }()
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(e.Stdout)
				usage()
				return nil, errHelp
			}
			usage()
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		// fs.Parse stops at the first non-flag; a preceding "--" means the
		// rest is all positional.
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// flagStatus turns an error from parseFlags into an exit status, printing
// nothing more (the flag package has already said what was wrong).
func flagStatus(err error) int {
	if errors.Is(err, errHelp) {
		return exitOK
	}
	return exitBadInput
}

// fail prints err as one line on stderr, prefixed with the command name, and
// returns status. Errors from the domain packages name the field at fault.
func fail(e *env, name string, status int, err error) int {
	msg := strings.ReplaceAll(err.Error(), "\n", "; ")
	fmt.Fprintf(e.Stderr, "ketatrack %s: %s\n", name, msg)
	return status
}

// multiFlag is a repeatable string flag, e.g. --set KEY=VALUE --set K2=V2.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ", ") }

// Set appends one occurrence of the flag.
func (m *multiFlag) Set(v string) error {
	*m = append(*m, v)
	return nil
}
