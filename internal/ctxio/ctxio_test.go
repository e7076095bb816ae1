package ctxio

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReader(t *testing.T) {
	tests := []struct {
		name    string
		cancel  bool
		want    string
		wantErr error
	}{
		{name: "live context reads through", want: "payload"},
		{name: "cancelled context stops", cancel: true, wantErr: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				cancel()
			}
			got, err := io.ReadAll(NewReader(ctx, strings.NewReader("payload")))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if string(got) != tt.want {
				t.Fatalf("read %q, want %q", got, tt.want)
			}
		})
	}
}
