/**
 * A pool's task module, given as a URL, a URL string or a file path, as the
 * URL a `Worker` or `deno run` loads. Internal.
 *
 * @module
 */

import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** The schemes `new Worker()` and `deno run` load modules from. */
const SCHEMES = ["file:", "http:", "https:", "data:"];

/**
 * `module` as a URL: a `URL` or an absolute URL string as it is, any other
 * string as a file path, absolute or relative to the current directory
 * (a notebook cell has no `import.meta.url` to build a URL from).
 *
 * @param context What was being done, for the error message.
 * @param module The module as given.
 * @throws {TypeError} When `module` is not a URL or a string, is empty, or
 *   names a scheme modules cannot be loaded from.
 */
export function moduleUrl(context: string, module: unknown): URL {
  const expected = "a URL, a URL string or a file path";
  if (!(module instanceof URL) && typeof module !== "string") {
    throw new TypeError(
      `${context}: 'module' must be ${expected}, received ${
        module === null ? "null" : typeof module
      }`,
    );
  }
  if (module === "") {
    throw new TypeError(
      `${context}: 'module' must be ${expected}, received an empty string`,
    );
  }
  const url = module instanceof URL ? module : asUrl(module);
  if (!SCHEMES.includes(url.protocol)) {
    throw new TypeError(
      `${context}: 'module' must be ${expected}; modules load from ${
        SCHEMES.join(", ")
      } URLs, received '${url.href}'`,
    );
  }
  return url;
}

function asUrl(module: string): URL {
  // A path is absolute, starts with a dot, or does not parse as a URL
  // ("workers/tasks.ts"); anything else with a scheme is a URL string.
  if (!isAbsolute(module) && !module.startsWith(".")) {
    try {
      return new URL(module);
    } catch {
      // A relative path.
    }
  }
  return pathToFileURL(resolve(module));
}
