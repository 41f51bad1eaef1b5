import assert from "node:assert/strict";
import { addOtherCommands, addOtherCommandStandIns, buildProgram } from "../lib/cli/_program.ts";

Deno.test("program help with command stand-ins is identical to help with the real commands", async () => {
  const real = buildProgram("1.0.0");
  await addOtherCommands(real);
  const standIns = buildProgram("1.0.0");
  addOtherCommandStandIns(standIns);
  assert.equal(standIns.helpInformation(), real.helpInformation());
  assert.match(real.helpInformation(), /\n {2}broker \[options\] /);
});
