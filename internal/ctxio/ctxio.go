package ctxio

import (
	"context"
	"io"
)

// Reader reads from R until Ctx is done; from then on every Read returns
// the context's error, so that io.Copy through it stops promptly.
type Reader struct {
	Ctx context.Context
	R   io.Reader
}

// NewReader returns a Reader of r bound to ctx.
func NewReader(ctx context.Context, r io.Reader) Reader { return Reader{Ctx: ctx, R: r} }

// Read reads from the underlying reader unless the context is done.
func (c Reader) Read(p []byte) (int, error) {
	if err := c.Ctx.Err(); err != nil {
		return 0, err
	}
	return c.R.Read(p)
}
