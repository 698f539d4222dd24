import { synthStack } from "./helpers";

test("synthesized stack (review configuration changes in this snapshot's diff)", () => {
  const stack = synthStack();
  // The backend path is absolute and differs per machine.
  const { backend: _machineSpecific, ...terraform } = stack.terraform;
  expect({ ...stack, terraform }).toMatchSnapshot();
});
