import type { Answer, RecordedRequest } from '../../helpers/recording-http-server';

/**
 * The routes the HTTP service tests need, as a RecordingHttpServer's answer:
 * - `/echo`: 200 with the method in `x-method` and JSON {method, headers, body} as the body;
 * - `/status/<code>`: that status;
 * - `/headers`: two Set-Cookie headers and a plain one;
 * - `/hang`: never answers;
 * - `/bytes/<n>`: n bytes, chunked (no Content-Length); `/declared/<n>`: n bytes with Content-Length;
 * - `/chain/<n>`: 302 to `/chain/<n-1>`, and `/chain/0` answers "end of chain";
 * - `/redirect?status=<s>&to=<url>`: status s (default 302) to that URL.
 */
export function httpRoutes(request: RecordedRequest): Answer | Promise<Answer> {
  const [, route, arg] = request.path.split('/');
  const n = Number(arg);
  switch (route) {
    case 'echo':
      return {
        headers: { 'x-method': request.method, 'content-type': 'application/json' },
        body: JSON.stringify({ method: request.method, headers: request.headers, body: request.body.toString() }),
      };
    case 'status':
      return { status: n, body: `status ${n}` };
    case 'headers':
      return { headers: { 'set-cookie': ['a=1', 'b=2'], 'x-one': '1' }, body: 'ok' };
    case 'hang':
      return new Promise<Answer>(() => {});
    case 'bytes':
    case 'declared': {
      const chunks = Array.from({ length: Math.ceil(n / 65536) }, (_, k) => Buffer.alloc(Math.min(65536, n - k * 65536), 0x61));
      return { headers: route === 'declared' ? { 'content-length': n } : {}, body: chunks };
    }
    case 'chain':
      return n > 0 ? { status: 302, headers: { location: `/chain/${n - 1}` } } : { body: 'end of chain' };
    case 'redirect':
      return { status: Number(request.query.get('status') ?? 302), headers: { location: request.query.get('to') ?? '/' } };
    default:
      return { status: 404, body: 'no such route' };
  }
}
