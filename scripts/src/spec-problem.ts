/** One thing wrong with a spec, located by file and JSON pointer (RFC 6901). */
export interface SpecProblem {
  readonly file: string;
  readonly pointer: string;
  readonly message: string;
  /** 1-based line in the YAML source, when the pointer can be located. */
  readonly line?: number | undefined;
}

/** Thrown by any pipeline step that finds a problem; carries every problem found, not just the first. */
export class SpecError extends Error {
  readonly problems: readonly SpecProblem[];

  constructor(problems: readonly SpecProblem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "SpecError";
    this.problems = problems;
  }
}

/** `specs/manis.yaml:12 #/x-tokenyard/token/expiry/0/from: unknown field "expiresat" in response schema` */
export function formatProblem(problem: SpecProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  return `${where} #${problem.pointer}: ${problem.message}`;
}

/** Escapes one JSON pointer segment (RFC 6901 §3). */
export function pointerSegment(key: string | number): string {
  return String(key).replaceAll("~", "~0").replaceAll("/", "~1");
}

/** Joins segments onto a base pointer. */
export function pointerJoin(base: string, ...keys: ReadonlyArray<string | number>): string {
  return base + keys.map((key) => `/${pointerSegment(key)}`).join("");
}

/** Collects problems across a step so that one run reports all of them, each with its line. */
export class ProblemCollector {
  readonly #problems: SpecProblem[] = [];

  constructor(
    private readonly spec: { file: string; lineOf(pointer: string): number | undefined },
  ) {}

  report(pointer: string, message: string): void {
    this.#problems.push({
      file: this.spec.file,
      pointer,
      message,
      line: this.spec.lineOf(pointer),
    });
  }

  /** Runs `step`; a {@link SpecError} it throws is recorded and `undefined` returned. */
  attempt<T>(step: () => T): T | undefined {
    try {
      return step();
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
      this.#problems.push(...error.problems);
      return undefined;
    }
  }

  throwIfAny(): void {
    if (this.#problems.length > 0) throw new SpecError(this.#problems);
  }
}
