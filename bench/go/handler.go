// A handler as a Go plugin's code would be one: decode a JSON request, build and encode an answer.
// Built for GOOS=js by the gomark bench section, which calls `handle` through Go's own glue,
// wasm_exec.js, as built and as rewritten for recycling, to price the marking of its stores.
package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"syscall/js"
)

type artist struct {
	Name string            `json:"name"`
	MBID string            `json:"mbid"`
	Tags map[string]string `json:"tags"`
}

func main() {
	js.Global().Set("handle", js.FuncOf(func(this js.Value, args []js.Value) any {
		var a artist
		if err := json.Unmarshal([]byte(args[0].String()), &a); err != nil {
			return err.Error()
		}
		out, _ := json.Marshal(map[string]string{"biography": fmt.Sprintf("%s (%s) %v", strings.ToUpper(a.Name), a.MBID, a.Tags)})
		return string(out)
	}))
	select {}
}
