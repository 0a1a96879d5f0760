/** A port the OS says is free on 127.0.0.1 now (it may be taken before it is used; unlikely). */
export function freePort(): Promise<number>;
