import { installTestServer } from '../test-server/install.ts';

export default async function setup(): Promise<void> {
  await installTestServer();
}
