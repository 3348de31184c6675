//go:build !official_tlssig

package main

func init() {
	skipped["usersig_official"] = "built without -tags official_tlssig: tls-sig-api-v2-golang is not served by the Go module proxy (see README.md)"
}
