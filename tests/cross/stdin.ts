// Standard input as text, in Deno and Bun alike (both provide node's process.stdin).
export async function readStdinText(): Promise<string> {
  const stdin = (globalThis as unknown as { process: { stdin: AsyncIterable<Uint8Array> } })
    .process.stdin;
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stdin) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}
