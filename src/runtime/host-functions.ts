import { NdpError } from '../errors';
import { badAbi, writeToGuest } from './guest-call';
import type { GuestContext } from './guest-context';
import { guestBytes } from './guest-memory';
import type { GuestChannel } from './host-channel';

/**
 * The `env` imports through which a plugin calls host services (abi.md, "Host services"): read
 * the encoded request from guest memory, block on the channel while the main thread performs
 * the service, then hand the encoded response back through the plugin's own malloc as
 * `(ptr << 32) | len` (0 for an empty response). The host function's index in `names` is its
 * number on the channel.
 */
export function hostFunctionImports(context: GuestContext, channel: GuestChannel, names: readonly string[]): Record<string, (ptr: number, len: number) => bigint> {
  return Object.fromEntries(
    names.map((name, index) => [
      name,
      (ptr: number, len: number): bigint => {
        const target = { pluginId: context.pluginId, exportName: context.exportName };
        const memory = context.memory;
        // Read whole by the channel before the guest runs again.
        const request = memory && guestBytes(memory, ptr >>> 0, len >>> 0);
        if (!request) throw badAbi(target, `called host function env.${name} with ptr=${ptr >>> 0} len=${len >>> 0}, outside its memory`);
        const reply = channel.call(index, request);
        if (!reply.ok) {
          const message = `plugin ${target.pluginId}: export ${target.exportName}: host function env.${name} failed: ${reply.message}`;
          throw new NdpError(reply.fault === 'guest' ? 'bad_abi' : 'internal', message, { pluginId: target.pluginId, export: target.exportName });
        }
        if (reply.bytes.length === 0) return 0n;
        return (BigInt(writeToGuest(context, reply.bytes)) << 32n) | BigInt(reply.bytes.length);
      },
    ]),
  );
}
