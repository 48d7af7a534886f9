import { status } from '@grpc/grpc-js';
import { NdpError } from '../../src/errors';
import { cutText, MAX_DETAILS_BYTES, MAX_LOGGED_DETAILS_BYTES, toGrpcStatus } from '../../src/server/to-grpc-status';
import { CapturedLog, WARN } from '../helpers/capture-log';

const MiB = 1024 * 1024;

describe('toGrpcStatus', () => {
  it('passes a short message through as is, and logs nothing', () => {
    const captured = new CapturedLog();
    expect(toGrpcStatus(new NdpError('plugin_error', 'plugin p: nope', { pluginId: 'p' }), captured.log)).toEqual({ code: status.UNKNOWN, details: 'plugin p: nope' });
    expect(captured.lines).toEqual([]);
  });

  it('cuts a 1 MiB message to a few KB marked as cut, and logs 64 KiB of it with the plugin and the full size', () => {
    const captured = new CapturedLog();
    const message = `plugin p: ${'x'.repeat(MiB)}`;
    const { code, details } = toGrpcStatus(new NdpError('plugin_error', message, { pluginId: 'p' }), captured.log);

    expect(code).toBe(status.UNKNOWN);
    expect(Buffer.byteLength(details ?? '')).toBeLessThanOrEqual(MAX_DETAILS_BYTES);
    const [, kept, cut] = /^(plugin p: x+) \.\.\. \[cut (\d+) bytes\]$/.exec(details ?? '') ?? [];
    expect(kept.length + Number(cut)).toBe(message.length);

    const [line] = captured.lines;
    expect(line).toMatchObject({ level: WARN, plugin: 'p', kind: 'plugin_error', bytes: message.length });
    expect(Buffer.byteLength(String(line.message))).toBeLessThanOrEqual(MAX_LOGGED_DETAILS_BYTES);
    expect(String(line.message).length).toBeGreaterThan(MAX_LOGGED_DETAILS_BYTES - 100);
    expect(line.message).toMatch(/^plugin p: x+ \.\.\. \[cut \d+ bytes\]$/);
  });

  it('an unexpected error is INTERNAL with a plain message, logged at error with its stack', () => {
    const captured = new CapturedLog();
    expect(toGrpcStatus(new Error('x'.repeat(MiB)), captured.log)).toEqual({ code: status.INTERNAL, details: 'internal error' });
    expect(captured.lines[0]).toMatchObject({ level: 50, err: { stack: expect.stringContaining('Error: ') } });
  });
});

describe('cutText', () => {
  it.each([
    ['2-byte characters', 'é'],
    ['3-byte characters', '€'],
    ['4-byte characters', '😀'],
  ])('never splits a character (%s) and stays within the limit', (_name, character) => {
    for (const limit of [100, 101, 102, 103]) {
      const text = character.repeat(1000);
      const cut = cutText(text, limit);
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(limit);
      expect(cut).toMatch(new RegExp(`^(${character})+ \\.\\.\\. \\[cut \\d+ bytes\\]$`, 'u'));
      const [, count] = /\[cut (\d+) bytes\]$/.exec(cut) ?? [];
      expect(Buffer.byteLength(cut.slice(0, cut.indexOf(' ... '))) + Number(count)).toBe(Buffer.byteLength(text));
    }
  });

  it('keeps a text that fits exactly', () => {
    expect(cutText('é'.repeat(50), 100)).toBe('é'.repeat(50));
  });
});
