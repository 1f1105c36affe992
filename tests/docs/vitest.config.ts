import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

// The docs against the code they describe: no stack, a few seconds.
export default mergeConfig(shared, defineConfig({}));
