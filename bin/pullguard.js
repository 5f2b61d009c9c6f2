#!/usr/bin/env node
// Runs the TypeScript entry directly (Node 24 strips types); `npm run build` emits dist/ for the container image.
import { runCli } from '../server/cli/main.ts';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
