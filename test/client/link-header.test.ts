import { describe, expect, it } from "vitest";
import { parseLinkHeader } from "../../client/index.js";

describe("parseLinkHeader (RFC 8288)", () => {
  it("reads the target and the quoted rel of a single link, as the spec's example writes it", () => {
    expect(parseLinkHeader('</api/v1/3sWXSsqHgSKnE87YkNJK/jobs?limit=2&after=3452>; rel="next"')).toEqual([
      { target: "/api/v1/3sWXSsqHgSKnE87YkNJK/jobs?limit=2&after=3452", rel: ["next"], params: { rel: "next" } },
    ]);
  });

  it("reads several links, and commas inside quoted values and inside the target do not split links", () => {
    const links = parseLinkHeader(
      '</jobs?ids=1,2>; rel="prev"; title="one, two", <https://example.com/doc>; rel=describedby,</jobs?after=9>;rel="next"',
    );
    expect(links.map((l) => [l.target, l.rel])).toEqual([
      ["/jobs?ids=1,2", ["prev"]],
      ["https://example.com/doc", ["describedby"]],
      ["/jobs?after=9", ["next"]],
    ]);
    expect(links[0]?.params.title).toBe("one, two");
  });

  it("splits a rel with several relation types and compares them case-insensitively", () => {
    const [link] = parseLinkHeader('</jobs?after=9>; REL="Next  Last"');
    expect(link?.rel).toEqual(["next", "last"]);
  });

  it("takes a token rel value, whitespace around ; and =, and unescapes quoted-pairs", () => {
    const [link] = parseLinkHeader('< /jobs?after=3 > ;  rel = next ; title="say \\"hi\\""');
    expect(link).toEqual({ target: "/jobs?after=3", rel: ["next"], params: { rel: "next", title: 'say "hi"' } });
  });

  it("ignores a second rel parameter (RFC 8288: the first one counts)", () => {
    expect(parseLinkHeader('</a>; rel="prev"; rel="next"')[0]?.rel).toEqual(["prev"]);
  });

  it("keeps a parameter without a value and a link without rel", () => {
    expect(parseLinkHeader("</a>; crossorigin, </b>")).toEqual([
      { target: "/a", rel: [], params: { crossorigin: "" } },
      { target: "/b", rel: [], params: {} },
    ]);
  });

  it("answers no links for an absent or empty header", () => {
    expect(parseLinkHeader(null)).toEqual([]);
    expect(parseLinkHeader(undefined)).toEqual([]);
    expect(parseLinkHeader("")).toEqual([]);
  });

  it("skips malformed parts without throwing and still finds the valid links", () => {
    expect(parseLinkHeader('garbage; rel="next, not a link", </ok>; rel=next, <unterminated').map((l) => l.target)).toEqual(["/ok"]);
  });
});
