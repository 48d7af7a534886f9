import { ArtworkServiceService, ArtworkServiceDefinition } from '../../../generated/ts/host/artwork/artwork';
import { withReusedWriter } from '../../contract';
import { hostFunction, type HostFunction } from '../host-function';

/** Responses written by the thread's reused writer (contract/grpc-definition.ts). */
const ArtworkService = withReusedWriter({ grpc: ArtworkServiceService, generic: ArtworkServiceDefinition });

/** ArtworkService's `env` imports. */
export const ARTWORK_FUNCTIONS: readonly HostFunction[] = [
  hostFunction('artwork', ArtworkService.getArtistUrl, async ({ artwork }, _, request) => artwork.url('ar', request)),
  hostFunction('artwork', ArtworkService.getAlbumUrl, async ({ artwork }, _, request) => artwork.url('al', request)),
  hostFunction('artwork', ArtworkService.getTrackUrl, async ({ artwork }, _, request) => artwork.url('mf', request)),
];
