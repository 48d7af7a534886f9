import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  PluginAdminClient,
  type PluginInfo,
  type RefreshPluginResponse,
} from '../../generated/ts/ndphost/admin/v1/admin';
import type { Config } from '../config';
import { NdpError, type ErrorKind } from '../errors';

/** A running sidecar's admin service (ndphost.admin.v1.PluginAdmin), as the CLI uses it. */
export interface SidecarAdmin {
  /** The address the CLI reached it at. */
  readonly address: string;
  /** What the sidecar answered to the probe: every plugin folder it knows, loaded or failed. */
  readonly plugins: readonly PluginInfo[];
  refresh(id: string): Promise<RefreshPluginResponse>;
  rescan(): Promise<PluginInfo[]>;
  close(): void;
}

/**
 * How long the probe may take before the CLI decides no sidecar is running. On the same host a
 * sidecar answers in milliseconds; a refused connection fails at once (the call does not wait
 * for the channel to become ready).
 */
const PROBE_DEADLINE_MS = 1000;

/**
 * A refresh compiles the module and runs OnInit, each bounded by the sidecar's own budgets
 * (Plugins.InitTimeout); this only guards against a sidecar that stops answering.
 */
const CALL_DEADLINE_MS = 120_000;

/** gRPC status -> error kind, the reverse of src/server's map, for what the admin service answers. */
const KINDS: Partial<Record<status, ErrorKind>> = {
  [status.NOT_FOUND]: 'unknown_plugin',
  [status.FAILED_PRECONDITION]: 'failed_precondition',
  [status.INVALID_ARGUMENT]: 'invalid_argument',
  [status.DEADLINE_EXCEEDED]: 'deadline',
  [status.UNAVAILABLE]: 'unavailable',
};

/**
 * Why the CLI could not tell a sidecar, for its messages: the admin listener (AdminAddress, from
 * the same config as the sidecar's) is off, or nothing answered there.
 */
export function noSidecarReason(config: Config): string {
  return config.admin === undefined ? 'the admin listener is off (AdminAddress is "")' : `no sidecar is running at ${config.admin.address}`;
}

/**
 * Connects to the admin listener of the sidecar run with `config` (AdminAddress) and asks it
 * for its plugins. Resolves undefined when the listener is off or nothing answers there within
 * the probe deadline: no sidecar is running. Something that answers but does not serve the admin
 * service is an error, not "not running".
 */
export async function connectSidecar(config: Config): Promise<SidecarAdmin | undefined> {
  if (config.admin === undefined) return undefined;
  const target = config.admin.address;
  const client = new PluginAdminClient(target, credentials.createInsecure(), {
    // The admin listener is on the sidecar's host (a unix socket or loopback); never via a proxy.
    'grpc.enable_http_proxy': 0,
  });
  const call = <T>(method: 'listPlugins' | 'refreshPlugin' | 'rescanAll', request: object, deadlineMs: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const unary = client[method] as unknown as (
        request: object,
        metadata: Metadata,
        options: { deadline: number },
        callback: (error: ServiceError | null, response: T) => void,
      ) => void;
      unary.call(client, request, new Metadata({ waitForReady: false }), { deadline: Date.now() + deadlineMs }, (error, response) =>
        error ? reject(error) : resolve(response),
      );
    });
  let plugins: PluginInfo[];
  try {
    plugins = (await call<{ plugins: PluginInfo[] }>('listPlugins', {}, PROBE_DEADLINE_MS)).plugins;
  } catch (error) {
    client.close();
    const code = (error as ServiceError).code;
    if (code === status.UNAVAILABLE || code === status.DEADLINE_EXCEEDED) return undefined;
    if (code === status.UNIMPLEMENTED) {
      throw new NdpError('failed_precondition', `the server at ${target} is not an ndphost sidecar (it has no ndphost.admin.v1.PluginAdmin service)`);
    }
    throw fromStatus(error, target);
  }
  const ask = async <T>(method: 'refreshPlugin' | 'rescanAll', request: object): Promise<T> => {
    try {
      return await call<T>(method, request, CALL_DEADLINE_MS);
    } catch (error) {
      throw fromStatus(error, target);
    }
  };
  return {
    address: target,
    plugins,
    refresh: (id) => ask<RefreshPluginResponse>('refreshPlugin', { id }),
    rescan: async () => (await ask<{ plugins: PluginInfo[] }>('rescanAll', {})).plugins,
    close: () => client.close(),
  };
}

/** The sidecar's answer as an NdpError, its details as the message (they name the plugin and why). */
function fromStatus(error: unknown, target: string): NdpError {
  const serviceError = error as Partial<ServiceError>;
  const kind = (serviceError.code !== undefined && KINDS[serviceError.code as status]) || 'internal';
  return new NdpError(kind, `sidecar at ${target}: ${serviceError.details || serviceError.message || String(error)}`, { cause: error });
}
