import assert from "node:assert/strict";
import {
  assertInteger,
  assertMilliseconds,
  checkPositiveIntegers,
} from "./validate.ts";

Deno.test("assertInteger() accepts integers in range and names every bad value", () => {
  assertInteger("Cannot run", "n", 1);
  assertInteger("Cannot run", "n", Number.MAX_SAFE_INTEGER);
  assertInteger("Cannot run", "n", 0, { min: 0 });
  assertInteger("Cannot run", "n", 255, { min: 0, max: 255 });
  const cases: [unknown, { min?: number; max?: number }, string][] = [
    [0, {}, "a positive integer, received 0"],
    [-1, {}, "a positive integer, received -1"],
    [1.5, {}, "a positive integer, received 1.5"],
    [NaN, {}, "a positive integer, received NaN"],
    [Infinity, {}, "a positive integer, received Infinity"],
    ["2", {}, 'a positive integer, received "2"'],
    [undefined, {}, "a positive integer, received undefined"],
    [-1, { min: 0 }, "a non-negative integer, received -1"],
    [1001, { max: 1000 }, "a positive integer of at most 1000, received 1001"],
    [256, { min: 0, max: 255 }, "an integer from 0 to 255, received 256"],
    [1, { min: 2 }, "an integer of at least 2, received 1"],
    [0.5, { min: Number.MIN_SAFE_INTEGER }, "an integer, received 0.5"],
  ];
  for (const [value, range, expected] of cases) {
    assert.throws(() => assertInteger("Cannot run", "n", value, range), {
      name: "RangeError",
      message: `Cannot run: 'n' must be ${expected}`,
    });
  }
});

Deno.test("assertMilliseconds() accepts finite times in range and names every bad value", () => {
  assertMilliseconds("Cannot wait", "ms", 0.1);
  assertMilliseconds("Cannot wait", "ms", 0, { allowZero: true });
  assertMilliseconds("Cannot wait", "ms", 10, { max: 10 });
  const cases: [unknown, { allowZero?: boolean; max?: number }, string][] = [
    [0, {}, "a positive number of milliseconds, received 0"],
    [
      -1,
      { allowZero: true },
      "a non-negative number of milliseconds, received -1",
    ],
    [NaN, {}, "a positive number of milliseconds, received NaN"],
    [Infinity, {}, "a positive number of milliseconds, received Infinity"],
    ["5", {}, 'a positive number of milliseconds, received "5"'],
    [
      11,
      { max: 10 },
      "a positive number of milliseconds of at most 10, received 11",
    ],
  ];
  for (const [value, range, expected] of cases) {
    assert.throws(() => assertMilliseconds("Cannot wait", "ms", value, range), {
      name: "RangeError",
      message: `Cannot wait: 'ms' must be ${expected}`,
    });
  }
});

Deno.test("checkPositiveIntegers() names the bad value", () => {
  checkPositiveIntegers({ a: 1, b: 2 });
  assert.throws(() => checkPositiveIntegers({ workers: 0 }), {
    name: "RangeError",
    message:
      "Invalid parameter: 'workers' must be a positive integer, received 0",
  });
  assert.throws(() => checkPositiveIntegers({ repeats: 1.5 }), RangeError);
});
