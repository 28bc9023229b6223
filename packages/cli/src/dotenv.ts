/**
 * A `.env` file: `KEY=VALUE` lines, blank lines and `#` comments, an optional `export ` prefix,
 * values bare (an inline comment needs a space before the `#`), in double quotes (with `\n`, `\t`,
 * `\"` and `\\` escapes) or in single quotes (taken literally). Problems name the line, never
 * its value: the file holds credentials.
 */

/** A line the parser could not read; `line` is 1-based. */
export class DotEnvError extends Error {
  override readonly name = "DotEnvError";
  readonly line: number;

  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ESCAPES: Readonly<Record<string, string>> = {
  n: "\n",
  r: "\r",
  t: "\t",
  '"': '"',
  "\\": "\\",
};

/** The variables of a `.env` file's text, in order; a later duplicate wins. */
export function parseDotEnv(text: string): Record<string, string> {
  const variables: Record<string, string> = {};
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, index) => {
    const lineNumber = index + 1;
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const statement = line.startsWith("export ") ? line.slice("export ".length).trimStart() : line;
    const equals = statement.indexOf("=");
    if (equals === -1) throw new DotEnvError(lineNumber, "expected KEY=VALUE");
    const key = statement.slice(0, equals).trim();
    if (!KEY.test(key)) {
      throw new DotEnvError(lineNumber, "the name before = must be letters, digits and _");
    }
    variables[key] = readValue(statement.slice(equals + 1).trim(), lineNumber);
  });
  return variables;
}

function readValue(text: string, line: number): string {
  const quote = text[0];
  if (quote !== '"' && quote !== "'") return text.replace(/\s+#.*$/, "").trim();
  let value = "";
  for (let i = 1; i < text.length; i++) {
    const char = text[i]!;
    if (char === quote) {
      const rest = text.slice(i + 1).trim();
      if (rest !== "" && !rest.startsWith("#")) {
        throw new DotEnvError(line, `unexpected text after the closing ${quote}`);
      }
      return value;
    }
    if (quote === '"' && char === "\\" && i + 1 < text.length) {
      const next = text[i + 1]!;
      value += ESCAPES[next] ?? `\\${next}`;
      i++;
      continue;
    }
    value += char;
  }
  throw new DotEnvError(line, `missing closing ${quote}`);
}
