/**
 * A listener on the Jupyter kernel's IOPub channel, from inside the kernel:
 * how a cell learns that what it printed has really been published.
 *
 * Deno's kernel runs cells on one thread and speaks to the front end on
 * another. Everything a cell prints or displays goes into a queue; the
 * kernel's thread takes it out, stamps it with the header of the *latest*
 * execute request and publishes it on IOPub. When a front end queues every
 * cell at once (Run All) and the queue is still draining as a cell ends, the
 * next cell's request is already the latest, so the rest of the first cell's
 * output is filed under the next cell. Publishing is in queue order, so a
 * cell that sends a message of its own and waits until it sees it on IOPub
 * knows that all its earlier output went out before it, under its own header.
 *
 * The listener is a ZeroMQ SUB socket spoken by hand (ZMTP 3.0, NULL
 * mechanism, as Deno's kernel speaks it) over TCP to the IOPub port named in
 * the kernel's connection file.
 *
 * @module
 */

/** One IOPub message: its header and content. */
export interface IopubMessage {
  /** The message's header; `msg_type` names it. */
  header: { msg_type: string; [key: string]: unknown };
  /** The message's content. */
  content: Record<string, unknown>;
}

/** Where the kernel publishes, from its connection file. */
export interface IopubAddress {
  /** The IP address, e.g. `127.0.0.1`. */
  hostname: string;
  /** The IOPub port. */
  port: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const DELIMITER = "<IDS|MSG>";

/**
 * The path given after `--conn` in a kernel's command line.
 *
 * @param args The kernel's command line, program first.
 * @returns The connection file's path, or `undefined` when there is none.
 *
 * @example
 * ```ts
 * import { connectionFileOf } from "./_iopub.ts";
 * import assert from "node:assert/strict";
 * const args = ["deno", "jupyter", "--kernel", "--conn", "/run/kernel-1.json"];
 * assert.equal(connectionFileOf(args), "/run/kernel-1.json");
 * assert.equal(connectionFileOf(["deno", "run", "x.ts"]), undefined);
 * ```
 */
export function connectionFileOf(args: readonly string[]): string | undefined {
  const at = args.indexOf("--conn");
  if (at !== -1) return args[at + 1];
  return args.find((arg) => arg.startsWith("--conn="))?.slice(
    "--conn=".length,
  );
}

/**
 * A process's command line as `ps` prints it (macOS and the BSDs have no
 * `/proc`): the arguments joined by spaces, split again at spaces.
 *
 * @param pid The process.
 * @returns The arguments, or `undefined` when `ps` is missing or fails.
 *
 * @example
 * ```ts
 * import { commandLineFromPs } from "./_iopub.ts";
 * import assert from "node:assert/strict";
 * const args = commandLineFromPs(Deno.pid);
 * assert.ok(args === undefined || args.includes("test"));
 * ```
 */
export function commandLineFromPs(pid: number): string[] | undefined {
  try {
    const output = new Deno.Command("ps", {
      args: ["-ww", "-o", "args=", "-p", String(pid)],
      stdin: "null",
      stderr: "null",
    }).outputSync();
    const line = decoder.decode(output.stdout).trim();
    return output.success && line !== "" ? line.split(/\s+/) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * This process's command line: from `/proc/self/cmdline` on Linux, else from
 * `ps`, else empty.
 *
 * @returns The arguments, program first.
 *
 * @example
 * ```ts
 * import { ownCommandLine } from "./_iopub.ts";
 * import assert from "node:assert/strict";
 * assert.ok(ownCommandLine().length > 0);
 * ```
 */
export function ownCommandLine(): string[] {
  try {
    return Deno.readTextFileSync("/proc/self/cmdline").split("\0")
      .filter((arg) => arg !== "");
  } catch {
    return commandLineFromPs(Deno.pid) ?? [];
  }
}

/**
 * Reads where this kernel publishes: the IOPub address in the connection
 * file named by its command line.
 *
 * @param args The kernel's command line.
 * @returns The address, or `undefined` when there is no readable connection file.
 *
 * @example
 * ```ts
 * import { iopubAddress } from "./_iopub.ts";
 * import assert from "node:assert/strict";
 * const file = await Deno.makeTempFile();
 * await Deno.writeTextFile(file, JSON.stringify({ ip: "127.0.0.1", iopub_port: 5556 }));
 * assert.deepEqual(iopubAddress(["deno", "jupyter", "--conn", file]), {
 *   hostname: "127.0.0.1",
 *   port: 5556,
 * });
 * await Deno.remove(file);
 * ```
 */
export function iopubAddress(
  args: readonly string[],
): IopubAddress | undefined {
  const file = connectionFileOf(args);
  if (file === undefined) return undefined;
  try {
    const info = JSON.parse(Deno.readTextFileSync(file));
    if (
      typeof info.ip === "string" && Number.isInteger(info.iopub_port)
    ) {
      return { hostname: info.ip, port: info.iopub_port };
    }
  } catch {
    // Unreadable or not JSON: no address.
  }
  return undefined;
}

/** Encodes one ZMTP frame: flags, a short or long size, the body. */
function frame(body: Uint8Array, flags = 0): Uint8Array {
  const long = body.length > 255;
  const head = long ? 9 : 2;
  const bytes = new Uint8Array(head + body.length);
  bytes[0] = flags | (long ? 0x02 : 0);
  if (long) new DataView(bytes.buffer).setBigUint64(1, BigInt(body.length));
  else bytes[1] = body.length;
  bytes.set(body, head);
  return bytes;
}

/** The 64-byte ZMTP 3.0 greeting of a client using the NULL mechanism. */
function greeting(): Uint8Array {
  const bytes = new Uint8Array(64);
  bytes[0] = 0xff;
  bytes[9] = 0x7f;
  bytes[10] = 3;
  bytes.set(encoder.encode("NULL"), 12);
  return bytes;
}

/** The READY command announcing a SUB socket. */
function readySub(): Uint8Array {
  const name = encoder.encode("READY");
  const key = encoder.encode("Socket-Type");
  const value = encoder.encode("SUB");
  const body = new Uint8Array(
    1 + name.length + 1 + key.length + 4 + value.length,
  );
  let at = 0;
  body[at++] = name.length;
  body.set(name, at);
  at += name.length;
  body[at++] = key.length;
  body.set(key, at);
  at += key.length;
  new DataView(body.buffer).setUint32(at, value.length);
  body.set(value, at + 4);
  return frame(body, 0x04);
}

/** Reads exact byte counts from a connection, keeping what is left over. */
class ByteReader {
  #conn: Deno.Conn;
  #buffer = new Uint8Array(0);

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  async read(count: number): Promise<Uint8Array> {
    while (this.#buffer.length < count) {
      const chunk = new Uint8Array(Math.max(65_536, count));
      const read = await this.#conn.read(chunk);
      if (read === null) throw new Error("IOPub connection closed");
      const joined = new Uint8Array(this.#buffer.length + read);
      joined.set(this.#buffer);
      joined.set(chunk.subarray(0, read), this.#buffer.length);
      this.#buffer = joined;
    }
    const bytes = this.#buffer.subarray(0, count);
    this.#buffer = this.#buffer.subarray(count);
    return bytes;
  }

  /** Reads one frame: its body and whether more frames follow. */
  async frame(): Promise<{ body: Uint8Array; more: boolean }> {
    const [flags] = await this.read(1);
    const size = flags & 0x02
      ? Number(
        new DataView((await this.read(8)).slice().buffer).getBigUint64(0),
      )
      : (await this.read(1))[0];
    return {
      body: (await this.read(size)).slice(),
      more: (flags & 0x01) !== 0,
    };
  }
}

/** Something waiting for a message. */
interface Waiter {
  matches: (message: IopubMessage) => boolean;
  resolve: (seen: boolean) => void;
}

/**
 * A SUB connection to a kernel's IOPub channel that hands each message to
 * whoever waits for it. Its reads never keep the process alive.
 */
export class IopubSubscriber {
  #conn: Deno.Conn;
  #waiters = new Set<Waiter>();
  #closed = false;

  private constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /**
   * Connects to a kernel's IOPub port and subscribes to every message.
   *
   * @param address Where the kernel publishes.
   * @returns The subscriber, receiving.
   * @throws {Error} When the connection or the handshake fails.
   */
  static async connect(address: IopubAddress): Promise<IopubSubscriber> {
    const conn = await Deno.connect({ ...address, transport: "tcp" });
    try {
      const reader = new ByteReader(conn);
      await conn.write(greeting());
      await reader.read(64);
      await conn.write(readySub());
      await reader.frame();
      // A subscription to every topic: a message whose body is 0x01 alone.
      await conn.write(frame(new Uint8Array([1])));
      conn.unref();
      const subscriber = new IopubSubscriber(conn);
      subscriber.#receive(reader);
      return subscriber;
    } catch (error) {
      conn.close();
      throw error;
    }
  }

  async #receive(reader: ByteReader): Promise<void> {
    try {
      while (true) {
        const frames: Uint8Array[] = [];
        let more = true;
        while (more) {
          const next = await reader.frame();
          frames.push(next.body);
          more = next.more;
        }
        const at = frames.findIndex((body) =>
          decoder.decode(body) === DELIMITER
        );
        if (at === -1 || frames.length < at + 6) continue;
        const message: IopubMessage = {
          header: JSON.parse(decoder.decode(frames[at + 2])),
          content: JSON.parse(decoder.decode(frames[at + 5])),
        };
        for (const waiter of this.#waiters) {
          if (waiter.matches(message)) {
            this.#waiters.delete(waiter);
            waiter.resolve(true);
          }
        }
      }
    } catch {
      // Closed, by us or by the kernel: nobody will see anything any more.
      this.close();
    }
  }

  /** Whether the connection is closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Waits for the first message that `matches`, from now on.
   *
   * @param matches Says whether a message is the one awaited.
   * @param timeoutMs How long to wait.
   * @returns `true` once it is seen; `false` after `timeoutMs` or when the
   *   connection closes.
   */
  waitFor(
    matches: (message: IopubMessage) => boolean,
    timeoutMs: number,
  ): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    const { promise, resolve } = Promise.withResolvers<boolean>();
    const waiter: Waiter = { matches, resolve };
    this.#waiters.add(waiter);
    const timer = setTimeout(() => {
      this.#waiters.delete(waiter);
      resolve(false);
    }, timeoutMs);
    return promise.finally(() => clearTimeout(timer));
  }

  /** Closes the connection; every waiter gets `false`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the kernel.
    }
    for (const waiter of this.#waiters) waiter.resolve(false);
    this.#waiters.clear();
  }
}
