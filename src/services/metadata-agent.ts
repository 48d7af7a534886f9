import { RPCS, type RpcContract, type WireMessage } from '../contract';
import { isKind, NdpError } from '../errors';
import type { Plugin } from '../plugins';
import { handlersFor, limitsOf, type ForwardingHandler, type ServiceDeps } from './call-context';
import { pluginCaller, selectPlugins, type PluginCaller } from './call-plugin';

/**
 * MetadataAgent: with `x-plugin`, that plugin's answer as is; otherwise the first answer in
 * plugin order that is not not_found / not_implemented / empty. A plugin that fails in another
 * way is logged and skipped, as a music server skips a broken agent.
 *
 * Every plugin is asked at once and the answers are read in order, so the call takes about as
 * long as the slowest plugin it has to wait for, not the sum of all (issue 10: 16 plugins
 * answering not_found one after another added ~0.6 ms each). The answer is the same as asking
 * one by one; the difference is that plugins after the one that answers are asked too.
 */
export function metadataAgentHandlers(deps: ServiceDeps) {
  const call = pluginCaller(deps.observer);
  return handlersFor(RPCS.MetadataAgent, (rpc) => firstAnswer(deps, call, rpc as RpcContract<unknown, unknown>));
}

function firstAnswer<Req, Res>(deps: ServiceDeps, callPlugin: PluginCaller, rpc: RpcContract<Req, Res>): ForwardingHandler<Req, Res> {
  return async (request, context) => {
    const plugins = selectPlugins(deps.plugins, rpc.service, context);
    const input = request.bytes;
    const limits = limitsOf(context, deps.callTimeoutMs);
    if (context.pluginId !== undefined) return callPlugin(plugins[0], rpc, input, limits);
    const answers = plugins.map((plugin) => callPlugin(plugin, rpc, input, limits));
    // Handled at once, so a failure of a plugin nobody waits for (one after the plugin that
    // answers) is never an unhandled rejection; the first is always awaited.
    for (let index = 1; index < answers.length; index++) answers[index].catch(ignore);
    const misses: string[] = [];
    for (const [index, plugin] of plugins.entries()) {
      let response: WireMessage<Res>;
      try {
        response = await answers[index];
      } catch (error) {
        // Once the caller has gone, the failures are its doing (requests abandoned, jobs dropped),
        // not the plugins': end the call, and log no plugin as broken.
        if (context.caller?.cancelled) throw new NdpError('cancelled', `the caller cancelled ${rpc.method} while plugin ${plugin.id} was asked`);
        misses.push(miss(deps, rpc, plugin, error));
        continue;
      }
      if (!rpc.isEmptyResponse(response.message)) return response;
      deps.observer?.missed(plugin.id, rpc, 'empty');
      misses.push(`${plugin.id}: empty`);
    }
    throw new NdpError('not_found', `no MetadataAgent plugin answered ${rpc.method} (${misses.join('; ')})`);
  };
}

function ignore(): void {}

/** Why a plugin gave no answer; the caller's deadline or cancel, or a shutdown, ends the whole call. */
function miss<Req, Res>(deps: ServiceDeps, rpc: RpcContract<Req, Res>, plugin: Plugin, error: unknown): string {
  // The caller's time is up or it gave up (or the sidecar is going): no later plugin's answer
  // would reach it. A plugin that ran out of its own time limit (plugin_timeout) is skipped like
  // any broken one.
  if (isKind(error, 'deadline', 'cancelled', 'shutting_down')) throw error;
  if (isKind(error, 'not_found', 'not_implemented')) {
    deps.observer?.missed(plugin.id, rpc, error.kind === 'not_found' ? 'not_found' : 'not_implemented');
    return `${plugin.id}: ${error.kind}`;
  }
  deps.observer?.missed(plugin.id, rpc, 'error');
  deps.log.warn({ plugin: plugin.id, rpc: rpc.method, err: error }, 'plugin failed; asking the next');
  return `${plugin.id}: ${(error as Error).message}`;
}
