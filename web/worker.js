// A worker's bootstrap: the first message is the compiled module, then Rust takes over.
import { initSync, worker_main } from './pkg/gotv_web.js';

self.onmessage = (e) => {
  self.onmessage = null;
  initSync({ module: e.data });
  worker_main();
};
