package probe

import (
	"errors"
	"slices"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/core"
)

const swagger2 = `{"swagger":"2.0","basePath":"/v1/","securityDefinitions":{"k":{"type":"apiKey"}},"security":[{"k":[]}],
"paths":{"/users/{id}":{"parameters":[{"name":"id","in":"path","required":true,"type":"integer"}],
"get":{"operationId":"getUser","tags":["users"]},"delete":{"security":[]}},
"/health":{"get":{"security":[{}]}}}}`

const openapi3 = `openapi: 3.0.3
servers: [{url: "https://api.example.com/api"}]
paths:
  /login:
    post:
      tags: [auth]
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Login"}
  /items:
    get:
      security: [{bearer: []}]
      parameters:
        - $ref: "#/components/parameters/Q"
components:
  parameters:
    Q: {name: q, in: query, required: true, schema: {type: string, example: widget}}
  schemas:
    Login:
      type: object
      required: [username]
      properties:
        username: {type: string}
        password: {type: string, format: password}
`

func TestSpecOperations(t *testing.T) {
	sp, err := SpecOperations([]byte(swagger2))
	if err != nil {
		t.Fatal(err)
	}
	if sp.BasePath != "/v1" || len(sp.Operations) != 3 {
		t.Fatalf("swagger: base %q, %d ops: %+v", sp.BasePath, len(sp.Operations), sp.Operations)
	}
	byKey := map[string]bool{}
	for _, op := range sp.Operations {
		byKey[op.Key()] = op.Secured
	}
	want := map[string]bool{"GET /users/{id}": true, "DELETE /users/{id}": false, "GET /health": false}
	for k, sec := range want {
		if got, ok := byKey[k]; !ok || got != sec {
			t.Errorf("%s: secured %v (present %v), want %v", k, got, ok, sec)
		}
	}
	if got := ConcretePath(sp.Operations[1]); got != "/users/1" {
		t.Errorf("path param from Swagger 2 parameter: %s", got)
	}

	sp, err = SpecOperations([]byte(openapi3))
	if err != nil {
		t.Fatal(err)
	}
	if sp.BasePath != "/api" || len(sp.Operations) != 2 {
		t.Fatalf("openapi: base %q, ops %+v", sp.BasePath, sp.Operations)
	}
	for _, op := range sp.Operations {
		switch op.Key() {
		case "POST /login":
			if op.Body == nil || !slices.ContainsFunc(op.Body.Fields, func(p core.Param) bool { return p.Name == "password" }) {
				t.Errorf("login body fields: %+v", op.Body)
			}
		case "GET /items":
			if !op.Secured || ConcretePath(op) != "/items?q=widget" {
				t.Errorf("items: secured %v path %s", op.Secured, ConcretePath(op))
			}
		}
	}
}

func TestSpecOperationsRejects(t *testing.T) {
	for _, doc := range []string{`{"hello":"world"}`, `<html></html>`, `openapi: 3.0.0`, ``} {
		if _, err := SpecOperations([]byte(doc)); err == nil {
			t.Errorf("SpecOperations(%q): want an error", doc)
		} else if doc == `{"hello":"world"}` && !errors.Is(err, ErrNotSpec) {
			t.Errorf("want ErrNotSpec, got %v", err)
		}
	}
}
