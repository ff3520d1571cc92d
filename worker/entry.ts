// The hub entry: detects SharedWorker or Service Worker global scope (filled in by the hub issue).
export {};
