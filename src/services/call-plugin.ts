import { performance } from 'node:perf_hooks';
import type { RpcContract, ServiceName, WireMessage } from '../contract';
import { NdpError } from '../errors';
import { pluginIdProblem, quotePluginId, type Plugin } from '../plugins';
import type { CallLimits } from '../runtime';
import type { CallContext, PluginDirectory } from './call-context';
import type { PluginCallObserver } from './call-observer';

/** Calls one plugin with an already encoded request: {@link callPlugin}, watched when an observer is given. */
export type PluginCaller = <Req, Res>(plugin: Plugin, rpc: RpcContract<Req, Res>, request: Uint8Array, limits: CallLimits) => Promise<WireMessage<Res>>;

/** The plugin caller for a service, chosen once when its handlers are built: unwatched calls pay nothing. */
export function pluginCaller(observer: PluginCallObserver | undefined): PluginCaller {
  if (observer === undefined) return callPlugin;
  return async (plugin, rpc, request, limits) => {
    const trace = observer.started(plugin.id, rpc, limits.trace);
    const started = performance.now();
    try {
      const response = await callPlugin(plugin, rpc, request, trace === undefined ? limits : { ...limits, trace });
      observer.ended(plugin.id, rpc, performance.now() - started, undefined, trace);
      return response;
    } catch (error) {
      observer.ended(plugin.id, rpc, performance.now() - started, error, trace);
      throw error;
    }
  };
}

/** Calls one plugin with an already encoded request; its answer as it sent it, and decoded. */
export async function callPlugin<Req, Res>(plugin: Plugin, rpc: RpcContract<Req, Res>, request: Uint8Array, limits: CallLimits): Promise<WireMessage<Res>> {
  const bytes = await plugin.invoke(rpc.exportName, request, limits);
  try {
    return rpc.readResponse(bytes);
  } catch (error) {
    throw new NdpError('bad_abi', `plugin ${plugin.id}: export ${rpc.exportName} returned bytes that are not a valid ${rpc.method} response (${(error as Error).message})`, {
      pluginId: plugin.id,
      export: rpc.exportName,
    });
  }
}

/** The plugins a call goes to: the one named by `x-plugin`, or every plugin serving the service in order. */
export function selectPlugins(plugins: PluginDirectory, service: ServiceName, context: CallContext): readonly Plugin[] {
  if (context.pluginId !== undefined) {
    // An empty or malformed value is the caller's mistake, never "no header" (which would fan out).
    const problem = pluginIdProblem(context.pluginId);
    if (problem) throw new NdpError('invalid_argument', `x-plugin metadata: plugin id ${quotePluginId(context.pluginId)} ${problem}`, { key: 'x-plugin' });
    const plugin = plugins.get(context.pluginId);
    if (!plugin) throw new NdpError('unknown_plugin', `no plugin with id "${context.pluginId}" is loaded`, { pluginId: context.pluginId });
    if (!plugin.serves(service)) throw new NdpError('not_implemented', `plugin ${plugin.id} does not serve ${service}`, { pluginId: plugin.id });
    return [plugin];
  }
  // Quarantined plugins sit out fan-out until their back-off is over.
  const serving = plugins.forService(service).filter((plugin) => plugin.available);
  if (serving.length === 0) throw new NdpError('not_found', `no available plugin serves ${service}`);
  return serving;
}
