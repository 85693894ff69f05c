package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/jwtguard/jwtguard/examples/internal/server"
)

func ExampleHealthz() {
	rec := httptest.NewRecorder()
	server.Healthz(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Print(rec.Body)
	// Output:
	// 200 application/json
	// {"status":"ok"}
}

func ExampleWriteJSON() {
	rec := httptest.NewRecorder()
	server.WriteJSON(rec, map[string]any{"subject": "alice", "scopes": []string{"read"}})
	fmt.Print(rec.Body)
	// Output: {"scopes":["read"],"subject":"alice"}
}
