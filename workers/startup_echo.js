// The smallest worker, in plain JavaScript: answers every message with itself.
self.onmessage = (event) => self.postMessage(event.data);
