// A Go caller built for a newer contract than the sidecar's (test/interop/newer-contract.test.ts):
// stubs from an api.proto with fields added, as a later Navidrome might add them. It asks for a
// biography with the newer request field set, through the plugin that echoes the request's bytes
// and adds a newer response field, and through a plugin whose answer is not UTF-8; protobuf-go
// refuses a proto3 string that is not UTF-8, so that answer must reach it re-encoded. Prints
// what it got as JSON; the jest test holds the expectations.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	api "ndphost.local/gen/api"
)

type seen struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Mood string `json:"mood"`
}

type result struct {
	Plugin    *string `json:"plugin"`
	SameBytes bool    `json:"sameBytes,omitempty"`
	Seen      *seen   `json:"seen,omitempty"`
	Source    string  `json:"source,omitempty"`
	Biography string  `json:"biography,omitempty"`
	Error     string  `json:"error,omitempty"`
}

func ask(client api.MetadataAgentClient, request *api.ArtistBiographyRequest, plugin *string) (*api.ArtistBiographyResponse, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if plugin != nil {
		ctx = metadata.AppendToOutgoingContext(ctx, "x-plugin", *plugin)
	}
	return client.GetArtistBiography(ctx, request)
}

func main() {
	conn, err := grpc.Dial(os.Args[1], grpc.WithInsecure())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer conn.Close()
	client := api.NewMetadataAgentClient(conn)
	request := &api.ArtistBiographyRequest{Id: "a1", Name: "Björk", Mood: "wistful"}
	sent, err := proto.Marshal(request)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	newer := "newer"
	latin1 := "latin1"
	results := []result{}
	// With x-plugin (that plugin's answer as is), and fanned out (the first answer in order).
	for _, plugin := range []*string{&newer, nil} {
		response, err := ask(client, request, plugin)
		if err != nil {
			results = append(results, result{Plugin: plugin, Error: err.Error()})
			continue
		}
		received := []byte(response.Biography)
		var echoed api.ArtistBiographyRequest
		if err := proto.Unmarshal(received, &echoed); err != nil {
			results = append(results, result{Plugin: plugin, Error: err.Error()})
			continue
		}
		results = append(results, result{
			Plugin:    plugin,
			SameBytes: string(received) == string(sent),
			Seen:      &seen{ID: echoed.Id, Name: echoed.Name, Mood: echoed.Mood},
			Source:    response.Source,
		})
	}
	if response, err := ask(client, request, &latin1); err != nil {
		results = append(results, result{Plugin: &latin1, Error: err.Error()})
	} else {
		results = append(results, result{Plugin: &latin1, Biography: response.Biography})
	}
	if err := json.NewEncoder(os.Stdout).Encode(results); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
