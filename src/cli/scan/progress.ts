/** The scan's progress line on an interactive stderr: files, tokens per second, time left. */
export interface ProgressSink {
  write(s: string): unknown;
}

export class ScanProgress {
  private readonly started = performance.now();
  private last = 0;
  private files = 0;
  private bytes = 0;
  private tokens = 0;

  constructor(private readonly out: ProgressSink | undefined, private readonly totalFiles: number, private readonly totalBytes: number) {}

  fileDone(bytes: number, tokens: number): void {
    this.files++;
    this.bytes += bytes;
    this.tokens += tokens;
    const now = performance.now();
    if (this.out && (now - this.last > 250 || this.files === this.totalFiles)) {
      this.last = now;
      this.out.write(`\r\x1b[K${this.line(now)}`);
    }
  }

  line(now = performance.now()): string {
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? this.tokens / seconds : 0;
    const left = this.bytes > 0 && seconds > 0 ? ((this.totalBytes - this.bytes) * seconds) / this.bytes : undefined;
    return `scan: ${this.files}/${this.totalFiles} files, ${Math.round(rate).toLocaleString('en-US')} tokens/s, ${left === undefined ? '?' : duration(left)} left`;
  }

  done(summary: string): void {
    if (this.out) this.out.write(`\r\x1b[K${summary}\n`);
  }

  get elapsedSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  get scoredTokens(): number {
    return this.tokens;
  }
}

export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (v: number): string => String(v).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}
