package main

// Tencent's official Go SDK (tencentcloud-sdk-go, common v1.3.211): building and signing a
// DismissRoom request, DismissRoom against the sandbox, and RSS with one client per tenant.
//
// The trtc package itself is not served by the module proxy, so DismissRoomRequest below
// mirrors its generated model (trtc/v20190722/models.go) and officialDismiss its generated
// client method (DismissRoomWithContext): the same common.Client.Send path, byte for byte.

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

// DismissRoomRequest mirrors trtc/v20190722.DismissRoomRequest.
type DismissRoomRequest struct {
	*tchttp.BaseRequest
	SdkAppId *uint64 `json:"SdkAppId,omitnil,omitempty" name:"SdkAppId"`
	RoomId   *uint64 `json:"RoomId,omitnil,omitempty" name:"RoomId"`
}

// DismissRoomResponseParams and DismissRoomResponse mirror the generated response.
type DismissRoomResponseParams struct {
	RequestId *string `json:"RequestId,omitnil,omitempty" name:"RequestId"`
}

type DismissRoomResponse struct {
	*tchttp.BaseResponse
	Response *DismissRoomResponseParams `json:"Response"`
}

// newDismissRoomRequest is trtc.NewDismissRoomRequest.
func newDismissRoomRequest() *DismissRoomRequest {
	r := &DismissRoomRequest{BaseRequest: &tchttp.BaseRequest{}}
	r.Init().WithApiInfo("trtc", "2019-07-22", "DismissRoom")
	return r
}

// officialDismiss is trtc.Client.DismissRoomWithContext.
func officialDismiss(c *common.Client, app, room uint64) (*DismissRoomResponse, error) {
	req := newDismissRoomRequest()
	req.SdkAppId, req.RoomId = &app, &room
	c.InitBaseRequest(&req.BaseRequest, "trtc", "2019-07-22", "DismissRoom")
	req.SetContext(context.Background())
	resp := &DismissRoomResponse{BaseResponse: &tchttp.BaseResponse{}}
	err := c.Send(req, resp)
	return resp, err
}

// officialClient is trtc.NewClient(credential, region, profile) with the endpoint and
// scheme of cpf; rt replaces the transport when not nil.
func officialClient(secretID, secretKey, region string, cpf *profile.ClientProfile, rt http.RoundTripper) *common.Client {
	c := &common.Client{}
	c.Init(region).WithCredential(common.NewCredential(secretID, secretKey)).WithProfile(cpf)
	if rt != nil {
		c.WithHttpTransport(rt)
	}
	return c
}

// sandboxClient is the official client pointed at the sandbox.
func sandboxClient(cfg *sandboxConfig, threads int) *common.Client {
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = cfg.hostPort()
	cpf.HttpProfile.Scheme = cfg.scheme()
	return officialClient(cfg.secretID, cfg.secret, cfg.region, cpf, transport(cfg, threads))
}

// transport is the official SDK's own default (a clone of http.DefaultTransport, idle
// connections kept 30 s) with as many idle connections per host as goroutines (the default
// 2 would close and reopen connections under 4 goroutines), trusting the sandbox's CA for
// HTTPS. The floor uses the same.
func transport(cfg *sandboxConfig, threads int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.IdleConnTimeout = 30e9
	t.MaxIdleConnsPerHost = max(2, threads)
	if cfg.caPEM != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(cfg.caPEM)) {
			fail("the sandbox's tls.ca_pem does not parse")
		}
		t.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	return t
}

// cannedTransport answers every request with a canned success without I/O, keeping the
// last request (so the request is really built), for the cost of building and signing.
type cannedTransport struct{ last atomic.Pointer[http.Request] }

var canned = []byte(`{"Response":{"RequestId":"x"}}`)

func (t *cannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.last.Store(req)
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(canned)),
		ContentLength: int64(len(canned)), Request: req}, nil
}

// officialRoomGone checks that DismissRoom failed as it must: the room does not exist.
func officialRoomGone(err error) error {
	var e *tcerr.TencentCloudSDKError
	if errors.As(err, &e) && e.Code == "FailedOperation.RoomNotExist" {
		return nil
	}
	return fmt.Errorf("official DismissRoom: want FailedOperation.RoomNotExist, got %v", err)
}

func init() {
	timedCases["tc3_official"] = func(o *options) (func() error, func(), error) {
		rt := &cannedTransport{}
		c := officialClient(localSecretID, localSecretKey, "ap-guangzhou", profile.NewClientProfile(), rt)
		return func() error {
			resp, err := officialDismiss(c, localAppID, roomID)
			if err == nil && (resp.Response == nil || resp.Response.RequestId == nil) {
				err = errors.New("no RequestId in the canned answer")
			}
			return err
		}, func() {}, nil
	}
	timedCases["e2e_official"] = func(o *options) (func() error, func(), error) {
		cfg := mustSandbox(o)
		c := sandboxClient(cfg, o.threads)
		return func() error {
			_, err := officialDismiss(c, cfg.appID, roomID)
			return officialRoomGone(err)
		}, func() {}, nil
	}
	rssCases["rss_official"] = func(o *options, cfg *sandboxConfig) (map[string]any, error) {
		clients := make([]*common.Client, o.tenants)
		for i := range clients {
			clients[i] = sandboxClient(cfg, o.threads)
		}
		return roundRobin(o, len(clients), func(t int) error {
			_, err := officialDismiss(clients[t], cfg.appID, roomID)
			return officialRoomGone(err)
		})
	}
}
