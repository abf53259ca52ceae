/**
 * The few runtime-specific operations the demo needs (name, stdin, stdout, exit), for Deno and
 * Bun, without node: imports so the demo type-checks anywhere.
 *
 * @module
 */

interface DenoLike {
  version: { deno: string };
  stdout: { write(bytes: Uint8Array): Promise<number> };
  stdin: { readable: ReadableStream<Uint8Array> };
  exit(code: number): never;
}

interface BunLike {
  version: string;
  stdout: unknown;
  stdin: { stream(): ReadableStream<Uint8Array> };
  write(destination: unknown, data: Uint8Array): Promise<number>;
}

interface ProcessLike {
  exit(code: number): never;
}

const g = globalThis as unknown as { Deno?: DenoLike; Bun?: BunLike; process?: ProcessLike };

/** "Deno 2.9.6" or "Bun 1.4.5". */
export function runtimeName(): string {
  if (g.Bun) return `Bun ${g.Bun.version}`;
  if (g.Deno) return `Deno ${g.Deno.version.deno}`;
  return "unknown runtime";
}

/** Writes all of `bytes` to standard output. */
export async function writeStdout(bytes: Uint8Array): Promise<void> {
  if (g.Bun) {
    await g.Bun.write(g.Bun.stdout, bytes);
    return;
  }
  if (!g.Deno) throw new Error("the demo runs under Deno or Bun");
  let offset = 0;
  while (offset < bytes.length) offset += await g.Deno.stdout.write(bytes.subarray(offset));
}

/** Reads standard input to its end. */
export async function readStdin(): Promise<Uint8Array> {
  const stream = g.Bun ? g.Bun.stdin.stream() : g.Deno?.stdin.readable;
  if (!stream) throw new Error("the demo runs under Deno or Bun");
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Ends the process with `code`. */
export function exit(code: number): never {
  if (g.Deno) return g.Deno.exit(code);
  if (g.process) return g.process.exit(code);
  throw new Error(`exit ${code}`);
}
