import assert from "node:assert/strict";
import { moduleUrl } from "./_module_url.ts";

Deno.test("moduleUrl() takes a URL, a URL string or a path", () => {
  const cwd = Deno.cwd();
  const cases: [string | URL, string][] = [
    [new URL("file:///srv/tasks.ts"), "file:///srv/tasks.ts"],
    ["file:///srv/tasks.ts", "file:///srv/tasks.ts"],
    ["https://example.com/tasks.ts", "https://example.com/tasks.ts"],
    ["/srv/tasks.ts", "file:///srv/tasks.ts"],
    ["/srv/a b#c?.ts", "file:///srv/a%20b%23c%3F.ts"],
    ["./tasks.ts", new URL("tasks.ts", `file://${cwd}/`).href],
    ["workers/tasks.ts", new URL("workers/tasks.ts", `file://${cwd}/`).href],
    ["../tasks.ts", new URL("../tasks.ts", `file://${cwd}/`).href],
  ];
  for (const [module, href] of cases) {
    assert.equal(moduleUrl("Cannot create pool", module).href, href);
  }
});

Deno.test("moduleUrl() names a bad module and what was expected", () => {
  const expected = "a URL, a URL string or a file path";
  const cases: [unknown, string][] = [
    [42, `must be ${expected}, received number`],
    [undefined, `must be ${expected}, received undefined`],
    ["", `must be ${expected}, received an empty string`],
    [
      "npm:piscina",
      `must be ${expected}; modules load from file:, http:, https:, data: URLs, received 'npm:piscina'`,
    ],
  ];
  for (const [module, message] of cases) {
    assert.throws(() => moduleUrl("Cannot create pool", module), {
      name: "TypeError",
      message: `Cannot create pool: 'module' ${message}`,
    });
  }
});
