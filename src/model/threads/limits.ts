import type { ResourceLimits } from 'node:worker_threads';

/**
 * Limits for the inference and reduction workers. V8 otherwise grows each isolate's young
 * generation lazily up to 16 MB semi-spaces, which shows as a ~50 MB RSS climb over the first few
 * hundred analyses (not a leak, but indistinguishable from one in a long session). The workers
 * allocate little per token, so a small young generation costs nothing measurable.
 */
export const WORKER_RESOURCE_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 4 };
