// parseSessionLine, the check of one line of `jobs-api sessions import`: a bad line is an Error
// (InvalidSessionLine) whose message is the reason the import reports with the line number.
import { describe, expect, it } from "vitest";
import { InvalidSessionLine, parseSessionLine } from "../../server/sessions-import.js";

describe("parseSessionLine", () => {
  it("answers the session of a valid line", () => {
    expect(parseSessionLine('{"sessionId":"s","projectKey":"k","userId":"u","startedAt":1}')).toEqual({
      sessionId: "s",
      projectKey: "k",
      userId: "u",
      startedAt: 1,
    });
  });

  it.each([
    ["not json", "not valid JSON"],
    ["[1]", "expected a JSON object"],
    ['{"sessionId":"s","projectKey":"k","startedAt":1}', '"userId" must be a non-empty string'],
    ['{"sessionId":"s","projectKey":"k","userId":"u","startedAt":-1}', '"startedAt" must be epoch milliseconds'],
    ['{"sessionId":"s","projectKey":"k","userId":"u","startedAt":1,"x":1}', 'unknown field "x"'],
  ])("throws an InvalidSessionLine Error for %s", (line, reason) => {
    let thrown: unknown;
    try {
      parseSessionLine(line);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidSessionLine);
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toContain(reason);
  });
});
