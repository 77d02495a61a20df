// Scheduling helpers: coalesce work per animation frame, and throttle with a trailing call.

const raf =
  typeof requestAnimationFrame === "function"
    ? (fn) => requestAnimationFrame(fn)
    : (fn) => setTimeout(fn, 16);

/** Returns schedule(): many calls within one frame run `fn` once, on the next frame. */
export function perFrame(fn, { frame = raf } = {}) {
  let queued = false;
  return function schedule() {
    if (queued) return;
    queued = true;
    frame(() => {
      queued = false;
      fn();
    });
  };
}

/**
 * Call `fn` at most once per `ms`; the last call in a burst is never dropped (trailing flush).
 * Returns a function with `.flush()` (run a pending call now) and `.cancel()`.
 */
export function throttle(fn, ms, { now = () => Date.now(), timer = setTimeout, clear = clearTimeout } = {}) {
  let last = -Infinity;
  let pendingArgs = null;
  let handle = null;
  function run() {
    handle = null;
    last = now();
    const args = pendingArgs;
    pendingArgs = null;
    fn(...args);
  }
  function throttled(...args) {
    pendingArgs = args;
    const wait = last + ms - now();
    if (wait <= 0 && handle === null) run();
    else if (handle === null) handle = timer(run, Math.max(0, wait));
  }
  throttled.flush = () => {
    if (handle !== null) {
      clear(handle);
      run();
    }
  };
  throttled.cancel = () => {
    if (handle !== null) clear(handle);
    handle = null;
    pendingArgs = null;
  };
  return throttled;
}
