/* The plugin side of ndphost's binary interface: see ndp_abi.h and docs/abi.md. */
#include "ndp_abi.h"

#include <stdlib.h>
#include <string.h>

#include <pb_decode.h>
#include <pb_encode.h>

/* The host writes requests (and host-call responses) through the module's own allocator. */
NDP_EXPORT("malloc") void *ndp_malloc(size_t size) { return malloc(size); }
NDP_EXPORT("free") void ndp_free(void *ptr) { free(ptr); }

#define ERROR_BIT UINT32_C(0x80000000)

static ndp_result pack(const void *ptr, uint32_t len) {
  return ((uint64_t)(uintptr_t)ptr << 32) | len;
}

bool ndp_decode(const uint8_t *ptr, uint32_t len, const pb_msgdesc_t *fields, void *message) {
  pb_istream_t stream = pb_istream_from_buffer(ptr, len);
  return pb_decode(&stream, fields, message);
}

ndp_result ndp_respond(const pb_msgdesc_t *fields, const void *message) {
  size_t size = 0;
  if (!pb_get_encoded_size(&size, fields, message)) return ndp_fail("ndp: cannot size the response");
  if (size == 0) return 0;
  uint8_t *buffer = malloc(size);
  if (buffer == NULL) return ndp_fail("ndp: out of memory");
  pb_ostream_t stream = pb_ostream_from_buffer(buffer, size);
  if (!pb_encode(&stream, fields, message)) return ndp_fail("ndp: cannot encode the response");
  return pack(buffer, (uint32_t)stream.bytes_written);
}

ndp_result ndp_fail(const char *error) {
  return pack(error, (uint32_t)strlen(error) | ERROR_BIT);
}

bool ndp_host_call(ndp_host_function function, const pb_msgdesc_t *request_fields, const void *request,
                   const pb_msgdesc_t *response_fields, void *response) {
  size_t size = 0;
  if (!pb_get_encoded_size(&size, request_fields, request)) return false;
  uint8_t *buffer = size == 0 ? NULL : malloc(size);
  if (size != 0) {
    if (buffer == NULL) return false;
    pb_ostream_t stream = pb_ostream_from_buffer(buffer, size);
    if (!pb_encode(&stream, request_fields, request)) return false;
  }
  uint64_t result = function(buffer, (uint32_t)size);
  free(buffer);
  /* The host wrote the response with our malloc; 0 is an empty, all-default response. */
  const uint8_t *ptr = (const uint8_t *)(uintptr_t)(result >> 32);
  return ndp_decode(ptr, (uint32_t)result, response_fields, response);
}
