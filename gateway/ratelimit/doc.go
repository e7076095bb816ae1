// Package ratelimit owns the gateway's rate limits: fixed one-minute
// windows of requests or tokens per key, counted in memory (one instance)
// or in Redis (shared by every instance that points at it).
package ratelimit
