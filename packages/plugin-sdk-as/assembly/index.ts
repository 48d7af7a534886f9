// Guest-side glue for the ndphost / Navidrome protobuf plugin ABI (shared/spec/abi.md).
//
// Every AssemblyScript plugin imports this one module instead of repeating the pointer
// arithmetic, so the ABI lives in one place (the host-side twin is src/runtime). A plugin:
//
//   export { malloc, free } from "@ndphost/plugin-sdk-as/assembly";
//   export function metadata_agent_api_version(): i64 { return API_VERSION; }
//   export function metadata_agent_get_artist_biography(ptr: usize, len: i32): u64 {
//     const req = decodeRequest<ArtistBiographyRequest>(ptr, len, ArtistBiographyRequest.decode);
//     if (req.name == "") return fail(NOT_FOUND);
//     return respond<ArtistBiographyResponse>(new ArtistBiographyResponse("..."), ArtistBiographyResponse.encode);
//   }
//
// Host services (HTTP, timers, the plugin's config; for plugins in the capabilities form also the
// scheduler, cache, websocket, artwork and Subsonic API services) are plain synchronous calls:
//
//   const config = getPluginConfig(); // Map.get aborts on a missing key: ask has() first
//   if (!config.has("base_url")) return fail("my-plugin: base_url is not set");
//   const res = httpGet(new HttpRequest(config.get("base_url") + "/x"));
//   if (res.error != "") return fail("my-plugin: " + res.error);
//
// Build with `--runtime stub` (scripts/build-plugins.js does): the host creates a fresh
// instance per call and throws it away, so a bump allocator that never frees is both the
// smallest and the fastest choice, and nothing handed to the host can be collected under it.
//
// One module per host service; asc emits an `env` import only for the host functions a plugin
// actually calls, so a plugin that never calls the host imports nothing but env.abort.

export { API_VERSION, NOT_FOUND, NOT_IMPLEMENTED, malloc, free, decodeRequest, respond, respondEmpty, fail, utf8Bytes, utf8Text } from "./abi";
export * from "./http";
export * from "./timer";
export * from "./config";
export * from "./scheduler";
export * from "./cache";
export * from "./websocket";
export * from "./artwork";
export * from "./subsonicapi";
