"""A gRPC client in Python for ndphost's interop suite (test/interop/python-client.test.ts).

Runs on Debian's python3-grpcio and python3-protobuf with stubs that python3-grpc-tools
generated from proto/ and third_party/proto/ into a temporary folder. It performs what the
plan on stdin asks and prints what happened as JSON; the jest test holds the expectations.

  plan:   {"address": "127.0.0.1:50051", "stubs": "<folder>",
           "calls": [{"service": "api.MetadataAgent", "method": "GetArtistMBID",
                      "request": {"name": "Nirvana"}, "plugin": "wikibio", "timeout": 5}],
           "reflect": ["v1", "v1alpha"], "describe": ["api.TrackInfo"],
           "raw": [{"path": "/api.MetadataAgent/GetArtistBiography", "bytes": "<base64>"}]}
  output: {"calls": [{"code": "OK", "details": "", "response": {...}}],
           "reflection": {"v1": {"services": [...], "files": [...], "methods": {...}, "errors": [...]}},
           "describe": {"api.TrackInfo": [["id", 1, "string"], ...]},
           "raw": [{"code": "INVALID_ARGUMENT", "details": "..."}]}
"""
import base64
import importlib
import json
import sys

import grpc
from google.protobuf import descriptor, descriptor_pb2, descriptor_pool, json_format, message_factory, symbol_database


def main():
    plan = json.load(sys.stdin)
    sys.path.insert(0, plan["stubs"])
    # The generated grpc/reflection/... modules share their top-level package name with the
    # installed grpc library: let that package find them in the stubs folder too.
    grpc.__path__.append(plan["stubs"] + "/grpc")
    with grpc.insecure_channel(plan["address"]) as channel:
        result = {
            "calls": [call(channel, spec) for spec in plan.get("calls", [])],
            "reflection": {version: reflect(channel, version) for version in plan.get("reflect", [])},
            "raw": [raw_call(channel, spec) for spec in plan.get("raw", [])],
        }
        if plan.get("describe"):
            pool, _ = pool_from_reflection(channel, "v1", plan["describe"])
            result["describe"] = {name: describe(pool, name) for name in plan["describe"]}
    json.dump(result, sys.stdout)


def stub_module(service_name):
    """api.MetadataAgent -> api_pb2_grpc; ndphost.admin.v1.PluginAdmin -> ndphost.admin.v1.admin_pb2_grpc."""
    file_name = symbol_database.Default().pool.FindFileContainingSymbol(service_name).name
    return importlib.import_module(file_name[: -len(".proto")].replace("/", ".") + "_pb2_grpc")


def call(channel, spec):
    # Importing every stub module registers its messages in the default pool.
    for module in ("api_pb2_grpc", "ndphost.admin.v1.admin_pb2_grpc"):
        importlib.import_module(module)
    service_name, method_name = spec["service"], spec["method"]
    service = symbol_database.Default().pool.FindServiceByName(service_name)
    method = service.methods_by_name[method_name]
    request = json_format.ParseDict(spec.get("request", {}), message_class(method.input_type)())
    stub = getattr(stub_module(service_name), service.name + "Stub")(channel)
    metadata = [("x-plugin", spec["plugin"])] if spec.get("plugin") else None
    try:
        response = getattr(stub, method_name)(request, metadata=metadata, timeout=spec.get("timeout", 10))
    except grpc.RpcError as error:
        return {"code": error.code().name, "details": error.details() or ""}
    return {"code": "OK", "details": "", "response": json_format.MessageToDict(response, preserving_proto_field_name=True)}


def raw_call(channel, spec):
    """Sends the given bytes as the request, serialized by nobody, as a client with another schema would."""
    identity = lambda data: data
    method = channel.unary_unary(spec["path"], request_serializer=identity, response_deserializer=identity)
    try:
        method(base64.b64decode(spec["bytes"]), timeout=10)
    except grpc.RpcError as error:
        return {"code": error.code().name, "details": error.details() or ""}
    return {"code": "OK", "details": ""}


def message_class(message_descriptor):
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(message_descriptor)
    return message_factory.MessageFactory(message_descriptor.file.pool).GetPrototype(message_descriptor)


def reflection_modules(version):
    return (
        importlib.import_module("grpc.reflection.%s.reflection_pb2" % version),
        importlib.import_module("grpc.reflection.%s.reflection_pb2_grpc" % version),
    )


def reflection_stream(channel, version, requests):
    """Sends `requests` on one ServerReflectionInfo stream, as grpcurl does; yields the answers."""
    messages, services = reflection_modules(version)
    stub = services.ServerReflectionStub(channel)
    return stub.ServerReflectionInfo(iter([messages.ServerReflectionRequest(**request) for request in requests]), timeout=10)


def pool_from_reflection(channel, version, symbols):
    """A fresh descriptor pool built only from what reflection serves for `symbols`."""
    files = {}
    for answer in reflection_stream(channel, version, [{"file_containing_symbol": symbol} for symbol in symbols]):
        if answer.HasField("error_response"):
            raise RuntimeError("reflection %s: %s" % (version, answer.error_response.error_message))
        for serialized in answer.file_descriptor_response.file_descriptor_proto:
            proto = descriptor_pb2.FileDescriptorProto.FromString(serialized)
            files[proto.name] = proto
    pool = descriptor_pool.DescriptorPool()
    added = []
    # Dependencies first: the pool refuses a file whose imports it has not seen.
    while len(added) < len(files):
        ready = [name for name, proto in sorted(files.items()) if name not in added and all(dep in added for dep in proto.dependency)]
        if not ready:
            raise RuntimeError("reflection %s: imports never served for %s" % (version, sorted(set(files) - set(added))))
        for name in ready:
            pool.Add(files[name])
            added.append(name)
    return pool, added


def reflect(channel, version):
    errors = []
    [listing] = list(reflection_stream(channel, version, [{"list_services": "*"}]))
    services = [service.name for service in listing.list_services_response.service]
    try:
        pool, files = pool_from_reflection(channel, version, services)
    except Exception as error:  # the pool's own validation: the point of this check
        return {"services": services, "files": [], "methods": {}, "errors": [str(error)]}
    methods = {}
    for name in services:
        service = pool.FindServiceByName(name)
        methods[name] = [method.name for method in service.methods]
        for method in service.methods:
            for message in (method.input_type, method.output_type):
                try:
                    message_class(message)()
                except Exception as error:
                    errors.append("%s: %s" % (message.full_name, error))
    return {"services": services, "files": files, "methods": methods, "errors": errors}


TYPE_NAMES = {value: name[len("TYPE_"):].lower() for name, value in descriptor.FieldDescriptor.__dict__.items() if name.startswith("TYPE_")}


def describe(pool, name):
    message = pool.FindMessageTypeByName(name)
    return [[field.name, field.number, field.message_type.full_name if field.message_type else TYPE_NAMES[field.type]] for field in message.fields]


if __name__ == "__main__":
    main()
