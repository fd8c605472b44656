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
/** Default window: the context length capped at this many tokens for CPU; stride half of it. */
export const MAX_DEFAULT_WINDOW = 1024;
