// What a worker's stderr says about how it ended: the last bytes it wrote, and the lines of them that name the error.
// The runtime's sessions and pools and the gateway's function targets all read it from the Worker.

/** How much of the end of a process's stderr is kept. */
const STDERR_TAIL_BYTES = 4096;
/** The longest one-line summary. */
const SUMMARY_CHARS = 400;

/** The end of a process's stderr, kept as it is written. */
export class StderrTail {
  private kept = '';

  /** Keeps `chunk`; what falls out of the window is dropped. */
  append(chunk: string): void {
    this.kept = (this.kept + chunk).slice(-STDERR_TAIL_BYTES);
  }

  /** The kept text, trimmed. */
  get text(): string {
    return this.kept.trim();
  }
}

/** The lines of a stderr tail that say what went wrong (the error line and where), as one line. */
export function summarizeStderr(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const errorAt = lines.findIndex((line) => /\b\w*(Error|ERROR)\b.*:/.test(line));
  const picked = errorAt >= 0 ? lines.slice(errorAt, errorAt + 2).filter((line) => !line.startsWith('at ')) : lines.slice(-2);
  // Node prints where a module failed to parse on a line of its own (`file:///x.mjs:2`) above the error.
  const location = lines.find((line) => /^(file:\/\/|\/)\S+:\d+(:\d+)?$/.test(line));
  const text = [...picked, ...(location && !picked.some((line) => line.includes(location)) ? [`(at ${location})`] : [])].join(' ');
  return text.length > SUMMARY_CHARS ? `${text.slice(0, SUMMARY_CHARS - 1)}…` : text;
}
