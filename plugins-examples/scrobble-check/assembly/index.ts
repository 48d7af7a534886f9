// scrobble-check: an example Scrobbler that validates instead of sending anywhere.
//
// It shows how a scrobbler reports an application failure: in the response's `error` field,
// which the caller receives as a normal answer, rather than with fail(), which fails the rpc.
// A real scrobbler would do the same checks before calling a remote service over HttpService.

import { API_VERSION, decodeRequest, respond, respondEmpty } from "@ndphost/plugin-sdk-as/assembly";
import { ScrobblerIsAuthorizedRequest } from "@ndphost/plugin-sdk-as/assembly/messages/api/ScrobblerIsAuthorizedRequest";
import { ScrobblerIsAuthorizedResponse } from "@ndphost/plugin-sdk-as/assembly/messages/api/ScrobblerIsAuthorizedResponse";
import { ScrobblerNowPlayingRequest } from "@ndphost/plugin-sdk-as/assembly/messages/api/ScrobblerNowPlayingRequest";
import { ScrobblerNowPlayingResponse } from "@ndphost/plugin-sdk-as/assembly/messages/api/ScrobblerNowPlayingResponse";
import { ScrobblerScrobbleRequest } from "@ndphost/plugin-sdk-as/assembly/messages/api/ScrobblerScrobbleRequest";
import { ScrobblerScrobbleResponse } from "@ndphost/plugin-sdk-as/assembly/messages/api/ScrobblerScrobbleResponse";
import { TrackInfo } from "@ndphost/plugin-sdk-as/assembly/messages/api/TrackInfo";

export { malloc, free } from "@ndphost/plugin-sdk-as/assembly";

/** Returns what is wrong with a track, or "" when it can be scrobbled. */
function checkTrack(track: TrackInfo | null): string {
  // proto3 leaves an unset message field null, so "no track" and "no name" are both caught.
  if (track === null || track.name.trim().length == 0) return "track name is required";
  return "";
}

export function scrobbler_api_version(): i64 {
  return API_VERSION;
}

export function scrobbler_is_authorized(ptr: usize, len: i32): u64 {
  const req = decodeRequest<ScrobblerIsAuthorizedRequest>(ptr, len, ScrobblerIsAuthorizedRequest.decode);
  // Not being authorized is an answer, not an error: the error field stays empty.
  const authorized = req.username.length > 0 && req.username != "anonymous";
  return respond<ScrobblerIsAuthorizedResponse>(
    new ScrobblerIsAuthorizedResponse(authorized, ""),
    ScrobblerIsAuthorizedResponse.encode
  );
}

export function scrobbler_now_playing(ptr: usize, len: i32): u64 {
  const req = decodeRequest<ScrobblerNowPlayingRequest>(ptr, len, ScrobblerNowPlayingRequest.decode);
  const problem = checkTrack(req.track);
  if (problem.length == 0) return respondEmpty();
  return respond<ScrobblerNowPlayingResponse>(
    new ScrobblerNowPlayingResponse(problem),
    ScrobblerNowPlayingResponse.encode
  );
}

export function scrobbler_scrobble(ptr: usize, len: i32): u64 {
  const req = decodeRequest<ScrobblerScrobbleRequest>(ptr, len, ScrobblerScrobbleRequest.decode);
  let problem = checkTrack(req.track);
  // A scrobble records when the track was played; now-playing has no such moment to check.
  if (problem.length == 0 && req.timestamp <= 0) problem = "timestamp must be a positive unix time";
  if (problem.length == 0) return respondEmpty();
  return respond<ScrobblerScrobbleResponse>(
    new ScrobblerScrobbleResponse(problem),
    ScrobblerScrobbleResponse.encode
  );
}
