module github.com/tccall/tccall/bindings/go

go 1.22
