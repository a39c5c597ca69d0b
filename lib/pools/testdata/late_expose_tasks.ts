/**
 * A task module that awaits before calling `expose()`, for the pool tests:
 * a worker's first hello arrives before anyone listens, so the pool must ask
 * again.
 *
 * @module
 */

import { expose } from "../expose.ts";
import { sleep } from "../../workloads/workloads.ts";

await sleep(600);
expose({ double: (n: number) => n * 2 });
