//go:build official_tlssig

package main

// usersig_official: Tencent's official Go UserSig library, tls-sig-api-v2-golang. The Go
// module proxy does not serve it, so it is built in only with -tags official_tlssig, from a
// copy of its public source the module can find (README.md: outside this repository, through
// a go.work file or a replace of your own).

import "github.com/tencentyun/tls-sig-api-v2-golang/tencentyun"

func init() {
	timedCases["usersig_official"] = func(o *options) (func() error, func(), error) {
		return func() error {
			_, err := tencentyun.GenUserSig(localAppID, localKey, userID, 86400*180)
			return err
		}, func() {}, nil
	}
}
