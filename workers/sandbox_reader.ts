/**
 * A worker that tries to read the file named in each message and replies
 * with what happened: the length read, or the error's name and message.
 *
 * @module
 */

/// <reference lib="deno.worker" />

self.onmessage = async (event: MessageEvent<string>) => {
  try {
    const text = await Deno.readTextFile(event.data);
    self.postMessage({ ok: true, chars: text.length });
  } catch (error) {
    const { name, message } = error as Error;
    self.postMessage({ ok: false, name, message });
  }
};
