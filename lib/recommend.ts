/**
 * The seeds' decision flowchart ("threads or processes?") walked step by
 * step, with every answer translated into Deno terms.
 *
 * @module
 */

/** What you know about your workload; the flowchart's questions. */
export interface WorkloadTraits {
  /** Is the work CPU-intensive (computing, not waiting)? */
  cpuBound: boolean;
  /** Can it be broken into independent chunks? Asked when CPU-bound. */
  independentChunks?: boolean;
  /** Does it mostly wait for I/O (network, disk)? Asked when not CPU-bound. */
  ioBound?: boolean;
  /** Do the concurrent parts need to share data often? Asked when I/O-bound. */
  shareDataOften?: boolean;
  /** Are there many I/O operations (rather than a few)? Asked when not sharing. */
  manyIoOperations?: boolean;
}

/** One step of the walk: a question, its answer and what it implies. */
export interface Step {
  /** The flowchart's question. */
  question: string;
  /** The answer given. */
  answer: string;
  /** Why this answer leads where it does. */
  why: string;
}

/** The outcome of {@linkcode recommend}. */
export interface Recommendation {
  /** What to use in Deno. */
  choice: string;
  /** What the Python seeds recommend at the same leaf. */
  python: string;
  /** The path through the flowchart. */
  steps: Step[];
}

function need(traits: WorkloadTraits, name: keyof WorkloadTraits): boolean {
  const value = traits[name];
  if (typeof value !== "boolean") {
    throw new TypeError(
      `Cannot recommend: '${name}' must be true or false on this path, received ${
        String(value)
      }`,
    );
  }
  return value;
}

/**
 * Walks the decision flowchart of the seeds with your answers and returns
 * the Deno recommendation, the Python one, and the reason at each step.
 * Python's multiprocessing maps to Workers or child processes; its
 * multithreading for I/O maps to async/await on the event loop, or to
 * Workers with a `SharedArrayBuffer` when data must be shared often.
 *
 * @param traits Your answers; only those on the path taken are needed.
 * @returns The recommendation with its steps.
 * @throws {TypeError} When an answer the path needs is not a boolean.
 *
 * @example
 * ```ts
 * import { recommend } from "./recommend.ts";
 * import assert from "node:assert/strict";
 * const r = recommend({ cpuBound: true, independentChunks: true });
 * assert.match(r.choice, /Workers/);
 * assert.equal(r.steps.length, 2);
 * ```
 */
export function recommend(traits: WorkloadTraits): Recommendation {
  const steps: Step[] = [];
  const yes = (value: boolean) => (value ? "yes" : "no");
  const cpu = need(traits, "cpuBound");
  steps.push({
    question: "Is your task CPU-intensive?",
    answer: yes(cpu),
    why: cpu
      ? "Only more cores help CPU work; the one event loop runs one thing at a time."
      : "Without heavy computing, the question is how much the work waits.",
  });
  if (cpu) {
    const chunks = need(traits, "independentChunks");
    steps.push({
      question: "Can you break it into independent chunks?",
      answer: yes(chunks),
      why: chunks
        ? "Independent chunks can run on separate cores with little talking."
        : "Chunks that depend on each other serialize; parallel units would mostly wait.",
    });
    return chunks
      ? {
        choice:
          "Workers (a WorkerPool), or child processes (a ProcessPool) when you need crash isolation or separate permissions",
        python: "multiprocessing",
        steps,
      }
      : {
        choice:
          "Sequential code, or a better algorithm; keep it off the main loop with one Worker if it must stay responsive",
        python: "sequential or specialized algorithms",
        steps,
      };
  }
  const io = need(traits, "ioBound");
  steps.push({
    question: "Is your task I/O-bound?",
    answer: yes(io),
    why: io
      ? "Waiting is what the event loop overlaps for free."
      : "Neither computing hard nor waiting: there is nothing to overlap.",
  });
  if (!io) {
    return {
      choice: "Sequential code",
      python: "sequential processing",
      steps,
    };
  }
  const share = need(traits, "shareDataOften");
  steps.push({
    question: "Do you need to share data frequently?",
    answer: yes(share),
    why: share
      ? "Async tasks already share one heap; Workers share only a SharedArrayBuffer, with Atomics."
      : "Without sharing, the count of operations decides.",
  });
  if (share) {
    return {
      choice:
        "async/await on the event loop (one heap, no locks needed between awaits); Workers with a SharedArrayBuffer only if CPU work joins in",
      python: "multithreading",
      steps,
    };
  }
  const many = need(traits, "manyIoOperations");
  steps.push({
    question: "How many I/O operations?",
    answer: many ? "many" : "few",
    why: many
      ? "Many waits overlap on the event loop; cap them with a concurrency limit."
      : "A few waits barely benefit from overlapping.",
  });
  return many
    ? {
      choice:
        "async/await with Promise.all and a concurrency limit, on the event loop",
      python: "multithreading",
      steps,
    }
    : {
      choice: "async/await, or plain sequential awaits",
      python: "async/await or sequential",
      steps,
    };
}
