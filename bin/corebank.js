#!/usr/bin/env node
// `npx corebank <command>`: the ops CLI (cli/main.ts). The repository runs TypeScript through tsx,
// a dev dependency that `npm install` puts in place, so there is nothing to build first.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
