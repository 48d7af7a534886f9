import { NdpError } from '../../src/errors';
import { parseManifest, type Manifest } from '../../src/plugins';

// Both manifest forms parse into one shape. The capabilities form is checked as released
// Navidrome's loader checked it (released-dialect.md, section 1).

const released = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  $schema: 'https://raw.githubusercontent.com/navidrome/navidrome/refs/heads/master/plugins/schema/manifest.schema.json',
  name: 'Released',
  author: 'someone',
  version: '1.0.0',
  description: 'a plugin built for Navidrome v0.59',
  website: 'https://example.com',
  capabilities: ['MetadataAgent'],
  permissions: {},
  ...extra,
});

const parse = (json: unknown): Manifest => parseManifest(JSON.stringify(json), 'p', '/plugins/p/manifest.json');

function refusal(json: unknown): NdpError {
  try {
    parse(json);
  } catch (error) {
    if (error instanceof NdpError) return error;
    throw error;
  }
  throw new Error('parsed');
}

describe('the capabilities form (Navidrome v0.57-v0.59)', () => {
  it('parses into the shared shape: services from capabilities, host services from permission keys, config keys lower-cased', () => {
    const manifest = parse(released({ capabilities: ['Scrobbler', 'SchedulerCallback', 'Scrobbler'], permissions: { scheduler: { reason: 'ticks' }, cache: { reason: 'keeps tokens' } } }));
    expect(manifest).toEqual({
      dialect: 'capabilities',
      name: 'Released',
      author: 'someone',
      version: '1.0.0',
      description: 'a plugin built for Navidrome v0.59',
      website: 'https://example.com',
      services: ['Scrobbler', 'SchedulerCallback'],
      permissions: { scheduler: { reason: 'ticks' }, cache: { reason: 'keeps tokens' } },
      hostServices: ['scheduler', 'cache'],
      configKeys: 'lower-case',
    });
  });

  it('accepts what the released loader accepted: null strings, permissions {}, unknown keys, null and unknown permissions', () => {
    const manifest = parse(released({ name: null, description: null, extra: true, permissions: { timer: { reason: 'not a released service' }, cache: null, artwork: { reason: 'covers', note: 'ignored' } } }));
    expect(manifest).toMatchObject({ name: '', description: '', permissions: { artwork: { reason: 'covers', note: 'ignored' } }, hostServices: ['artwork'] });
    expect(parse(released({ permissions: null })).hostServices).toEqual([]);
  });

  it('a wildcard pattern without a path reaches every path, as released matched it; one without a wildcard stays "/"', () => {
    const manifest = parse(released({ permissions: { http: { reason: 'r', allowedUrls: { 'https://*.wikimedia.org': ['GET'], 'https://*.archive.org/': ['GET'], 'https://coverartarchive.org': ['GET'] } } } }));
    expect(manifest.permissions.http?.allowedUrls).toEqual({ 'https://*.wikimedia.org/*': ['GET'], 'https://*.archive.org/*': ['GET'], 'https://coverartarchive.org': ['GET'] });
  });

  it('keeps websocket and subsonicapi permissions as given', () => {
    const manifest = parse(
      released({
        capabilities: ['WebSocketCallback', 'LifecycleManagement'],
        permissions: { websocket: { reason: 'feed', allowedUrls: ['wss://ws.example.com', '*'], allowLocalNetwork: false }, subsonicapi: { reason: 'demo', allowedUsernames: ['admin'], allowAdmins: true } },
      }),
    );
    expect(manifest.hostServices).toEqual(['websocket', 'subsonicapi']);
    expect(manifest.permissions.websocket).toEqual({ reason: 'feed', allowedUrls: ['wss://ws.example.com', '*'], allowLocalNetwork: false });
    expect(manifest.permissions.subsonicapi).toEqual({ reason: 'demo', allowedUsernames: ['admin'], allowAdmins: true });
  });

  // Each row: what is wrong, the manifest, the field named, the message.
  const { website: _website, ...noWebsite } = released();
  const { permissions: _permissions, ...noPermissions } = released();
  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['no website', noWebsite, 'website', /field "website" must have required property 'website'/],
    ['no permissions', noPermissions, 'permissions', /field "permissions" must have required property 'permissions'/],
    ['empty capabilities', released({ capabilities: [] }), 'capabilities', /field "capabilities" must NOT have fewer than 1 items/],
    ['null capabilities', released({ capabilities: null }), 'capabilities', /no capabilities found in manifest/],
    ['TimerCallback, which was never released', released({ capabilities: ['TimerCallback'] }), 'capabilities[0]', /must be equal to one of the allowed values \(one of MetadataAgent, Scrobbler, SchedulerCallback, LifecycleManagement, WebSocketCallback\)/],
    ['a name that is not a string', released({ name: 42 }), 'name', /field "name" must be string,null/],
    ['a permission without a reason', released({ permissions: { cache: {} } }), 'permissions.cache.reason', /must have required property 'reason'/],
    ['an empty reason', released({ permissions: { scheduler: { reason: '' } } }), 'permissions.scheduler.reason', /must NOT have fewer than 1 characters/],
    ['http without allowedUrls', released({ permissions: { http: { reason: 'r' } } }), 'permissions.http.allowedUrls', /must have required property 'allowedUrls'/],
    ['http with allowedUrls {}', released({ permissions: { http: { reason: 'r', allowedUrls: {} } } }), 'permissions.http.allowedUrls', /must NOT have fewer than 1 properties/],
    ['a lower-case method', released({ permissions: { http: { reason: 'r', allowedUrls: { 'https://x.com/*': ['get'] } } } }), 'permissions.http.allowedUrls.https://x.com/*[0]', /one of GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS, \*/],
    ['websocket with allowedUrls []', released({ permissions: { websocket: { reason: 'r', allowedUrls: [] } } }), 'permissions.websocket.allowedUrls', /must NOT have fewer than 1 items/],
    ['a websocket pattern that is not ws or wss', released({ permissions: { websocket: { reason: 'r', allowedUrls: ['https://x.com'] } } }), 'permissions.websocket.allowedUrls', /URL pattern "https:\/\/x.com" has scheme https; only ws and wss are allowed/],
    ['allowedUsernames that is not a list', released({ permissions: { subsonicapi: { reason: 'r', allowedUsernames: 'admin' } } }), 'permissions.subsonicapi.allowedUsernames', /must be array/],
    ['both services and capabilities', released({ services: ['MetadataAgent'] }), 'capabilities', /has both "services" \(ndphost form\) and "capabilities" \(Navidrome v0\.57\+ form\); keep one/],
  ])('refuses %s, naming the field', (_, json, field, message) => {
    const error = refusal(json);
    expect(error).toMatchObject({ kind: 'bad_manifest', field, pluginId: 'p' });
    expect(error.message).toMatch(/^plugin p: manifest\.json: /);
    expect(error.message).toMatch(message);
  });
});

describe('the services form (ndphost)', () => {
  it('parses into the shared shape, offered http, timer and config as before', () => {
    expect(parse({ name: 'n', author: 'a', version: '1', description: 'd', services: ['MetadataAgent', 'TimerCallback'] })).toEqual({
      dialect: 'services',
      name: 'n',
      author: 'a',
      version: '1',
      description: 'd',
      services: ['MetadataAgent', 'TimerCallback'],
      permissions: {},
      hostServices: ['http', 'timer', 'config'],
      configKeys: 'as-written',
    });
  });

  it('does not accept the released capabilities (SchedulerCallback belongs to the capabilities form)', () => {
    expect(refusal({ name: 'n', author: 'a', version: '1', description: 'd', services: ['SchedulerCallback'] })).toMatchObject({ kind: 'bad_manifest', field: 'services[0]' });
  });
});
