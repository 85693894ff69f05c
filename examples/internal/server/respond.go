package server

import (
	"encoding/json"
	"net/http"
)

// WriteJSON answers with v as JSON. An error writing the body cannot be
// reported to the client any more, so it is dropped.
func WriteJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Healthz answers {"status":"ok"}: the public route of every example.
func Healthz(w http.ResponseWriter, _ *http.Request) {
	WriteJSON(w, map[string]string{"status": "ok"})
}
