/**
 * A body stream with bytes put in front of what is left of another one: how the HTTP adapters
 * answer with a stream they had to start reading (to learn a call's outcome) or to open (an SSE
 * comment that makes Node send the headers). Pull-based, so the reader is read only as fast as
 * the response is written; cancelling it cancels the source.
 */
export function prependChunk(first: Uint8Array | undefined, rest: ReadableStreamDefaultReader<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (first !== undefined) controller.enqueue(first);
    },
    async pull(controller) {
      const next = await rest.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel(reason) {
      return rest.cancel(reason);
    },
  });
}
