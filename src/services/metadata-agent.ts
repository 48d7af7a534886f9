import { RPCS, type RpcContract } from '../contract';
import { isKind, NdpError } from '../errors';
import { handlersFor, limitsOf, type Handler, type ServiceDeps } from './call-context';
import { callPlugin, selectPlugins } from './call-plugin';

/**
 * MetadataAgent: with `x-plugin`, that plugin's answer as is; otherwise the plugins in order,
 * and the first answer that is not not_found / not_implemented / empty. A plugin that fails in
 * another way is logged and skipped, as a music server skips a broken agent.
 */
export function metadataAgentHandlers(deps: ServiceDeps) {
  return handlersFor(RPCS.MetadataAgent, (rpc) => firstAnswer(deps, rpc as RpcContract<unknown, unknown>));
}

function firstAnswer<Req, Res>(deps: ServiceDeps, rpc: RpcContract<Req, Res>): Handler<Req, Res> {
  return async (request, context) => {
    const plugins = selectPlugins(deps.plugins, rpc.service, context);
    const input = rpc.encodeRequest(request);
    const limits = limitsOf(context, deps.callTimeoutMs);
    if (context.pluginId !== undefined) return callPlugin(plugins[0], rpc, input, limits);
    const misses: string[] = [];
    for (const plugin of plugins) {
      try {
        const response = await callPlugin(plugin, rpc, input, limits);
        if (!rpc.isEmptyResponse(response)) return response;
        misses.push(`${plugin.id}: empty`);
      } catch (error) {
        // The caller's time is up (or the sidecar's): no later plugin can answer in time. A
        // plugin that ran out of its own time limit is skipped like any broken one.
        if (isKind(error, 'deadline', 'shutting_down')) throw error;
        if (!isKind(error, 'not_found', 'not_implemented')) deps.log.warn({ plugin: plugin.id, rpc: rpc.method, err: error }, 'plugin failed; asking the next');
        misses.push(`${plugin.id}: ${isKind(error, 'not_found', 'not_implemented') ? error.kind : (error as Error).message}`);
      }
    }
    throw new NdpError('not_found', `no MetadataAgent plugin answered ${rpc.method} (${misses.join('; ')})`);
  };
}
