package inspect_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/rampartsec/rampart/internal/inspect"
)

func ExampleExtract() {
	body := `{"user":{"name":"x' OR 1=1--","$ne":""},"tags":["a"]}`
	r := httptest.NewRequest("POST", "/api/users/42?sort=name&filter[$regex]=.*", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "curl/8.5.0")

	err := inspect.Extract(r, []byte(body), inspect.Options{}, func(in *inspect.Input) error {
		if in.IsKey {
			fmt.Printf("%-22s name  %s\n", in.Location(), in.Value)
		} else {
			fmt.Printf("%-22s value %s\n", in.Location(), in.Value)
		}
		return nil
	})
	fmt.Println("error:", err)
	// Output:
	// path.1                 value api
	// path.2                 value users
	// path.3                 value 42
	// query.sort             value name
	// query.filter[$regex]   name  filter[$regex]
	// query.filter[$regex]   value .*
	// header.User-Agent      value curl/8.5.0
	// header.Content-Type    value application/json
	// body./user/name        value x' OR 1=1--
	// body./user/$ne         name  $ne
	// body./tags/0           value a
	// error: <nil>
}

func ExampleCheckJSON() {
	err := inspect.CheckJSON([]byte(`{"role":"user","r\u006fle":"admin"}`), inspect.Limits{})
	var ierr *inspect.Error
	if errors.As(err, &ierr) {
		fmt.Println(ierr.Status, ierr.Code, ierr.Field)
		fmt.Println(ierr.Public)
	}
	// Output:
	// 400 duplicate_key body./role
	// A JSON object in the request body has the same member more than once.
}
