#!/usr/bin/env node
// The installed `switchboard` command: runs the TypeScript sources through tsx, like every
// package in this repository (see docs/api.md, "CLI").
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
