// A worker that speaks first: it posts at top level, before its parent has
// sent anything. It also answers every message, so the parent can tell a
// lost first message from a worker that never started.
self.onmessage = (event) => self.postMessage(`reply to ${event.data}`);
self.postMessage("first");
