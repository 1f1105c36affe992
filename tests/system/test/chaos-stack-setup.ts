// Runs around every file of the chaos project: whatever a file killed or stopped (a failed test
// included), the next file finds every app running.
import { afterAll } from 'vitest';
import { startEveryApp } from './chaos-stack.ts';

afterAll(startEveryApp, 180_000);
