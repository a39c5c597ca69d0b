import assert from "node:assert/strict";
import { PINNED_DENO_VERSION, pinnedDenoPath } from "./deno_pin.ts";

const root = new URL("../", import.meta.url);
const read = (path: string) => Deno.readTextFileSync(new URL(path, root));

/** Every `deno@VERSION` a text names. */
function namedVersions(text: string): string[] {
  return [...text.matchAll(/deno@(\d+\.\d+\.\d+)/g)].map((match) => match[1]);
}

Deno.test("PINNED_DENO_VERSION is the one version the README, .ci/run and notebook 00 name", () => {
  const readme = read("README.md");
  assert.ok(
    namedVersions(readme).length > 0,
    "the README names no deno@VERSION",
  );
  assert.deepEqual(
    [...new Set(namedVersions(readme))],
    [PINNED_DENO_VERSION],
    "README.md",
  );
  assert.ok(
    readme.includes(`npx -y deno@${PINNED_DENO_VERSION} jupyter --install`),
    "the README must tell learners to register the pinned Deno's kernel",
  );
  assert.match(
    read(".ci/run"),
    new RegExp(
      `^DENO_VERSION=${PINNED_DENO_VERSION.replaceAll(".", "\\.")}\\b`,
      "m",
    ),
  );
  const start = read("notebooks/00_start_here.ipynb");
  assert.deepEqual(
    [...new Set(namedVersions(start))],
    [PINNED_DENO_VERSION],
    "notebooks/00_start_here.ipynb",
  );
});

Deno.test("pinnedDenoPath() is an executable of the pinned version", async () => {
  const output = await new Deno.Command(await pinnedDenoPath(), {
    args: ["--version"],
    stdout: "piped",
  }).output();
  assert.match(
    new TextDecoder().decode(output.stdout),
    new RegExp(`^deno ${PINNED_DENO_VERSION.replaceAll(".", "\\.")} `),
  );
});
