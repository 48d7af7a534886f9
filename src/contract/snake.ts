/**
 * The naming rule of shared/spec/abi.md: `snake(x)` inserts `_` between a char and a following
 * Upper+lower run, then between a lower/digit and a following upper, then lowercases.
 * `MetadataAgent` + `GetArtistMBID` -> `metadata_agent_get_artist_mbid`.
 */
export function snake(name: string): string {
  return name
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}
