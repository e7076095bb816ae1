package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/bulwark-ai/bulwark/gateway"
	"github.com/bulwark-ai/bulwark/gateway/audit"
	"github.com/bulwark-ai/bulwark/store"
)

func newEventsCmd(a *app) *cobra.Command {
	var server, apiKey, format string
	q := url.Values{}
	var tenant, keyID, action, model, category, since, until, cursor string
	var limit int
	cmd := &cobra.Command{
		Use:   "events",
		Short: "List the gateway's audit events",
		Long: `List audit events, newest first: from a running gateway's GET /admin/events
(--server, with an admin, operator or auditor key in --api-key or BULWARK_API_KEY),
or straight from the configured database when --server is not given.`,
		Example: `  bulwark events --action block --since 1h
  bulwark events --server http://127.0.0.1:8787 --tenant acme --format json
  bulwark events --cursor 1732440000000000_4f2a...   # next page`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for k, v := range map[string]string{"tenant": tenant, "key_id": keyID, "action": action, "model": model,
				"category": category, "since": since, "until": until, "cursor": cursor} {
				if v != "" {
					q.Set(k, v)
				}
			}
			if limit != 0 {
				q.Set("limit", fmt.Sprint(limit))
			}
			if format != "table" && format != "json" {
				return usageError("--format: %q is not table or json", format)
			}
			f, err := gateway.ParseEventFilter(q)
			if err != nil {
				return usageError("%v", err)
			}
			var page *audit.Page
			if server != "" {
				if apiKey == "" {
					apiKey = a.getenv("BULWARK_API_KEY")
				}
				page, err = fetchEvents(cmd.Context(), server, apiKey, q)
			} else {
				page, err = readEvents(cmd.Context(), a.cfg.DSN(), f)
			}
			if err != nil {
				return &exitErr{code: exitError, err: err}
			}
			if format == "json" {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(page)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TIME\tID\tTENANT\tMODEL\tACTION\tCATEGORIES\tSTATUS\tDETECT\tTOTAL")
			for _, e := range page.Events {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", e.Time.Format(time.RFC3339), e.ID, e.Tenant, e.Model,
					e.Action, strings.Join(e.Categories, ","), e.Status, time.Duration(e.DetectMicros)*time.Microsecond,
					time.Duration(e.TotalMicros)*time.Microsecond)
			}
			tw.Flush()
			if page.Next != "" {
				fmt.Fprintf(a.stderr, "more: --cursor %s\n", page.Next)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&server, "server", "", "gateway base URL (default: read the configured database)")
	fl.StringVar(&apiKey, "api-key", "", "API key for --server (env BULWARK_API_KEY)")
	fl.StringVarP(&format, "format", "f", "table", "output: table or json")
	fl.StringVar(&tenant, "tenant", "", "only this tenant")
	fl.StringVar(&keyID, "key-id", "", "only this API key id")
	fl.StringVar(&action, "action", "", "only this action (allow, monitor, flag, redact, block, error)")
	fl.StringVar(&model, "model", "", "only this model")
	fl.StringVar(&category, "category", "", "only events where this category fired")
	fl.StringVar(&since, "since", "", "only events after this RFC 3339 time or this long ago (e.g. 1h)")
	fl.StringVar(&until, "until", "", "only events before this RFC 3339 time")
	fl.StringVar(&cursor, "cursor", "", "continue from a previous page")
	fl.IntVar(&limit, "limit", 0, "page size (1-1000, default 50)")
	return cmd
}

func readEvents(ctx context.Context, dsn string, f audit.Filter) (*audit.Page, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	st, err := audit.Open(ctx, db)
	if err != nil {
		return nil, err
	}
	return st.Query(ctx, f)
}

func fetchEvents(ctx context.Context, server, key string, q url.Values) (*audit.Page, error) {
	u := strings.TrimRight(server, "/") + "/admin/events?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("--server: %w", err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("events from %s: %w", server, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("events from %s: %w", server, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("events from %s: HTTP %d: %s", server, resp.StatusCode, strings.TrimSpace(string(data)))
	}
	var page audit.Page
	if err := json.Unmarshal(data, &page); err != nil {
		return nil, fmt.Errorf("events from %s: %w", server, err)
	}
	return &page, nil
}
