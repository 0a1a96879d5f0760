// Types of reference-intro.mjs, for the TypeScript tests that import it.
export function testModeBlock(guide: string): string;
export function referenceDescription(description: string, guide: string): string;
