// A program built for wasm by Go's own compiler, to see what marking memory writes does to the
// code Go writes: the libraries a Navidrome plugin leans on (JSON, URLs, strings, sorting,
// formatting), compiled in, and nothing run.
package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

type artist struct {
	Name string            `json:"name"`
	MBID string            `json:"mbid"`
	Tags map[string]string `json:"tags"`
}

func main() {
	var a artist
	if err := json.Unmarshal([]byte(`{"name":"Björk","mbid":"x","tags":{"genre":"art pop"}}`), &a); err != nil {
		panic(err)
	}
	u, err := url.Parse("http://127.0.0.1/?artist=" + url.QueryEscape(a.Name))
	if err != nil {
		panic(err)
	}
	keys := make([]string, 0, len(a.Tags))
	for k := range a.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Println(strings.ToUpper(a.Name), u.String(), keys)
}
