// Reads a Prometheus text exposition on stdin and reports, as JSON, what Prometheus's own Go
// libraries make of it: the families expfmt's TextParser finds (or its error), and the problems
// promlint (client_golang's linter, the one behind promtool check metrics) reports.
package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/prometheus/common/expfmt"
)

type problem struct {
	Metric string `json:"metric"`
	Text   string `json:"text"`
}

type result struct {
	Families   []string  `json:"families"`
	ParseError string    `json:"parseError"`
	Problems   []problem `json:"problems"`
}

func main() {
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		panic(err)
	}
	out := result{Families: []string{}, Problems: []problem{}}
	var parser expfmt.TextParser
	families, err := parser.TextToMetricFamilies(bytes.NewReader(input))
	if err != nil {
		out.ParseError = err.Error()
	}
	for name := range families {
		out.Families = append(out.Families, name)
	}
	if err == nil {
		problems, lintErr := promlint.New(bytes.NewReader(input)).Lint()
		if lintErr != nil {
			out.ParseError = lintErr.Error()
		}
		for _, p := range problems {
			out.Problems = append(out.Problems, problem{Metric: p.Metric, Text: p.Text})
		}
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
