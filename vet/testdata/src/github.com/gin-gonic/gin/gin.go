// Package gin is a declarations-only stand-in for github.com/gin-gonic/gin.
package gin

import "net/http"

type Context struct {
	Request *http.Request
	Keys    map[string]any
}

func (c *Context) Set(key string, value any)    {}
func (c *Context) Get(key string) (any, bool)   { return nil, false }
func (c *Context) GetString(key string) string  { return "" }
func (c *Context) GetInt(key string) int        { return 0 }
func (c *Context) ClientIP() string             { return "" }
func (c *Context) Param(key string) string      { return "" }
func (c *Context) FullPath() string             { return "" }
func (c *Context) ShouldBindJSON(obj any) error { return nil }
func (c *Context) JSON(code int, obj any)       {}
