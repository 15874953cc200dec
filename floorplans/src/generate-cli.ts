import { writeFileSync } from "node:fs";

import { Command, InvalidArgumentError } from "commander";

import { generateFloorPlan } from "./generate.js";

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError("must be an integer");
  return n;
}

function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("must be a non-negative number");
  return n;
}

const program = new Command()
  .name("generate")
  .description("Write a synthetic, valid floor plan of N desks (deterministic per seed).")
  .requiredOption("--desks <n>", "number of desks", integer)
  .option("--seed <n>", "random seed", integer, 1)
  .option("--site <id>", "site id", "synthetic")
  .option("--floor <id>", "floor id", "floor-1")
  .option("--rooms-per-100 <n>", "meeting rooms per 100 desks", nonNegative, 4)
  .option("--out <file>", "output file (default: standard output)")
  .action(
    (options: { desks: number; seed: number; site: string; floor: string; roomsPer100: number; out?: string }) => {
      try {
        const plan = generateFloorPlan({
          desks: options.desks,
          seed: options.seed,
          siteId: options.site,
          floorId: options.floor,
          roomsPer100Desks: options.roomsPer100,
        });
        const json = `${JSON.stringify(plan, null, 2)}\n`;
        if (options.out === undefined) {
          process.stdout.write(json);
        } else {
          writeFileSync(options.out, json);
          process.stderr.write(`wrote ${plan.desks.length} desks, ${plan.rooms.length} rooms to ${options.out}\n`);
        }
      } catch (error) {
        program.error(`error: ${(error as Error).message}`, { exitCode: 2 });
      }
    },
  );

program.parse();
