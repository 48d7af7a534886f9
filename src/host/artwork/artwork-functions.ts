import { ArtworkServiceService } from '../../../generated/ts/host/artwork/artwork';
import { hostFunction, type HostFunction } from '../host-function';

/** ArtworkService's `env` imports. */
export const ARTWORK_FUNCTIONS: readonly HostFunction[] = [
  hostFunction('artwork', ArtworkServiceService.getArtistUrl, async ({ artwork }, _, request) => artwork.url('ar', request)),
  hostFunction('artwork', ArtworkServiceService.getAlbumUrl, async ({ artwork }, _, request) => artwork.url('al', request)),
  hostFunction('artwork', ArtworkServiceService.getTrackUrl, async ({ artwork }, _, request) => artwork.url('mf', request)),
];
