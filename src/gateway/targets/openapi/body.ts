/** Reads at most `limit` bytes of a body, then stops the download (a huge upstream answer never fills memory). */
export async function readBounded(body: ReadableStream<Uint8Array> | null, limit: number): Promise<{ bytes: Buffer; truncated: boolean }> {
  if (!body) return { bytes: Buffer.alloc(0), truncated: false };
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return { bytes: Buffer.concat(chunks, size), truncated: false };
      chunks.push(Buffer.from(value));
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel();
        return { bytes: Buffer.concat(chunks, size).subarray(0, limit), truncated: true };
      }
    }
  } finally {
    reader.releaseLock();
  }
}
