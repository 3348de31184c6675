package main

// tccall's Go package: UserSig, the typed SignCloudAPIRequest, DismissRoom against the
// sandbox, and RSS with one client per tenant; and the floor, a bare net/http keep-alive
// POST of one request tccall signed.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	tccall "github.com/tccall/tccall/bindings/go"
)

func init() {
	timedCases["usersig_tccall"] = func(o *options) (func() error, func(), error) {
		c, err := localClient()
		if err != nil {
			return nil, nil, err
		}
		return func() error {
			_, err := c.GenUserSig(tccall.UserSigRequest{UserID: userID})
			return err
		}, func() { c.Close() }, nil
	}
	timedCases["tc3_tccall"] = func(o *options) (func() error, func(), error) {
		c, err := localClient()
		if err != nil {
			return nil, nil, err
		}
		return func() error {
			_, err := c.SignCloudAPIRequest(dismissRequest(localAppID))
			return err
		}, func() { c.Close() }, nil
	}
	timedCases["e2e_tccall"] = func(o *options) (func() error, func(), error) {
		cfg := mustSandbox(o)
		c, err := tccall.NewClient(cfg.raw)
		if err != nil {
			return nil, nil, err
		}
		return func() error { return tccallDismiss(c) }, func() { c.Close() }, nil
	}
	timedCases["e2e_floor"] = floorCase
	rssCases["rss_tccall"] = func(o *options, cfg *sandboxConfig) (map[string]any, error) {
		clients := make([]*tccall.Client, o.tenants)
		for i := range clients {
			c, err := tccall.NewClient(cfg.raw)
			if err != nil {
				return nil, err
			}
			clients[i] = c
		}
		return roundRobin(o, len(clients), func(t int) error { return tccallDismiss(clients[t]) })
	}
}

// localClient signs locally with the keys compare.py uses; nothing listens on its endpoint.
func localClient() (*tccall.Client, error) {
	return tccall.NewClient(map[string]any{"sdk_app_id": localAppID, "secret_key": localKey,
		"cloud_api": map[string]any{"secret_id": localSecretID, "secret_key": localSecretKey}})
}

// dismissRequest is DismissRoom of the test room as the typed SignCloudAPIRequest.
func dismissRequest(app uint64) tccall.SignCloudAPIRequest {
	return tccall.SignCloudAPIRequest{CloudAPIRequest: tccall.CloudAPIRequest{Service: "trtc",
		Version: "2019-07-22", Action: "DismissRoom", Params: map[string]any{"SdkAppId": app, "RoomId": roomID}}}
}

var dismissRoom = tccall.NumericRoom(roomID)

// tccallDismiss is one DismissRoom of the room the sandbox does not have.
func tccallDismiss(c *tccall.Client) error {
	if _, err := c.DismissRoom(context.Background(), dismissRoom); !errors.Is(err, tccall.ErrNotFound) {
		return fmt.Errorf("DismissRoom: want ErrNotFound, got %v", err)
	}
	return nil
}

// floorCase POSTs the bytes of one request tccall signed (with the sandbox's credentials)
// over a keep-alive net/http client: what any Go client pays at least.
func floorCase(o *options) (func() error, func(), error) {
	cfg := mustSandbox(o)
	c, err := tccall.NewClient(cfg.raw)
	if err != nil {
		return nil, nil, err
	}
	signed, err := c.SignCloudAPIRequest(dismissRequest(cfg.appID))
	c.Close()
	if err != nil {
		return nil, nil, err
	}
	client := &http.Client{Transport: transport(cfg, o.threads)}
	body := []byte(signed.Body)
	header := http.Header{}
	for k, v := range signed.Headers {
		if k != "Host" {
			header[k] = []string{v}
		}
	}
	url := signed.URL
	return func() error {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header = header
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		answer, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 || !bytes.Contains(answer, []byte("FailedOperation.RoomNotExist")) {
			return fmt.Errorf("floor: HTTP %d %s", resp.StatusCode, answer)
		}
		return nil
	}, func() { client.CloseIdleConnections() }, nil
}
