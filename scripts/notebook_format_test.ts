// Notebooks are formatted with `deno fmt`, but checked here rather than by
// `deno fmt --check`: in Deno 2.9.6 `--check` reports every .ipynb as
// unformatted, with an empty diff, unless its incremental cache already holds
// the file (so it passes on a developer's machine and fails on a clean one).
// Formatting a copy and comparing bytes gives the same verdict everywhere.
import assert from "node:assert/strict";

const NOTEBOOK_DIRECTORIES = ["notebooks", "scripts/testdata"];
const root = new URL("../", import.meta.url);

function listNotebooks(): string[] {
  const paths: string[] = [];
  for (const directory of NOTEBOOK_DIRECTORIES) {
    for (const entry of Deno.readDirSync(new URL(directory, root))) {
      if (entry.isFile && entry.name.endsWith(".ipynb")) {
        paths.push(`${directory}/${entry.name}`);
      }
    }
  }
  return paths.sort();
}

for (const path of listNotebooks()) {
  Deno.test(`${path} is formatted as deno fmt formats it`, async () => {
    const original = await Deno.readTextFile(new URL(path, root));
    const directory = await Deno.makeTempDir();
    try {
      const copy = `${directory}/notebook.ipynb`;
      await Deno.writeTextFile(copy, original);
      const { success, stderr } = await new Deno.Command(Deno.execPath(), {
        args: ["fmt", "--quiet", "--no-config", copy],
        env: { NO_COLOR: "1" },
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.ok(success, new TextDecoder().decode(stderr));
      const formatted = await Deno.readTextFile(copy);
      assert.ok(
        formatted === original,
        `${path} is not formatted: run \`deno fmt --no-config ${path}\``,
      );
    } finally {
      await Deno.remove(directory, { recursive: true });
    }
  });
}
