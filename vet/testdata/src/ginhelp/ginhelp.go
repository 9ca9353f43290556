// Package ginhelp holds a helper that decodes the request body into its
// argument, as one-api's common.UnmarshalBodyReusable does: its callers in
// other packages learn it from a fact.
package ginhelp

import (
	"encoding/json"
	"io"

	"github.com/gin-gonic/gin"
)

// UnmarshalBody decodes the request body into v.
func UnmarshalBody(c *gin.Context, v any) error { // want UnmarshalBody:"writes the HTTP request into parameters \[1\]"
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return err
	}
	return json.Unmarshal(body, &v)
}
