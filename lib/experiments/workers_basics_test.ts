import assert from "node:assert/strict";
import {
  itemsPerWorker,
  plannedItemMs,
  QUEUE_WORKER,
  type QueueWorkerReply,
  type QueueWorkerRequest,
  timelineFigure,
  validateWorkersParameters,
} from "./workers_basics.ts";

const good = { workers: 5, items: 10, itemMs: 100, seed: 7, jobMs: 50 };

Deno.test("validateWorkersParameters names the bad value", () => {
  assert.equal(validateWorkersParameters(good), good);
  assert.throws(
    () => validateWorkersParameters({ ...good, items: -3 }),
    {
      name: "RangeError",
      message:
        "Invalid parameter: 'items' must be a positive integer, received -3",
    },
  );
  assert.throws(
    () => validateWorkersParameters({ ...good, itemMs: 0 }),
    /'itemMs' must be a positive number of milliseconds, received 0/,
  );
  assert.throws(
    () => validateWorkersParameters({ ...good, seed: 0.5 }),
    /'seed' must be an integer, received 0.5/,
  );
  assert.throws(
    () => validateWorkersParameters({ ...good, jobMs: -1 }),
    /'jobMs' must be a positive number of milliseconds, received -1/,
  );
});

Deno.test("plannedItemMs is seeded and stays within half to one and a half times the mean", () => {
  const a = plannedItemMs(20, 100, 3);
  assert.deepEqual(a, plannedItemMs(20, 100, 3));
  assert.notDeepEqual(a, plannedItemMs(20, 100, 4));
  assert.ok(a.every((ms) => ms >= 50 && ms <= 150));
});

/** The next message or error event of a worker. */
function next(worker: Worker): Promise<QueueWorkerReply | ErrorEvent> {
  return new Promise((resolve) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      resolve(event);
    };
  });
}

Deno.test("queue worker answers echo and work, in the order asked", async () => {
  const worker = new Worker(QUEUE_WORKER, { type: "module" });
  try {
    const ask = (request: QueueWorkerRequest) => {
      const reply = next(worker);
      worker.postMessage(request);
      return reply;
    };
    assert.deepEqual(await ask({ kind: "echo", value: [1, "two"] }), {
      kind: "echo",
      value: [1, "two"],
    });
    const started = performance.now();
    assert.deepEqual(await ask({ kind: "work", item: 7, ms: 30 }), {
      kind: "done",
      item: 7,
    });
    assert.ok(performance.now() - started >= 29);
  } finally {
    worker.terminate();
  }
});

Deno.test("queue worker's throw reaches the parent as an error event naming the message", async () => {
  const worker = new Worker(QUEUE_WORKER, { type: "module" });
  try {
    const reply = next(worker);
    worker.postMessage({ kind: "throw", message: "bad input: -1" });
    const event = await reply;
    assert.ok(event instanceof ErrorEvent);
    assert.match(event.message, /bad input: -1/);
  } finally {
    worker.terminate();
  }
});

Deno.test("itemsPerWorker counts each worker's items", () => {
  const records = [2, 2, 1, 3].map((worker, item) => ({
    item,
    worker,
    plannedMs: 1,
    startMs: 0,
    endMs: 1,
  }));
  assert.deepEqual(itemsPerWorker(records, 4), [1, 2, 1, 0]);
});

Deno.test("timelineFigure draws one segment per item on its worker's row", () => {
  const records = [
    { item: 1, worker: 2, plannedMs: 5, startMs: 0, endMs: 5 },
    { item: 0, worker: 1, plannedMs: 3, startMs: 0, endMs: 3 },
  ];
  const figure = timelineFigure(records, "Two items.");
  assert.deepEqual(figure.data.map((t) => t.name), ["item 0", "item 1"]);
  assert.deepEqual(figure.data[1].y, [2, 2]);
  assert.deepEqual(figure.data[1].x, [0, 5]);
  assert.equal(figure.layout.showlegend, false);
});
