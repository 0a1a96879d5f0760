// Types of postgres-binaries.mjs.
export declare function reachableByPostgresUser(path: string): boolean;
export declare function embeddedPostgresEntry(onNotice?: (line: string) => void, from?: string): string;
