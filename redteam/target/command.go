package target

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Command is a target that runs a local program per request: the last user
// message goes to its stdin, its stdout (bounded) is the answer. The
// program runs without a shell.
type Command struct {
	argv     []string
	timeout  time.Duration
	maxBytes int64
}

func newCommand(cfg Config) (*Command, error) {
	if len(cfg.Command) == 0 || strings.TrimSpace(cfg.Command[0]) == "" {
		return nil, errors.New("target: provider command needs a command to run")
	}
	return &Command{argv: cfg.Command, timeout: cfg.Timeout, maxBytes: cfg.MaxResponseBytes}, nil
}

// Name describes the target.
func (c *Command) Name() string { return "command:" + c.argv[0] }

// limitedBuffer keeps at most max bytes and records overflow.
type limitedBuffer struct {
	buf      bytes.Buffer
	max      int64
	overflow bool
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	room := l.max - int64(l.buf.Len())
	if int64(len(p)) > room {
		l.overflow = true
		if room > 0 {
			l.buf.Write(p[:room])
		}
		return len(p), nil
	}
	return l.buf.Write(p)
}

// Send runs the command once.
func (c *Command) Send(ctx context.Context, req Request) (Reply, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.argv[0], c.argv[1:]...)
	cmd.Stdin = strings.NewReader(req.LastUser())
	out := &limitedBuffer{max: c.maxBytes}
	errb := &limitedBuffer{max: 512}
	cmd.Stdout, cmd.Stderr = out, errb
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return Reply{}, fmt.Errorf("target command %s: %w", c.argv[0], ctx.Err())
		}
		return Reply{}, fmt.Errorf("target command %s: %w: %s", c.argv[0], err, strings.TrimSpace(errb.buf.String()))
	}
	if out.overflow {
		return Reply{}, fmt.Errorf("target command %s: %w: more than %d bytes", c.argv[0], ErrTooLarge, c.maxBytes)
	}
	rep := Reply{Text: strings.TrimRight(out.buf.String(), "\n")}
	estimateUsage(&req, &rep)
	return rep, nil
}
