/**
 * ONNX Runtime's bundled telemetry SDK creates an empty `mat-debug-<pid>.log` in the temp folder of
 * the process the first time a session is created. The worker shares the host's process (and its
 * native environment, so TMPDIR cannot be redirected per worker); the file is removed instead.
 */
import { rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function removeTelemetryLog(): void {
  const candidates = new Set([tmpdir(), process.env.TMPDIR ?? '', '/tmp', process.cwd()].filter(Boolean));
  for (const dir of candidates) {
    const path = join(dir, `mat-debug-${process.pid}.log`);
    try {
      // Only an empty file is ours to remove: a non-empty one was asked for by someone debugging.
      if (statSync(path).size === 0) rmSync(path);
    } catch {
      // absent: nothing to do
    }
  }
}
