// The command tables of docs/server.md and docs/packages.md name every command of `jobs-api`,
// as the command itself lists them: its --help, and each group's --help for its subcommands.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli } from "../support/cli.js";

/** The commands of a --help text: the first word of each entry of its "Commands:" section, without help. */
function commandsOf(help: string): string[] {
  const section = /\nCommands:\n([\s\S]*?)(\n\n|$)/.exec(help)?.[1] ?? "";
  return [...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!).filter((name) => name !== "help");
}

/** Every command, a group's as "group subcommand" (`project create`). */
async function everyCommand(): Promise<string[]> {
  const top = await runCli(["--help"], {});
  expect(top.code, top.stderr).toBe(0);
  const commands: string[] = [];
  for (const name of commandsOf(top.stdout)) {
    const help = await runCli([name, "--help"], {});
    const subcommands = commandsOf(help.stdout);
    commands.push(...(subcommands.length > 0 ? subcommands.map((sub) => `${name} ${sub}`) : [name]));
  }
  return commands;
}

const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

describe("the documented jobs-api commands", () => {
  let commands: string[];
  beforeAll(async () => {
    commands = await everyCommand();
  }, 120_000);

  it("are found in the command's help (serve, migrate, project create, ...)", () => {
    expect(commands).toEqual(expect.arrayContaining(["serve", "migrate", "sandbox", "project create", "sessions import", "demo"]));
  });

  it("each have a row in docs/server.md's table of the jobs-api command", () => {
    const table = read("docs/server.md")
      .split("\n")
      .filter((line) => line.startsWith("| `jobs-api "));
    expect(commands.filter((command) => !table.some((row) => row.startsWith(`| \`jobs-api ${command}`)))).toEqual([]);
  });

  it("are each named in docs/packages.md: the bin's row, and the server package's row of what to install", () => {
    const packages = read("docs/packages.md").split("\n");
    const bin = packages.find((line) => line.startsWith("| `jobs-api` (bin) |"))!;
    expect(commands.filter((command) => !bin.includes(`\`${command}\``))).toEqual([]);
    const install = packages.find((line) => line.includes("the reference server and the `jobs-api` command ("))!;
    const groups = [...new Set(commands.map((command) => command.split(" ")[0]!))];
    expect(groups.filter((group) => !install.includes(`\`${group}\``))).toEqual([]);
  });
});
