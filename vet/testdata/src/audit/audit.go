// Package audit has not adopted conflog: in audit mode every logging call
// that carries customer data or a secret is listed for review (CL008).
package audit

import (
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"

	"github.com/sirupsen/logrus"
	"go.uber.org/zap"
)

var apiKey = os.Getenv("OPENAI_API_KEY")

// logHelper writes its message to stderr, as a project's own logger does.
func logHelper(msg string) { // want logHelper:"logs parameters publicly"
	writer := os.Stderr
	fmt.Fprintf(writer, "[ERR] %s\n", msg)
}

func handle(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	slog.Info("request", "body", string(body))                   // want `CL008 log call logs string\(body\), which carries the HTTP request`
	log.Printf("panic, request body: %s", body)                  // want `CL008 log call logs body`
	logHelper(fmt.Sprintf("request body: %s", string(body)))     // want `CL008 log call in logHelper logs fmt.Sprintf`
	zap.NewExample().Info("req", zap.String("path", r.URL.Path)) // want `CL008 log call logs zap.String\("path", r.URL.Path\)`
	logrus.WithField("key", apiKey).Warn("calling")              // want `CL008 log call logs apiKey, which carries environment variable OPENAI_API_KEY`

	// Clean: no data, sizes, the method, an error (its text too: no public
	// line exists yet to undo scrubbing in).
	slog.Info("request", "method", r.Method, "len", len(body))
	log.Printf("read failed: %v", err)
	logHelper("request done: " + err.Error())
	slog.Info("context", "ctx", r.Context())
}
