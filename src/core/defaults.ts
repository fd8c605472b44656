/**
 * Defaults every front end shares (CLI flags, settings, the engine), so that a number means the same
 * wherever it is left out.
 */

/** Top predictions kept per token. */
export const DEFAULT_TOP_K = 10;
/** The most top predictions a request may ask for (each costs O(k) per token). */
export const MAX_TOP_K = 1000;
/** Largest document read by default (the CLI's --max-bytes). */
export const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;
/** Memory a default window may take (KV cache plus activations), before it is capped below the context. */
export const DEFAULT_WINDOW_MEMORY_MB = 2048;
