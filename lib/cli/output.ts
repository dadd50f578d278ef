import type { CliIo } from './io';

/**
 * Writes a command's results: JSON lines with `--json` (one object per line, nothing else on
 * stdout, so `| jq` always works), human-readable lines otherwise.
 *
 * @example
 * ```ts
 * const out = new Output(io, options.json === true);
 * out.result({ uuid: 'alice', channels: ['lobby'] }, () => ['lobby']);
 * ```
 */
export class Output {
  constructor(
    private readonly io: CliIo,
    /** True with `--json`. */
    readonly json: boolean,
  ) {}

  /** One result or event: `value` as a JSON line, or the human lines `human()` renders. */
  result(value: unknown, human: () => string | readonly string[]): void {
    if (this.json) {
      this.io.stdout.write(`${JSON.stringify(value)}\n`);
      return;
    }
    const lines = human();
    for (const line of typeof lines === 'string' ? [lines] : lines) this.io.stdout.write(`${line}\n`);
  }

  /** A remark for people ("Ctrl-C to leave"), or several; left out of `--json` output, which is data only. */
  note(lines: string | readonly string[]): void {
    if (this.json) return;
    for (const line of typeof lines === 'string' ? [lines] : lines) this.io.stdout.write(`${line}\n`);
  }
}
