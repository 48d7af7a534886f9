import { NdpError } from '../../../src/errors';
import { compileHttpPolicy, type HttpMethod } from '../../../src/host/http';

const allowing = (allowedUrls: Record<string, string[]>) => compileHttpPolicy({ reason: 'tests', allowedUrls }, 'p');

describe('compileHttpPolicy', () => {
  // pattern, methods, method, url, allowed
  it.each<[string, string[], HttpMethod, string, boolean]>([
    ['https://api.example.com/*', ['GET'], 'GET', 'https://api.example.com/v1/artist?name=x', true],
    ['https://api.example.com/*', ['GET'], 'GET', 'https://API.Example.com/', true],
    ['https://api.example.com/*', ['GET'], 'GET', 'http://api.example.com/', false],
    ['https://api.example.com/*', ['GET'], 'GET', 'https://api.example.com.evil.net/', false],
    ['https://api.example.com/*', ['GET'], 'GET', 'https://evil.net/https://api.example.com/', false],
    ['https://api.example.com/*', ['GET'], 'GET', 'https://api.example.com:8443/', false],
    ['https://api.example.com/*', ['GET'], 'GET', 'https://api.example.com:443/x', true],
    ['https://api.example.com:8443/*', ['GET'], 'GET', 'https://api.example.com:8443/x', true],
    ['https://api.example.com:8443/*', ['GET'], 'GET', 'https://api.example.com/x', false],
    ['http://api.example.com', ['GET'], 'GET', 'http://api.example.com/', true],
    ['http://api.example.com', ['GET'], 'GET', 'http://api.example.com/other', false],
    ['https://*.example.com/v1/*', ['GET'], 'GET', 'https://a.example.com/v1/x', true],
    ['https://*.example.com/v1/*', ['GET'], 'GET', 'https://a.b.example.com/v1/x/y', true],
    ['https://*.example.com/v1/*', ['GET'], 'GET', 'https://example.com/v1/x', false],
    ['https://*.example.com/v1/*', ['GET'], 'GET', 'https://a.example.com/v2/x', false],
    ['https://*.example.com/v1/*', ['GET'], 'GET', 'https://a.example.org/v1/x', false],
    ['https://api.example.com/v1/*', ['GET'], 'GET', 'https://api.example.com/v1/../admin', false],
    ['https://api.example.com/v1/*', ['GET'], 'GET', 'https://api.example.com/v1/%2e%2e/admin', false],
    // Percent-encoded separators that a decoding server reads as "..", "/" (issue 8).
    ['https://api.example.com/ok/*', ['GET'], 'GET', 'https://api.example.com/ok/..%2fsecret', false],
    ['https://api.example.com/ok/*', ['GET'], 'GET', 'https://api.example.com/ok/..%2Fsecret', false],
    ['https://api.example.com/ok/*', ['GET'], 'GET', 'https://api.example.com/ok/..%5csecret', false],
    ['https://api.example.com/ok/*', ['GET'], 'GET', 'https://api.example.com/ok/%2e%2e%2fsecret', false],
    ['https://api.example.com/ok/*', ['GET'], 'GET', 'https://api.example.com/ok/.%2E%2F..%2Fsecret', false],
    ['https://api.example.com/ok/*', ['GET'], 'GET', 'https://api.example.com/ok/a%2f..%2f..%2fsecret', false],
    ['https://api.example.com/ok/*', ['GET'], 'GET', 'https://api.example.com/ok/..\\secret', false],
    ['https://api.example.com/ok/*', ['GET'], 'GET', 'https://api.example.com/ok/AC%2FDC', true],
    ['https://api.example.com/ok/*', ['GET'], 'GET', 'https://api.example.com/ok/a%2f..%2fb', true],
    ['https://api.example.com/ok/*/info', ['GET'], 'GET', 'https://api.example.com/ok/AC%2FDC/info', true],
    ['https://api.example.com/a b/*', ['GET'], 'GET', 'https://api.example.com/a%20b/c', true],
    ['https://bücher.example/*', ['GET'], 'GET', 'https://xn--bcher-kva.example/x', true],
    ['http://[::1]:8080/*', ['GET'], 'GET', 'http://[0:0::1]:8080/x', true],
    ['https://api.example.com/*', ['get', 'POST'], 'POST', 'https://api.example.com/x', true],
    ['https://api.example.com/*', ['GET'], 'POST', 'https://api.example.com/x', false],
    ['https://api.example.com/*', ['*'], 'OPTIONS', 'https://api.example.com/x', true],
  ])('%s %j: %s %s allowed = %s', (pattern, methods, method, url, allowed) => {
    expect(allowing({ [pattern]: methods }).refusal(method, new URL(url)) === undefined).toBe(allowed);
  });

  it('allows a method listed by any of several matching patterns', () => {
    const policy = allowing({ 'https://api.example.com/*': ['GET'], 'https://api.example.com/write/*': ['POST'] });

    expect(policy.refusal('POST', new URL('https://api.example.com/write/x'))).toBeUndefined();
    expect(policy.refusal('POST', new URL('https://api.example.com/read'))).toBe('method POST is not listed for https://api.example.com/* (GET)');
  });

  it('carries allowLocalNetwork, off unless set', () => {
    expect(compileHttpPolicy({ reason: 'r' }, 'p').allowLocalNetwork).toBe(false);
    expect(compileHttpPolicy({ reason: 'r', allowLocalNetwork: true }, 'p').allowLocalNetwork).toBe(true);
  });

  it.each([
    ['ftp://files.example.com/*', ['GET'], /has scheme ftp; only http and https are allowed/],
    ['api.example.com/*', ['GET'], /is not a URL of the form scheme:\/\/host\[:port\]\[\/path\]/],
    ['https://api-*.example.com/*', ['GET'], /a \* must be a whole label/],
    ['https://api.example.com:*/*', ['GET'], /has a bad port "\*"/],
    ['https://api.example.com:70000/*', ['GET'], /has a bad port "70000"/],
    ['https://api.example.com/*?key=*', ['GET'], /must not contain a query/],
    ['https://user@api.example.com/*', ['GET'], /must not contain user info/],
    ['https://[not-ipv6]/*', ['GET'], /has a bad host "\[not-ipv6\]"/],
    ['https://api.example.com/*', ['FETCH'], /lists method "FETCH"; use GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS or \*/],
  ])('refuses pattern %s %j as a bad_manifest naming it', (pattern, methods, message) => {
    let thrown: unknown;
    try {
      allowing({ [pattern]: methods });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(NdpError);
    expect(thrown).toMatchObject({ kind: 'bad_manifest', pluginId: 'p', field: `permissions.http.allowedUrls[${JSON.stringify(pattern)}]` });
    expect((thrown as NdpError).message).toMatch(message);
  });
});
