// A gRPC client in Go for ndphost's interop suite (test/interop/go-client.test.ts).
//
// Built offline in GOPATH mode from Debian's grpc-go and protobuf-go, with stubs that
// protoc-gen-go and protoc-gen-go-grpc generated from proto/ and third_party/proto/. It performs
// what the plan on stdin asks and prints what happened as JSON; the jest test holds the
// expectations. Same plan and output as test/interop/python/interop_client.py, without describe.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
	"unicode"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	_ "ndphost.local/gen/api"
	reflection "ndphost.local/gen/grpc/reflection/v1"
	_ "ndphost.local/gen/ndphost/admin/v1"
)

type call struct {
	Service string          `json:"service"`
	Method  string          `json:"method"`
	Request json.RawMessage `json:"request"`
	Plugin  string          `json:"plugin"`
}

// rawCall is a request sent as the bytes given (base64 in the plan), no schema involved.
type rawCall struct {
	Path  string `json:"path"`
	Bytes []byte `json:"bytes"`
}

type plan struct {
	Address string    `json:"address"`
	Calls   []call    `json:"calls"`
	Raw     []rawCall `json:"raw"`
	Reflect []string  `json:"reflect"`
	// Together are sent at once, each from a goroutine of its own, as a Go backend serving
	// several requests would; their results come back in plan order.
	Together []call `json:"together"`
}

type callResult struct {
	Code     string          `json:"code"`
	Details  string          `json:"details"`
	Response json.RawMessage `json:"response,omitempty"`
}

type reflectionResult struct {
	Services []string            `json:"services"`
	Files    []string            `json:"files"`
	Methods  map[string][]string `json:"methods"`
	Errors   []string            `json:"errors"`
}

func main() {
	var p plan
	if err := json.NewDecoder(os.Stdin).Decode(&p); err != nil {
		fail(err)
	}
	// grpc-go 1.33 (Debian 12) predates grpc.WithTransportCredentials(insecure.NewCredentials()).
	conn, err := grpc.Dial(p.Address, grpc.WithInsecure())
	if err != nil {
		fail(err)
	}
	defer conn.Close()
	out := struct {
		Calls      []callResult                `json:"calls"`
		Raw        []callResult                `json:"raw"`
		Reflection map[string]reflectionResult `json:"reflection"`
		Together   []callResult                `json:"together"`
	}{Calls: []callResult{}, Raw: []callResult{}, Reflection: map[string]reflectionResult{}, Together: invokeTogether(conn, p.Together)}
	for _, c := range p.Calls {
		out.Calls = append(out.Calls, invoke(conn, c))
	}
	for _, c := range p.Raw {
		out.Raw = append(out.Raw, invokeRaw(conn, c))
	}
	for _, version := range p.Reflect {
		out.Reflection[version] = reflect(conn, version)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

// invoke calls one unary rpc by name, with the generated message types registered by the stubs.
func invoke(conn *grpc.ClientConn, c call) callResult {
	descriptor, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(c.Service))
	if err != nil {
		return callResult{Code: "CLIENT_ERROR", Details: err.Error()}
	}
	method := descriptor.(protoreflect.ServiceDescriptor).Methods().ByName(protoreflect.Name(c.Method))
	request := newMessage(method.Input())
	response := newMessage(method.Output())
	if err := protojson.Unmarshal(c.Request, request); err != nil {
		return callResult{Code: "CLIENT_ERROR", Details: err.Error()}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if c.Plugin != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "x-plugin", c.Plugin)
	}
	if err := conn.Invoke(ctx, "/"+c.Service+"/"+c.Method, request, response); err != nil {
		s := status.Convert(err)
		return callResult{Code: codeName(s.Code().String()), Details: s.Message()}
	}
	encoded, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(response)
	if err != nil {
		return callResult{Code: "CLIENT_ERROR", Details: err.Error()}
	}
	return callResult{Code: "OK", Response: encoded}
}

// invokeTogether sends every call at once on the one connection and waits for all of them.
func invokeTogether(conn *grpc.ClientConn, calls []call) []callResult {
	results := make([]callResult, len(calls))
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Add(1)
		go func(i int, c call) {
			defer wg.Done()
			results[i] = invoke(conn, c)
		}(i, c)
	}
	wg.Wait()
	return results
}

// rawCodec passes bytes through as they are, under the "proto" name a server expects.
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) { return *v.(*[]byte), nil }

func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	*v.(*[]byte) = append([]byte(nil), data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }

// invokeRaw sends one request's bytes as they are and reports the status.
func invokeRaw(conn *grpc.ClientConn, c rawCall) callResult {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	request, response := c.Bytes, []byte{}
	if err := conn.Invoke(ctx, c.Path, &request, &response, grpc.ForceCodec(rawCodec{})); err != nil {
		s := status.Convert(err)
		return callResult{Code: codeName(s.Code().String()), Details: s.Message()}
	}
	return callResult{Code: "OK"}
}

func newMessage(descriptor protoreflect.MessageDescriptor) proto.Message {
	kind, err := protoregistry.GlobalTypes.FindMessageByName(descriptor.FullName())
	if err != nil {
		fail(err)
	}
	return kind.New().Interface()
}

// codeName turns grpc-go's "NotFound" into the canonical "NOT_FOUND".
func codeName(camel string) string {
	if camel == "OK" {
		return camel
	}
	var b strings.Builder
	for i, r := range camel {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// reflect lists the services over one reflection version, fetches the file of each and builds
// them with protodesc, which validates every descriptor as strictly as the Go compiler's own.
// v1 and v1alpha share one wire format, so v1's messages serve both.
func reflect(conn *grpc.ClientConn, version string) reflectionResult {
	result := reflectionResult{Services: []string{}, Files: []string{}, Methods: map[string][]string{}, Errors: []string{}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := conn.NewStream(ctx, &grpc.StreamDesc{ClientStreams: true, ServerStreams: true}, "/grpc.reflection."+version+".ServerReflection/ServerReflectionInfo")
	if err != nil {
		result.Errors = append(result.Errors, err.Error())
		return result
	}
	ask := func(request *reflection.ServerReflectionRequest) (*reflection.ServerReflectionResponse, error) {
		if err := stream.SendMsg(request); err != nil {
			return nil, err
		}
		response := &reflection.ServerReflectionResponse{}
		if err := stream.RecvMsg(response); err != nil {
			return nil, err
		}
		if e := response.GetErrorResponse(); e != nil {
			return nil, fmt.Errorf("reflection %s: %s", version, e.ErrorMessage)
		}
		return response, nil
	}
	listing, err := ask(&reflection.ServerReflectionRequest{MessageRequest: &reflection.ServerReflectionRequest_ListServices{ListServices: "*"}})
	if err != nil {
		result.Errors = append(result.Errors, err.Error())
		return result
	}
	set := &descriptorpb.FileDescriptorSet{}
	seen := map[string]bool{}
	for _, service := range listing.GetListServicesResponse().GetService() {
		result.Services = append(result.Services, service.Name)
		answer, err := ask(&reflection.ServerReflectionRequest{MessageRequest: &reflection.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: service.Name}})
		if err != nil {
			result.Errors = append(result.Errors, err.Error())
			continue
		}
		for _, bytes := range answer.GetFileDescriptorResponse().GetFileDescriptorProto() {
			file := &descriptorpb.FileDescriptorProto{}
			if err := proto.Unmarshal(bytes, file); err != nil {
				result.Errors = append(result.Errors, err.Error())
			} else if !seen[file.GetName()] {
				seen[file.GetName()] = true
				set.File = append(set.File, file)
				result.Files = append(result.Files, file.GetName())
			}
		}
	}
	stream.CloseSend()
	files, err := protodesc.NewFiles(set)
	if err != nil {
		result.Errors = append(result.Errors, err.Error())
		return result
	}
	for _, name := range result.Services {
		descriptor, err := files.FindDescriptorByName(protoreflect.FullName(name))
		if err != nil {
			result.Errors = append(result.Errors, err.Error())
			continue
		}
		methods := descriptor.(protoreflect.ServiceDescriptor).Methods()
		result.Methods[name] = []string{}
		for i := 0; i < methods.Len(); i++ {
			result.Methods[name] = append(result.Methods[name], string(methods.Get(i).Name()))
		}
	}
	return result
}
