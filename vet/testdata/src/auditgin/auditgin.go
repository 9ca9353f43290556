// Package auditgin is a gin service that has not adopted conflog, with the
// shapes of one-api's code that --audit got wrong: keys of a request
// context holding unrelated values, labels of a token, a client built from
// options holding a password; and the request data it must still list.
package auditgin

import (
	"bytes"
	"io"
	"log"
	"os"

	"ginhelp"

	"github.com/gin-gonic/gin"
)

type Options struct {
	Addr     string
	Password string
}

type Client struct{ opt *Options }

func NewClient(opt *Options) *Client         { return &Client{opt: opt} }
func (c *Client) Get(key string) string      { return key }
func (c *Client) Group(id int) string        { return "default" }
func lookupToken(key string) (string, error) { return key, nil }

type TextRequest struct {
	Model string
	Input string
}

func handle(c *gin.Context) { // want handle:"logs parameters publicly"
	body, _ := io.ReadAll(c.Request.Body)
	c.Set("request_body", body)
	c.Set("group", "default")
	requestBody := &bytes.Buffer{}
	c.Request.Body = io.NopCloser(bytes.NewBuffer(requestBody.Bytes()))

	// A context's keys are parts of their own: the group is not the body.
	group := c.GetString("group")
	log.Printf("group %s", group)
	log.Printf("body %s", c.GetString("request_body")) // want `CL008 log call logs c.GetString\("request_body"\), which carries the HTTP request`
	v, _ := c.Get("request_body")
	log.Printf("body %v", v) // want `CL008 log call logs v, which carries the HTTP request`

	// Labels of a token are not the token.
	tokenName := c.GetString("token_name")
	log.Printf("consumed by %s", tokenName)
	token, _ := lookupToken(tokenName)
	log.Printf("token %s", token) // want `CL008 log call logs token, which carries call of lookupToken`

	// What the client sent, through gin's accessors.
	log.Printf("ip %s", c.ClientIP())    // want `CL008 log call logs c.ClientIP\(\), which carries the HTTP request \(gin.Context.ClientIP\)`
	log.Printf("id %s", c.Param("id"))   // want `CL008 log call logs c.Param\("id"\)`
	log.Printf("route %s", c.FullPath()) // the route pattern is code

	// A helper in another package decodes the body into req.
	var req TextRequest
	if err := ginhelp.UnmarshalBody(c, &req); err != nil {
		return
	}
	log.Printf("model %s", req.Model) // want `CL008 log call logs req.Model, which carries the HTTP request via ginhelp.UnmarshalBody`
}

func cache() {
	// A client built from options is not the password in them.
	opt := &Options{Addr: "localhost:6379", Password: os.Getenv("REDIS_PASSWORD")}
	rdb := NewClient(opt)
	log.Printf("group %s", rdb.Get("user_group:1"))
	log.Printf("group %s", rdb.Group(1))
	log.Printf("redis options %v", opt) // want `CL008 log call logs opt, which carries environment variable REDIS_PASSWORD`
}
