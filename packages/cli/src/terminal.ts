/** Colour and a spinner, only on a terminal and never with NO_COLOR set; nothing else. */
import type { WriteStream } from "node:tty";

type Stream = NodeJS.WriteStream | WriteStream;

export interface Paint {
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

/** ANSI colours for `stream` when it is a TTY and `NO_COLOR` is unset or empty. */
export function paintFor(stream: Stream, env: NodeJS.ProcessEnv): Paint {
  const on = stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === "");
  const code = (open: number, close: number) => (text: string) =>
    on ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    green: code(32, 39),
    red: code(31, 39),
    yellow: code(33, 39),
    bold: code(1, 22),
    dim: code(2, 22),
  };
}

/** A spinner on `stream` while `work` runs, when `stream` is a TTY; returns `work`'s result. */
export async function withSpinner<T>(stream: Stream, label: string, work: Promise<T>): Promise<T> {
  if (stream.isTTY !== true) return work;
  const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
  let frame = 0;
  const draw = () => stream.write(`\r${frames[frame++ % frames.length]} ${label}`);
  draw();
  const timer = setInterval(draw, 80);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    stream.write("\r\u001b[2K");
  }
}
