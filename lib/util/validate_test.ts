import assert from "node:assert/strict";
import { checkPositiveIntegers } from "./validate.ts";

Deno.test("checkPositiveIntegers names the bad value", () => {
  checkPositiveIntegers({ a: 1, b: 2 });
  assert.throws(() => checkPositiveIntegers({ workers: 0 }), {
    name: "RangeError",
    message:
      "Invalid parameter: 'workers' must be a positive integer, received 0",
  });
  assert.throws(() => checkPositiveIntegers({ repeats: 1.5 }), RangeError);
});
