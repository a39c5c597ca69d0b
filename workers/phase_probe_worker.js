// The worker of `measureWorkerPhases()` in lib/experiments/startup_memory_isolation.ts: it notes when
// its top-level code runs and when its first message arrives, as wall-clock
// milliseconds, in the SharedArrayBuffer the parent sends, then replies.
const topLevelAt = performance.timeOrigin + performance.now();
self.onmessage = (event) => {
  const stamps = new Float64Array(event.data);
  stamps[0] = topLevelAt;
  stamps[1] = performance.timeOrigin + performance.now();
  self.postMessage("stamped");
};
