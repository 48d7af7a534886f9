import { chmod, lstat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { NdpError } from '../errors';

/**
 * Makes way for a unix socket at `path`: a socket file left by a crashed run (nothing answers on
 * it) is removed; a live one, or a file that is not a socket, is an error naming `key`.
 */
export async function claimSocketPath(path: string, key: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = (await lstat(path)).isSocket();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new NdpError('failed_precondition', `${key}: cannot check ${path}: ${(error as Error).message}`, { key, path, cause: error });
  }
  if (!isSocket) throw new NdpError('bad_config', `${key}: ${path} exists and is not a socket; remove it or choose another path`, { key, path });
  if (await answers(path)) throw new NdpError('failed_precondition', `cannot listen on unix:${path} (${key}): another process is listening there (is another ndphost running?)`, { key, path });
  await unlink(path);
}

/**
 * Only the sidecar's user may connect. The socket is made with the process umask and changed
 * right after; its default folder, DataFolder, is created 0700, which closes the gap there.
 */
export async function restrictSocket(path: string): Promise<void> {
  await chmod(path, 0o600);
}

/** Removes the socket file at shutdown, if it is still there. */
export async function removeSocket(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
