import { compileWebSocketPolicy, WebSocketService, type WebSocketEvent } from '../../../src/host/websocket';
import { MAX_BACKLOG_EVENTS } from '../../../src/host/websocket/websocket-service';
import { CapturedLog } from '../../helpers/capture-log';
import { defer } from '../../helpers/defer';
import { TestWebSocketServer } from '../../helpers/test-websocket-server';

// A server that sends faster than the plugin's callbacks run must be held back by TCP, not
// buffered in the sidecar: a real `ws` server on 127.0.0.1 sends 50 MiB while the plugin's first
// delivery is held, then every frame must arrive, in order, once it is released.

const FRAMES = 400;
const FRAME_BYTES = 128 * 1024;
const MiB = 1024 * 1024;

describe('a WebSocket connection whose plugin falls behind', () => {
  let server: TestWebSocketServer;
  let service: WebSocketService;
  const delivered: WebSocketEvent[] = [];
  const held = defer<void>();

  beforeAll(async () => {
    server = await TestWebSocketServer.start();
    service = new WebSocketService({
      allowLocalNetwork: true,
      log: new CapturedLog().log,
      async deliver(_pluginId, event) {
        delivered.push(event);
        if (delivered.length === 1) await held.promise;
      },
    });
  });
  afterAll(async () => {
    held.resolve();
    service.close();
    await server.close();
  });

  it('pauses its socket, so the server keeps what the plugin has not taken, and loses nothing', async () => {
    const policy = compileWebSocketPolicy({ reason: 'test', allowedUrls: [server.url('/*')] }, 'slow');
    const connected = await service.connect({ pluginId: 'slow', deadline: Date.now() + 10_000, policy }, { url: server.url('/feed'), headers: {}, connectionId: 'feed' });
    expect(connected).toEqual({ connectionId: 'feed', error: '' });
    const peer = (await server.connection(1)).socket;
    for (let n = 0; n < FRAMES; n++) peer.send(Buffer.alloc(FRAME_BYTES, n % 251));

    // Until what the server still holds stops shrinking (bounded: at most 5 s).
    let last = -1;
    for (let polls = 0, stable = 0; polls < 200 && stable < 8; polls++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      stable = peer.bufferedAmount === last ? stable + 1 : 0;
      last = peer.bufferedAmount;
    }
    // Queued in the sidecar: at most MAX_BACKLOG_EVENTS frames (8 MiB); the kernel's socket
    // buffers take some more. Read on regardless, the server would hold nothing.
    expect(delivered).toHaveLength(1);
    expect(peer.bufferedAmount).toBeGreaterThan(FRAMES * FRAME_BYTES - (MAX_BACKLOG_EVENTS + 1) * FRAME_BYTES - 24 * MiB);

    held.resolve();
    for (let polls = 0; polls < 400 && delivered.length < FRAMES; polls++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(delivered.map((event) => (event.kind === 'binary' ? [event.data.length, event.data[0]] : event.kind))).toEqual(Array.from({ length: FRAMES }, (_, n) => [FRAME_BYTES, n % 251]));
  });
});
