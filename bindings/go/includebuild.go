//go:build includebuild

package tccall

// These imports are never compiled (the includebuild tag is never set). They make
// `go mod vendor` copy the header and native library directories, which it would
// otherwise drop because they hold no Go code of their own (golang/go#26366).
import (
	_ "github.com/tccall/tccall/bindings/go/include"
	_ "github.com/tccall/tccall/bindings/go/lib/linux_amd64"
	_ "github.com/tccall/tccall/bindings/go/lib/linux_arm64"
)
