export function writeUserTsconfig(dir: string, sources: { files: string[] } | { include: string[] }): void;
