// A browser app built by a bundler (esbuild): resolves the package's `browser`/`import` build.
import { SwitchboardClient } from '@switchboard/client';

const client = new SwitchboardClient({ url: 'wss://rt.example.com', token: 'jwt' });
client.on('message', (m) => console.log(m.room, m.data));
void client.connect();
