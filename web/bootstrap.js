// Loads the wasm app; everything else is Rust. Reports a failure to start in the page.
import init from './pkg/gotv_web.js';

init().catch((e) => {
  const el = document.getElementById('panic');
  el.textContent = `gotv could not start: ${e}`;
  el.classList.remove('hidden');
});
