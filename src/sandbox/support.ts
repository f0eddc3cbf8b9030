import { execFile } from 'node:child_process';
import { ToolportError } from '../errors/index.js';

/** The sandbox cannot be built on this host; the message names the cause and the fix. */
export class SandboxUnavailableError extends ToolportError<'sandbox_unavailable'> {
  override name = 'SandboxUnavailableError';

  constructor(message: string) {
    super('sandbox_unavailable', message);
  }
}

let checked: Promise<void> | undefined;

function probe(): Promise<void> {
  if (process.platform !== 'linux') {
    return Promise.reject(
      new SandboxUnavailableError(
        `isolation: sandbox needs Linux namespaces, and this is ${process.platform}; run Toolport on Linux, or set isolation: process to trust this runtime or target with everything the platform can read`,
      ),
    );
  }
  return new Promise((resolve, reject) => {
    execFile('bwrap', ['--unshare-all', '--die-with-parent', '--ro-bind', '/', '/', 'true'], { timeout: 10_000 }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        new SandboxUnavailableError(
          missing
            ? 'isolation: sandbox needs bubblewrap, which is not installed; install it with `apt-get install bubblewrap` (or set isolation: process to trust this runtime or target with everything the platform can read)'
            : `isolation: sandbox cannot create namespaces here (bwrap: ${stderr.trim() || error.message}); enable unprivileged user namespaces with \`sysctl -w kernel.unprivileged_userns_clone=1\` (Ubuntu: \`sysctl -w kernel.apparmor_restrict_unprivileged_userns=0\`), or set isolation: process`,
        ),
      );
    });
  });
}

/** Resolves once this host can build sandboxes (checked once per process); rejects with the cause and the fix. */
export function ensureSandboxSupport(): Promise<void> {
  checked ??= probe();
  return checked;
}
