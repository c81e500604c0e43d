package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/rampartsec/rampart/internal/server"
)

// A plain-HTTP listener on an ephemeral loopback port with the default
// limits; real deployments add HTTPSAddr with CertFile/KeyFile.
func ExampleNew() {
	gateway := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "hello from the gateway")
	})
	srv, err := server.New(server.Config{HTTPAddr: "127.0.0.1:0"}, gateway, nil)
	if err != nil {
		fmt.Println("config:", err)
		return
	}
	if err := srv.Start(); err != nil {
		fmt.Println("start:", err)
		return
	}
	defer srv.Shutdown(context.Background())

	resp, err := http.Get("http://" + srv.HTTPAddr() + "/")
	if err != nil {
		fmt.Println("get:", err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 hello from the gateway
}
