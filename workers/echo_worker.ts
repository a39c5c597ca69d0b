/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
// The worker of notebook 07. It adds 1 to the first byte of what it is sent,
// then answers:
// - a SharedArrayBuffer: the write already changed the sender's memory, so it
//   answers only with the last byte (proof that it sees all of it);
// - { buffer, move: true }: it moves the buffer back, in a transfer list;
// - { buffer }: it copies the buffer back, as a structured clone.
self.onmessage = (event: MessageEvent) => {
  const data = event.data;
  if (data instanceof SharedArrayBuffer) {
    const bytes = new Uint8Array(data);
    bytes[0] += 1;
    self.postMessage(bytes[bytes.length - 1]);
  } else {
    const { buffer, move } = data;
    new Uint8Array(buffer)[0] += 1;
    self.postMessage({ buffer, move }, move ? [buffer] : []);
  }
};
