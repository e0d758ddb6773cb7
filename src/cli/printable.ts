/**
 * Text the CLI prints, made safe for a terminal: a description or name holding escape
 * sequences (ESC [2J, a carriage return, C1 controls) would otherwise rewrite the reader's
 * screen. Each control character but newline and tab is written as a `\uXXXX` escape — the
 * same escape JSON reads, so `--json` output keeps its values exactly.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const controls = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export const printable = (text: string): string =>
  text.replace(controls, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
