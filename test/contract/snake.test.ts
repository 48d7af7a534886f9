import { apiVersionExport, RPCS, snake } from '../../src/contract';

describe('snake, the export naming rule of abi.md', () => {
  it.each([
    ['MetadataAgentGetArtistMBID', 'metadata_agent_get_artist_mbid'],
    ['MetadataAgentGetArtistURL', 'metadata_agent_get_artist_url'],
    ['LifecycleManagementOnInit', 'lifecycle_management_on_init'],
    ['TimerCallbackOnTimerCallback', 'timer_callback_on_timer_callback'],
    ['ScrobblerIsAuthorized', 'scrobbler_is_authorized'],
    ['RegisterTimer', 'register_timer'],
    ['Get', 'get'],
    ['HTTPServer2Go', 'http_server2_go'],
  ])('%s -> %s', (name, expected) => {
    expect(snake(name)).toBe(expected);
  });

  it('names every rpc export and version export of api.proto', () => {
    expect(RPCS.MetadataAgent.getArtistTopSongs.exportName).toBe('metadata_agent_get_artist_top_songs');
    expect(RPCS.Scrobbler.nowPlaying.exportName).toBe('scrobbler_now_playing');
    expect(apiVersionExport('LifecycleManagement')).toBe('lifecycle_management_api_version');
    expect(Object.keys(RPCS.MetadataAgent)).toHaveLength(8);
  });
});
