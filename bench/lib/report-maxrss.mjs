// Preloaded into a child process (node --import): at exit, writes its peak resident memory
// (maxRSS, from getrusage) to stderr as one JSON line the bench reads.
process.on("exit", () => {
  process.stderr.write(`\n${JSON.stringify({ benchMaxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
});
