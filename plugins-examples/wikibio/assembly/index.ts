// wikibio: an example MetadataAgent that answers all eight rpcs from a built-in table.
//
// It shows the whole shape of a metadata plugin without needing network access: decode the
// request, look the artist up, answer or fail with NOT_FOUND so the host can try the next
// agent. Artist and album MBIDs are MusicBrainz ids (albums: release groups); artist image URLs
// are illustrative, the host never fetches them.

import {
  API_VERSION,
  NOT_FOUND,
  decodeRequest,
  fail,
  respond,
} from "@ndphost/plugin-sdk-as/assembly";
import { AlbumImagesRequest } from "@ndphost/plugin-sdk-as/assembly/messages/api/AlbumImagesRequest";
import { AlbumImagesResponse } from "@ndphost/plugin-sdk-as/assembly/messages/api/AlbumImagesResponse";
import { AlbumInfo } from "@ndphost/plugin-sdk-as/assembly/messages/api/AlbumInfo";
import { AlbumInfoRequest } from "@ndphost/plugin-sdk-as/assembly/messages/api/AlbumInfoRequest";
import { AlbumInfoResponse } from "@ndphost/plugin-sdk-as/assembly/messages/api/AlbumInfoResponse";
import { Artist } from "@ndphost/plugin-sdk-as/assembly/messages/api/Artist";
import { ArtistBiographyRequest } from "@ndphost/plugin-sdk-as/assembly/messages/api/ArtistBiographyRequest";
import { ArtistBiographyResponse } from "@ndphost/plugin-sdk-as/assembly/messages/api/ArtistBiographyResponse";
import { ArtistImageRequest } from "@ndphost/plugin-sdk-as/assembly/messages/api/ArtistImageRequest";
import { ArtistImageResponse } from "@ndphost/plugin-sdk-as/assembly/messages/api/ArtistImageResponse";
import { ArtistMBIDRequest } from "@ndphost/plugin-sdk-as/assembly/messages/api/ArtistMBIDRequest";
import { ArtistMBIDResponse } from "@ndphost/plugin-sdk-as/assembly/messages/api/ArtistMBIDResponse";
import { ArtistSimilarRequest } from "@ndphost/plugin-sdk-as/assembly/messages/api/ArtistSimilarRequest";
import { ArtistSimilarResponse } from "@ndphost/plugin-sdk-as/assembly/messages/api/ArtistSimilarResponse";
import { ArtistTopSongsRequest } from "@ndphost/plugin-sdk-as/assembly/messages/api/ArtistTopSongsRequest";
import { ArtistTopSongsResponse } from "@ndphost/plugin-sdk-as/assembly/messages/api/ArtistTopSongsResponse";
import { ArtistURLRequest } from "@ndphost/plugin-sdk-as/assembly/messages/api/ArtistURLRequest";
import { ArtistURLResponse } from "@ndphost/plugin-sdk-as/assembly/messages/api/ArtistURLResponse";
import { ExternalImage } from "@ndphost/plugin-sdk-as/assembly/messages/api/ExternalImage";
import { Song } from "@ndphost/plugin-sdk-as/assembly/messages/api/Song";

export { malloc, free } from "@ndphost/plugin-sdk-as/assembly";

// ---- the table -------------------------------------------------------------------------

class Album {
  constructor(
    public title: string,
    public mbid: string,
    public url: string,
    public description: string
  ) {}
}

class Entry {
  constructor(
    public name: string,
    /** Lower-case spellings that also match, e.g. without diacritics. */
    public aliases: string[],
    public mbid: string,
    public url: string,
    public biography: string,
    public image: string,
    public similar: Artist[],
    public topSongs: string[],
    public albums: Album[]
  ) {}
}

const NIRVANA_MBID = "5b11f4ce-a62d-471e-81fc-a69a8278c7da";
const BJORK_MBID = "87c5dedd-371d-4a53-9f7f-80522fb7f3cb";
const RADIOHEAD_MBID = "a74b1b7f-71a5-4011-9441-d0b5e4122711";
const FOO_FIGHTERS_MBID = "67f66c07-6e61-4026-ade5-7e782fad3a5d";
const PIXIES_MBID = "b6b2bb8d-54a9-491f-9607-7b546023b433";
const MASSIVE_ATTACK_MBID = "10adbe5e-a2c0-4bf3-8249-2b4cbf6e6ca8";
const PORTISHEAD_MBID = "8f6bd1e4-fbe1-4f50-aa9b-94c450ec0f11";

const TABLE: Entry[] = [
  new Entry(
    "Nirvana",
    ["nirvana"],
    NIRVANA_MBID,
    "https://en.wikipedia.org/wiki/Nirvana_(band)",
    "Nirvana was an American rock band formed in Aberdeen, Washington, in 1987 by singer and " +
      "guitarist Kurt Cobain and bassist Krist Novoselic. With drummer Dave Grohl, who joined in " +
      "1990, Nirvana's second album Nevermind (1991) took grunge and alternative rock to the " +
      "mainstream. The band ended in 1994 after Cobain's death.",
    "https://commons.wikimedia.org/wiki/Special:FilePath/Nirvana_around_1992.jpg",
    [
      new Artist("Foo Fighters", FOO_FIGHTERS_MBID),
      new Artist("Pixies", PIXIES_MBID),
      new Artist("Soundgarden", ""),
    ],
    ["Smells Like Teen Spirit", "Come as You Are", "Heart-Shaped Box", "Lithium"],
    [
      new Album(
        "Nevermind",
        "1b022e01-4da6-387b-8658-8678046e4cef",
        "https://en.wikipedia.org/wiki/Nevermind",
        "Nevermind is the second studio album by Nirvana, released in September 1991 on DGC Records."
      ),
    ]
  ),
  new Entry(
    "Björk",
    ["björk", "bjork"],
    BJORK_MBID,
    "https://en.wikipedia.org/wiki/Bj%C3%B6rk",
    "Björk Guðmundsdóttir is an Icelandic singer, songwriter and producer. After fronting the " +
      "Sugarcubes she began a solo career with Debut (1993), followed by Post (1995) and " +
      "Homogenic (1997), records that mix electronic, pop, experimental and classical music.",
    "https://commons.wikimedia.org/wiki/Special:FilePath/Bj%C3%B6rk.jpg",
    [
      new Artist("Massive Attack", MASSIVE_ATTACK_MBID),
      new Artist("Portishead", PORTISHEAD_MBID),
      new Artist("Radiohead", RADIOHEAD_MBID),
    ],
    ["Army of Me", "Jóga", "Hyperballad", "Human Behaviour"],
    [
      new Album(
        "Homogenic",
        "", // not in our table: GetAlbumImages answers NOT_FOUND, as an agent without art would
        "https://en.wikipedia.org/wiki/Homogenic",
        "Homogenic is the third studio album by Björk, released in September 1997, built on " +
          "string arrangements and electronic beats."
      ),
    ]
  ),
  new Entry(
    "Radiohead",
    ["radiohead"],
    RADIOHEAD_MBID,
    "https://en.wikipedia.org/wiki/Radiohead",
    "Radiohead are an English rock band formed in Abingdon, Oxfordshire, in 1985. Their third " +
      "album, OK Computer (1997), and the electronic turn of Kid A (2000) made them one of the " +
      "most acclaimed bands of their era.",
    "https://commons.wikimedia.org/wiki/Special:FilePath/Radiohead.jpg",
    [
      new Artist("Björk", BJORK_MBID),
      new Artist("Portishead", PORTISHEAD_MBID),
      new Artist("Massive Attack", MASSIVE_ATTACK_MBID),
    ],
    ["Creep", "Karma Police", "No Surprises", "Paranoid Android"],
    [
      new Album(
        "OK Computer",
        "b1392450-e666-3926-a536-22c65f834433",
        "https://en.wikipedia.org/wiki/OK_Computer",
        "OK Computer is the third studio album by Radiohead, released in 1997 on Parlophone."
      ),
    ]
  ),
];

/** Finds an artist by name (case-insensitive, aliases included), else by MBID. */
function findArtist(name: string, mbid: string): Entry | null {
  const wanted = name.trim().toLowerCase();
  for (let i = 0; i < TABLE.length; i++) {
    const entry = TABLE[i];
    if (wanted.length > 0 && entry.aliases.includes(wanted)) return entry;
    if (mbid.length > 0 && entry.mbid == mbid) return entry;
  }
  return null;
}

/** Finds an album of `artist` by title (case-insensitive), else by MBID. */
function findAlbum(artist: string, title: string, mbid: string): Album | null {
  const entry = findArtist(artist, "");
  if (entry === null) return null;
  const wanted = title.trim().toLowerCase();
  for (let i = 0; i < entry.albums.length; i++) {
    const album = entry.albums[i];
    if (wanted.length > 0 && album.title.toLowerCase() == wanted) return album;
    if (mbid.length > 0 && album.mbid == mbid) return album;
  }
  return null;
}

/** Applies a request's limit/count: 0 or less means "no limit". */
function capped(available: i32, limit: i32): i32 {
  return limit > 0 && limit < available ? limit : available;
}

// ---- MetadataAgent ---------------------------------------------------------------------

export function metadata_agent_api_version(): i64 {
  return API_VERSION;
}

export function metadata_agent_get_artist_mbid(ptr: usize, len: i32): u64 {
  const req = decodeRequest<ArtistMBIDRequest>(ptr, len, ArtistMBIDRequest.decode);
  const entry = findArtist(req.name, "");
  if (entry === null) return fail(NOT_FOUND);
  return respond<ArtistMBIDResponse>(new ArtistMBIDResponse(entry.mbid), ArtistMBIDResponse.encode);
}

export function metadata_agent_get_artist_url(ptr: usize, len: i32): u64 {
  const req = decodeRequest<ArtistURLRequest>(ptr, len, ArtistURLRequest.decode);
  const entry = findArtist(req.name, req.mbid);
  if (entry === null) return fail(NOT_FOUND);
  return respond<ArtistURLResponse>(new ArtistURLResponse(entry.url), ArtistURLResponse.encode);
}

export function metadata_agent_get_artist_biography(ptr: usize, len: i32): u64 {
  const req = decodeRequest<ArtistBiographyRequest>(ptr, len, ArtistBiographyRequest.decode);
  const entry = findArtist(req.name, req.mbid);
  if (entry === null) return fail(NOT_FOUND);
  return respond<ArtistBiographyResponse>(
    new ArtistBiographyResponse(entry.biography),
    ArtistBiographyResponse.encode
  );
}

export function metadata_agent_get_similar_artists(ptr: usize, len: i32): u64 {
  const req = decodeRequest<ArtistSimilarRequest>(ptr, len, ArtistSimilarRequest.decode);
  const entry = findArtist(req.name, req.mbid);
  if (entry === null) return fail(NOT_FOUND);
  const artists = entry.similar.slice(0, capped(entry.similar.length, req.limit));
  return respond<ArtistSimilarResponse>(new ArtistSimilarResponse(artists), ArtistSimilarResponse.encode);
}

export function metadata_agent_get_artist_images(ptr: usize, len: i32): u64 {
  const req = decodeRequest<ArtistImageRequest>(ptr, len, ArtistImageRequest.decode);
  const entry = findArtist(req.name, req.mbid);
  if (entry === null) return fail(NOT_FOUND);
  const images: ExternalImage[] = [new ExternalImage(entry.image, 500)];
  return respond<ArtistImageResponse>(new ArtistImageResponse(images), ArtistImageResponse.encode);
}

export function metadata_agent_get_artist_top_songs(ptr: usize, len: i32): u64 {
  const req = decodeRequest<ArtistTopSongsRequest>(ptr, len, ArtistTopSongsRequest.decode);
  // The contract spells this field artistName (contract.md), unlike the other requests' name.
  const entry = findArtist(req.artistName, req.mbid);
  if (entry === null) return fail(NOT_FOUND);
  const count = capped(entry.topSongs.length, req.count);
  const songs: Song[] = [];
  for (let i = 0; i < count; i++) songs.push(new Song(entry.topSongs[i], ""));
  return respond<ArtistTopSongsResponse>(new ArtistTopSongsResponse(songs), ArtistTopSongsResponse.encode);
}

export function metadata_agent_get_album_info(ptr: usize, len: i32): u64 {
  const req = decodeRequest<AlbumInfoRequest>(ptr, len, AlbumInfoRequest.decode);
  const album = findAlbum(req.artist, req.name, req.mbid);
  if (album === null) return fail(NOT_FOUND);
  const info = new AlbumInfo(album.title, album.mbid, album.description, album.url);
  return respond<AlbumInfoResponse>(new AlbumInfoResponse(info), AlbumInfoResponse.encode);
}

export function metadata_agent_get_album_images(ptr: usize, len: i32): u64 {
  const req = decodeRequest<AlbumImagesRequest>(ptr, len, AlbumImagesRequest.decode);
  const album = findAlbum(req.artist, req.name, req.mbid);
  // Cover Art Archive serves release-group art by MBID; without one there is nothing to offer.
  if (album === null || album.mbid.length == 0) return fail(NOT_FOUND);
  const base = "https://coverartarchive.org/release-group/" + album.mbid;
  const images: ExternalImage[] = [
    new ExternalImage(base + "/front-250", 250),
    new ExternalImage(base + "/front-500", 500),
  ];
  return respond<AlbumImagesResponse>(new AlbumImagesResponse(images), AlbumImagesResponse.encode);
}
