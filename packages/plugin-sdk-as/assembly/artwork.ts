// ArtworkService (capabilities form, permissions.artwork): public share URLs of the main
// server's artwork.

import { callHost } from "./abi";
import { GetArtworkUrlRequest } from "./messages/artwork/GetArtworkUrlRequest";
import { GetArtworkUrlResponse } from "./messages/artwork/GetArtworkUrlResponse";

@external("env", "get_artist_url") declare function hostGetArtistUrl(ptr: usize, len: i32): u64;
@external("env", "get_album_url") declare function hostGetAlbumUrl(ptr: usize, len: i32): u64;
@external("env", "get_track_url") declare function hostGetTrackUrl(ptr: usize, len: i32): u64;

/** ArtworkService.GetArtistUrl (permissions.artwork): a public share URL of an artist's image; size 0 is the original. */
export function artworkArtistUrl(request: GetArtworkUrlRequest): GetArtworkUrlResponse {
  return callHost<GetArtworkUrlRequest, GetArtworkUrlResponse>(hostGetArtistUrl, request, GetArtworkUrlRequest.encode, GetArtworkUrlResponse.decode);
}

/** ArtworkService.GetAlbumUrl. */
export function artworkAlbumUrl(request: GetArtworkUrlRequest): GetArtworkUrlResponse {
  return callHost<GetArtworkUrlRequest, GetArtworkUrlResponse>(hostGetAlbumUrl, request, GetArtworkUrlRequest.encode, GetArtworkUrlResponse.decode);
}

/** ArtworkService.GetTrackUrl. */
export function artworkTrackUrl(request: GetArtworkUrlRequest): GetArtworkUrlResponse {
  return callHost<GetArtworkUrlRequest, GetArtworkUrlResponse>(hostGetTrackUrl, request, GetArtworkUrlRequest.encode, GetArtworkUrlResponse.decode);
}
