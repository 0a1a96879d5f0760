// server/store/postgres-url.ts: the sslmode pg applies, written out so that pg prints no warning.
import { describe, expect, it } from "vitest";
import { sslModeOf, withExplicitSslMode } from "../../server/store/postgres-url.js";

describe("withExplicitSslMode", () => {
  it.each(["prefer", "require", "verify-ca"])("writes sslmode=%s as the verify-full pg 8 applies to it", (mode) => {
    expect(withExplicitSslMode(`postgres://u:p%40ss@db:5432/jobs?sslmode=${mode}`)).toBe(
      "postgres://u:p%40ss@db:5432/jobs?sslmode=verify-full",
    );
    expect(withExplicitSslMode(`postgres://db/jobs?application_name=x&sslmode=${mode}&connect_timeout=5`)).toBe(
      "postgres://db/jobs?application_name=x&sslmode=verify-full&connect_timeout=5",
    );
  });

  it("leaves every other URL as it is: no sslmode, disable, verify-full, and libpq's meanings asked for with uselibpqcompat", () => {
    for (const url of [
      "postgres://db/jobs",
      "postgres://db/jobs?sslmode=disable",
      "postgres://db/jobs?sslmode=verify-full",
      "postgres://db/jobs?uselibpqcompat=true&sslmode=require",
      "postgres://db/jobs?sslmode=requirex",
    ]) {
      expect(withExplicitSslMode(url)).toBe(url);
    }
  });

  it("sslModeOf reads the mode asked for", () => {
    expect(sslModeOf("postgres://db/jobs?a=1&sslmode=require")).toBe("require");
    expect(sslModeOf("postgres://db/jobs")).toBeUndefined();
  });
});
