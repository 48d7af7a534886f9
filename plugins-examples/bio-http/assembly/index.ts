// bio-http: an example MetadataAgent that fetches artist biographies over HTTP.
//
// It shows a plugin using host services: the base URL comes from the operator's
// `[PluginConfig.bio-http]` section through getPluginConfig() (plugins are stateless, so every
// call asks), and the request goes through the host's HttpService, which checks it against
// `permissions.http` in manifest.json. Only GetArtistBiography is served:
//
//   GET <base_url>/biography?artist=<name, URL-encoded>   (accept: text/plain)
//   200 -> the body is the biography; 404 -> plugin:not_found, so the next agent is asked;
//   anything else, or a failure the host reports in `error` -> "bio-http: <what went wrong>".

import {
  API_VERSION,
  NOT_FOUND,
  NOT_IMPLEMENTED,
  decodeRequest,
  fail,
  getPluginConfig,
  httpGet,
  respond,
  utf8Text,
} from "@ndphost/plugin-sdk-as/assembly";
import { ArtistBiographyRequest } from "@ndphost/plugin-sdk-as/assembly/messages/api/ArtistBiographyRequest";
import { ArtistBiographyResponse } from "@ndphost/plugin-sdk-as/assembly/messages/api/ArtistBiographyResponse";
import { HttpRequest } from "@ndphost/plugin-sdk-as/assembly/messages/http/HttpRequest";

export { malloc, free } from "@ndphost/plugin-sdk-as/assembly";

/** The `[PluginConfig.bio-http]` key holding the service's base URL, e.g. https://bio.example.com. */
const BASE_URL_KEY = "base_url";

/** Milliseconds the host waits for the biography service (0 would mean the host's default). */
const TIMEOUT_MS: i32 = 5000;

export function metadata_agent_api_version(): i64 {
  return API_VERSION;
}

export function metadata_agent_get_artist_biography(ptr: usize, len: i32): u64 {
  const req = decodeRequest<ArtistBiographyRequest>(ptr, len, ArtistBiographyRequest.decode);
  if (req.name == "") return fail(NOT_FOUND);

  const config = getPluginConfig();
  // Map.get aborts on a missing key, so ask first and say which key the operator must set.
  if (!config.has(BASE_URL_KEY) || config.get(BASE_URL_KEY) == "") {
    return fail("bio-http: " + BASE_URL_KEY + " is not set; add it to [PluginConfig.<plugin id>]");
  }
  const url = withoutTrailingSlash(config.get(BASE_URL_KEY)) + "/biography?artist=" + encodeURIComponent(req.name);

  const headers = new Map<string, string>();
  headers.set("accept", "text/plain");
  const res = httpGet(new HttpRequest(url, headers, TIMEOUT_MS));
  // Network, permission and limit failures come back here, never as a trap.
  if (res.error != "") return fail("bio-http: " + res.error);
  if (res.status == 404) return fail(NOT_FOUND);
  if (res.status != 200) return fail("bio-http: GET " + url + " answered status " + res.status.toString());
  return respond<ArtistBiographyResponse>(new ArtistBiographyResponse(utf8Text(res.body)), ArtistBiographyResponse.encode);
}

function withoutTrailingSlash(url: string): string {
  return url.endsWith("/") ? url.slice(0, url.length - 1) : url;
}

// ---- the rpcs this agent does not serve: the host asks the next agent ------------------

export function metadata_agent_get_artist_mbid(ptr: usize, len: i32): u64 {
  return fail(NOT_IMPLEMENTED);
}

export function metadata_agent_get_artist_url(ptr: usize, len: i32): u64 {
  return fail(NOT_IMPLEMENTED);
}

export function metadata_agent_get_similar_artists(ptr: usize, len: i32): u64 {
  return fail(NOT_IMPLEMENTED);
}

export function metadata_agent_get_artist_images(ptr: usize, len: i32): u64 {
  return fail(NOT_IMPLEMENTED);
}

export function metadata_agent_get_artist_top_songs(ptr: usize, len: i32): u64 {
  return fail(NOT_IMPLEMENTED);
}

export function metadata_agent_get_album_info(ptr: usize, len: i32): u64 {
  return fail(NOT_IMPLEMENTED);
}

export function metadata_agent_get_album_images(ptr: usize, len: i32): u64 {
  return fail(NOT_IMPLEMENTED);
}
