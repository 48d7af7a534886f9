/** The artwork host service: the main server's share URLs for artist, album and track images. */
export {
  /** Builds share URLs signed with the main server's secret. */
  ArtworkService,
} from './artwork-service';
export type { ArtworkServiceOptions } from './artwork-service';
export {
  /** Its `env` imports: get_artist_url, get_album_url, get_track_url. */
  ARTWORK_FUNCTIONS,
} from './artwork-functions';
