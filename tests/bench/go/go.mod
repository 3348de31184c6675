module tccallbench

go 1.22

require (
	github.com/tccall/tccall/bindings/go v0.0.0
	github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common v1.3.211
)

replace github.com/tccall/tccall/bindings/go => ../../../bindings/go
