// Package auth owns the gateway's API keys: creation (a random key shown
// once), storage as SHA-256 hashes in the Bulwark database (table
// gateway_keys), constant-time verification, revocation, tenants and the
// roles that decide what a key may call.
package auth
