// Command bulwark is the Bulwark CLI: model scanning and provenance, red
// teaming, and runtime protection for LLM applications. It is a thin layer
// over the packages of this module; see docs/architecture.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
