/** Runs the CLI's `main` in this process with captured output (one ONNX Runtime thread unless told otherwise). */
import { main } from '../../../src/cli/main';

export interface CliRun { code: number; stdout: string; stderr: string }

export async function runCli(argv: string[], options: { tty?: boolean; intraOpThreads?: number } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s), isTTY: options.tty ?? false }, env: {} };
  const code = await main(argv, io, { intraOpThreads: options.intraOpThreads ?? 1 });
  return { code, stdout, stderr };
}
