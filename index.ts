// Pulumi entry point: the program is chosen from config (see stacks/index.ts).
import { runStack } from "./stacks";

export = runStack;
