module github.com/tccall/tccall/examples/go/quickstart

go 1.22

require github.com/tccall/tccall/bindings/go v0.0.0

// Build against the wrapper in this repository (make test-go copies libtccall.a into it).
replace github.com/tccall/tccall/bindings/go => ../../../bindings/go
