// A worker's bootstrap: the first message is the compiled module, then Rust takes over.
import { initSync, worker_main } from './pkg/gotv_web.js';

self.onmessage = (e) => {
  self.onmessage = null;
  // The benchmark (tests/e2e/bench.mjs) reads the trace's memory from here.
  globalThis.gotvMemory = initSync({ module: e.data }).memory;
  worker_main();
};
