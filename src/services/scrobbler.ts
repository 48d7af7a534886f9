import { RPCS, type RpcContract, type WireMessage } from '../contract';
import type { ScrobblerIsAuthorizedRequest, ScrobblerIsAuthorizedResponse } from '../../generated/ts/api';
import { NdpError } from '../errors';
import { limitsOf, type CallContext, type ForwardingHandler, type ServiceDeps } from './call-context';
import { pluginCaller, selectPlugins, type PluginCaller } from './call-plugin';

/**
 * Scrobbler: NowPlaying and Scrobble go to every scrobbler plugin at once and succeed when all
 * do; otherwise `error` names each failing plugin. IsAuthorized is true only when every
 * addressed plugin says so. With `x-plugin`, the one plugin's answer (or error) as is.
 */
export function scrobblerHandlers(deps: ServiceDeps) {
  const call = pluginCaller(deps.observer);
  return {
    isAuthorized: isAuthorized(deps, call),
    nowPlaying: everyPlugin(deps, call, RPCS.Scrobbler.nowPlaying),
    scrobble: everyPlugin(deps, call, RPCS.Scrobbler.scrobble),
  };
}

interface Outcome<Res> {
  readonly pluginId: string;
  readonly response?: Res;
  readonly failure?: string;
}

async function askAll<Req, Res>(deps: ServiceDeps, callPlugin: PluginCaller, rpc: RpcContract<Req, Res>, request: WireMessage<Req>, context: CallContext): Promise<Outcome<Res>[] | WireMessage<Res>> {
  const plugins = selectPlugins(deps.plugins, rpc.service, context);
  const input = request.bytes;
  const limits = limitsOf(context, deps.callTimeoutMs);
  if (context.pluginId !== undefined) return callPlugin(plugins[0], rpc, input, limits);
  const settled = await Promise.allSettled(plugins.map((plugin) => callPlugin(plugin, rpc, input, limits)));
  // Once the caller has gone, the failures are its doing (jobs dropped, requests abandoned), not
  // the plugins': end the call, and log no plugin as failed (as MetadataAgent does).
  if (context.caller?.cancelled && settled.some((result) => result.status === 'rejected')) throw new NdpError('cancelled', `the caller cancelled ${rpc.method}`);
  return settled.map((result, index) => {
    const pluginId = plugins[index].id;
    if (result.status === 'fulfilled') return { pluginId, response: result.value.message };
    deps.log.warn({ plugin: pluginId, rpc: rpc.method, err: result.reason }, 'scrobbler plugin failed');
    return { pluginId, failure: (result.reason as Error).message };
  });
}

function everyPlugin<Req, Res extends { error: string }>(deps: ServiceDeps, call: PluginCaller, rpc: RpcContract<Req, Res>): ForwardingHandler<Req, Res> {
  return async (request, context) => {
    const outcomes = await askAll(deps, call, rpc, request, context);
    if (!Array.isArray(outcomes)) return outcomes;
    const errors = outcomes.flatMap(({ pluginId, response, failure }) =>
      failure !== undefined ? [failure] : response?.error ? [`plugin ${pluginId}: ${response.error}`] : [],
    );
    return rpc.response({ ...emptyOf(rpc), error: errors.join('; ') });
  };
}

function isAuthorized(deps: ServiceDeps, call: PluginCaller): ForwardingHandler<ScrobblerIsAuthorizedRequest, ScrobblerIsAuthorizedResponse> {
  const rpc = RPCS.Scrobbler.isAuthorized;
  return async (request, context) => {
    const outcomes = await askAll(deps, call, rpc, request, context);
    if (!Array.isArray(outcomes)) return outcomes;
    const refusals = outcomes.flatMap(({ pluginId, response, failure }) =>
      failure !== undefined ? [failure] : response?.authorized ? [] : [`plugin ${pluginId}: ${response?.error || 'not authorized'}`],
    );
    return rpc.response({ authorized: refusals.length === 0, error: refusals.join('; ') });
  };
}

/** The all-default response message, from the contract's own decoder. */
function emptyOf<Req, Res>(rpc: RpcContract<Req, Res>): Res {
  return rpc.decodeResponse(new Uint8Array());
}
