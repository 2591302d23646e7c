// Loads the wasm app; everything else is Rust. The module is compiled once and handed to each
// worker (one per opened trace), which runs the same code off the main thread.
import init from './pkg/gotv_web.js';

const fail = (e) => {
  const el = document.getElementById('panic');
  el.textContent = `gotv could not start: ${e}`;
  el.classList.remove('hidden');
};

try {
  const bytes = await (await fetch(new URL('./pkg/gotv_web_bg.wasm', import.meta.url))).arrayBuffer();
  const module = await WebAssembly.compile(bytes);
  globalThis.gotvSpawnWorker = () => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.postMessage(module);
    return worker;
  };
  await init({ module_or_path: module });
} catch (e) {
  fail(e);
}
