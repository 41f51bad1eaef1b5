// Unbuffered writes to the process streams: alerts must reach a pipe as soon as they arrive.

const encoder = new TextEncoder();

function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
}

export function writeStdout(text: string): void {
  writeAll(Deno.stdout, text);
}

export function writeStderr(text: string): void {
  writeAll(Deno.stderr, text);
}
