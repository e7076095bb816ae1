package policy

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Holder holds the current Set and swaps it on reload. Safe for concurrent use.
type Holder struct {
	path string
	opts Options
	cur  atomic.Pointer[Set]
	log  *slog.Logger
	// reloads counts successful reloads; failures counts rejected files.
	reloads, failures atomic.Int64
}

// Load returns a Holder for the policy file at path, or for the embedded
// default when path is empty, compiled (and recompiled on reload) against
// opts.
func Load(path string, opts Options, log *slog.Logger) (*Holder, error) {
	h := &Holder{path: path, opts: opts, log: log}
	s, err := h.read()
	if err != nil {
		return nil, err
	}
	h.cur.Store(s)
	return h, nil
}

// NewHolder returns a Holder for an already compiled Set (no file to reload).
func NewHolder(s *Set, log *slog.Logger) *Holder {
	h := &Holder{log: log}
	h.cur.Store(s)
	return h
}

func (h *Holder) read() (*Set, error) {
	if h.path == "" {
		return Default(h.opts)
	}
	f, err := os.Open(h.path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	defer f.Close()
	return Read(f, h.path, h.opts)
}

// Current returns the policy set in force.
func (h *Holder) Current() *Set { return h.cur.Load() }

// Path returns the watched file, empty for the embedded default.
func (h *Holder) Path() string { return h.path }

// Stats returns how many reloads succeeded and how many files were rejected.
func (h *Holder) Stats() (reloads, failures int64) { return h.reloads.Load(), h.failures.Load() }

// Reload re-reads the file. An invalid file is rejected with its error and
// the current set stays in force.
func (h *Holder) Reload() error {
	s, err := h.read()
	if err != nil {
		h.failures.Add(1)
		h.log.Error("policy reload rejected; keeping the current policy", "file", h.path, "err", err)
		return err
	}
	h.cur.Store(s)
	h.reloads.Add(1)
	h.log.Info("policy reloaded", "file", h.path, "policies", s.Names())
	return nil
}

// Watch reloads on every value from signals (SIGHUP) and on changes of the
// file, until ctx ends. Writes are debounced so an editor's save sequence
// reloads once.
func (h *Holder) Watch(ctx context.Context, signals <-chan os.Signal) error {
	var events <-chan fsnotify.Event
	var errs <-chan error
	if h.path != "" {
		w, err := fsnotify.NewWatcher()
		if err != nil {
			return fmt.Errorf("policy watch: %w", err)
		}
		defer w.Close()
		// Watch the folder: editors replace files by rename.
		if err := w.Add(filepath.Dir(h.path)); err != nil {
			return fmt.Errorf("policy watch %s: %w", h.path, err)
		}
		events, errs = w.Events, w.Errors
	}
	base := filepath.Clean(h.path)
	var debounce <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-signals:
			h.Reload()
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if filepath.Clean(ev.Name) == base && ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename) != 0 {
				debounce = time.After(100 * time.Millisecond)
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			h.log.Warn("policy watch", "err", err)
		case <-debounce:
			debounce = nil
			h.Reload()
		}
	}
}
