import assert from "node:assert/strict";
import { commandFailure, runCommand } from "./run_command.ts";

const DENO = Deno.execPath();

Deno.test("runCommand() returns the exit code, stdout and stderr of a command that succeeds", async () => {
  const result = await runCommand(DENO, [
    "eval",
    "console.log('out'); console.error('err')",
  ]);
  assert.deepEqual(result, {
    code: 0,
    success: true,
    stdout: "out\n",
    stderr: "err\n",
  });
});

Deno.test("runCommand() writes stdin, closes it, and adds the environment", async () => {
  const result = await runCommand(
    DENO,
    [
      "eval",
      "const text = await new Response(Deno.stdin.readable).text(); console.log(text.toUpperCase() + Deno.env.get('EXTRA'))",
    ],
    { stdin: "piped text", env: { EXTRA: "!" } },
  );
  assert.equal(result.stdout, "PIPED TEXT!\n");
});

Deno.test("runCommand() rejects a failed command with its code and the end of its stderr", async () => {
  await assert.rejects(
    runCommand(DENO, [
      "eval",
      "console.error('broken on purpose'); Deno.exit(3)",
    ], { what: "The probe" }),
    { message: "The probe exited with code 3: broken on purpose" },
  );
  await assert.rejects(
    runCommand(DENO, ["eval", "Deno.exit(4)"]),
    {
      message: `\`${DENO} eval Deno.exit(4)\` exited with code 4`,
    },
  );
});

Deno.test("runCommand() with allowFailure resolves with the non-zero code", async () => {
  const result = await runCommand(DENO, ["eval", "Deno.exit(70)"], {
    allowFailure: true,
  });
  assert.equal(result.code, 70);
  assert.equal(result.success, false);
});

Deno.test("runCommand() rejects with NotFound for a command that does not exist", async () => {
  await assert.rejects(
    runCommand("./no-such-command-here", []),
    Deno.errors.NotFound,
  );
});

Deno.test("commandFailure() keeps only the end of a long stderr", () => {
  const error = commandFailure("Child", 1, `${"x".repeat(5000)}END`);
  assert.ok(error.message.startsWith("Child exited with code 1: x"));
  assert.ok(error.message.endsWith("END"));
  assert.ok(error.message.length < 2100);
});
