module github.com/tccall/tccall-go

go 1.22
