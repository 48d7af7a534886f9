/*
 * The plugin side of ndphost's binary interface (docs/abi.md), for C plugins whose messages
 * come from nanopb. One rpc export is: decode the request, do the work, then either encode the
 * response (ndp_respond) or return an error string (ndp_fail). Host services are imports from
 * module "env" that take an encoded request and return a response the host wrote through this
 * module's own malloc (ndp_host_call).
 */
#ifndef NDP_ABI_H
#define NDP_ABI_H

#include <stdbool.h>
#include <stdint.h>

#include <pb.h>

/* Makes a function an export of the module under the ABI's name. */
#define NDP_EXPORT(name) __attribute__((export_name(name)))
/* Declares a host function imported from module "env". */
#define NDP_HOST_FUNCTION(name) __attribute__((import_module("env"), import_name(name)))

/* The version every service export `<service>_api_version` must return. */
#define NDP_API_VERSION 1

/* The well-known error strings of the contract. */
#define NDP_NOT_FOUND "plugin:not_found"
#define NDP_NOT_IMPLEMENTED "plugin:not_implemented"

/* What an rpc export returns: (ptr << 32) | len, bit 31 of len marking an error string. */
typedef uint64_t ndp_result;

/* A host function: (ptr, len) of the encoded request -> (ptr << 32) | len of the response. */
typedef uint64_t (*ndp_host_function)(const uint8_t *ptr, uint32_t len);

/*
 * Decodes the request the host wrote at (ptr, len); (0, 0) is an empty, all-default request.
 * Strings, bytes and repeated fields are allocated with malloc (nanopb FT_POINTER): the
 * instance is discarded after the call, so nothing needs freeing.
 */
bool ndp_decode(const uint8_t *ptr, uint32_t len, const pb_msgdesc_t *fields, void *message);

/* Encodes the response into fresh guest memory; an all-default message is returned as 0. */
ndp_result ndp_respond(const pb_msgdesc_t *fields, const void *message);

/* Returns `error` (UTF-8, NUL-terminated, kept alive by the caller) with the error bit set. */
ndp_result ndp_fail(const char *error);

/*
 * Calls a host function with an encoded request and decodes its response. False when either
 * side cannot be encoded or decoded; host-side failures (network, permission) are not false:
 * they arrive in the response's own `error` field.
 */
bool ndp_host_call(ndp_host_function function, const pb_msgdesc_t *request_fields, const void *request,
                   const pb_msgdesc_t *response_fields, void *response);

#endif
